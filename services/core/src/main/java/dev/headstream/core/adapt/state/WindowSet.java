package dev.headstream.core.adapt.state;

import java.util.Arrays;

/**
 * A set of window numbers (non-negative ints) packed for a per-user state: ascending, each as the
 * unsigned LEB128 varint of its distance from the previous one. 2,048 windows spread over the
 * 44,600 of an hour of bank take about 2.1 KB instead of 8 KB as ints. Stateless.
 */
final class WindowSet {

    private WindowSet() {}

    /** {@code windows} (any order, each at least 0) ascending and packed. */
    static byte[] pack(int[] windows) {
        int[] sorted = windows.clone();
        Arrays.sort(sorted);
        byte[] out = new byte[sorted.length * 5];
        int n = 0;
        int previous = 0;
        for (int w : sorted) {
            if (w < 0) {
                throw new IllegalArgumentException("window numbers are at least 0, got " + w);
            }
            int gap = w - previous;
            while ((gap & ~0x7f) != 0) {
                out[n++] = (byte) ((gap & 0x7f) | 0x80);
                gap >>>= 7;
            }
            out[n++] = (byte) gap;
            previous = w;
        }
        return Arrays.copyOf(out, n);
    }

    /** The windows of {@link #pack}, ascending. */
    static int[] unpack(byte[] packed) {
        int count = 0;
        for (byte b : packed) {
            count += b >= 0 ? 1 : 0;
        }
        int[] out = new int[count];
        int previous = 0;
        int k = 0;
        int gap = 0;
        int shift = 0;
        for (byte b : packed) {
            gap |= (b & 0x7f) << shift;
            if (b >= 0) {
                previous += gap;
                out[k++] = previous;
                gap = 0;
                shift = 0;
            } else {
                shift += 7;
            }
        }
        return out;
    }
}
