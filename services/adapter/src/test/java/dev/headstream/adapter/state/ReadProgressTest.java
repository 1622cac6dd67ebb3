package dev.headstream.adapter.state;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A read that stands still fails after the bound; one that moves, however slowly, never does. */
class ReadProgressTest {

    private final AtomicLong clock = new AtomicLong(5_000);
    private final ReadProgress progress = new ReadProgress(Duration.ofSeconds(120), clock::get);

    private void after(long seconds) {
        clock.addAndGet(Duration.ofSeconds(seconds).toNanos());
    }

    @Test
    void aReadThatStandsStillForTheBoundFailsNamingWhereItStands() {
        progress.at(10, "reading changelog partition headstream.adapter-state-0 to offset 99");
        after(119);
        assertThatCode(() -> progress.at(10, "read")).doesNotThrowAnyException();
        after(1);
        assertThatThrownBy(() -> progress.at(10, "reading changelog partition headstream.adapter-state-0 to offset 99"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("reading changelog partition headstream.adapter-state-0 to offset 99 made no progress for"
                        + " 120 s (stuck at 10): is the broker reachable?");
    }

    @Test
    void everyStepForwardStartsTheBoundAgainAndTheFirstNoteIsAStep() {
        after(500);
        progress.at(0, "read");
        for (long p = 1; p <= 5; p++) {
            after(100);
            long at = p;
            assertThatCode(() -> progress.at(at, "read")).doesNotThrowAnyException();
        }
        after(100);
        assertThatCode(() -> progress.at(3, "read"))
                .as("a smaller position is no step forward, but the bound runs from the last step")
                .doesNotThrowAnyException();
        after(20);
        assertThatThrownBy(() -> progress.at(5, "read")).isInstanceOf(IllegalStateException.class);
    }
}
