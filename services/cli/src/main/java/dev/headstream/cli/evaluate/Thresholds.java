package dev.headstream.cli.evaluate;

import dev.headstream.core.head.MlpHead;

/**
 * Score thresholds in logit space, where {@link dev.headstream.core.detect.Detections} compares
 * ({@code logit >= t}). Stateless.
 */
public final class Thresholds {

    /** The logit thresholds of a sweep: -12 to 12 in steps of 0.25. */
    private static final float SWEEP_FROM = -12f;
    private static final float SWEEP_STEP = 0.25f;
    private static final int SWEEP_POINTS = 97;
    /** Below this logit every float sigmoid is 0, above {@link #HIGHEST} every one is 1. */
    private static final float LOWEST = -200f;
    private static final float HIGHEST = 40f;

    private Thresholds() {
    }

    /**
     * The lowest logit whose {@link MlpHead#sigmoid} reaches {@code score}, so that
     * {@code logit >= logitOf(score)} accepts exactly the windows whose score is {@code >= score}:
     * {@code -inf} for a score of 0 or less, {@code +inf} above 1.
     *
     * @throws IllegalArgumentException for NaN
     */
    public static float logitOf(float score) {
        if (Float.isNaN(score)) {
            throw new IllegalArgumentException("threshold must be a number, was NaN");
        }
        if (score <= 0f) {
            return Float.NEGATIVE_INFINITY;
        }
        if (score > 1f) {
            return Float.POSITIVE_INFINITY;
        }
        if (MlpHead.sigmoid(HIGHEST) < score) {
            return Float.POSITIVE_INFINITY;
        }
        // sigmoid is monotone over floats: bisect the float grid between LOWEST and HIGHEST
        int lo = key(LOWEST);
        int hi = key(HIGHEST);
        while (lo < hi) {
            int mid = (int) (((long) lo + hi) >> 1);
            if (MlpHead.sigmoid(fromKey(mid)) >= score) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return fromKey(lo);
    }

    /** Maps floats to ints in the same order (negative floats have their magnitude bits flipped). */
    private static int key(float f) {
        int bits = Float.floatToIntBits(f);
        return bits >= 0 ? bits : bits ^ 0x7fffffff;
    }

    private static float fromKey(int k) {
        return Float.intBitsToFloat(k >= 0 ? k : k ^ 0x7fffffff);
    }

    /** The logit thresholds a recall / false-accept curve is drawn over, ascending. */
    public static float[] sweep() {
        float[] t = new float[SWEEP_POINTS];
        for (int i = 0; i < t.length; i++) {
            t[i] = SWEEP_FROM + SWEEP_STEP * i;
        }
        return t;
    }
}
