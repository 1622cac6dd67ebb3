package dev.headstream.tools.bench;

import dev.headstream.core.adapt.task.BankNegatives;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.adapt.task.ThresholdCalibrator;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.FusionHead;
import dev.headstream.core.head.MlpHead;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticUser;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Would the published head do better as a fusion of the pre-trained (source) head and the user's
 * adapted head for the same phrase? At every checkpoint of {@link QuietBench}, for each weight
 * {@code a}, the window score is {@link FusionHead#fuse} of the two heads' sigmoid outputs, under
 * two thresholds ({@link Rule}), both set without the evaluation speech: the lowest one that keeps
 * the fused head within the target's false accepts on the bank's calibration speech
 * ({@code floor(target x hours)} activations, scored every 80 ms with the 2 s refractory period),
 * and the recipe's placement between the negatives and the user's training positives. The figures
 * are the holdout recall (a clip is detected when its best window reaches the threshold) and the
 * activations on the held-out evaluation speech. Weight 1 is the adapted head alone, weight 0 the
 * source head alone.
 *
 * <p>Thread-safe: {@link #at} runs on several users' threads at once and allocates its own arrays.
 */
final class FusionBench implements QuietBench.CheckpointProbe {

    /** How a fused head's threshold is set. */
    enum Rule {
        /** The lowest threshold within the target on the calibration speech. */
        LOWEST,
        /**
         * The recipe's placement ({@link ThresholdCalibrator#threshold}): between the highest of the
         * calibration speech's rejected scores and the user's training negatives, and the user's
         * lowest training positive, at the recipe's position in logit space.
         */
        PLACED
    }

    /** One head at one checkpoint, weight and threshold rule. */
    record Figures(
            String user,
            int clips,
            float weight,
            Rule rule,
            float threshold,
            int positives,
            int detected,
            int activations,
            double hours) {

        double recall() {
            return positives == 0 ? 0 : detected / (double) positives;
        }

        double perHour() {
            return hours == 0 ? 0 : activations / hours;
        }
    }

    /** The mean over heads at one checkpoint and weight. */
    record Summary(int clips, float weight, int heads, double recall, int activations, double hours, double worst) {

        double perHour() {
            return hours == 0 ? 0 : activations / hours;
        }

        static Summary of(List<Figures> all, int clips, float weight, Rule rule) {
            List<Figures> at = all.stream()
                    .filter(f -> f.clips() == clips && f.weight() == weight && f.rule() == rule)
                    .toList();
            return new Summary(
                    clips,
                    weight,
                    at.size(),
                    at.stream().mapToDouble(Figures::recall).average().orElse(0),
                    at.stream().mapToInt(Figures::activations).sum(),
                    at.stream().mapToDouble(Figures::hours).sum(),
                    at.stream().mapToDouble(Figures::perHour).max().orElse(0));
        }
    }

    private final float[] weights;
    private final double targetPerHour;
    private final float position;
    private final Map<SyntheticClip, EmbeddingSequence> embeddings;
    private final int windowFrames;
    private final ConcurrentLinkedQueue<Figures> figures = new ConcurrentLinkedQueue<>();

    private BankNegatives prepared;
    private BankNegatives.Part evaluation;
    private float[] sourceCalibration;
    private float[] sourceEvaluation;
    private int allowed;

    /**
     * @param weights       adapted-head weights {@code a} to measure, each in {@code [0, 1]}
     * @param targetPerHour false accepts per hour of calibration speech the threshold allows
     * @param position      the recipe's threshold position ({@link Rule#PLACED})
     * @param embeddings    every user's clips, embedded
     * @param windowFrames  embedding frames per head window
     */
    FusionBench(
            float[] weights,
            double targetPerHour,
            float position,
            Map<SyntheticClip, EmbeddingSequence> embeddings,
            int windowFrames) {
        this.weights = checkWeights(weights).clone();
        if (!(targetPerHour >= 0)) {
            throw new IllegalArgumentException("target must be >= 0, got " + targetPerHour);
        }
        this.targetPerHour = targetPerHour;
        this.position = position;
        this.embeddings = Objects.requireNonNull(embeddings, "embeddings");
        this.windowFrames = windowFrames;
    }

    @Override
    public void start(BankNegatives prepared, BankNegatives.Part evaluation, ClipScorer scorer) {
        this.prepared = prepared;
        this.evaluation = evaluation;
        this.sourceCalibration = toScores(prepared.sourceCalibrationLogits(scorer));
        float[] e = new float[evaluation.count()];
        evaluation.logits(scorer.copy(), null, e);
        this.sourceEvaluation = toScores(e);
        this.allowed = ThresholdCalibrator.allowedActivations(targetPerHour, prepared.calibrationHours());
    }

    @Override
    public void at(SyntheticUser user, int clips, float[] published, ClipScorer scorer, float[] evaluationLogits) {
        float[] adaptedCalibration = new float[prepared.calibrationWindows()];
        prepared.calibrationLogits(scorer, published, adaptedCalibration);
        toScoresInPlace(adaptedCalibration);
        float[] adaptedEvaluation = toScores(evaluationLogits);
        List<float[][]> positives = new ArrayList<>();
        for (SyntheticClip c : user.holdout()) {
            if (c.positive()) {
                positives.add(windowScores(scorer, published, embeddings.get(c)));
            }
        }
        List<float[][]> trainedPositives = new ArrayList<>();
        List<float[][]> trainedNegatives = new ArrayList<>();
        for (SyntheticClip c : user.train().subList(0, clips)) {
            (c.positive() ? trainedPositives : trainedNegatives)
                    .add(windowScores(scorer, published, embeddings.get(c)));
        }
        float[] fusedCalibration = new float[adaptedCalibration.length];
        float[] fusedEvaluation = new float[adaptedEvaluation.length];
        for (float w : weights) {
            FusionHead fusion = new FusionHead(w);
            fusion.fuse(sourceCalibration, adaptedCalibration, fusedCalibration);
            fusion.fuse(sourceEvaluation, adaptedEvaluation, fusedEvaluation);
            float rejected = Detections.highestRejected(fusedCalibration, prepared.calibrationBounds(), allowed);
            float lowest = thresholdAbove(rejected);
            float negMax = rejected;
            for (float[][] clip : trainedNegatives) {
                negMax = Math.max(negMax, bestFused(fusion, clip));
            }
            float posMin = Float.POSITIVE_INFINITY;
            for (float[][] clip : trainedPositives) {
                posMin = Math.min(posMin, bestFused(fusion, clip));
            }
            float placed = placed(negMax, posMin, position);
            for (Rule rule : Rule.values()) {
                float threshold = rule == Rule.LOWEST ? lowest : placed;
                int detected = 0;
                for (float[][] clip : positives) {
                    detected += bestFused(fusion, clip) >= threshold ? 1 : 0;
                }
                figures.add(new Figures(
                        user.id(),
                        clips,
                        w,
                        rule,
                        threshold,
                        positives.size(),
                        detected,
                        Detections.count(fusedEvaluation, evaluation.bounds(), threshold),
                        evaluation.hours()));
            }
        }
    }

    /**
     * The recipe's threshold on fused scores: {@link ThresholdCalibrator#threshold} of the highest
     * negative and the lowest positive score, in logit space (scores kept inside {@code [1e-7, 1 -
     * 1e-7]} so that both logits are finite; no positive yet places it half a logit above the negatives).
     */
    static float placed(float negMax, float posMin, float position) {
        float neg = ThresholdCalibrator.logit(clamp(negMax));
        float pos = posMin == Float.POSITIVE_INFINITY ? neg : ThresholdCalibrator.logit(clamp(posMin));
        return ThresholdCalibrator.threshold(neg, pos, position);
    }

    private static float clamp(float score) {
        return Math.min(Math.max(score, 1e-7f), 1f - 1e-7f);
    }

    /** Every head's figures so far, by user, checkpoint and weight. */
    List<Figures> figures() {
        return figures.stream()
                .sorted(Comparator.comparing(Figures::user)
                        .thenComparingInt(Figures::clips)
                        .thenComparing(Figures::weight)
                        .thenComparing(Figures::rule))
                .toList();
    }

    float[] weights() {
        return weights.clone();
    }

    /** {@code weights}, if each is a weight {@link FusionHead} takes; else IllegalArgumentException naming it. */
    static float[] checkWeights(float[] weights) {
        if (weights.length == 0) {
            throw new IllegalArgumentException("no fusion weight given");
        }
        for (float w : weights) {
            new FusionHead(w); // its constructor holds the rule
        }
        return weights;
    }

    /**
     * The lowest threshold above {@code highestRejected}: activations need a score {@code >=} it, so
     * every score at or below {@code highestRejected} stays quiet. Minus infinity stays minus infinity.
     */
    static float thresholdAbove(float highestRejected) {
        return highestRejected == Float.NEGATIVE_INFINITY ? highestRejected : Math.nextUp(highestRejected);
    }

    /** The clip's best fused window. */
    static float bestFused(FusionHead fusion, float[][] clip) {
        float best = Float.NEGATIVE_INFINITY;
        for (int w = 0; w < clip[0].length; w++) {
            best = Math.max(best, fusion.fuse(clip[0][w], clip[1][w]));
        }
        return best;
    }

    /** The source's and the adapted head's score of every window of {@code e}: {@code [2][windows]}. */
    private float[][] windowScores(ClipScorer scorer, float[] published, EmbeddingSequence e) {
        int windows = e.windows(windowFrames);
        float[][] out = new float[2][windows];
        for (int w = 0; w < windows; w++) {
            out[0][w] = MlpHead.sigmoid(scorer.windowLogit(null, e.values(), e.offset(w)));
            out[1][w] = MlpHead.sigmoid(scorer.windowLogit(published, e.values(), e.offset(w)));
        }
        return out;
    }

    private static float[] toScores(float[] logits) {
        float[] s = logits.clone();
        toScoresInPlace(s);
        return s;
    }

    private static void toScoresInPlace(float[] logits) {
        for (int i = 0; i < logits.length; i++) {
            logits[i] = MlpHead.sigmoid(logits[i]);
        }
    }
}
