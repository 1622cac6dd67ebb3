package dev.headstream.core.head;

import java.util.Objects;

/**
 * Mini-batch training of one {@link MlpHead}: accumulates per-window gradients into a
 * preallocated buffer, then applies one conservative optimizer step to a user's trainable tail.
 *
 * <p>Call order per mini-batch:
 * <ol>
 *   <li>{@link #accumulate} once per window (at least once);</li>
 *   <li>{@link #step} &mdash; or its two halves {@link #completeGradient} then
 *       {@link #applyUpdate} &mdash; which leaves the trainer ready for the next batch.</li>
 * </ol>
 * {@link #discardBatch()} drops a batch at any point. All windows of a batch and its step must use
 * the same {@code source} and {@code trainable} arrays; the trainable tail must not change
 * between {@code accumulate} and {@code step}.
 *
 * <p>The minimised objective of a batch of {@code n} windows is
 * {@code (1/n) sum_i weight_i * BCE(z_i, target_i) + lambda/2 * ||w - w_source||^2}, where
 * {@code w} is the trainable tail and {@code w_source} the source values at the same positions.
 * The gradient of the whole objective is then clipped to {@code maxGradientNorm} and handed to
 * the optimizer.
 *
 * <p>Thread-safety: not thread-safe. Keep one trainer per worker thread; it may serve many
 * users of the same head (architecture and trainable depth), because all per-user memory lives
 * in the caller's {@code trainable} array and {@link OptimizerState}. The trainer's own memory
 * is the gradient buffer, a {@link MlpHead.Workspace} and a copy of the source's trainable tail
 * (the L2-SP anchor, refreshed when a different {@code source} array is passed; source arrays
 * are never written, so their identity is enough). Nothing is allocated per window or per step,
 * and no randomness is used: the same sequence of calls gives bit-identical parameters.
 *
 * <p>Finiteness: the batch loss is always checked; the gradient itself only when clipping is
 * configured (its norm is measured then). Windows must be finite (validated upstream).
 */
public final class HeadTrainer {

    private final MlpHead head;
    private final TrainingConfig config;
    private final MlpHead.Workspace workspace;
    private final GradientBatch batch;
    private final float[] anchor;
    private float[] anchorSource;

    public HeadTrainer(MlpHead head, TrainingConfig config) {
        this.head = Objects.requireNonNull(head, "head");
        this.config = Objects.requireNonNull(config, "config");
        this.workspace = head.newWorkspace();
        this.batch = new GradientBatch(head.trainableLength());
        this.anchor = new float[head.trainableLength()];
    }

    public MlpHead head() {
        return head;
    }

    public TrainingConfig config() {
        return config;
    }

    /** Fresh optimizer state for one user's trainable tail. */
    public OptimizerState newOptimizerState() {
        return config.optimizer().newState(head.trainableLength());
    }

    /**
     * Adds one window's weighted loss gradient to the batch.
     *
     * @return the adapted head's score for the window <em>before</em> this batch's update
     *         (a prequential score)
     */
    public float accumulate(float[] source, float[] trainable, float[] input, int inputOffset, float target,
            float weight) {
        float loss = head.accumulateGradient(source, trainable, input, inputOffset, target, weight, workspace, batch.buffer());
        batch.added(loss);
        return MlpHead.sigmoid(workspace.lastLogit());
    }

    /**
     * Finishes the batch gradient: averages it over the batch, adds the L2-SP term and, when a
     * finite {@code maxGradientNorm} is configured, measures its norm and sets the clip factor.
     *
     * @return the mean weighted loss of the batch at the current tail (the L2-SP penalty is not
     *         included; {@link #l2SpPenalty} gives it)
     * @throws IllegalStateException if no window was accumulated, or the loss or gradient is not
     *                               finite (the batch is then discarded and the tail is unchanged)
     */
    public float completeGradient(float[] source, float[] trainable) {
        return completeGradient(source, trainable, config.l2SpLambda());
    }

    /** {@link #completeGradient(float[], float[])} with this batch's L2 strength {@code lambda} instead of the configured one. */
    public float completeGradient(float[] source, float[] trainable, float lambda) {
        batch.checkAccumulating();
        return batch.complete(trainable, lambda != 0f ? anchor(source) : null, lambda, config.maxGradientNorm());
    }

    /**
     * The L2-SP penalty {@code lambda / 2 * ||trainable - w_source||^2} at the given tail (a
     * diagnostic; one pass over the tail).
     */
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
     * L2 norm of the last completed gradient (including the L2-SP term) before clipping; only
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

    /**
     * The source values of the trainable tail, copied into a per-trainer array so that the
     * L2-SP loop reads both arrays at the same index. Source arrays are never written, so the
     * copy is refreshed only when a different source array is passed.
     */
    private float[] anchor(float[] source) {
        if (source != anchorSource) {
            int offset = head.trainableOffset();
            if (source == null || source.length != offset + anchor.length) {
                throw new IllegalArgumentException("source parameters must have length " + (offset + anchor.length));
            }
            System.arraycopy(source, offset, anchor, 0, anchor.length);
            anchorSource = source;
        }
        return anchor;
    }

}
