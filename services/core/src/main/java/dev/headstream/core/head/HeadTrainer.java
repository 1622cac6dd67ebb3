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
 * For a batch of exactly one window, {@link #stepSingle} does both at once and, where it can,
 * fuses the large weight blocks' gradient into the Adam update (see there).
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
    /** The fused layers of {@link #stepSingle}; empty when the fused step is off or does not apply. */
    private final int[] fused;
    /** The trainable ranges {@code [from, to)} outside the fused weight blocks, as pairs. */
    private final int[] rest;

    /** A trainer that fuses single-window steps where it can ({@link #stepSingle}). */
    public HeadTrainer(MlpHead head, TrainingConfig config) {
        this(head, config, true);
    }

    /**
     * @param fuseSingleWindow whether {@link #stepSingle} may use the fused kernel; {@code false}
     *                         keeps every step on the general path (benchmarks compare the two)
     */
    public HeadTrainer(MlpHead head, TrainingConfig config, boolean fuseSingleWindow) {
        super(config, Objects.requireNonNull(head, "head").trainableLength());
        this.head = head;
        this.workspace = head.newWorkspace();
        boolean fusable = fuseSingleWindow
                && VectorSupport.ENABLED
                && config.optimizer() instanceof Adam
                && config.maxGradientNorm() == Float.POSITIVE_INFINITY;
        this.fused = fusable ? head.fusableLayers() : new int[0];
        int[] bounds = new int[2 * fused.length + 2];
        int at = 0;
        int k = 0;
        for (int l : fused) {
            int start = head.trainableWeightOffset(l);
            bounds[k++] = at;
            bounds[k++] = start;
            at = start + head.inputDim(l) * head.outputDim(l);
        }
        bounds[k++] = at;
        bounds[k] = head.trainableLength();
        this.rest = bounds;
    }

    /** Whether {@link #stepSingle} fuses weight blocks into the optimizer step (else it runs the general path). */
    public boolean fusesSingleWindow() {
        return fused.length > 0;
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
    public float accumulate(
            float[] source, float[] trainable, float[] input, int inputOffset, float target, float weight) {
        float loss = head.accumulateGradient(
                source, trainable, input, inputOffset, target, weight, workspace, batch.buffer());
        batch.added(loss);
        return MlpHead.sigmoid(workspace.lastLogit());
    }

    /**
     * One optimizer step on a batch of one window: {@link #accumulate} then {@link #step}, with the
     * same result bit for bit. Where the fused step applies (Adam, no clipping, the Vector API
     * enabled, and a trainable dense layer of at least {@link MlpHead#FUSE_MIN_WEIGHTS} weights),
     * the weight gradient of those layers is never stored: {@link FusedDenseAdam} forms it from the
     * layer's output gradient and input inside the Adam update, and the rest of the vector takes
     * the ordinary Adam update.
     *
     * @return the window's weighted loss before the update
     * @throws IllegalStateException if windows are already accumulated in this batch, or the loss is
     *                               not finite (the head is then unchanged)
     */
    public float stepSingle(
            float[] source,
            float[] trainable,
            OptimizerState state,
            float[] input,
            int inputOffset,
            float target,
            float weight) {
        if (fused.length == 0) {
            accumulate(source, trainable, input, inputOffset, target, weight);
            return step(source, trainable, state);
        }
        float[] gradient = batch.singleWindowBuffer();
        state.check(2, gradient.length);
        float loss;
        try {
            loss = head.accumulateGradientDeferred(
                    source, trainable, input, inputOffset, target, weight, workspace, gradient);
        } catch (RuntimeException e) {
            batch.clear();
            throw e;
        }
        if (!Float.isFinite(loss)) {
            batch.clear();
            throw new IllegalStateException("non-finite loss; batch discarded, head unchanged");
        }
        float lambda = config().l2SpLambda();
        float[] anchor = lambda != 0f ? anchor(source) : null;
        Adam adam = (Adam) config().optimizer();
        float[] m = state.slot(0);
        float[] v = state.slot(1);
        if (lambda != 0f) {
            for (int r = 0; r < rest.length; r += 2) {
                for (int i = rest[r]; i < rest[r + 1]; i++) {
                    gradient[i] = gradient[i] + lambda * (trainable[i] - anchor[i]);
                }
            }
        }
        long t = state.advance();
        float stepSize = adam.stepSize(t);
        float inverseSqrtCorrection2 = adam.inverseSqrtCorrection2(t);
        float decay = adam.decay();
        for (int r = 0; r < rest.length; r += 2) {
            adam.updateRange(
                    trainable, gradient, 1f, m, v, rest[r], rest[r + 1], stepSize, inverseSqrtCorrection2, decay, true);
        }
        for (int l : fused) {
            FusedDenseAdam.update(
                    adam,
                    trainable,
                    m,
                    v,
                    head.trainableWeightOffset(l),
                    head.inputDim(l),
                    head.outputDim(l),
                    workspace.deferredInput[l],
                    workspace.deferredOutputGradient[l],
                    anchor,
                    lambda,
                    stepSize,
                    inverseSqrtCorrection2,
                    decay);
            workspace.deferredInput[l] = null;
        }
        batch.singleWindowApplied();
        return loss;
    }

    /** The L2-SP anchor: the source values of the trainable tail. */
    @Override
    void fillAnchor(float[] source, float[] anchor) {
        copyTail(source, head.trainableOffset(), anchor);
    }
}
