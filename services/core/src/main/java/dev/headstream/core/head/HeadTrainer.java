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

    private enum Phase { READY, ACCUMULATING, COMPLETE }

    private final MlpHead head;
    private final TrainingConfig config;
    private final MlpHead.Workspace workspace;
    private final float[] gradient;
    private final float[] anchor;
    private float[] anchorSource;
    private Phase phase = Phase.READY;
    private int count;
    private double lossSum;
    private float gradientNorm = Float.NaN;
    private float clipScale = 1f;
    private float gradientScale = 1f;

    public HeadTrainer(MlpHead head, TrainingConfig config) {
        this.head = Objects.requireNonNull(head, "head");
        this.config = Objects.requireNonNull(config, "config");
        this.workspace = head.newWorkspace();
        this.gradient = new float[head.trainableLength()];
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
     * Finishes the batch gradient: averages it over the batch, adds the L2-SP term and, when a
     * finite {@code maxGradientNorm} is configured, measures its norm and sets the clip factor.
     *
     * @return the mean weighted loss of the batch at the current tail (the L2-SP penalty is not
     *         included; {@link #l2SpPenalty} gives it)
     * @throws IllegalStateException if no window was accumulated, or the loss or gradient is not
     *                               finite (the batch is then discarded and the tail is unchanged)
     */
    public float completeGradient(float[] source, float[] trainable) {
        if (phase != Phase.ACCUMULATING) {
            throw new IllegalStateException(phase == Phase.READY ? "no window accumulated in this batch"
                    : "gradient already completed");
        }
        int n = gradient.length;
        if (trainable == null || trainable.length != n) {
            throw new IllegalArgumentException("trainable parameters must have length " + n);
        }
        double meanLoss = lossSum / count;
        if (!Double.isFinite(meanLoss)) {
            discardBatch();
            throw new IllegalStateException("non-finite loss; batch discarded, head unchanged");
        }
        float inverseCount = 1f / count;
        float lambda = config.l2SpLambda();
        float[] g = gradient;
        if (lambda != 0f) {
            float[] w0 = anchor(source);
            for (int i = 0; i < n; i++) {
                g[i] = g[i] * inverseCount + lambda * (trainable[i] - w0[i]);
            }
            gradientScale = 1f;
        } else {
            gradientScale = inverseCount;
        }
        clipScale = 1f;
        gradientNorm = Float.NaN;
        float max = config.maxGradientNorm();
        if (max != Float.POSITIVE_INFINITY) {
            double norm = Math.sqrt(sumOfSquares(g, 0, n)) * gradientScale;
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

    /**
     * The L2-SP penalty {@code lambda / 2 * ||trainable - w_source||^2} at the given tail (a
     * diagnostic; one pass over the tail).
     */
    public float l2SpPenalty(float[] source, float[] trainable) {
        float[] w0 = anchor(source);
        if (trainable == null || trainable.length != w0.length) {
            throw new IllegalArgumentException("trainable parameters must have length " + w0.length);
        }
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int n = w0.length;
        int i = 0;
        for (; i <= n - 4; i += 4) {
            float d0 = trainable[i] - w0[i];
            float d1 = trainable[i + 1] - w0[i + 1];
            float d2 = trainable[i + 2] - w0[i + 2];
            float d3 = trainable[i + 3] - w0[i + 3];
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        float s = (s0 + s1) + (s2 + s3);
        for (; i < n; i++) {
            float d = trainable[i] - w0[i];
            s += d * d;
        }
        return 0.5f * config.l2SpLambda() * s;
    }

    /** Applies the optimizer to {@code trainable} with the completed gradient and readies the next batch. */
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

    /** Windows accumulated in the current batch. */
    public int batchSize() {
        return count;
    }

    /**
     * L2 norm of the last completed gradient (including the L2-SP term) before clipping; only
     * measured when clipping is configured, {@code NaN} otherwise.
     */
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
            target[i] = gradient[i] * (gradientScale * clipScale);
        }
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

    /** Sum of squares with eight partial sums combined in a fixed order. */
    private static double sumOfSquares(float[] a, int from, int to) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        float s4 = 0f;
        float s5 = 0f;
        float s6 = 0f;
        float s7 = 0f;
        int i = from;
        for (; i <= to - 8; i += 8) {
            s0 += a[i] * a[i];
            s1 += a[i + 1] * a[i + 1];
            s2 += a[i + 2] * a[i + 2];
            s3 += a[i + 3] * a[i + 3];
            s4 += a[i + 4] * a[i + 4];
            s5 += a[i + 5] * a[i + 5];
            s6 += a[i + 6] * a[i + 6];
            s7 += a[i + 7] * a[i + 7];
        }
        double s = ((double) (s0 + s1) + (s2 + s3)) + ((double) (s4 + s5) + (s6 + s7));
        for (; i < to; i++) {
            s += a[i] * a[i];
        }
        return s;
    }
}
