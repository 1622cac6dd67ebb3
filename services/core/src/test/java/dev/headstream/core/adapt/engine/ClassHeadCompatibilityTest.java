package dev.headstream.core.adapt.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.wire.SampleDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Class tasks without an input transform are what they were before transforms existed: the same
 * start heads, state fingerprints, changelog record bytes and published head bytes after the same
 * 17 samples, for a {@code mean-std} and a {@code mel-cepstrum} task. The values were computed at
 * {@code 4c5538f}, the commit before transforms, with this test's code (printed there, not taken
 * from the code under test), so stores and records written before the upgrade restore as they are
 * and consumers see the same versions.
 */
class ClassHeadCompatibilityTest {

    /** Per pooling (mean-std, then mel-cepstrum): start SHA-256, fingerprint, record and head digests. */
    private static final String[][] AT_4C5538F = {
        {
            "43f21422c6402cf492e2631ffa8b57cca5f84a30eb3ef8acddfcca85d5d0a814",
            "d05ba8e2699f8308a3def921a68fa3158f7fbc92ba26c97818b8bb717ee9bdd3",
            "eefd63d861256be9ffa4d45e7a76ba90f18354ed69e0005b333a5e56b6ce78f4",
            "a13108173ac635d540e15182f617f0f47e9ed6950a422e43a5de0201084622fa"
        },
        {
            "5bb6847564e8e5aa46dfe91ddf6413d7a0fe6310c7d40ff276fcaff62ffc6fab",
            "ff891a30b5a07acd09d0d8c235081debc42e9399a39af49eb2b8b08596301293",
            "da78b08da509ca38d23bcf7a0ea5e7df9f70b092d77e05685fecd6c072ca1694",
            "d0142be0d5aaa5c9e92ed74603972603a4d44e996fa7733016e10b017a73d15a"
        }
    };

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void tasksWithoutATransformKeepTheirStartHeadsFingerprintRecordAndHeadBytes() throws Exception {
        for (boolean mel : new boolean[] {false, true}) {
            Backbone backbone = MelPoolingEngineTest.withFrontEnd();
            ClassRecipe d = ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, List.of("ann", "bob", "cat"), 11);
            ClassRecipe recipe = mel
                    ? new ClassRecipe(
                            d.kind(),
                            d.labels(),
                            d.startSeed(),
                            d.hidden(),
                            d.learningRate(),
                            d.l2sp(),
                            d.maxGradientNorm(),
                            d.steps(),
                            d.batch(),
                            d.replayBuffer(),
                            dev.headstream.core.embed.ClipPooling.MEL_CEPSTRUM)
                    : d;
            AdaptationEngine e = new AdaptationEngine(
                    backbone,
                    new SampleDecoder(1 << 16, backbone, Map.of("who", recipe.taskKind())),
                    Map.of(),
                    Map.of("who", new ClassHeadTask("who", recipe, 32)),
                    64,
                    1,
                    AdaptationEngine.OnlineRehearsal.OFF,
                    RateLimit.OFF,
                    AdaptationEngine.UNBOUNDED,
                    2);
            BatchResult r = e.process(MelPoolingEngineTest.stream("home/c", 17, 9), 1_700_000_000_000L);
            e.commit(r);
            String[] expected = AT_4C5538F[mel ? 1 : 0];
            String what = mel ? "mel-cepstrum" : "mean-std";
            assertThat(e.classTasks().get("who").startSha256())
                    .as(what + " start")
                    .isEqualTo(expected[0]);
            assertThat(sha256(e.stateFingerprint().getBytes(StandardCharsets.UTF_8)))
                    .as(what + " fingerprint")
                    .isEqualTo(expected[1]);
            assertThat(sha256(e.stateRecords(r).get(0).toByteArray()))
                    .as(what + " record")
                    .isEqualTo(expected[2]);
            assertThat(sha256(r.heads().get(r.heads().size() - 1).toByteArray()))
                    .as(what + " head")
                    .isEqualTo(expected[3]);
        }
    }
}
