package dev.headstream.core.monitor;

/**
 * Fading-factor mean (Gama, Sebastiao and Rodrigues, "On evaluating stream learning
 * algorithms", 2013): {@code S = x + alpha * S}, {@code N = 1 + alpha * N}, mean {@code S / N}.
 * With {@code alpha = 1} it is the mean of everything seen; the effective memory is about
 * {@code 1 / (1 - alpha)} values.
 *
 * <p>Call order: {@link #add(double)} per value, {@link #mean()} at any time, {@link #reset()}.
 * Allocation-free; not thread-safe.
 */
public final class FadingMean implements MonitorState {

    private final double alpha;
    private double sum;
    private double weight;

    public FadingMean(double alpha) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("fading factor must be in (0, 1]: " + alpha);
        }
        this.alpha = alpha;
    }

    public FadingMean copy() {
        FadingMean c = new FadingMean(alpha);
        c.sum = sum;
        c.weight = weight;
        return c;
    }

    public void add(double x) {
        Checks.finite(x, "value");
        sum = x + alpha * sum;
        weight = 1 + alpha * weight;
    }

    /** The faded mean; NaN before the first value. */
    public double mean() {
        return weight == 0 ? Double.NaN : sum / weight;
    }

    public double alpha() {
        return alpha;
    }

    public void reset() {
        sum = 0;
        weight = 0;
    }

    @Override
    public int stateSize() {
        return 2;
    }

    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, 2);
        dst[offset] = sum;
        dst[offset + 1] = weight;
        return offset + 2;
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, 2);
        if (!(src[offset + 1] >= 0) || !Double.isFinite(src[offset])) {
            throw new IllegalArgumentException("bad fading-mean state");
        }
        sum = src[offset];
        weight = src[offset + 1];
        return offset + 2;
    }
}
