package dev.headstream.core.detect;

import dev.headstream.core.head.MlpHead;
import java.util.Arrays;

/**
 * How a wake-word detector turns per-step scores into activations, and how a threshold is set
 * from them: what "false accepts per hour" means in this project.
 *
 * <p>A detector scores every 80 ms step (one embedding window per step). It activates at a step
 * whose score reaches its threshold, unless an activation happened less than
 * {@link #REFRACTORY_SECONDS} before: after an activation, the next {@link #REFRACTORY_STEPS} - 1
 * steps cannot activate (openWakeWord's runtimes are used this way: a detection is acted on and
 * the following two seconds are ignored). Steps are compared in logit space here
 * ({@code logit >= t}); a sigmoid score threshold {@code sigmoid(t)} accepts the same steps.
 * Activations never carry across separate recordings: each range is counted on its own.
 *
 * <p>Stateless; all methods are pure functions of their arguments.
 */
public final class Detections {

    /** Seconds one step advances: 1,280 samples at 16 kHz. */
    public static final double STEP_SECONDS = 0.08;
    /** After an activation, no other for this long. */
    public static final double REFRACTORY_SECONDS = 2.0;
    /** {@link #REFRACTORY_SECONDS} in steps: an activation at step {@code i} allows the next at {@code i + 25}. */
    public static final int REFRACTORY_STEPS = (int) Math.round(REFRACTORY_SECONDS / STEP_SECONDS);

    /** Below this logit every float sigmoid is 0, above {@link #HIGHEST} every one is 1. */
    private static final float LOWEST = -200f;

    private static final float HIGHEST = 40f;

    private Detections() {}

    /**
     * The lowest logit whose {@link MlpHead#sigmoid} reaches {@code score}, so that
     * {@code logit >= logitOf(score)} accepts exactly the steps whose score is {@code >= score}:
     * {@code -inf} for a score of 0 or less, {@code +inf} when no float sigmoid reaches it (above 1).
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

    private static float fromKey(int key) {
        return Float.intBitsToFloat(key >= 0 ? key : key ^ 0x7fffffff);
    }

    /** Activations in {@code logits[from, to)} at threshold {@code t} (activate when {@code logit >= t}). */
    public static int count(float[] logits, int from, int to, float t) {
        int n = 0;
        int next = from;
        for (int i = from; i < to; i++) {
            if (i >= next && logits[i] >= t) {
                n++;
                next = i + REFRACTORY_STEPS;
            }
        }
        return n;
    }

    /** Activations over several recordings: {@code bounds[k] .. bounds[k+1]} is recording {@code k}. */
    public static int count(float[] logits, int[] bounds, float t) {
        int n = 0;
        for (int k = 0; k + 1 < bounds.length; k++) {
            n += count(logits, bounds[k], bounds[k + 1], t);
        }
        return n;
    }

    /**
     * {@link #count(float[], int[], float)} when only some steps were scored: {@code steps[0, n)}
     * are step numbers in ascending order and {@code logits[0, n)} their logits; every other step
     * counts as below any threshold. With every step of the recordings given, the same count.
     */
    public static int countSparse(int[] steps, float[] logits, int n, int[] bounds, float t) {
        int count = 0;
        int recording = 0;
        int current = -1;
        int next = 0;
        for (int i = 0; i < n; i++) {
            int step = steps[i];
            if (bounds.length < 2 || step < bounds[0] || step >= bounds[bounds.length - 1]) {
                continue;
            }
            while (step >= bounds[recording + 1]) {
                recording++;
            }
            if (recording != current) {
                current = recording;
                next = bounds[recording];
            }
            if (step >= next && logits[i] >= t) {
                count++;
                next = step + REFRACTORY_STEPS;
            }
        }
        return count;
    }

    /**
     * {@link #highestRejected} when only some steps were scored (as {@link #countSparse}): the
     * highest logit a threshold must lie above so that at most {@code allowed} activations remain
     * among the scored steps; {@link Float#NEGATIVE_INFINITY} when accepting every scored step
     * stays within {@code allowed}.
     */
    public static float highestRejectedSparse(int[] steps, float[] logits, int n, int[] bounds, int allowed) {
        if (allowed < 0) {
            throw new IllegalArgumentException("allowed activations must be >= 0, was " + allowed);
        }
        if (n == 0) {
            return Float.NEGATIVE_INFINITY;
        }
        float[] sorted = Arrays.copyOf(logits, n);
        Arrays.sort(sorted);
        if (countSparse(steps, logits, n, bounds, sorted[0]) <= allowed) {
            return Float.NEGATIVE_INFINITY;
        }
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (countSparse(steps, logits, n, bounds, Math.nextUp(sorted[mid])) <= allowed) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return sorted[lo];
    }

    /** The steps of {@code logits[from, to)} that activate at threshold {@code t}. */
    public static int[] activations(float[] logits, int from, int to, float t) {
        int[] at = new int[count(logits, from, to, t)];
        int n = 0;
        int next = from;
        for (int i = from; i < to; i++) {
            if (i >= next && logits[i] >= t) {
                at[n++] = i;
                next = i + REFRACTORY_STEPS;
            }
        }
        return at;
    }

    /**
     * The highest logit a threshold must lie above so that at most {@code allowed} activations
     * remain over the recordings {@code bounds}: every threshold {@code t > v} gives at most
     * {@code allowed}, and {@code t = v} gives more. {@link Float#NEGATIVE_INFINITY} when even
     * accepting every step stays within {@code allowed}.
     *
     * <p>The count cannot rise when the threshold rises: the earliest-first rule picks the largest
     * set of steps 25 apart among those above the threshold, and a higher threshold leaves a
     * subset. So a binary search over the sorted distinct logits finds {@code v}.
     */
    public static float highestRejected(float[] logits, int[] bounds, int allowed) {
        if (allowed < 0) {
            throw new IllegalArgumentException("allowed activations must be >= 0, was " + allowed);
        }
        int total = bounds.length == 0 ? 0 : bounds[bounds.length - 1] - bounds[0];
        if (total == 0) {
            return Float.NEGATIVE_INFINITY;
        }
        float[] sorted = Arrays.copyOfRange(logits, bounds[0], bounds[bounds.length - 1]);
        Arrays.sort(sorted);
        if (count(logits, bounds, sorted[0]) <= allowed) {
            return Float.NEGATIVE_INFINITY;
        }
        // the smallest sorted[i] such that accepting only logits above it leaves <= allowed;
        // accepting only logits above the maximum leaves none
        int lo = 0;
        int hi = sorted.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (count(logits, bounds, Math.nextUp(sorted[mid])) <= allowed) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return sorted[lo];
    }
}
