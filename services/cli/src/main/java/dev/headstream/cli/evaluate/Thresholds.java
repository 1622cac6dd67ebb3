package dev.headstream.cli.evaluate;

import dev.headstream.core.detect.Detections;

/**
 * Score thresholds in logit space, where {@link dev.headstream.core.detect.Detections} compares
 * ({@code logit >= t}). Stateless.
 */
public final class Thresholds {

    /** The logit thresholds of a sweep: -12 to 12 in steps of 0.25. */
    private static final float SWEEP_FROM = -12f;

    private static final float SWEEP_STEP = 0.25f;
    private static final int SWEEP_POINTS = 97;

    private Thresholds() {}

    /** {@link Detections#logitOf}: a window is accepted at {@code score} when its logit is at least this. */
    public static float logitOf(float score) {
        return Detections.logitOf(score);
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
