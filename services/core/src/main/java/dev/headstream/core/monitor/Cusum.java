package dev.headstream.core.monitor;

/**
 * One-sided (upper) CUSUM, Page's cumulative-sum test (Page 1954): {@code S_0 = 0},
 * {@code S_t = max(0, S_{t-1} + x_t - delta)}, alarm when {@code S_t > h}. It detects an increase
 * of the mean of {@code x} above 0; {@code delta} (the drift allowance, the "reference value" k)
 * is usually half the smallest shift worth detecting, and {@code h} sets the in-control average
 * run length ARL0 (see {@link ArlCalibrator}).
 *
 * <p>Lifecycle as in {@link ChangeDetector}: after an alarm the statistic keeps accumulating and
 * {@link #alarm()} stays true until {@link #reset()}. Allocation-free; not thread-safe.
 */
public final class Cusum implements ChangeDetector {

    private final double delta;
    private final double h;
    private double s;
    private long n;
    private long alarmAt = -1;

    /**
     * @param delta drift allowance, {@code >= 0}
     * @param h threshold, {@code > 0}
     */
    public Cusum(double delta, double h) {
        if (!(delta >= 0) || !Double.isFinite(delta)) {
            throw new IllegalArgumentException("drift allowance must be finite and >= 0: " + delta);
        }
        if (!(h > 0) || !Double.isFinite(h)) {
            throw new IllegalArgumentException("threshold must be finite and > 0: " + h);
        }
        this.delta = delta;
        this.h = h;
    }

    @Override
    public boolean input(double x) {
        Checks.finite(x, "observation");
        n++;
        s = Math.max(0, s + x - delta);
        if (s > h && alarmAt < 0) {
            alarmAt = n;
            return true;
        }
        return false;
    }

    @Override
    public boolean alarm() {
        return alarmAt >= 0;
    }

    @Override
    public double statistic() {
        return s;
    }

    @Override
    public double threshold() {
        return h;
    }

    public double delta() {
        return delta;
    }

    @Override
    public long samples() {
        return n;
    }

    @Override
    public long alarmSample() {
        return alarmAt;
    }

    @Override
    public void reset() {
        s = 0;
        n = 0;
        alarmAt = -1;
    }

    @Override
    public Cusum copy() {
        Cusum c = new Cusum(delta, h);
        c.s = s;
        c.n = n;
        c.alarmAt = alarmAt;
        return c;
    }

    @Override
    public int stateSize() {
        return 3;
    }

    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, 3);
        dst[offset] = s;
        dst[offset + 1] = n;
        dst[offset + 2] = alarmAt;
        return offset + 3;
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, 3);
        if (!(src[offset] >= 0) || !Double.isFinite(src[offset]) || src[offset + 2] < -1) {
            throw new IllegalArgumentException("bad CUSUM state");
        }
        s = src[offset];
        n = Checks.count(src[offset + 1]);
        alarmAt = (long) src[offset + 2];
        return offset + 3;
    }
}
