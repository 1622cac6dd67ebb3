package dev.headstream.core.head;

import java.util.Objects;

/**
 * What every head trainer shares once a head has accumulated its windows' gradients into the
 * batch buffer: averaging, the L2 term toward an anchor, clipping, the optimizer step and the
 * diagnostics. A subclass adds its head's {@code accumulate} and says what the anchor is
 * ({@link #fillAnchor}).
 *
 * <p>Not thread-safe; one trainer per worker thread. The anchor is a per-trainer copy, refreshed
 * only when a different {@code source} array is passed (source arrays are never written, so
 * their identity is enough). Nothing is allocated per window or per step.
 */
public abstract sealed class MiniBatchTrainer permits HeadTrainer, LoraHeadTrainer, TaskHeadTrainer {

    private final TrainingConfig config;
    /** The batch's gradient buffer; subclasses accumulate into it. */
    final GradientBatch batch;

    private final float[] anchor;
    private float[] anchorSource;

    MiniBatchTrainer(TrainingConfig config, int trainableLength) {
        this.config = Objects.requireNonNull(config, "config");
        this.batch = new GradientBatch(trainableLength);
        this.anchor = new float[trainableLength];
    }

    /** Writes the L2 anchor for {@code source} into {@code anchor} (its length: the trainable vector's). */
    abstract void fillAnchor(float[] source, float[] anchor);

    public TrainingConfig config() {
        return config;
    }

    /** Fresh optimizer state for one user's trainable vector. */
    public OptimizerState newOptimizerState() {
        return config.optimizer().newState(anchor.length);
    }

    /**
     * Finishes the batch gradient: averages it over the batch, adds the L2 term toward the anchor
     * and, when a finite {@code maxGradientNorm} is configured, measures its norm and sets the
     * clip factor.
     *
     * @return the mean weighted loss of the batch at the current vector (the L2 penalty is not
     *         included; {@link #l2SpPenalty} gives it)
     * @throws IllegalStateException if no window was accumulated, or the loss or gradient is not
     *                               finite (the batch is then discarded and the vector is unchanged)
     */
    public float completeGradient(float[] source, float[] trainable) {
        return completeGradient(source, trainable, config.l2SpLambda());
    }

    /** {@link #completeGradient(float[], float[])} with this batch's L2 strength {@code lambda} instead of the configured one. */
    public float completeGradient(float[] source, float[] trainable, float lambda) {
        batch.checkAccumulating();
        return batch.complete(trainable, lambda != 0f ? anchor(source) : null, lambda, config.maxGradientNorm());
    }

    /** The L2 penalty {@code lambda / 2 * ||trainable - anchor||^2} at the configured strength (a diagnostic). */
    public float l2SpPenalty(float[] source, float[] trainable) {
        return GradientBatch.l2Penalty(trainable, anchor(source), config.l2SpLambda());
    }

    /** Applies the optimizer to {@code trainable} with the completed gradient and readies the next batch. */
    public void applyUpdate(float[] trainable, OptimizerState state) {
        batch.apply(trainable, config.optimizer(), state);
    }

    /** {@link #completeGradient} then {@link #applyUpdate}; returns the batch's mean weighted loss before the update. */
    public float step(float[] source, float[] trainable, OptimizerState state) {
        return step(source, trainable, state, config.l2SpLambda());
    }

    /** {@link #step(float[], float[], OptimizerState)} with L2 strength {@code lambda} for this batch. */
    public float step(float[] source, float[] trainable, OptimizerState state, float lambda) {
        float loss = completeGradient(source, trainable, lambda);
        applyUpdate(trainable, state);
        return loss;
    }

    /** Drops the current batch (if any) and zeroes the gradient buffer. */
    public void discardBatch() {
        batch.discard();
    }

    /** Windows accumulated in the current batch. */
    public int batchSize() {
        return batch.size();
    }

    /**
     * L2 norm of the last completed gradient (including the L2 term) before clipping; only
     * measured when clipping is configured, {@code NaN} otherwise.
     */
    public float lastGradientNorm() {
        return batch.lastGradientNorm();
    }

    /** Factor the last completed gradient is multiplied by for clipping ({@code 1} = not clipped). */
    public float lastClipScale() {
        return batch.lastClipScale();
    }

    /**
     * Copies the completed, clipped gradient into {@code target}; valid between
     * {@link #completeGradient} and {@link #applyUpdate} (diagnostics and tests).
     */
    public void copyGradient(float[] target) {
        batch.copyTo(target);
    }

    /** The L2-SP anchor for {@code source}, refreshed only when a different source array is passed. */
    float[] anchor(float[] source) {
        if (source != anchorSource) {
            fillAnchor(source, anchor);
            anchorSource = source;
        }
        return anchor;
    }

    /** {@link #fillAnchor} for a head whose trainable vector is the tail of its source from {@code offset}. */
    static void copyTail(float[] source, int offset, float[] anchor) {
        if (source == null || source.length != offset + anchor.length) {
            throw new IllegalArgumentException("source parameters must have length " + (offset + anchor.length));
        }
        System.arraycopy(source, offset, anchor, 0, anchor.length);
    }
}
