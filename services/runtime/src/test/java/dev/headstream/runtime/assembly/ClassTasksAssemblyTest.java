package dev.headstream.runtime.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.assembly.EngineSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

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
}
