package dev.headstream.core.adapt.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.ingest.TaskKind;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Class tasks without an input transform are what they were before transforms existed (values
 * computed at 4c5538f, the commit before them, with this test's code): the same start heads, the
 * same state fingerprint and the same changelog record bytes after the same samples, so stores and
 * records written before the upgrade restore as they are.
 */
class ClassHeadCompatibilityTest {

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void tasksWithoutATransformKeepTheirStartHeadsFingerprintAndRecordBytes() throws Exception {
        ClassHeadTask meanStd = new ClassHeadTask(
                "who", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, List.of("a", "b", "c"), 11), 32);
        AdaptationEngine e = MelPoolingEngineTest.engine(MelPoolingEngineTest.withFrontEnd(), 2);
        BatchResult r = e.process(MelPoolingEngineTest.stream("home/c", 17, 9), 1_700_000_000_000L);
        e.commit(r);
        assertThat(meanStd.startSha256()).isEqualTo("43f21422c6402cf492e2631ffa8b57cca5f84a30eb3ef8acddfcca85d5d0a814");
        assertThat(e.classTasks().get("who").startSha256())
                .isEqualTo("5bb6847564e8e5aa46dfe91ddf6413d7a0fe6310c7d40ff276fcaff62ffc6fab");
        assertThat(sha256(e.stateFingerprint().getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("ff891a30b5a07acd09d0d8c235081debc42e9399a39af49eb2b8b08596301293");
        assertThat(sha256(e.stateRecords(r).get(0).toByteArray()))
                .isEqualTo("da78b08da509ca38d23bcf7a0ea5e7df9f70b092d77e05685fecd6c072ca1694");
    }
}
