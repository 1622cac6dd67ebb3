package dev.headstream.core.monitor;

import java.util.Arrays;

/**
 * Mean of the last {@code window} values (a fixed-size ring; sliding-window prequential
 * estimate).
 *
 * <p>Call order: {@link #add(double)} per value, {@link #mean()} at any time, {@link #reset()} to
 * forget. The running sum is recomputed from the ring every time the ring wraps, so rounding
 * error cannot accumulate over long streams; {@code add} is O(1) amortized and allocation-free.
 * Not thread-safe.
 */
public final class WindowedMean implements MonitorState {

    private final double[] ring;
    private int next;
    private int filled;
    private double sum;

    public WindowedMean(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1: " + window);
        }
        ring = new double[window];
    }

    private WindowedMean(WindowedMean o) {
        ring = o.ring.clone();
        next = o.next;
        filled = o.filled;
        sum = o.sum;
    }

    public WindowedMean copy() {
        return new WindowedMean(this);
    }

    public void add(double x) {
        Checks.finite(x, "value");
        if (filled == ring.length) {
            sum -= ring[next];
        } else {
            filled++;
        }
        ring[next] = x;
        sum += x;
        next++;
        if (next == ring.length) {
            next = 0;
            double s = 0;
            for (int i = 0; i < filled; i++) {
                s += ring[i];
            }
            sum = s;
        }
    }

    /** Mean of the values in the window; NaN when empty. */
    public double mean() {
        return filled == 0 ? Double.NaN : sum / filled;
    }

    /** Values currently in the window (at most {@link #window()}). */
    public int size() {
        return filled;
    }

    public int window() {
        return ring.length;
    }

    public void reset() {
        Arrays.fill(ring, 0);
        next = 0;
        filled = 0;
        sum = 0;
    }

    @Override
    public int stateSize() {
        return 3 + ring.length;
    }

    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, stateSize());
        dst[offset] = next;
        dst[offset + 1] = filled;
        dst[offset + 2] = sum;
        System.arraycopy(ring, 0, dst, offset + 3, ring.length);
        return offset + stateSize();
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, stateSize());
        long n = Checks.count(src[offset]);
        long f = Checks.count(src[offset + 1]);
        if (n >= ring.length || f > ring.length) {
            throw new IllegalArgumentException("ring position " + n + "/" + f + " outside window " + ring.length);
        }
        next = (int) n;
        filled = (int) f;
        sum = src[offset + 2];
        System.arraycopy(src, offset + 3, ring, 0, ring.length);
        return offset + stateSize();
    }
}
