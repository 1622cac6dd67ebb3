package dev.headstream.core.monitor;

/**
 * Page-Hinkley test for an increase of the mean (Page 1954; Hinkley 1971), in the online form of
 * MOA's {@code PageHinkleyDM}: with the running mean {@code m_t} of the observations,
 * {@code g_t = max(0, alpha * g_{t-1} + x_t - m_t - delta)}; alarm when {@code g_t > lambda} and
 * at least {@code minSamples} observations were seen. With {@code alpha = 1} it is the classic
 * {@code PH_t = U_t - min U}. Unlike {@link Cusum} it needs no known in-control mean. Calibrate
 * {@code lambda} to an ARL0 with {@link ArlCalibrator} on a null resembling the monitored stream
 * (for a 0/1 error stream, a Bernoulli null at the expected error rate).
 *
 * <p>Lifecycle as in {@link ChangeDetector}; the alarm stays until {@link #reset()}.
 * Allocation-free; not thread-safe.
 */
public final class PageHinkley implements ChangeDetector {

    private final double delta;
    private final double lambda;
    private final double alpha;
    private final int minSamples;
    private double mean;
    private double g;
    private long n;
    private long alarmAt = -1;

    /**
     * @param delta magnitude of change tolerated, {@code >= 0}
     * @param lambda threshold, {@code > 0}
     * @param alpha fading factor of the cumulative sum, in (0, 1]
     * @param minSamples observations before an alarm can be raised, {@code >= 1}
     */
    public PageHinkley(double delta, double lambda, double alpha, int minSamples) {
        if (!(delta >= 0) || !Double.isFinite(delta)) {
            throw new IllegalArgumentException("delta must be finite and >= 0: " + delta);
        }
        if (!(lambda > 0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and > 0: " + lambda);
        }
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1]: " + alpha);
        }
        if (minSamples < 1) {
            throw new IllegalArgumentException("minSamples must be >= 1: " + minSamples);
        }
        this.delta = delta;
        this.lambda = lambda;
        this.alpha = alpha;
        this.minSamples = minSamples;
    }

    @Override
    public boolean input(double x) {
        Checks.finite(x, "observation");
        n++;
        mean += (x - mean) / n;
        g = Math.max(0, alpha * g + x - mean - delta);
        if (n >= minSamples && g > lambda && alarmAt < 0) {
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
        return g;
    }

    @Override
    public double threshold() {
        return lambda;
    }

    /** Running mean of the observations since reset. */
    public double mean() {
        return mean;
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
        mean = 0;
        g = 0;
        n = 0;
        alarmAt = -1;
    }

    @Override
    public PageHinkley copy() {
        PageHinkley c = new PageHinkley(delta, lambda, alpha, minSamples);
        c.mean = mean;
        c.g = g;
        c.n = n;
        c.alarmAt = alarmAt;
        return c;
    }

    @Override
    public int stateSize() {
        return 4;
    }

    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, 4);
        dst[offset] = mean;
        dst[offset + 1] = g;
        dst[offset + 2] = n;
        dst[offset + 3] = alarmAt;
        return offset + 4;
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, 4);
        if (!Double.isFinite(src[offset]) || !(src[offset + 1] >= 0) || src[offset + 3] < -1) {
            throw new IllegalArgumentException("bad Page-Hinkley state");
        }
        mean = src[offset];
        g = src[offset + 1];
        n = Checks.count(src[offset + 2]);
        alarmAt = (long) src[offset + 3];
        return offset + 4;
    }
}
