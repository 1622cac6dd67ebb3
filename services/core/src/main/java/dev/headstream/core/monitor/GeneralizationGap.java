package dev.headstream.core.monitor;

/**
 * Generalization gap of an online head: for each trained sample, the prequential loss measured
 * before the update minus the training loss after it, averaged over a sliding window (and with a
 * fading factor). The sign follows the usual convention (test minus train): a positive and
 * growing gap means the head fits what it trains on better than what it has not yet seen, i.e.
 * over-fitting. (Training minus prequential loss is the negation: read {@code -gap()}.)
 *
 * <p>Call order per trained sample: prequential loss (scored before the train step), train step,
 * training loss of the updated head on the same mini-batch, then
 * {@link #add(double, double)}. Read {@link #gap()} at any time; {@link #reset()} after a
 * rollback. Allocation-free; not thread-safe.
 */
public final class GeneralizationGap implements MonitorState {

    private final WindowedMean gap;
    private final WindowedMean prequential;
    private final WindowedMean training;
    private final FadingMean fading;

    public GeneralizationGap(int window, double alpha) {
        gap = new WindowedMean(window);
        prequential = new WindowedMean(window);
        training = new WindowedMean(window);
        fading = new FadingMean(alpha);
    }

    private GeneralizationGap(GeneralizationGap o) {
        gap = o.gap.copy();
        prequential = o.prequential.copy();
        training = o.training.copy();
        fading = o.fading.copy();
    }

    public GeneralizationGap copy() {
        return new GeneralizationGap(this);
    }

    /**
     * @param prequentialLossBefore loss on the sample before the update
     * @param trainingLossAfter loss of the updated head on what it was trained on
     */
    public void add(double prequentialLossBefore, double trainingLossAfter) {
        Checks.finite(prequentialLossBefore, "prequential loss");
        Checks.finite(trainingLossAfter, "training loss");
        double g = prequentialLossBefore - trainingLossAfter;
        gap.add(g);
        prequential.add(prequentialLossBefore);
        training.add(trainingLossAfter);
        fading.add(g);
    }

    /** Windowed mean gap (prequential minus training loss); NaN when empty. */
    public double gap() {
        return gap.mean();
    }

    public double fadingGap() {
        return fading.mean();
    }

    public double windowPrequentialLoss() {
        return prequential.mean();
    }

    public double windowTrainingLoss() {
        return training.mean();
    }

    public int windowCount() {
        return gap.size();
    }

    public void reset() {
        gap.reset();
        prequential.reset();
        training.reset();
        fading.reset();
    }

    @Override
    public int stateSize() {
        return 3 * gap.stateSize() + fading.stateSize();
    }

    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, stateSize());
        int o = gap.writeState(dst, offset);
        o = prequential.writeState(dst, o);
        o = training.writeState(dst, o);
        return fading.writeState(dst, o);
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, stateSize());
        int o = gap.readState(src, offset);
        o = prequential.readState(src, o);
        o = training.readState(src, o);
        return fading.readState(src, o);
    }
}
