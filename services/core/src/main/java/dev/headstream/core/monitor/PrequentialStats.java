package dev.headstream.core.monitor;

/**
 * Prequential (test-then-train) loss and accuracy of one head on one stream: a sliding window of
 * the last {@code window} samples and a fading-factor estimate with factor {@code alpha}
 * (Gama, Sebastiao and Rodrigues 2013), plus the count of samples seen.
 *
 * <p>Call order: for each labeled sample, score it with the head <em>before</em> training on it
 * and call {@link #add(double, boolean)} with that loss and whether the decision was right; read
 * the estimates at any time; {@link #reset()} when the head is replaced (rollback). Allocation-free;
 * not thread-safe (work on a {@link #copy()}).
 */
public final class PrequentialStats implements MonitorState {

    private final WindowedMean windowLoss;
    private final WindowedMean windowCorrect;
    private final FadingMean fadingLoss;
    private final FadingMean fadingCorrect;
    private long count;

    public PrequentialStats(int window, double alpha) {
        windowLoss = new WindowedMean(window);
        windowCorrect = new WindowedMean(window);
        fadingLoss = new FadingMean(alpha);
        fadingCorrect = new FadingMean(alpha);
    }

    private PrequentialStats(PrequentialStats o) {
        windowLoss = o.windowLoss.copy();
        windowCorrect = o.windowCorrect.copy();
        fadingLoss = o.fadingLoss.copy();
        fadingCorrect = o.fadingCorrect.copy();
        count = o.count;
    }

    public PrequentialStats copy() {
        return new PrequentialStats(this);
    }

    /**
     * Records one prequential evaluation.
     *
     * @throws IllegalArgumentException when the loss is not finite
     */
    public void add(double loss, boolean correct) {
        Checks.finite(loss, "loss");
        windowLoss.add(loss);
        windowCorrect.add(correct ? 1 : 0);
        fadingLoss.add(loss);
        fadingCorrect.add(correct ? 1 : 0);
        count++;
    }

    /** Mean loss over the window; NaN before the first sample. */
    public double windowLoss() {
        return windowLoss.mean();
    }

    /** Accuracy over the window; NaN before the first sample. */
    public double windowAccuracy() {
        return windowCorrect.mean();
    }

    public double fadingLoss() {
        return fadingLoss.mean();
    }

    public double fadingAccuracy() {
        return fadingCorrect.mean();
    }

    /** Samples in the window. */
    public int windowCount() {
        return windowLoss.size();
    }

    /** Samples since construction or reset. */
    public long count() {
        return count;
    }

    public void reset() {
        windowLoss.reset();
        windowCorrect.reset();
        fadingLoss.reset();
        fadingCorrect.reset();
        count = 0;
    }

    @Override
    public int stateSize() {
        return 1 + windowLoss.stateSize() + windowCorrect.stateSize() + 4;
    }

    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, stateSize());
        dst[offset] = count;
        int o = windowLoss.writeState(dst, offset + 1);
        o = windowCorrect.writeState(dst, o);
        o = fadingLoss.writeState(dst, o);
        return fadingCorrect.writeState(dst, o);
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, stateSize());
        count = Checks.count(src[offset]);
        int o = windowLoss.readState(src, offset + 1);
        o = windowCorrect.readState(src, o);
        o = fadingLoss.readState(src, o);
        return fadingCorrect.readState(src, o);
    }
}
