package dev.headstream.core.adapt;

import dev.headstream.schemas.v1.HeadScore;
import dev.headstream.schemas.v1.ScoreState;

/**
 * Running binary-classification statistics of one head on one stream: mean log loss,
 * accuracy, and the confusion counts at the head's decision threshold. Mutable; owned by the
 * head state that holds it.
 */
public final class ScoreStats {

    private long count;
    private double lossSum;
    private long correct;
    private long positives;
    private long truePositives;
    private long negatives;
    private long falsePositives;

    /** Records one scored sample: {@code score} in (0,1), {@code accepted} = score passed the threshold. */
    public void add(boolean positive, double score, boolean accepted) {
        count++;
        double p = Math.min(Math.max(score, 1e-7), 1 - 1e-7);
        lossSum += positive ? -Math.log(p) : -Math.log(1 - p);
        if (accepted == positive) {
            correct++;
        }
        if (positive) {
            positives++;
            if (accepted) {
                truePositives++;
            }
        } else {
            negatives++;
            if (accepted) {
                falsePositives++;
            }
        }
    }

    public long count() {
        return count;
    }

    public double meanLoss() {
        return count == 0 ? 0 : lossSum / count;
    }

    public long falsePositives() {
        return falsePositives;
    }

    public double recall() {
        return positives == 0 ? 0 : truePositives / (double) positives;
    }

    public ScoreStats copy() {
        ScoreStats c = new ScoreStats();
        c.count = count;
        c.lossSum = lossSum;
        c.correct = correct;
        c.positives = positives;
        c.truePositives = truePositives;
        c.negatives = negatives;
        c.falsePositives = falsePositives;
        return c;
    }

    public HeadScore toProto() {
        return HeadScore.newBuilder()
                .setCount(count)
                .setMeanLoss(meanLoss())
                .setAccuracy(count == 0 ? 0 : correct / (double) count)
                .setPositives(positives)
                .setTruePositives(truePositives)
                .setNegatives(negatives)
                .setFalsePositives(falsePositives)
                .build();
    }

    /** The raw sums, for the adapter-state changelog. */
    ScoreState toState() {
        return ScoreState.newBuilder()
                .setCount(count)
                .setLossSum(lossSum)
                .setCorrect(correct)
                .setPositives(positives)
                .setTruePositives(truePositives)
                .setNegatives(negatives)
                .setFalsePositives(falsePositives)
                .build();
    }

    /** Replaces these statistics by {@code s} (restore from the changelog). */
    void load(ScoreState s) {
        count = s.getCount();
        lossSum = s.getLossSum();
        correct = s.getCorrect();
        positives = s.getPositives();
        truePositives = s.getTruePositives();
        negatives = s.getNegatives();
        falsePositives = s.getFalsePositives();
    }
}
