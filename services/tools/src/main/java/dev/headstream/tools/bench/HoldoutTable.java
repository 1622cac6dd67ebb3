package dev.headstream.tools.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The per-user result table of a wake-word adaptation run: source head vs adapted head on the
 * user's holdout positives (recall) and on every user's holdout negatives (false accepts).
 */
public final class HoldoutTable {

    /** One user's row. */
    public record Row(
            String user,
            int trainClips,
            long headVersion,
            int holdoutPositives,
            double sourceRecall,
            double adaptedRecall,
            int negativesScored,
            int sourceFalseAccepts,
            int adaptedFalseAccepts,
            double threshold,
            double speechHours,
            int sourceActivations,
            int adaptedActivations) {

        /** A row without per-hour figures. */
        public Row(
                String user,
                int trainClips,
                long headVersion,
                int holdoutPositives,
                double sourceRecall,
                double adaptedRecall,
                int negativesScored,
                int sourceFalseAccepts,
                int adaptedFalseAccepts,
                double threshold) {
            this(
                    user,
                    trainClips,
                    headVersion,
                    holdoutPositives,
                    sourceRecall,
                    adaptedRecall,
                    negativesScored,
                    sourceFalseAccepts,
                    adaptedFalseAccepts,
                    threshold,
                    0,
                    0,
                    0);
        }

        /** Activations per hour of held-out speech of the source head (0 without speech). */
        public double sourcePerHour() {
            return speechHours == 0 ? 0 : sourceActivations / speechHours;
        }

        /** Activations per hour of held-out speech of the adapted head (0 without speech). */
        public double adaptedPerHour() {
            return speechHours == 0 ? 0 : adaptedActivations / speechHours;
        }

        public double sourceFalseAcceptRate() {
            return negativesScored == 0 ? 0 : sourceFalseAccepts / (double) negativesScored;
        }

        public double adaptedFalseAcceptRate() {
            return negativesScored == 0 ? 0 : adaptedFalseAccepts / (double) negativesScored;
        }
    }

