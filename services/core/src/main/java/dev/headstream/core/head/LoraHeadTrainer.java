package dev.headstream.core.head;

import java.util.Arrays;
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

    private enum Phase { READY, ACCUMULATING, COMPLETE }

    private final LoraMlpHead head;
    private final TrainingConfig config;
    private final LoraMlpHead.Workspace workspace;
    private final float[] gradient;
    private final float[] anchor;
    private float[] anchorSource;
    private Phase phase = Phase.READY;
    private int count;
    private double lossSum;
    private float gradientNorm = Float.NaN;
    private float clipScale = 1f;
    private float gradientScale = 1f;

    public LoraHeadTrainer(LoraMlpHead head, TrainingConfig config) {
        this.head = Objects.requireNonNull(head, "head");
        this.config = Objects.requireNonNull(config, "config");
        this.workspace = head.newWorkspace();
        this.gradient = new float[head.trainableLength()];
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
        if (phase == Phase.COMPLETE) {
            throw new IllegalStateException("gradient already completed: call applyUpdate or discardBatch first");
        }
        float loss = head.accumulateGradient(source, trainable, input, inputOffset, target, weight, workspace, gradient);
        phase = Phase.ACCUMULATING;
        count++;
        lossSum += loss;
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
        if (phase != Phase.ACCUMULATING) {
            throw new IllegalStateException(phase == Phase.READY ? "no window accumulated in this batch"
                    : "gradient already completed");
        }
        int n = gradient.length;
        if (trainable == null || trainable.length != n) {
            throw new IllegalArgumentException("LoRA parameters must have length " + n);
        }
        double meanLoss = lossSum / count;
        if (!Double.isFinite(meanLoss)) {
            discardBatch();
            throw new IllegalStateException("non-finite loss; batch discarded, head unchanged");
        }
        float inverseCount = 1f / count;
        float lambda = config.l2SpLambda();
        if (lambda != 0f) {
            float[] w0 = anchor(source);
            for (int i = 0; i < n; i++) {
                gradient[i] = gradient[i] * inverseCount + lambda * (trainable[i] - w0[i]);
            }
            gradientScale = 1f;
        } else {
            gradientScale = inverseCount;
        }
        clipScale = 1f;
        gradientNorm = Float.NaN;
        float max = config.maxGradientNorm();
        if (max != Float.POSITIVE_INFINITY) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += (double) gradient[i] * gradient[i];
            }
            double norm = Math.sqrt(s) * gradientScale;
            if (!Double.isFinite(norm)) {
                discardBatch();
                throw new IllegalStateException("non-finite gradient; batch discarded, head unchanged");
            }
            gradientNorm = (float) norm;
            if (norm > max) {
                clipScale = (float) (max / (norm + 1e-6));
            }
        }
        phase = Phase.COMPLETE;
        return (float) meanLoss;
    }

    /** The L2 penalty {@code lambda / 2 * ||trainable - anchor||^2} (a diagnostic). */
    public float l2Penalty(float[] source, float[] trainable) {
        float[] w0 = anchor(source);
        if (trainable == null || trainable.length != w0.length) {
            throw new IllegalArgumentException("LoRA parameters must have length " + w0.length);
        }
        double s = 0;
        for (int i = 0; i < w0.length; i++) {
            double d = trainable[i] - w0[i];
            s += d * d;
        }
        return (float) (0.5 * config.l2SpLambda() * s);
    }

    /** Applies the optimizer with the completed gradient and readies the next batch. */
    public void applyUpdate(float[] trainable, OptimizerState state) {
        if (phase != Phase.COMPLETE) {
            throw new IllegalStateException("completeGradient must run before applyUpdate");
        }
        config.optimizer().step(trainable, gradient, gradientScale * clipScale, state);
        discardBatch();
    }

    /** {@link #completeGradient} then {@link #applyUpdate}; returns the batch's mean weighted loss before the update. */
    public float step(float[] source, float[] trainable, OptimizerState state) {
        float loss = completeGradient(source, trainable);
        applyUpdate(trainable, state);
        return loss;
    }

    /** Drops the current batch (if any) and zeroes the gradient buffer. */
    public void discardBatch() {
        if (phase != Phase.READY) {
            Arrays.fill(gradient, 0f);
        }
        phase = Phase.READY;
        count = 0;
        lossSum = 0;
    }

    /** L2 norm of the last completed gradient before clipping; {@code NaN} unless clipping is configured. */
    public float lastGradientNorm() {
        return gradientNorm;
    }

    /** Copies the completed, clipped gradient into {@code target}; valid between completeGradient and applyUpdate. */
    public void copyGradient(float[] target) {
        if (phase != Phase.COMPLETE) {
            throw new IllegalStateException("no completed gradient");
        }
        for (int i = 0; i < gradient.length; i++) {
            target[i] = gradient[i] * (gradientScale * clipScale);
        }
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
