package dev.headstream.core.adapt.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class DedupWindowTest {

    @Test
    void fingerprintIsTheFirstEightBytesOfTheSha256OfTheUtf8BytesBigEndian() {
        // printf '%s' ID | sha256sum | cut -c1-16
        assertThat(DedupWindow.fingerprint("")).isEqualTo(0xe3b0c44298fc1c14L);
        assertThat(DedupWindow.fingerprint("a-1")).isEqualTo(0x2f8fe63a6224321dL);
        assertThat(DedupWindow.fingerprint("123e4567-e89b-12d3-a456-426614174000"))
                .isEqualTo(0x986c0dc956dc822bL);
        assertThat(DedupWindow.fingerprint("\u00e9")).as("UTF-8, not Latin-1").isEqualTo(0x4a99557e4033c353L);
    }

    @Test
    void aRepeatWithinTheWindowIsRefusedAndChangesNothing() {
        DedupWindow w = new DedupWindow(4);
        assertThat(w.add(11)).isTrue();
        assertThat(w.add(12)).isTrue();
        assertThat(w.add(11)).isFalse();
        assertThat(w.fingerprints()).containsExactly(11, 12);
        assertThat(w.contains(11)).isTrue();
        assertThat(w.contains(13)).isFalse();
    }

    @Test
    void theOldestLeavesAFullWindowInArrivalOrder() {
        DedupWindow w = new DedupWindow(4);
        for (long f = 1; f <= 6; f++) {
            assertThat(w.add(f)).isTrue();
        }
        assertThat(w.fingerprints()).containsExactly(3, 4, 5, 6);
        assertThat(w.size()).isEqualTo(4);
        assertThat(w.contains(1)).isFalse();
        assertThat(w.contains(2)).isFalse();
        assertThat(w.add(3)).as("still in the window").isFalse();
        assertThat(w.add(1)).as("left the window").isTrue();
        assertThat(w.fingerprints()).containsExactly(4, 5, 6, 1);
    }

    @Test
    void aWindowLargerThanItsFirstArraysGrowsToItsCapacityAndNoFurther() {
        DedupWindow w = new DedupWindow(100);
        for (long f = 1; f <= 250; f++) {
            w.add(f);
        }
        assertThat(w.size()).isEqualTo(100);
        assertThat(w.fingerprints())
                .containsExactly(LongStream.rangeClosed(151, 250).toArray());
    }

    @Test
    void fingerprintZeroIsHeldLikeAnyOther() {
        DedupWindow w = new DedupWindow(2);
        assertThat(w.contains(0)).isFalse();
        assertThat(w.add(0)).isTrue();
        assertThat(w.add(0)).isFalse();
        assertThat(w.contains(0)).isTrue();
        w.add(5);
        w.add(6);
        assertThat(w.contains(0)).isFalse();
        assertThat(w.add(0)).isTrue();
        assertThat(w.fingerprints()).containsExactly(6, 0);
    }

    @Test
    void aWindowOfZeroRemembersNothing() {
        DedupWindow w = new DedupWindow(0);
        assertThat(w.add(7)).isTrue();
        assertThat(w.add(7)).isTrue();
        assertThat(w.contains(7)).isFalse();
        assertThat(w.fingerprints()).isEmpty();
    }

    @Test
    void copiesAreIndependent() {
        DedupWindow w = new DedupWindow(3);
        w.add(1);
        w.add(2);
        DedupWindow c = w.copy();
        c.add(3);
        c.add(4);
        w.add(9);

        assertThat(w.fingerprints()).containsExactly(1, 2, 9);
        assertThat(c.fingerprints()).containsExactly(2, 3, 4);
        assertThat(w.contains(4)).isFalse();
        assertThat(c.contains(9)).isFalse();
        assertThat(c.contains(1)).isFalse();
        assertThat(w.contains(1)).isTrue();
    }

    @Test
    void refusesANegativeOrTooLargeCapacity() {
        assertThatThrownBy(() -> new DedupWindow(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dedup window of -1 sample ids; it must be 0 to 536870912");
        assertThatThrownBy(() -> new DedupWindow(DedupWindow.MAX_CAPACITY + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new DedupWindow(DedupWindow.MAX_CAPACITY).fingerprints()).isEmpty();
    }

    /**
     * The window against the one it replaced (an {@code ArrayDeque} in arrival order and a
     * {@code HashSet}), on random streams: fingerprints from a range a little larger than the
     * window (many repeats, 0 among them, probe runs that form and are shifted back on removal) and
     * from all 64-bit values. Every answer, and the window, must be the same.
     */
    @Test
    void answersAsTheDequeAndHashSetItReplacesOnRandomStreams() {
        SplittableRandom random = new SplittableRandom(16);
        for (int capacity : new int[] {1, 2, 3, 5, 16, 17, 64, 100, 4096}) {
            for (long range : new long[] {capacity + 1L, 2L * capacity + 3, 0}) {
                DedupWindow w = new DedupWindow(capacity);
                ArrayDeque<Long> order = new ArrayDeque<>();
                Set<Long> seen = new HashSet<>();
                for (int step = 0; step < 20 * capacity + 200; step++) {
                    long f = range == 0 ? random.nextLong() : random.nextLong(range);
                    boolean contained = w.contains(f);
                    boolean expected = seen.add(f);
                    if (expected) {
                        order.addLast(f);
                        while (order.size() > capacity) {
                            seen.remove(order.removeFirst());
                        }
                    }
                    boolean added = w.add(f);
                    if (contained == expected || added != expected || (capacity < 20 && !same(w, order))) {
                        assertThat(List.of(contained, added, w.fingerprints()))
                                .as("capacity %d, step %d, fingerprint %d", capacity, step, f)
                                .isEqualTo(List.of(!expected, expected, window(order)));
                    }
                }
                assertThat(w.fingerprints()).containsExactly(window(order));
                assertThat(order).allMatch(w::contains);
            }
        }
    }

    private static long[] window(ArrayDeque<Long> order) {
        return order.stream().mapToLong(Long::longValue).toArray();
    }

    private static boolean same(DedupWindow w, ArrayDeque<Long> order) {
        return Arrays.equals(w.fingerprints(), window(order));
    }
}
