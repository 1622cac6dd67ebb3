package dev.headstream.core.adapt.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WindowSetTest {

    @Test
    void windowsComeBackAscendingWhateverTheirGaps() {
        SplittableRandom r = new SplittableRandom(4);
        int[] windows = r.ints(2_048, 0, 44_600).distinct().toArray();
        byte[] packed = WindowSet.pack(windows);
        int[] sorted = windows.clone();
        Arrays.sort(sorted);
        assertThat(WindowSet.unpack(packed)).containsExactly(sorted);
        assertThat(packed.length).as("mostly one byte per window").isLessThan(2 * windows.length);

        int[] edges = {Integer.MAX_VALUE, 0, 127, 128, 16_383, 16_384, 1 << 28};
        int[] edgesSorted = edges.clone();
        Arrays.sort(edgesSorted);
        assertThat(WindowSet.unpack(WindowSet.pack(edges))).containsExactly(edgesSorted);
        assertThat(WindowSet.unpack(WindowSet.pack(new int[0]))).isEmpty();
    }

    @Test
    void aNegativeWindowIsRefused() {
        assertThatThrownBy(() -> WindowSet.pack(new int[] {3, -1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}
