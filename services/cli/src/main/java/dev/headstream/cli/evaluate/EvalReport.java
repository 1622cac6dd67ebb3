package dev.headstream.cli.evaluate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rates of an {@link EvalRun}, per user and head, with the counts behind each: recall on the
 * user's positive clips, false-accepted negative clips, and false accepts per hour of speech
 * (activations / hours); plus recall against false accepts per hour over a sweep of thresholds
 * for each head ({@link #curves()}). A clip counts as accepted when any of its windows reaches
 * the head's threshold.
 *
 * <p>The totals ({@link #totals()}) pool clips over users; the source head's speech figures are
 * its own, the adapted heads' speech figures pool every distinct adapted head's activations over
 * its own pass over the speech (so their false accepts per hour are the mean over heads).
 * Immutable.
 */
public final class EvalReport {

    /**
     * One line of the table.
     *
     * @param user           the user, or {@code all} for totals
     * @param role           {@code source} or {@code adapted}
     * @param head           the head's name ({@code N heads} for pooled adapted totals)
     * @param threshold      the score threshold (NaN for pooled adapted totals)
     * @param positives      positive clips scored
     * @param detected       positive clips accepted
     * @param negatives      negative clips scored
     * @param falseAccepted  negative clips accepted (names)
     * @param speechWindows  windows of speech scored (over all heads pooled)
     * @param activations    activations over the speech
     */
    public record Row(
            String user,
            String role,
            String head,
            float threshold,
            int positives,
            int detected,
            int negatives,
            List<String> falseAccepted,
            long speechWindows,
            int activations) {

        public Row {
            falseAccepted = List.copyOf(falseAccepted);
        }

        /** detected / positives, NaN without positives. */
        public double recall() {
            return positives == 0 ? Double.NaN : detected / (double) positives;
        }

        /** Hours of speech behind {@link #activations()}. */
        public double speechHours() {
            return SpeechScores.hours(speechWindows);
        }

        /** activations / hours, NaN without speech. */
        public double falseAcceptsPerHour() {
            return speechWindows == 0 ? Double.NaN : activations / speechHours();
        }
    }

    /**
     * Recall against false accepts per hour of one head over {@link Thresholds#sweep()} plus its
     * own threshold, in ascending threshold order.
     *
     * @param logitThresholds the thresholds, as logits
     * @param recall          recall on the head's users' positives at each threshold
     * @param activations     speech activations at each threshold
     * @param hours           speech hours
     * @param operatingPoint  the index of the head's own threshold
     */
    public record Curve(
            EvalHead head,
            int positives,
            float[] logitThresholds,
            double[] recall,
            int[] activations,
            double hours,
            int operatingPoint) {

        /** activations / hours at point {@code i}. */
        public double falseAcceptsPerHour(int i) {
            return hours == 0 ? Double.NaN : activations[i] / hours;
        }
    }

    private final EvalRun run;
    private final List<Row> rows = new ArrayList<>();
    private final List<Row> totals = new ArrayList<>();

    private EvalReport(EvalRun run) {
        this.run = run;
        SpeechScores speech = run.speech();
        long windows = speech.windows();
        int[] pooled = new int[3];
        List<String> pooledFalseAccepts = new ArrayList<>();
        List<String> sourceFalseAccepts = new ArrayList<>();
        int[] sourceCounts = new int[3];
        for (String user : run.users()) {
            List<EvalHead> heads = run.headsOf(user);
            List<ClipScore> clips = run.clips().getOrDefault(user, List.of());
            for (int h = 0; h < heads.size(); h++) {
                EvalHead head = heads.get(h);
                int positives = 0;
                int detected = 0;
                int negatives = 0;
                List<String> falseAccepted = new ArrayList<>();
                for (ClipScore c : clips) {
                    boolean accepted = c.accepted(h, head.logitThreshold());
                    if (c.clip().positive()) {
                        positives++;
                        detected += accepted ? 1 : 0;
                    } else {
                        negatives++;
                        if (accepted) {
                            falseAccepted.add(c.clip().name());
                        }
                    }
                }
                int activations = speech.scored(head) ? speech.activations(head) : 0;
                Row row = new Row(
                        user,
                        head.role().label(),
                        head.name(),
                        head.threshold(),
                        positives,
                        detected,
                        negatives,
                        falseAccepted,
                        speech.scored(head) ? windows : 0,
                        activations);
                rows.add(row);
                int[] counts = head.role() == EvalHead.Role.SOURCE ? sourceCounts : pooled;
                counts[0] += positives;
                counts[1] += detected;
                counts[2] += negatives;
                (head.role() == EvalHead.Role.SOURCE ? sourceFalseAccepts : pooledFalseAccepts)
                        .addAll(falseAccepted.stream()
                                .map(n -> run.users().size() > 1 && !n.startsWith(user + "/") ? user + ": " + n : n)
                                .toList());
            }
        }
        EvalHead source = run.source();
        totals.add(new Row(
                "all",
                "source",
                source.name(),
                source.threshold(),
                sourceCounts[0],
                sourceCounts[1],
                sourceCounts[2],
                sourceFalseAccepts,
                speech.scored(source) ? windows : 0,
                speech.scored(source) ? speech.activations(source) : 0));
        List<EvalHead> adapted = run.adaptedHeads();
        if (!adapted.isEmpty()) {
            int activations = 0;
            long headWindows = 0;
            for (EvalHead h : adapted) {
                if (speech.scored(h)) {
                    activations += speech.activations(h);
                    headWindows += windows;
                }
            }
            String name = adapted.size() == 1 ? adapted.get(0).name() : adapted.size() + " heads";
            float threshold = adapted.size() == 1 ? adapted.get(0).threshold() : Float.NaN;
            totals.add(new Row(
                    "all",
                    "adapted",
                    name,
                    threshold,
                    pooled[0],
                    pooled[1],
                    pooled[2],
                    pooledFalseAccepts,
                    headWindows,
                    activations));
        }
    }

    /** The report of {@code run}. */
    public static EvalReport of(EvalRun run) {
        return new EvalReport(run);
    }

    public EvalRun run() {
        return run;
    }

    /** Per user: the source head's row, then the adapted head's. */
    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** All users: the source head, then the adapted heads pooled (when there are any). */
    public List<Row> totals() {
        return List.copyOf(totals);
    }

    /** One curve per distinct head, the source head first. */
    public List<Curve> curves() {
        List<Curve> curves = new ArrayList<>();
        for (EvalHead head : run.heads()) {
            List<Float> positives = new ArrayList<>();
            for (String user : run.users()) {
                List<EvalHead> heads = run.headsOf(user);
                int h = heads.indexOf(head);
                if (h < 0) {
                    continue;
                }
                for (ClipScore c : run.clips().getOrDefault(user, List.of())) {
                    if (c.clip().positive()) {
                        positives.add(c.maxLogits()[h]);
                    }
                }
            }
            float[] sweep = Thresholds.sweep();
            float own = head.logitThreshold();
            int op = 0;
            while (op < sweep.length && sweep[op] < own) {
                op++;
            }
            float[] t = new float[sweep.length + 1];
            System.arraycopy(sweep, 0, t, 0, op);
            t[op] = own;
            System.arraycopy(sweep, op, t, op + 1, sweep.length - op);
            double[] recall = new double[t.length];
            int[] activations = new int[t.length];
            boolean scored = run.speech().scored(head);
            for (int i = 0; i < t.length; i++) {
                int accepted = 0;
                for (float v : positives) {
                    accepted += v >= t[i] ? 1 : 0;
                }
                recall[i] = positives.isEmpty() ? Double.NaN : accepted / (double) positives.size();
                activations[i] = scored ? run.speech().activations(head, t[i]) : 0;
            }
            curves.add(new Curve(
                    head,
                    positives.size(),
                    t,
                    recall,
                    activations,
                    scored ? run.speech().hours() : 0,
                    op));
        }
        return curves;
    }

    /** The table: one line per user and head, then the totals, then the false-accepted clips. */
    public String table() {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {
            "user",
            "head",
            "",
            "threshold",
            "positives",
            "detected",
            "recall",
            "negatives",
            "false acc.",
            "speech h",
            "activations",
            "FA/h"
        });
        for (Row r : rows) {
            cells.add(cells(r));
        }
        List<String[]> total = new ArrayList<>();
        for (Row r : totals) {
            total.add(cells(r));
        }
        int[] width = new int[cells.get(0).length];
        for (List<String[]> part : List.of(cells, total)) {
            for (String[] line : part) {
                for (int i = 0; i < line.length; i++) {
                    width[i] = Math.max(width[i], line[i].length());
                }
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] line : cells) {
            b.append(format(line, width)).append('\n');
        }
        if (run.users().size() != 1 || !run.adaptedHeads().isEmpty()) {
            int rule = 0;
            for (int w : width) {
                rule += w + 2;
            }
            b.append("-".repeat(rule - 2)).append('\n');
            for (String[] line : total) {
                b.append(format(line, width)).append('\n');
            }
        }
        for (Row r : rows) {
            if (!r.falseAccepted().isEmpty()) {
                b.append(String.format(
                        Locale.ROOT,
                        "false accepts, %s %s head: %s%n",
                        r.user(),
                        r.role(),
                        String.join(", ", r.falseAccepted())));
            }
        }
        return b.toString();
    }

    private static String[] cells(Row r) {
        return new String[] {
            r.user(),
            r.role(),
            r.head(),
            Float.isNaN(r.threshold()) ? "own" : String.format(Locale.ROOT, "%.4f", r.threshold()),
            Integer.toString(r.positives()),
            Integer.toString(r.detected()),
            rate(r.recall(), "%.3f"),
            Integer.toString(r.negatives()),
            Integer.toString(r.falseAccepted().size()),
            r.speechWindows() == 0 ? "-" : String.format(Locale.ROOT, "%.3f", r.speechHours()),
            r.speechWindows() == 0 ? "-" : Integer.toString(r.activations()),
            rate(r.falseAcceptsPerHour(), "%.2f"),
        };
    }

    private static String rate(double v, String format) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
    }

    /** Text columns left-aligned, number columns right-aligned. */
    private static String format(String[] line, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < line.length; i++) {
            if (i > 0) {
                b.append("  ");
            }
            String pad = " ".repeat(width[i] - line[i].length());
            b.append(i < 3 ? line[i] + pad : pad + line[i]);
        }
        return b.toString().stripTrailing();
    }

    /** Each head's threshold and where it came from, for the log. */
    public static List<String> thresholdLines(EvalRun run) {
        List<String> out = new ArrayList<>();
        for (EvalHead h : run.heads()) {
            List<String> users = new ArrayList<>();
            for (Map.Entry<String, EvalHead> e : run.adapted().entrySet()) {
                if (e.getValue() == h) {
                    users.add(e.getKey());
                }
            }
            out.add(String.format(
                    Locale.ROOT,
                    "%s head %s (%s) at threshold %s (%s)%s",
                    h.role().label(),
                    h.name(),
                    h.origin(),
                    Float.toString(h.threshold()),
                    h.thresholdFrom(),
                    h.role() == EvalHead.Role.SOURCE ? ", for every user" : ", for " + String.join(", ", users)));
        }
        return out;
    }
}
