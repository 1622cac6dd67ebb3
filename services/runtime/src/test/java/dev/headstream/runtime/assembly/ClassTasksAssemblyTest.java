package dev.headstream.runtime.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.head.InputTransform;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up refuses class tasks whose heads would not fit a user's changelog record or a consumer's decoder. */
class ClassTasksAssemblyTest {

    private static EngineSpec spec(String hidden, int labels, String replay) {
        Map<String, String> p = new HashMap<>();
        p.put("headstream.tasks.who.kind", "multi-label");
        p.put(
                "headstream.tasks.who.labels",
                IntStream.range(0, labels).mapToObj(i -> "l" + i).collect(Collectors.joining(",")));
        p.put("headstream.tasks.who.hidden", hidden);
        p.put("headstream.tasks.who.replay-buffer", replay);
        return EngineSpec.fromProperties(p);
    }

    @Test
    void theDefaultsFitAndTooLargeHeadsAreRefusedNamingTheKeys() {
        assertThat(EngineAssembly.classTasks(spec("64", 3, "64"), 96)).containsOnlyKeys("who");
        assertThat(EngineAssembly.classTasks(spec("64", 3, "64"), 96).get("who").maxStateBytes())
                .isLessThan(300_000);
        // 1.84 M parameters: 22 MB of parameters and Adam moments alone
        assertThatThrownBy(() -> EngineAssembly.classTasks(spec("4096", 256, "64"), 96))
                .hasMessageContaining("take up to")
                .hasMessageContaining("lower their hidden, labels or replay-buffer");
        // 7.3 M parameters: more than a head record may hold
        assertThatThrownBy(() -> EngineAssembly.classTasks(spec("4096", 256, "64"), 1024))
                .hasMessageContaining("parameters")
                .hasMessageContaining("headstream.tasks.who.{hidden,labels,replay-buffer}");
        // a full replay buffer of wide inputs
        assertThatThrownBy(() -> EngineAssembly.classTasks(spec("64", 3, "4096"), 2048))
                .hasMessageContaining("take up to");
    }

    @Test
    void anInputTransformIsReadFromTheModelsDirAndAMissingOneIsNamedByItsKey(@TempDir Path models) throws Exception {
        int width = 2 * 96;
        InputTransform t = InputTransform.of(
                ClipPooling.MEAN_STD, width, width, new float[width * width], new float[width], "zeros");
        t.write(models.resolve("transforms/t.hsit"));
        Map<String, String> p = new HashMap<>();
        p.put("headstream.models-dir", models.toString());
        p.put("headstream.tasks.who.kind", "multi-class");
        p.put("headstream.tasks.who.labels", "a,b");
        p.put("headstream.tasks.who.input-transform", "transforms/t.hsit");
        ClassHeadTask task =
                EngineAssembly.classTasks(EngineSpec.fromProperties(p), 96).get("who");
        assertThat(task.inputTransform()).contains(t);
        // an absolute path is taken as it is
        p.put(
                "headstream.tasks.who.input-transform",
                models.resolve("transforms/t.hsit").toString());
        assertThat(EngineAssembly.classTasks(EngineSpec.fromProperties(p), 96)
                        .get("who")
                        .inputTransform())
                .contains(t);
        p.put("headstream.tasks.who.input-transform", "transforms/missing.hsit");
        assertThatThrownBy(() -> EngineAssembly.classTasks(EngineSpec.fromProperties(p), 96))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("headstream.tasks.who.input-transform: cannot read input transform "
                        + models.resolve("transforms/missing.hsit"));
        // a transform of another width than the task's pooling
        p.put("headstream.tasks.who.input-transform", "transforms/t.hsit");
        assertThatThrownBy(() -> EngineAssembly.classTasks(EngineSpec.fromProperties(p), 48))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("headstream.tasks.who.input-transform (" + models.resolve("transforms/t.hsit")
                        + "): task 'who': ")
                .hasMessageContaining("reads mean-std vectors of 192 values; the task pools mean-std vectors of 96");
        // pinned: the file must be the one pinned
        p.put("headstream.tasks.who.input-transform-sha256", t.sha256());
        assertThat(EngineAssembly.classTasks(EngineSpec.fromProperties(p), 96)).containsOnlyKeys("who");
        p.put("headstream.tasks.who.input-transform-sha256", "0".repeat(64));
        assertThatThrownBy(() -> EngineAssembly.classTasks(EngineSpec.fromProperties(p), 96))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("headstream.tasks.who.input-transform (")
                .hasMessageContaining("input-transform-sha256 pins " + "0".repeat(64));
    }
}
