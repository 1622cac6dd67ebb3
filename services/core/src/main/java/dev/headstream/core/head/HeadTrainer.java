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
public final class HeadTrainer extends MiniBatchTrainer {

    private final MlpHead head;
    private final MlpHead.Workspace workspace;

    public HeadTrainer(MlpHead head, TrainingConfig config) {
        super(config, Objects.requireNonNull(head, "head").trainableLength());
        this.head = head;
        this.workspace = head.newWorkspace();
    }

    public MlpHead head() {
        return head;
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

    /** The L2-SP anchor: the source values of the trainable tail. */
    @Override
    void fillAnchor(float[] source, float[] anchor) {
        copyTail(source, head.trainableOffset(), anchor);
    }
}
