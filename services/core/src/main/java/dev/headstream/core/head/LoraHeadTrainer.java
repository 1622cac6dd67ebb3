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
public final class LoraHeadTrainer extends MiniBatchTrainer {

    private final LoraMlpHead head;
    private final LoraMlpHead.Workspace workspace;

    public LoraHeadTrainer(LoraMlpHead head, TrainingConfig config) {
        super(config, Objects.requireNonNull(head, "head").trainableLength());
        this.head = head;
        this.workspace = head.newWorkspace();
    }

    public LoraMlpHead head() {
        return head;
    }

    /**
     * Adds one window's weighted loss gradient to the batch.
     *
     * @return the adapted head's score for the window before this batch's update
     */
    public float accumulate(
            float[] source, float[] trainable, float[] input, int inputOffset, float target, float weight) {
        return accumulate(source, trainable, null, 0, input, inputOffset, target, weight);
    }

    /**
     * {@link #accumulate(float[], float[], float[], int, float, float)} with the window's first-layer
     * frozen product given ({@link LoraMlpHead#firstLayerProduct}); the same bits, cheaper.
     * {@code base == null} computes it.
     */
    public float accumulate(
            float[] source,
            float[] trainable,
            float[] base,
            int baseOffset,
            float[] input,
            int inputOffset,
            float target,
            float weight) {
        float loss = head.accumulateGradient(
                source, trainable, base, baseOffset, input, inputOffset, target, weight, workspace, batch.buffer());
        batch.added(loss);
        return MlpHead.sigmoid(workspace.lastLogit());
    }

    /** The anchor of {@link LoraMlpHead#anchor}: zero for the factors, the source values for the full parameters. */
    @Override
    void fillAnchor(float[] source, float[] anchor) {
        head.anchor(source, anchor);
    }
}
