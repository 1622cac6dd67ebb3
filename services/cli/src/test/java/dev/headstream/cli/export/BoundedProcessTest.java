package dev.headstream.cli.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The time limit {@code OpenWakeWordRuntimeTest} runs {@code run-head.mjs} under. */
class BoundedProcessTest {

    @Test
    void aChildThatRunsPastTheLimitIsKilledAndFailsTheTestAtTheLimit(@TempDir Path dir) {
        long start = System.nanoTime();

        assertThatThrownBy(() -> BoundedProcess.run(
                        List.of("sh", "-c", "echo started >&2; exec sleep 60"), dir, dir, Duration.ofSeconds(1)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("sh -c echo started >&2; exec sleep 60 did not finish in 1 s and was killed")
                .hasMessageContaining("started");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void aChildThatWritesMoreThanAPipeHoldsIsReadWhole(@TempDir Path dir) throws Exception {
        byte[] out =
                BoundedProcess.run(List.of("head", "-c", "3000000", "/dev/zero"), dir, dir, Duration.ofSeconds(30));

        assertThat(out).hasSize(3_000_000);
    }

    @Test
    void aChildThatFailsFailsTheTestWithItsStandardError(@TempDir Path dir) {
        assertThatThrownBy(() -> BoundedProcess.run(
                        List.of("sh", "-c", "echo no such head >&2; exit 3"), dir, dir, Duration.ofSeconds(30)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("failed (exit 3)")
                .hasMessageContaining("no such head");
    }
}
