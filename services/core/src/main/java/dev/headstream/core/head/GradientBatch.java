package dev.headstream.core.head;

import java.util.Arrays;

/**
 * The mini-batch gradient shared by every trainer: a preallocated buffer that a head's backward
 * pass adds into, then one conservative step: average over the batch, add
 * {@code lambda * (w - anchor)}, clip to a norm, hand to the optimizer.
 *
 * <p>Call order: {@link #buffer()} + {@link #added} once per window -> {@link #complete} ->
 * {@link #apply}; {@link #discard()} at any point. Not thread-safe; owned by one trainer.
 * Deterministic: fixed reduction order, no allocation.
 */
final class GradientBatch {

    private enum Phase {
        READY,
        ACCUMULATING,
        COMPLETE
    }

    private final float[] gradient;
    private Phase phase = Phase.READY;
    private int count;
    private double lossSum;
    private float gradientNorm = Float.NaN;
    private float clipScale = 1f;
    private float gradientScale = 1f;

    GradientBatch(int parameters) {
        this.gradient = new float[parameters];
    }

    /** The buffer a window's gradient is added into; only while not completed. */
    float[] buffer() {
        if (phase == Phase.COMPLETE) {
            throw new IllegalStateException("gradient already completed: call applyUpdate or discardBatch first");
        }
        return gradient;
    }

    /** Fails unless at least one window was added since the last step. */
    void checkAccumulating() {
        if (phase != Phase.ACCUMULATING) {
            throw new IllegalStateException(
                    phase == Phase.READY ? "no window accumulated in this batch" : "gradient already completed");
        }
    }

    /** Records that one window with weighted loss {@code loss} was added to {@link #buffer()}. */
    void added(float loss) {
        phase = Phase.ACCUMULATING;
        count++;
        lossSum += loss;
    }

    /**
     * Averages the gradient, adds the L2 pull toward {@code anchor} and measures the norm for
     * clipping (only when clipping is configured).
     *
     * @return the batch's mean weighted loss (without the L2 term)
     * @throws IllegalStateException if no window was added, or the loss or gradient is not finite
     *                               (the batch is then discarded)
     */
    float complete(float[] trainable, float[] anchor, float lambda, float maxGradientNorm) {
        if (phase != Phase.ACCUMULATING) {
            throw new IllegalStateException(
                    phase == Phase.READY ? "no window accumulated in this batch" : "gradient already completed");
        }
        int n = gradient.length;
        if (trainable == null || trainable.length != n) {
            throw new IllegalArgumentException("trainable parameters must have length " + n);
        }
        double meanLoss = lossSum / count;
        if (!Double.isFinite(meanLoss)) {
            discard();
            throw new IllegalStateException("non-finite loss; batch discarded, head unchanged");
        }
        float inverseCount = 1f / count;
        float[] g = gradient;
        if (lambda != 0f) {
            for (int i = 0; i < n; i++) {
                g[i] = g[i] * inverseCount + lambda * (trainable[i] - anchor[i]);
            }
            gradientScale = 1f;
        } else {
            gradientScale = inverseCount;
        }
        clipScale = 1f;
        gradientNorm = Float.NaN;
        if (maxGradientNorm != Float.POSITIVE_INFINITY) {
            double norm = Math.sqrt(sumOfSquares(g)) * gradientScale;
            if (!Double.isFinite(norm)) {
                discard();
                throw new IllegalStateException("non-finite gradient; batch discarded, head unchanged");
            }
            gradientNorm = (float) norm;
            if (norm > maxGradientNorm) {
                clipScale = (float) (maxGradientNorm / (norm + 1e-6));
            }
        }
        phase = Phase.COMPLETE;
        return (float) meanLoss;
    }

    /** Applies {@code optimizer} with the completed gradient and readies the next batch. */
    void apply(float[] trainable, Optimizer optimizer, OptimizerState state) {
        if (phase != Phase.COMPLETE) {
            throw new IllegalStateException("completeGradient must run before applyUpdate");
        }
        optimizer.stepAndClear(trainable, gradient, gradientScale * clipScale, state);
        phase = Phase.READY;
        count = 0;
        lossSum = 0;
    }

    /**
     * The buffer for a fused single-window step ({@link HeadTrainer#stepSingle}), which adds one
     * window's gradient, applies it range by range and zeroes what it read; only while no window
     * is accumulated.
     */
    float[] singleWindowBuffer() {
        if (phase != Phase.READY) {
            throw new IllegalStateException(
                    "a single-window step needs an empty batch: " + count + " window(s) are accumulated");
        }
        return gradient;
    }

    /** Records a finished fused single-window step: a batch of one, not clipped, no norm measured. */
    void singleWindowApplied() {
        gradientScale = 1f;
        clipScale = 1f;
        gradientNorm = Float.NaN;
    }

    /** Zeroes the whole buffer (after a fused single-window step that failed half-way). */
    void clear() {
        Arrays.fill(gradient, 0f);
    }

    /** Drops the current batch (if any) and zeroes the buffer. */
    void discard() {
        if (phase != Phase.READY) {
            Arrays.fill(gradient, 0f);
        }
        phase = Phase.READY;
        count = 0;
        lossSum = 0;
    }

    int size() {
        return count;
    }

    float lastGradientNorm() {
        return gradientNorm;
    }

    float lastClipScale() {
        return clipScale;
    }

    /** Copies the completed, clipped gradient into {@code target}. */
    void copyTo(float[] target) {
        if (phase != Phase.COMPLETE) {
            throw new IllegalStateException("no completed gradient");
        }
        for (int i = 0; i < gradient.length; i++) {
            target[i] = gradient[i] * (gradientScale * clipScale);
        }
    }

    /** {@code lambda / 2 * ||trainable - anchor||^2}, with four partial sums in a fixed order. */
    static float l2Penalty(float[] trainable, float[] anchor, float lambda) {
        if (trainable == null || trainable.length != anchor.length) {
            throw new IllegalArgumentException("trainable parameters must have length " + anchor.length);
        }
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int n = anchor.length;
        int i = 0;
        for (; i <= n - 4; i += 4) {
            float d0 = trainable[i] - anchor[i];
            float d1 = trainable[i + 1] - anchor[i + 1];
            float d2 = trainable[i + 2] - anchor[i + 2];
            float d3 = trainable[i + 3] - anchor[i + 3];
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        float s = (s0 + s1) + (s2 + s3);
        for (; i < n; i++) {
            float d = trainable[i] - anchor[i];
            s += d * d;
        }
        return 0.5f * lambda * s;
    }

    /** Sum of squares with eight partial sums combined in a fixed order. */
    private static double sumOfSquares(float[] a) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        float s4 = 0f;
        float s5 = 0f;
        float s6 = 0f;
        float s7 = 0f;
        int n = a.length;
        int i = 0;
        for (; i <= n - 8; i += 8) {
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
        for (; i < n; i++) {
            s += a[i] * a[i];
        }
        return s;
    }
}
