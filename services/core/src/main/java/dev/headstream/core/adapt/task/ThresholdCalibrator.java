package dev.headstream.core.adapt.task;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Places a user's decision threshold (in logit space) between the highest-scoring negative and
 * the lowest-scoring replayed positive, at {@link HeadRecipe#thresholdPosition()}; when they
 * overlap, just above the highest negative, so other people's speech is not accepted. The
 * threshold always lies strictly above the highest negative's score, also where float rounding of
 * the sigmoid would merge the two. Never uses holdout samples.
 *
 * <p>"The highest negative" is the highest of: the user's own replayed negatives (each clip at
 * its highest window); the reference set's calibration clips; and, with a negative bank, the
 * logit a threshold must exceed so that the bank's calibration part, scored as a detector scores
 * it (every 80 ms step, {@link Detections#REFRACTORY_STEPS} steps of refractory period after an
 * activation), gives at most {@code floor(target * hours)} activations. Without a bank the target
 * counts calibration clips instead, their audio at 80 ms per embedding frame.
 *
 * <p>With {@code slices > 1} the bank's calibration part is not scored whole at every calibration:
 * only the head's calibration pool (the {@code poolSize} steps it scored highest at its last
 * calibration; at first the source head's highest) and the next of {@code slices} equal slices
 * of the part, in turn. Steps left out count as below the threshold, so a step that rose since it
 * was last scored is seen within {@code slices} calibrations, and a step near the threshold at
 * every one. The result carries the new pool (the highest-scoring {@code poolSize} steps scored)
 * and the next slice. {@code slices == 1} scores every step every time.
 *
 * <p>It reads the head and writes nothing to it: {@link PublishPolicy} applies the result. Not
 * thread-safe (scratch buffers, the task's scorer): one per task instance.
 */
public final class ThresholdCalibrator {

    /** Seconds of audio one embedding frame steps over (the backbone's 80 ms hop). */
    static final double FRAME_SECONDS = 0.08;

    /** Whether a threshold was placed. */
    enum Outcome {
        /** Without a bank, no negative to place a threshold above: the head keeps its threshold. */
        NO_NEGATIVES,
        /** No positive of the user replayed: the head keeps its threshold. */
        NO_POSITIVES,
        /** A threshold was placed. */
        PLACED
    }

    /**
     * What a calibration found.
     *
     * @param outcome        whether a threshold was placed
     * @param threshold      the threshold placed (a score); NaN unless placed
     * @param positives      the user's replayed positives
     * @param accepted       of them, those the adapted head accepts at {@code threshold} (with a bank)
     * @param sourceAccepted those the source head accepts at its own threshold (with a bank)
     * @param falseAccepts   activations on the bank's calibration part at {@code threshold} (with a bank)
     * @param hours          hours of the bank's calibration part (with a bank)
     * @param pool           the head's new calibration pool, or null when it keeps its own (no bank, or every step scored)
     * @param nextSlice      the slice of the calibration part the next calibration scores (with {@code pool})
     */
    record Calibration(
            Outcome outcome,
            float threshold,
            int positives,
            int accepted,
            int sourceAccepted,
            int falseAccepts,
            double hours,
            int[] pool,
            int nextSlice) {

        static Calibration without(Outcome outcome, int[] pool, int nextSlice) {
            return new Calibration(outcome, Float.NaN, 0, 0, 0, 0, 0, pool, nextSlice);
        }
    }

    private final ClipScorer scorer;
    private final RehearsalSet rehearsal;
    /** The negative bank prepared for this task's head, or null without one; shared, read-only. */
    private final BankNegatives bank;

    private final double targetFalseAcceptsPerHour;
    private final float thresholdPosition;
    private final int poolSize;
    private final int slices;
    /** Scratch: calibration logits (every step, or the scored steps' with {@link #steps}). */
    private float[] calibrationLogits;
    /** Scratch: the calibration steps scored, ascending, when not every step is. */
    private int[] steps;
    /** Scratch: (logit, step) keys for choosing a pool. */
    private long[] keys;
    /** The source head's {@link #poolSize} highest calibration steps: a new head's pool; made on first use from the bank's shared source logits. */
    private int[] sourcePool;

    /**
     * @param poolSize calibration steps a head's pool holds (with {@code slices > 1})
     * @param slices   slices of the calibration part, one scored per calibration besides the pool; 1 = every step
     */
    ThresholdCalibrator(
            ClipScorer scorer,
            RehearsalSet rehearsal,
            BankNegatives bank,
            double targetFalseAcceptsPerHour,
            float thresholdPosition,
            int poolSize,
            int slices) {
        if (slices < 1 || poolSize < 0) {
            throw new IllegalArgumentException(
                    "calibration needs at least one slice and a pool of 0 or more, got " + slices + " and " + poolSize);
        }
        this.scorer = scorer;
        this.rehearsal = rehearsal;
        this.bank = bank;
        this.targetFalseAcceptsPerHour = targetFalseAcceptsPerHour;
        this.thresholdPosition = thresholdPosition;
        this.poolSize = poolSize;
        this.slices = slices;
    }

    /** Calibrates {@code s}'s adapted head; changes nothing. */
    Calibration calibrate(HeadState s) {
        List<Float> pos = new ArrayList<>();
        List<Float> sourcePos = new ArrayList<>();
        List<Float> neg = new ArrayList<>();
        double negativeSeconds = 0;
        for (HeadState.Example ex : s.replay()) {
            EmbeddingSequence e = ex.clip().decode();
            float z = scorer.maxLogit(s.liveTrainable(), e);
            if (ex.positive()) {
                pos.add(z);
                sourcePos.add(scorer.maxLogit(null, e));
            } else {
                neg.add(z);
                negativeSeconds += e.frames() * FRAME_SECONDS;
            }
        }
        for (EmbeddingSequence e : rehearsal.calibration()) {
            neg.add(scorer.maxLogit(s.liveTrainable(), e));
            negativeSeconds += e.frames() * FRAME_SECONDS;
        }
        float negMax;
        int scored = 0;
        int[] pool = null;
        int nextSlice = 0;
        if (bank != null) {
            if (calibrationLogits == null) {
                calibrationLogits = new float[bank.calibrationWindows()];
            }
            int allowed = (int) Math.floor(targetFalseAcceptsPerHour * bank.calibrationHours());
            float bankMax;
            if (slices == 1) {
                bank.calibrationLogits(scorer, s.liveTrainable(), calibrationLogits);
                bankMax = Detections.highestRejected(calibrationLogits, bank.calibrationBounds(), allowed);
                scored = calibrationLogits.length;
            } else {
                int slice = s.calibrationSlice() % slices;
                scored = scorePoolAndSlice(s, slice);
                bankMax = Detections.highestRejectedSparse(
                        steps, calibrationLogits, scored, bank.calibrationBounds(), allowed);
                pool = highest(steps, calibrationLogits, scored, poolSize);
                nextSlice = (slice + 1) % slices;
            }
            negMax = bankMax;
            for (float z : neg) {
                negMax = Math.max(negMax, z);
            }
            if (negMax == Float.NEGATIVE_INFINITY) {
                negMax = min(calibrationLogits, scored) - 1f;
            }
        } else {
            if (neg.isEmpty()) {
                return Calibration.without(Outcome.NO_NEGATIVES, null, 0);
            }
            // the target rate allows this many of the calibration negatives above the threshold
            int allowed =
                    (int) Math.min(neg.size() - 1, Math.floor(targetFalseAcceptsPerHour * negativeSeconds / 3600));
            neg.sort(Collections.reverseOrder());
            negMax = neg.get(allowed);
        }
        if (pos.isEmpty()) {
            return Calibration.without(Outcome.NO_POSITIVES, pool, nextSlice);
        }
        float posMin = Float.POSITIVE_INFINITY;
        for (float z : pos) {
            posMin = Math.min(posMin, z);
        }
        float placed = threshold(negMax, posMin, thresholdPosition);
        if (bank == null) {
            return new Calibration(Outcome.PLACED, placed, pos.size(), 0, 0, 0, 0, null, 0);
        }
        int falseAccepts = slices == 1
                ? Detections.count(calibrationLogits, bank.calibrationBounds(), logit(placed))
                : Detections.countSparse(steps, calibrationLogits, scored, bank.calibrationBounds(), logit(placed));
        int accepted = 0;
        for (float z : pos) {
            accepted += MlpHead.sigmoid(z) >= placed ? 1 : 0;
        }
        int sourceAccepted = 0;
        for (float z : sourcePos) {
            sourceAccepted += MlpHead.sigmoid(z) >= BinaryHeadTask.SOURCE_THRESHOLD ? 1 : 0;
        }
        return new Calibration(
                Outcome.PLACED,
                placed,
                pos.size(),
                accepted,
                sourceAccepted,
                falseAccepts,
                bank.calibrationHours(),
                pool,
                nextSlice);
    }

    /**
     * Scores the head's calibration pool (the source head's for a head without one) and slice
     * {@code slice} of the calibration part: the steps, ascending and each once, into
     * {@link #steps} and their logits into {@link #calibrationLogits}. Returns how many.
     */
    private int scorePoolAndSlice(HeadState s, int slice) {
        int count = bank.calibrationWindows();
        int from = (int) ((long) slice * count / slices);
        int to = (int) ((long) (slice + 1) * count / slices);
        int[] own = s.calibrationPool();
        int[] pool = own.length > 0 ? own : sourcePool();
        int[] outside =
                Arrays.stream(pool).filter(w -> w < from || w >= to).sorted().toArray();
        if (steps == null) {
            steps = new int[count];
        }
        // merge the pool's steps outside the slice with the slice's, in ascending order
        int n = 0;
        int i = 0;
        for (int w = from; w < to; w++) {
            while (i < outside.length && outside[i] < w) {
                steps[n++] = outside[i++];
            }
            steps[n++] = w;
        }
        while (i < outside.length) {
            steps[n++] = outside[i++];
        }
        float[] trainable = s.liveTrainable();
        for (int k = 0; k < n; k++) {
            calibrationLogits[k] = bank.calibrationLogit(scorer, trainable, steps[k]);
        }
        return n;
    }

    /** The source head's {@link #poolSize} highest-scoring calibration steps, made once. */
    private int[] sourcePool() {
        if (sourcePool == null) {
            int count = bank.calibrationWindows();
            int[] all = new int[count];
            Arrays.setAll(all, w -> w);
            sourcePool = highest(all, bank.sourceCalibrationLogits(scorer), count, poolSize);
        }
        return sourcePool;
    }

    /** The {@code k} steps of {@code steps[0, n)} with the highest logits (ties: the lower step), highest first. */
    private int[] highest(int[] steps, float[] logits, int n, int k) {
        if (keys == null || keys.length < n) {
            keys = new long[Math.max(n, bank.calibrationWindows())];
        }
        for (int i = 0; i < n; i++) {
            keys[i] = ReplayTrainer.key(logits[i], steps[i]);
        }
        Arrays.sort(keys, 0, n);
        int[] out = new int[Math.min(k, n)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) keys[i];
        }
        return out;
    }

    /** {@link Detections#logitOf}: steps at or above this logit are accepted at {@code score}. */
    public static float logit(float score) {
        return Detections.logitOf(score);
    }

    private static float min(float[] v, int n) {
        float m = Float.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.min(m, v[i]);
        }
        return m;
    }

    /**
     * The decision threshold (a score in {@code (0, 1]}) between the highest negative logit and the
     * lowest positive logit, at {@code position} of the way in logit space; when they overlap,
     * half a logit above the highest negative. Always strictly above {@code sigmoid(negMax)}, also
     * where float rounding of the sigmoid would merge the two.
     */
    public static float threshold(float negMax, float posMin, float position) {
        float t = posMin > negMax ? negMax + position * (posMin - negMax) : negMax + 0.5f;
        float threshold = MlpHead.sigmoid(t);
        float highestNegative = MlpHead.sigmoid(negMax);
        return threshold > highestNegative ? threshold : Math.nextUp(highestNegative);
    }
}
