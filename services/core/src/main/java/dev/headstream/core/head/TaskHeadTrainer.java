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
public final class TaskHeadTrainer extends MiniBatchTrainer {

    private final TaskHead head;
    private final Distillation distillation;
    private final TaskHead.Workspace workspace;

    public TaskHeadTrainer(TaskHead head, TrainingConfig config) {
        this(head, config, Distillation.OFF);
    }

    public TaskHeadTrainer(TaskHead head, TrainingConfig config, Distillation distillation) {
        super(config, Objects.requireNonNull(head, "head").trainableLength());
        this.head = head;
        this.distillation = Objects.requireNonNull(distillation, "distillation");
        this.workspace = head.newWorkspace();
    }

    public TaskHead head() {
        return head;
    }

    public Distillation distillation() {
        return distillation;
    }

    /**
     * Adds one window's loss gradient to the batch; see
     * {@link TaskHead#accumulateGradient(float[], float[], float[], int, float[], boolean[], float, Distillation, RandomGenerator, TaskHead.Workspace, float[])}.
     * The window's logits before this batch's update (prequential, and with dropout when a
     * generator is given) can be read with {@link #copyLastLogits}.
     *
     * @return the window's loss (weighted task loss plus distillation term)
     */
    public float accumulate(
            float[] source,
            float[] trainable,
            float[] input,
            int inputOffset,
            float[] targets,
            boolean[] mask,
            float weight,
            RandomGenerator dropoutRandom) {
        float loss = head.accumulateGradient(
                source,
                trainable,
                input,
                inputOffset,
                targets,
                mask,
                weight,
                distillation,
                dropoutRandom,
                workspace,
                batch.buffer());
        batch.added(loss);
        return loss;
    }

    /** Copies the logits of the last accumulated window into {@code out}. */
    public void copyLastLogits(float[] out) {
        workspace.copyLogits(out);
    }

    /** The L2-SP anchor: the source values of the trainable tail. */
    @Override
    void fillAnchor(float[] source, float[] anchor) {
        copyTail(source, head.trainableOffset(), anchor);
    }
}
