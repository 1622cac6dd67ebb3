package dev.headstream.core.adapt.task;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import java.util.ArrayList;
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
 * <p>It reads the head and writes nothing to it: {@link PublishPolicy} applies the result. Not
 * thread-safe (scratch buffer, the task's scorer): one per task instance.
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
    /** Scratch: calibration logits. */
    private float[] calibrationLogits;

    ThresholdCalibrator(
            ClipScorer scorer,
            RehearsalSet rehearsal,
            BankNegatives bank,
            double targetFalseAcceptsPerHour,
            float thresholdPosition) {
        this.scorer = scorer;
        this.rehearsal = rehearsal;
        this.bank = bank;
        this.targetFalseAcceptsPerHour = targetFalseAcceptsPerHour;
        this.thresholdPosition = thresholdPosition;
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
        if (bank != null) {
            if (calibrationLogits == null) {
                calibrationLogits = new float[bank.calibrationWindows()];
            }
            bank.calibrationLogits(scorer, s.liveTrainable(), calibrationLogits);
            int allowed = (int) Math.floor(targetFalseAcceptsPerHour * bank.calibrationHours());
            float bankMax = Detections.highestRejected(calibrationLogits, bank.calibrationBounds(), allowed);
            negMax = bankMax;
            for (float z : neg) {
                negMax = Math.max(negMax, z);
            }
            if (negMax == Float.NEGATIVE_INFINITY) {
                negMax = min(calibrationLogits) - 1f;
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
        int falseAccepts = Detections.count(calibrationLogits, bank.calibrationBounds(), logit(placed));
        int accepted = 0;
        for (float z : pos) {
            accepted += MlpHead.sigmoid(z) >= placed ? 1 : 0;
        }
        int sourceAccepted = 0;
        for (float z : sourcePos) {
            sourceAccepted += MlpHead.sigmoid(z) >= BinaryHeadTask.SOURCE_THRESHOLD ? 1 : 0;
        }
        return new Calibration(
                Outcome.PLACED, placed, pos.size(), accepted, sourceAccepted, falseAccepts, bank.calibrationHours());
    }

    /** {@link Detections#logitOf}: steps at or above this logit are accepted at {@code score}. */
    public static float logit(float score) {
        return Detections.logitOf(score);
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float x : v) {
            m = Math.min(m, x);
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
