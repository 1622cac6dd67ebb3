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
 * a calibration scores the head's calibration pool only, the {@code poolSize} steps with the
 * highest scores it holds (a new or rolled-back head's pool is the source head's highest steps).
 * The pool moves with the head's training, one training sample at a time, never at a publication
 * ({@link #advance}): after each training sample, the next of {@code slices} equal slices of the
 * part is scored with the head as it now is and the pool becomes the highest {@code poolSize} of
 * the pool (at the scores it was last scored with, kept in float16) and the slice. So the pool
 * and every threshold are functions of the user's ordered samples alone, whatever the batches
 * and publications (a replay gives the same bits); every step is scored again within
 * {@code slices} training samples. Steps outside the pool count as below the threshold.
 * {@code slices == 1} scores every step at every calibration.
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
     * @param sourceAccepted those the source head accepts at its own threshold (with a bank; none for a
     *                       fresh start, whose source threshold accepts nothing)
     * @param falseAccepts   activations on the bank's calibration part at {@code threshold} (with a bank)
     * @param hours          hours of the bank's calibration part (with a bank)
     */
    record Calibration(
            Outcome outcome,
            float threshold,
            int positives,
            int accepted,
            int sourceAccepted,
            int falseAccepts,
            double hours) {

        static Calibration without(Outcome outcome) {
            return new Calibration(outcome, Float.NaN, 0, 0, 0, 0, 0);
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
    /** Clips' first-layer products, shared with the task's trainer (the minimum-recall check rescores replayed clips). */
    private final ClipBases bases;
    /** The source head's threshold ({@link BinaryHeadTask#sourceThresholdOf}). */
    private final float sourceThreshold;

    /**
     * @param poolSize calibration steps a head's pool holds (with {@code slices > 1})
     * @param slices   slices of the calibration part, one scored per calibration besides the pool; 1 = every step
     * @param bases    clips' first-layer products, kept across calls
     * @param sourceThreshold the threshold at which the source head accepts
     */
    ThresholdCalibrator(
            ClipScorer scorer,
            RehearsalSet rehearsal,
            BankNegatives bank,
            double targetFalseAcceptsPerHour,
            float thresholdPosition,
            int poolSize,
            int slices,
            ClipBases bases,
            float sourceThreshold) {
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
        this.bases = bases;
        this.sourceThreshold = sourceThreshold;
    }

    /** The threshold at which the source head accepts. */
    float sourceThreshold() {
        return sourceThreshold;
    }

    /** Calibrates {@code s}'s adapted head; changes nothing. */
    Calibration calibrate(HeadState s) {
        List<Float> pos = new ArrayList<>();
        List<Float> sourcePos = new ArrayList<>();
        List<Float> neg = new ArrayList<>();
        double negativeSeconds = 0;
        for (HeadState.Example ex : s.replay()) {
            EmbeddingSequence e = ex.clip().decode();
            float z = bases.maxLogit(scorer, s.liveTrainable(), ex.clip(), e);
            if (ex.positive()) {
                pos.add(z);
                sourcePos.add(bases.maxLogit(scorer, null, ex.clip(), e));
            } else {
                neg.add(z);
                negativeSeconds += e.frames() * FRAME_SECONDS;
            }
        }
        for (EmbeddingSequence e : rehearsal.calibration()) {
            neg.add(bases.maxLogit(scorer, s.liveTrainable(), e, e));
            negativeSeconds += e.frames() * FRAME_SECONDS;
        }
        float negMax;
        int scored = 0;
        if (bank != null) {
            allocateScratch();
            int allowed = allowedActivations(targetFalseAcceptsPerHour, bank.calibrationHours());
            float bankMax;
            scored = slices == 1 ? 0 : scorePool(s);
            if (scored == 0) {
                // every step: as configured, or when there is no pool to score (a pool of 0 steps)
                bank.calibrationLogits(scorer, s.liveTrainable(), calibrationLogits);
                bankMax = Detections.highestRejected(calibrationLogits, bank.calibrationBounds(), allowed);
                scored = calibrationLogits.length;
            } else {
                bankMax = Detections.highestRejectedSparse(
                        steps, calibrationLogits, scored, bank.calibrationBounds(), allowed);
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
                return Calibration.without(Outcome.NO_NEGATIVES);
            }
            // the target rate allows this many of the calibration negatives above the threshold
            int allowed =
                    (int) Math.min(neg.size() - 1, Math.floor(targetFalseAcceptsPerHour * negativeSeconds / 3600));
            neg.sort(Collections.reverseOrder());
            negMax = neg.get(allowed);
        }
        if (pos.isEmpty()) {
            return Calibration.without(Outcome.NO_POSITIVES);
        }
        float posMin = Float.POSITIVE_INFINITY;
        for (float z : pos) {
            posMin = Math.min(posMin, z);
        }
        float placed = threshold(negMax, posMin, thresholdPosition);
        if (bank == null) {
            return new Calibration(Outcome.PLACED, placed, pos.size(), 0, 0, 0, 0);
        }
        int falseAccepts = scored == calibrationLogits.length
                ? Detections.count(calibrationLogits, bank.calibrationBounds(), logit(placed))
                : Detections.countSparse(steps, calibrationLogits, scored, bank.calibrationBounds(), logit(placed));
        int accepted = 0;
        for (float z : pos) {
            accepted += MlpHead.sigmoid(z) >= placed ? 1 : 0;
        }
        int sourceAccepted = 0;
        for (float z : sourcePos) {
            sourceAccepted += MlpHead.sigmoid(z) >= sourceThreshold ? 1 : 0;
        }
        return new Calibration(
                Outcome.PLACED, placed, pos.size(), accepted, sourceAccepted, falseAccepts, bank.calibrationHours());
    }

    /**
     * Scores the head's calibration pool (the source head's for a head without one) with its
     * current head: the steps, ascending, into {@link #steps} and their logits into
     * {@link #calibrationLogits}. Returns how many (0 for a pool of none).
     */
    private int scorePool(HeadState s) {
        int[] own = s.calibrationPool();
        int[] pool = own.length > 0 ? own : sourcePool(); // both ascending
        System.arraycopy(pool, 0, steps, 0, pool.length);
        bank.calibrationLogits(scorer, s.liveTrainable(), steps, pool.length, calibrationLogits);
        return pool.length;
    }

    /**
     * After a training sample of {@code s}: scores slice {@code s.calibrationSlice()} of the
     * calibration part with the head as it now is and makes the pool the {@link #poolSize}
     * highest-scoring steps of the pool (at its stored scores; the source head's scores for a head
     * without a pool) and the slice (ties: the lower step), with the slice's fresh scores stored;
     * the next sample scores the next slice. Nothing without a bank or with one slice.
     */
    void advance(HeadState s) {
        if (bank == null || slices == 1 || poolSize == 0) {
            return;
        }
        int count = bank.calibrationWindows();
        int slice = s.calibrationSlice() % slices;
        int from = (int) ((long) slice * count / slices);
        int to = (int) ((long) (slice + 1) * count / slices);
        int[] pool = s.calibrationPool();
        float[] scores;
        if (pool.length > 0) {
            scores = s.calibrationPoolScores();
        } else {
            pool = sourcePool();
            float[] source = bank.sourceCalibrationLogits(scorer);
            scores = new float[pool.length];
            for (int i = 0; i < pool.length; i++) {
                scores[i] = source[pool[i]];
            }
        }
        allocateScratch();
        // the pool's steps outside the slice at their stored scores, the slice's scored now: ascending
        float[] trainable = s.liveTrainable();
        int n = 0;
        int k = 0;
        while (k < pool.length && pool[k] < from) {
            steps[n] = pool[k];
            calibrationLogits[n++] = scores[k++];
        }
        bank.calibrationLogitRange(scorer, trainable, from, to, calibrationLogits, n);
        for (int w = from; w < to; w++) {
            steps[n++] = w;
        }
        while (k < pool.length && pool[k] < to) {
            k++;
        }
        while (k < pool.length) {
            steps[n] = pool[k];
            calibrationLogits[n++] = scores[k++];
        }
        int[] at = highest(calibrationLogits, n, poolSize);
        Arrays.sort(at); // places in ascending steps: the kept steps ascending, as the state keeps them
        int[] kept = new int[at.length];
        float[] keptScores = new float[at.length];
        for (int i = 0; i < at.length; i++) {
            kept[i] = steps[at[i]];
            keptScores[i] = calibrationLogits[at[i]];
        }
        s.replaceCalibrationPool(kept, keptScores, (slice + 1) % slices);
    }

    /** The scratch arrays, one place per calibration step, made on first use. */
    private void allocateScratch() {
        if (steps == null) {
            steps = new int[bank.calibrationWindows()];
            calibrationLogits = new float[bank.calibrationWindows()];
        }
    }

    /** The source head's {@link #poolSize} highest-scoring calibration steps, ascending, made once. */
    private int[] sourcePool() {
        if (sourcePool == null) {
            int count = bank.calibrationWindows();
            sourcePool = highest(bank.sourceCalibrationLogits(scorer), count, poolSize);
            Arrays.sort(sourcePool); // places in an ascending array of every step are steps
        }
        return sourcePool;
    }

    /**
     * Where in {@code logits[0, n)}, the logits of ascending steps, the {@code k} highest are
     * (ties: the lower place, so the lower step), highest first.
     */
    private int[] highest(float[] logits, int n, int k) {
        if (keys == null || keys.length < n) {
            keys = new long[Math.max(n, bank.calibrationWindows())];
        }
        for (int i = 0; i < n; i++) {
            keys[i] = ReplayTrainer.key(logits[i], i);
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

    /**
     * The activations a threshold may leave on {@code hours} of speech at {@code perHour}:
     * {@code floor(perHour * hours)}, as the calibration has always counted them (one rule for the
     * adapter and every benchmark).
     */
    public static int allowedActivations(double perHour, double hours) {
        return (int) Math.floor(perHour * hours);
    }
}