    /** Summary over the users whose source-head recall is below {@code poorBelow}. */
    public record Summary(
            int users,
            double poorBelow,
            double meanSourceRecall,
            double meanAdaptedRecall,
            double adaptedFalseAcceptRate,
            double sourceFalseAcceptRate,
            int maxTrainClips,
            double speechHours,
            int sourceActivations,
            int adaptedActivations,
            double worstAdaptedPerHour) {

        public double recallGain() {
            return meanAdaptedRecall - meanSourceRecall;
        }

        /** Adapted heads' activations over all their hours of held-out speech (each head scored the same speech). */
        public double adaptedPerHour() {
            return speechHours == 0 ? 0 : adaptedActivations / speechHours;
        }

        public double sourcePerHour() {
            return speechHours == 0 ? 0 : sourceActivations / speechHours;
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final Map<String, List<String>> falseAccepts = new TreeMap<>();

    /** Records that {@code user}'s adapted head accepted the negative clip described by {@code clip}. */
    public void falseAccept(String user, String clip) {
        falseAccepts.computeIfAbsent(clip, k -> new ArrayList<>()).add(user);
    }

    /** Negative clips some adapted head accepted, with the users whose heads did. */
    public Map<String, List<String>> falseAccepts() {
        return Collections.unmodifiableMap(falseAccepts);
    }

    public void add(Row row) {
        rows.add(row);
    }

    /** Adds every row and false accept of {@code other}, each clip description prefixed with {@code prefix}. */
    public void addAll(HoldoutTable other, String prefix) {
        rows.addAll(other.rows);
        other.falseAccepts.forEach((clip, users) -> falseAccepts
                .computeIfAbsent(prefix + clip, k -> new ArrayList<>())
                .addAll(users));
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    public Summary summary(double poorBelow) {
        int n = 0;
        double src = 0;
        double ada = 0;
        long neg = 0;
        long fa = 0;
        long srcFa = 0;
        int maxTrain = 0;
        double hours = 0;
        int srcAct = 0;
        int adaAct = 0;
        double worst = 0;
        for (Row r : rows) {
            if (r.sourceRecall() >= poorBelow) {
                continue;
            }
            n++;
            src += r.sourceRecall();
            ada += r.adaptedRecall();
            neg += r.negativesScored();
            fa += r.adaptedFalseAccepts();
            srcFa += r.sourceFalseAccepts();
            maxTrain = Math.max(maxTrain, r.trainClips());
            hours += r.speechHours();
            srcAct += r.sourceActivations();
            adaAct += r.adaptedActivations();
            worst = Math.max(worst, r.adaptedPerHour());
        }
        return new Summary(
                n,
                poorBelow,
                n == 0 ? 0 : src / n,
                n == 0 ? 0 : ada / n,
                neg == 0 ? 0 : fa / (double) neg,
                neg == 0 ? 0 : srcFa / (double) neg,
                maxTrain,
                hours,
                srcAct,
                adaAct,
                worst);
    }

    /** A fixed-width text table with a summary line. */
    public String render(double poorBelow) {
        boolean perHour = rows.stream().anyMatch(r -> r.speechHours() > 0);
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "%-10s %6s %7s %9s %11s %11s %10s %10s %9s",
                "user",
                "train",
                "version",
                "holdout+",
                "src recall",
                "ada recall",
                "src FA",
                "ada FA",
                "threshold"));
        b.append(perHour ? String.format(Locale.ROOT, " %9s %9s%n", "src FA/h", "ada FA/h") : System.lineSeparator());
        for (Row r : rows) {
            b.append(String.format(
                    Locale.ROOT,
                    "%-10s %6d %7d %9d %11.2f %11.2f %4d/%-5d %4d/%-5d %9.3f",
                    r.user(),
                    r.trainClips(),
                    r.headVersion(),
                    r.holdoutPositives(),
                    r.sourceRecall(),
                    r.adaptedRecall(),
                    r.sourceFalseAccepts(),
                    r.negativesScored(),
                    r.adaptedFalseAccepts(),
                    r.negativesScored(),
                    r.threshold()));
            b.append(
                    perHour
                            ? String.format(Locale.ROOT, " %9.2f %9.2f%n", r.sourcePerHour(), r.adaptedPerHour())
                            : System.lineSeparator());
        }
        for (double below : new double[] {Double.POSITIVE_INFINITY, poorBelow}) {
            Summary s = summary(below);
            b.append(String.format(
                    Locale.ROOT,
                    "%s: %d | mean holdout recall source %.3f -> adapted %.3f (gain %+.3f)"
                            + " | false accepts on all users' holdout negatives: source %.2f%%, adapted %.2f%%"
                            + " | at most %d training clips per user%n",
                    below == Double.POSITIVE_INFINITY
                            ? "all users"
                            : String.format(Locale.ROOT, "users with source holdout recall < %.2f", below),
                    s.users(),
                    s.meanSourceRecall(),
                    s.meanAdaptedRecall(),
                    s.recallGain(),
                    100 * s.sourceFalseAcceptRate(),
                    100 * s.adaptedFalseAcceptRate(),
                    s.maxTrainClips()));
            if (perHour) {
                b.append(String.format(
                        Locale.ROOT,
                        "  false accepts per hour of held-out speech: source %.2f (%d in %.2f head-hours), adapted %.2f"
                                + " (%d in %.2f head-hours), worst adapted head %.2f%n",
                        s.sourcePerHour(),
                        s.sourceActivations(),
                        s.speechHours(),
                        s.adaptedPerHour(),
                        s.adaptedActivations(),
                        s.speechHours(),
                        s.worstAdaptedPerHour()));
            }
        }
        falseAccepts.forEach((clip, users) -> b.append("  false accept: ")
                .append(clip)
                .append(" by ")
                .append(users)
                .append(System.lineSeparator()));
        return b.toString();
    }
}
