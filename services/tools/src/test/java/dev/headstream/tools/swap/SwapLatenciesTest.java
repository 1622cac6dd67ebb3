package dev.headstream.tools.swap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SwapLatenciesTest {

    private static final long MS = 1_000_000L;

    @Test
    void aSampleIsInUseAtTheFirstTickOfAVersionThatContainsIt() {
        // sent at 0 (wall clock 1,000 ms) as offset 7 of partition 2
        SwapLatencies.Sent s = new SwapLatencies.Sent(0, 2, 7, 0, 1_000);
        List<SwapLatencies.Built> built = List.of(
                new SwapLatencies.Built(3, 2, 6, 900, 50 * MS, 51 * MS),
                // the batch holding the sample began at 1,020 ms; the follower got the head at 300 ms
                new SwapLatencies.Built(4, 2, 8, 1_020, 300 * MS, 302 * MS));
        List<SwapLatencies.InUse> ticks =
                List.of(new SwapLatencies.InUse(3, 80 * MS), new SwapLatencies.InUse(4, 320 * MS));

        SwapLatencies.Latency l = SwapLatencies.of(s, built, ticks).orElseThrow();

        assertThat(l.total()).isCloseTo(320, within(1e-9));
        assertThat(l.toBatchStart()).isCloseTo(20, within(1e-9));
        assertThat(l.batchToFollower()).isCloseTo(280, within(1e-9));
        assertThat(l.build()).isCloseTo(2, within(1e-9));
        assertThat(l.untilInUse()).isCloseTo(18, within(1e-9));
        assertThat(l.toBatchStart() + l.batchToFollower() + l.build() + l.untilInUse())
                .as("the parts add up")
                .isCloseTo(l.total(), within(1e-9));
    }

    @Test
    void aTickThatSkippedTheFirstContainingVersionCountsAtTheNewerOne() {
        SwapLatencies.Sent s = new SwapLatencies.Sent(0, 0, 10, 0, 0);
        List<SwapLatencies.Built> built = List.of(
                new SwapLatencies.Built(5, 0, 10, 5, 100 * MS, 101 * MS),
                new SwapLatencies.Built(6, 0, 11, 120, 150 * MS, 151 * MS));
        // the tick never saw version 5: version 6 replaced it within one step
        List<SwapLatencies.InUse> ticks = List.of(new SwapLatencies.InUse(6, 160 * MS));

        SwapLatencies.Latency l = SwapLatencies.of(s, built, ticks).orElseThrow();

        assertThat(l.total()).isCloseTo(160, within(1e-9));
        assertThat(l.untilInUse()).as("from version 5 built to the tick").isCloseTo(59, within(1e-9));
    }

    @Test
    void aSampleNoVersionContainsOrNoTickUsedIsUnresolved() {
        SwapLatencies.Sent s = new SwapLatencies.Sent(0, 1, 10, 0, 0);
        List<SwapLatencies.Built> other = List.of(new SwapLatencies.Built(2, 0, 99, 0, 0, 0));
        List<SwapLatencies.Built> built = List.of(new SwapLatencies.Built(2, 1, 10, 0, 0, 0));

        assertThat(SwapLatencies.of(s, other, List.of(new SwapLatencies.InUse(2, 0))))
                .as("another partition's offsets say nothing")
                .isEmpty();
        assertThat(SwapLatencies.of(s, built, List.of(new SwapLatencies.InUse(1, 0))))
                .isEmpty();
    }

    @Test
    void percentilesAreNearestRank() {
        double[] sorted = new double[200];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i + 1;
        }

        assertThat(SwapLatencies.percentile(sorted, 50)).isEqualTo(100);
        assertThat(SwapLatencies.percentile(sorted, 99)).isEqualTo(198);
        assertThat(SwapLatencies.percentile(sorted, 100)).isEqualTo(200);
        assertThat(SwapLatencies.percentile(new double[] {5}, 1)).isEqualTo(5);
        assertThat(SwapLatencies.percentile(new double[0], 50)).isNaN();
    }
}
