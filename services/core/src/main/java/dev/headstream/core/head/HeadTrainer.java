package dev.headstream.core.head;

import java.util.Arrays;
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
 * users of the same head (source array, architecture and trainable depth), because all per-user
 * memory lives in the caller's {@code trainable} array and {@link OptimizerState}. Nothing is
 * allocated per window or per step, and no randomness is used: the same sequence of calls gives
 * bit-identical parameters.
 */
public final class HeadTrainer {

    private enum Phase { READY, ACCUMULATING, COMPLETE }

    private final MlpHead head;
    private final TrainingConfig config;
    private final MlpHead.Workspace workspace;
    private final float[] gradient;
    private Phase phase = Phase.READY;
    private int count;
    private double lossSum;
    private float gradientNorm;
    private float clipScale = 1f;

    public HeadTrainer(MlpHead head, TrainingConfig config) {
        this.head = Objects.requireNonNull(head, "head");
        this.config = Objects.requireNonNull(config, "config");
        this.workspace = head.newWorkspace();
        this.gradient = new float[head.trainableLength()];
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
     * Finishes the batch gradient: averages it, adds the L2-SP term and applies clipping.
     *
     * @return the batch objective (mean weighted loss plus L2-SP penalty) at the current tail
     * @throws IllegalStateException if no window was accumulated, or the gradient is not finite
     *                               (the batch is then discarded and the tail is unchanged)
     */
    public float completeGradient(float[] source, float[] trainable) {
        if (phase != Phase.ACCUMULATING) {
            throw new IllegalStateException(phase == Phase.READY ? "no window accumulated in this batch"
                    : "gradient already completed");
        }
        int n = gradient.length;
        int offset = head.trainableOffset();
        if (source == null || trainable == null || trainable.length != n || source.length != offset + n) {
            throw new IllegalArgumentException("source/trainable arrays do not match the head");
        }
        float inverseCount = 1f / count;
        float lambda = config.l2SpLambda();
        float[] g = gradient;
        double sq0 = 0;
        double sq1 = 0;
        double pen0 = 0;
        double pen1 = 0;
        int i = 0;
        if (lambda == 0f) {
            for (; i <= n - 2; i += 2) {
                float a = g[i] * inverseCount;
                float b = g[i + 1] * inverseCount;
                g[i] = a;
                g[i + 1] = b;
                sq0 += a * a;
                sq1 += b * b;
            }
            for (; i < n; i++) {
                float a = g[i] * inverseCount;
                g[i] = a;
                sq0 += a * a;
            }
        } else {
            for (; i <= n - 2; i += 2) {
                float da = trainable[i] - source[offset + i];
                float db = trainable[i + 1] - source[offset + i + 1];
                float a = g[i] * inverseCount + lambda * da;
                float b = g[i + 1] * inverseCount + lambda * db;
                g[i] = a;
                g[i + 1] = b;
                sq0 += a * a;
                sq1 += b * b;
                pen0 += da * da;
                pen1 += db * db;
            }
            for (; i < n; i++) {
                float da = trainable[i] - source[offset + i];
                float a = g[i] * inverseCount + lambda * da;
                g[i] = a;
                sq0 += a * a;
                pen0 += da * da;
            }
        }
        double norm = Math.sqrt(sq0 + sq1);
        double objective = lossSum / count + 0.5 * lambda * (pen0 + pen1);
        if (!Double.isFinite(norm) || !Double.isFinite(objective)) {
            discardBatch();
            throw new IllegalStateException("non-finite gradient or loss; batch discarded, head unchanged");
        }
        gradientNorm = (float) norm;
        float max = config.maxGradientNorm();
        clipScale = norm > max ? (float) (max / (norm + 1e-6)) : 1f;
        phase = Phase.COMPLETE;
        return (float) objective;
    }

    /** Applies the optimizer to {@code trainable} with the completed gradient and readies the next batch. */
    public void applyUpdate(float[] trainable, OptimizerState state) {
        if (phase != Phase.COMPLETE) {
            throw new IllegalStateException("completeGradient must run before applyUpdate");
        }
        config.optimizer().step(trainable, gradient, clipScale, state);
        discardBatch();
    }

    /** {@link #completeGradient} then {@link #applyUpdate}; returns the objective before the update. */
    public float step(float[] source, float[] trainable, OptimizerState state) {
        float objective = completeGradient(source, trainable);
        applyUpdate(trainable, state);
        return objective;
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

    /** Windows accumulated in the current batch. */
    public int batchSize() {
        return count;
    }

    /** L2 norm of the last completed gradient, before clipping. */
    public float lastGradientNorm() {
        return gradientNorm;
    }

    /** Factor the last completed gradient is multiplied by for clipping ({@code 1} = not clipped). */
    public float lastClipScale() {
        return clipScale;
    }

    /**
     * Copies the completed, clipped gradient into {@code target}; valid between
     * {@link #completeGradient} and {@link #applyUpdate} (diagnostics and tests).
     */
    public void copyGradient(float[] target) {
        if (phase != Phase.COMPLETE) {
            throw new IllegalStateException("no completed gradient");
        }
        for (int i = 0; i < gradient.length; i++) {
            target[i] = gradient[i] * clipScale;
        }
    }
}
