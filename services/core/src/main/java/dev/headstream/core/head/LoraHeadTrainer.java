package dev.headstream.core.head;

import java.util.Objects;

/**
 * Mini-batch training of one {@link LoraMlpHead}, the counterpart of {@link HeadTrainer}:
 * accumulates per-window gradients into a preallocated buffer, then applies one optimizer step
 * to a user's low-rank vector.
 *
 * <p>Call order per mini-batch: {@link #accumulate} once per window (at least once), then
 * {@link #step} (or {@link #completeGradient} then {@link #applyUpdate}); {@link #discardBatch()}
 * drops a batch at any point. All windows of a batch and its step use the same {@code source}
 * and {@code trainable} arrays.
 *
 * <p>The minimised objective of a batch of {@code n} windows is
 * {@code (1/n) sum_i weight_i * BCE(z_i, target_i) + lambda/2 * ||t - anchor||^2}, with the
 * anchor of {@link LoraMlpHead#anchor}: zero for the factors {@code A} and {@code B} (L2 toward
 * the source head, the LoRA form of L2-SP) and the source values for the small full parameters.
 * The gradient is then clipped to {@code maxGradientNorm} and handed to the optimizer.
 *
 * <p>Thread-safety: not thread-safe; one trainer per worker thread, serving any number of users
 * of the same LoRA head (per-user memory is the caller's {@code trainable} vector and
 * {@link OptimizerState}). No allocation per window or step, no randomness: the same calls give
 * bit-identical parameters.
 */
public final class LoraHeadTrainer {

    private final LoraMlpHead head;
    private final TrainingConfig config;
    private final LoraMlpHead.Workspace workspace;
    private final GradientBatch batch;
    private final float[] anchor;
    private float[] anchorSource;

    public LoraHeadTrainer(LoraMlpHead head, TrainingConfig config) {
        this.head = Objects.requireNonNull(head, "head");
        this.config = Objects.requireNonNull(config, "config");
        this.workspace = head.newWorkspace();
        this.batch = new GradientBatch(head.trainableLength());
        this.anchor = new float[head.trainableLength()];
    }

    public LoraMlpHead head() {
        return head;
    }

    public TrainingConfig config() {
        return config;
    }

    /** Fresh optimizer state for one user's low-rank vector. */
    public OptimizerState newOptimizerState() {
        return config.optimizer().newState(head.trainableLength());
    }

    /**
     * Adds one window's weighted loss gradient to the batch.
     *
     * @return the adapted head's score for the window before this batch's update
     */
    public float accumulate(float[] source, float[] trainable, float[] input, int inputOffset, float target,
            float weight) {
        float loss = head.accumulateGradient(source, trainable, input, inputOffset, target, weight, workspace, batch.buffer());
        batch.added(loss);
        return MlpHead.sigmoid(workspace.lastLogit());
    }

    /**
     * Averages the batch gradient, adds the L2 term and measures the norm for clipping.
     *
     * @return the batch's mean weighted loss (without the L2 term)
     * @throws IllegalStateException if no window was accumulated, or the loss or gradient is not
     *                               finite (the batch is then discarded)
     */
    public float completeGradient(float[] source, float[] trainable) {
        return completeGradient(source, trainable, config.l2SpLambda());
    }

    /** {@link #completeGradient(float[], float[])} with this batch's L2 strength {@code lambda} instead of the configured one. */
    public float completeGradient(float[] source, float[] trainable, float lambda) {
        batch.checkAccumulating();
        return batch.complete(trainable, lambda != 0f ? anchor(source) : null, lambda, config.maxGradientNorm());
    }

    /** The L2 penalty {@code lambda / 2 * ||trainable - anchor||^2} (a diagnostic). */
    public float l2Penalty(float[] source, float[] trainable) {
        return GradientBatch.l2Penalty(trainable, anchor(source), config.l2SpLambda());
    }

    /** Applies the optimizer with the completed gradient and readies the next batch. */
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

    /** L2 norm of the last completed gradient before clipping; {@code NaN} unless clipping is configured. */
    public float lastGradientNorm() {
        return batch.lastGradientNorm();
    }

    /** Copies the completed, clipped gradient into {@code target}; valid between completeGradient and applyUpdate. */
    public void copyGradient(float[] target) {
        batch.copyTo(target);
    }

    /** Refreshed only when a different source array is passed (source arrays are never written). */
    private float[] anchor(float[] source) {
        if (source != anchorSource) {
            head.anchor(source, anchor);
            anchorSource = source;
        }
        return anchor;
    }
}
