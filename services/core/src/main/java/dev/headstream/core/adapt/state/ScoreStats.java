package dev.headstream.core.adapt.state;

/**
 * Running binary-classification statistics of one head on one stream: log loss, accuracy and the
 * confusion counts at the head's decision threshold. Mutable; owned by the head state that holds
 * it, which hands out its {@link #sums()}.
 */
public final class ScoreStats {

    /**
     * The raw sums of a {@link ScoreStats}: what the metrics report and the changelog keeps.
     *
     * @param count          samples scored
     * @param lossSum        sum of their log losses
     * @param correct        samples whose decision matched the label
     * @param positives      positive samples
     * @param truePositives  positive samples accepted
     * @param negatives      negative samples
     * @param falsePositives negative samples accepted
     */
    public record Sums(
            long count,
            double lossSum,
            long correct,
            long positives,
            long truePositives,
            long negatives,
            long falsePositives) {

        public double meanLoss() {
            return count == 0 ? 0 : lossSum / count;
        }

        public double accuracy() {
            return count == 0 ? 0 : correct / (double) count;
        }

        public double recall() {
            return positives == 0 ? 0 : truePositives / (double) positives;
        }
    }

    private long count;
    private double lossSum;
    private long correct;
    private long positives;
    private long truePositives;
    private long negatives;
    private long falsePositives;

    /** Statistics that have seen nothing yet. */
    public ScoreStats() {}

    /** Statistics that go on from {@code sums} (restore from the changelog). */
    public static ScoreStats restore(Sums sums) {
        ScoreStats s = new ScoreStats();
        s.count = sums.count();
        s.lossSum = sums.lossSum();
        s.correct = sums.correct();
        s.positives = sums.positives();
        s.truePositives = sums.truePositives();
        s.negatives = sums.negatives();
        s.falsePositives = sums.falsePositives();
        return s;
    }

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

    /**
     * Records one scored sample of a class task (multi-class or multi-label): its log loss and
     * whether the head got it right; the confusion counts, which are binary, stay as they are.
     */
    public void addScored(double loss, boolean right) {
        count++;
        lossSum += loss;
        if (right) {
            correct++;
        }
    }

    /** The sums so far. */
    public Sums sums() {
        return new Sums(count, lossSum, correct, positives, truePositives, negatives, falsePositives);
    }

    public ScoreStats copy() {
        return restore(sums());
    }
}
