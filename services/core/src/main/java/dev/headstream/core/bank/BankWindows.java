package dev.headstream.core.bank;

import java.util.Arrays;

/**
 * The windows of one {@link BankPart} that a head of {@code windowFrames} frames reads: every
 * position of every segment, numbered across segments in order. A window never spans two
 * segments, since segments are separate recordings. Immutable and thread-safe.
 */
public final class BankWindows {

    private final BankPart part;
    private final int windowFrames;
    /** First window number of each segment, and one past the last. */
    private final long[] start;

    public BankWindows(BankPart part, int windowFrames) {
        if (windowFrames < 1) {
            throw new IllegalArgumentException("windowFrames must be at least 1, was " + windowFrames);
        }
        this.part = part;
        this.windowFrames = windowFrames;
        this.start = new long[part.segments() + 1];
        for (int s = 0; s < part.segments(); s++) {
            start[s + 1] = start[s] + part.windows(s, windowFrames);
        }
        if (start[part.segments()] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "bank part " + part.file() + " has too many windows: " + start[part.segments()]);
        }
    }

    public BankPart part() {
        return part;
    }

    public int windowFrames() {
        return windowFrames;
    }

    /** Floats one window holds. */
    public int windowFloats() {
        return windowFrames * part.dim();
    }

    public int count() {
        return (int) start[start.length - 1];
    }

    /** Hours a detector scores here: one 80 ms step per window. */
    public double hours() {
        return count() * BankPart.FRAME_SECONDS / 3600.0;
    }

    public int segments() {
        return part.segments();
    }

    /** First window of segment {@code s}. */
    public int segmentStart(int s) {
        return (int) start[s];
    }

    /** One past the last window of segment {@code s}. */
    public int segmentEnd(int s) {
        return (int) start[s + 1];
    }

    /** The segment window {@code w} lies in. */
    public int segmentOf(int w) {
        if (w < 0 || w >= count()) {
            throw new IndexOutOfBoundsException("window " + w + " of " + count());
        }
        int i = Arrays.binarySearch(start, w);
        if (i >= 0) {
            while (i + 1 < start.length && start[i + 1] == w) {
                i++; // skip empty segments
            }
            return i;
        }
        return -i - 2;
    }

    /** Copies window {@code w} into {@code dst[0 .. windowFloats())}. */
    public void copy(int w, float[] dst) {
        int s = segmentOf(w);
        part.copyFrames(part.segmentStart(s) + (w - start[s]), windowFrames, dst, 0);
    }

    /** Copies window {@code w} into {@code dst[at ..]}. */
    public void copy(int w, float[] dst, int at) {
        int s = segmentOf(w);
        part.copyFrames(part.segmentStart(s) + (w - start[s]), windowFrames, dst, at);
    }
}
