package dev.headstream.core.head;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Mini-batch training of one {@link TaskHead}, the general counterpart of {@link HeadTrainer}:
 * the same call order, L2-SP anchor, gradient clipping and optimizer step, plus any
 * {@link HeadOutput}, label masks, dropout and a {@link Distillation} term.
 *
 * <p>Call order per mini-batch: {@link #accumulate} once per window (at least once), then
 * {@link #step} (or {@link #completeGradient} then {@link #applyUpdate}); {@link #discardBatch()}
 * drops a batch at any point. All windows of a batch and its step use the same {@code source}
 * and {@code trainable} arrays.
 *
 * <p>The minimised objective of a batch of {@code n} windows is
 * {@code (1/n) sum_i [weight_i * taskLoss_i + distillation_i] + lambda/2 * ||w - w_source||^2};
 * its gradient is clipped to {@code maxGradientNorm} and handed to the optimizer.
 *
 * <p>Thread-safety: not thread-safe; one trainer per worker thread, serving any number of users
 * of the same head (all per-user memory is the caller's {@code trainable} array and
 * {@link OptimizerState}). Nothing is allocated per window or per step. Deterministic: the same
 * calls, with dropout generators in the same states, give bit-identical parameters.
 */
public final class TaskHeadTrainer {

    private final TaskHead head;
    private final TrainingConfig config;
    private final Distillation distillation;
    private final TaskHead.Workspace workspace;
    private final GradientBatch batch;
    private final float[] anchor;
    private float[] anchorSource;

    public TaskHeadTrainer(TaskHead head, TrainingConfig config) {
        this(head, config, Distillation.OFF);
    }

    public TaskHeadTrainer(TaskHead head, TrainingConfig config, Distillation distillation) {
        this.head = Objects.requireNonNull(head, "head");
        this.config = Objects.requireNonNull(config, "config");
        this.distillation = Objects.requireNonNull(distillation, "distillation");
        this.workspace = head.newWorkspace();
        this.batch = new GradientBatch(head.trainableLength());
        this.anchor = new float[head.trainableLength()];
    }

    public TaskHead head() {
        return head;
    }

    public TrainingConfig config() {
        return config;
    }

    public Distillation distillation() {
        return distillation;
    }

    /** Fresh optimizer state for one user's trainable tail. */
    public OptimizerState newOptimizerState() {
        return config.optimizer().newState(head.trainableLength());
    }

    /**
     * Adds one window's loss gradient to the batch; see
     * {@link TaskHead#accumulateGradient(float[], float[], float[], int, float[], boolean[], float, Distillation, RandomGenerator, TaskHead.Workspace, float[])}.
     * The window's logits before this batch's update (prequential, and with dropout when a
     * generator is given) can be read with {@link #copyLastLogits}.
     *
     * @return the window's loss (weighted task loss plus distillation term)
     */
    public float accumulate(float[] source, float[] trainable, float[] input, int inputOffset, float[] targets,
            boolean[] mask, float weight, RandomGenerator dropoutRandom) {
        float loss = head.accumulateGradient(source, trainable, input, inputOffset, targets, mask, weight, distillation,
                dropoutRandom, workspace, batch.buffer());
        batch.added(loss);
        return loss;
    }

    /** Copies the logits of the last accumulated window into {@code out}. */
    public void copyLastLogits(float[] out) {
        workspace.copyLogits(out);
    }

    /**
     * Averages the batch gradient, adds the L2-SP term and, when clipping is configured, measures
     * the norm and sets the clip factor.
     *
     * @return the mean loss of the batch (without the L2-SP penalty)
     * @throws IllegalStateException if no window was accumulated, or the loss or gradient is not
     *                               finite (the batch is then discarded and the tail is unchanged)
     */
    public float completeGradient(float[] source, float[] trainable) {
        batch.checkAccumulating();
        float lambda = config.l2SpLambda();
        return batch.complete(trainable, lambda != 0f ? anchor(source) : null, lambda, config.maxGradientNorm());
    }

    /** Applies the optimizer to {@code trainable} with the completed gradient and readies the next batch. */
    public void applyUpdate(float[] trainable, OptimizerState state) {
        batch.apply(trainable, config.optimizer(), state);
    }

    /** {@link #completeGradient} then {@link #applyUpdate}; returns the batch's mean loss before the update. */
    public float step(float[] source, float[] trainable, OptimizerState state) {
        float loss = completeGradient(source, trainable);
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

    /** L2 norm of the last completed gradient before clipping; {@code NaN} unless clipping is configured. */
    public float lastGradientNorm() {
        return batch.lastGradientNorm();
    }

    /** Factor the last completed gradient is multiplied by for clipping ({@code 1} = not clipped). */
    public float lastClipScale() {
        return batch.lastClipScale();
    }

    /** Copies the completed, scaled and clipped gradient into {@code target} (diagnostics and tests). */
    public void copyGradient(float[] target) {
        batch.copyTo(target);
    }

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
