package dev.headstream.cli.produce;

import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Split;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one {@code produce} run did, for its closing lines and exit code: clips sent per user (by
 * split), clips skipped per reason and sends that failed, each as a count with the first
 * {@value #NAMES} names (so its size does not grow with the clips), the first send error, and clips
 * left unsent after a failure. "Sent" is the broker's acknowledgement only: the lines say that the
 * adapter's own verdicts arrive later on {@code headstream.rejected}. Thread-safe: sends complete
 * on the producer's thread.
 */
final class ProduceSummary {

    /** File names listed per reason. */
    static final int NAMES = 3;

    private final int total;
    private final boolean dryRun;
    private final String bootstrap;
    private final Map<String, int[]> sentPerUser = new TreeMap<>();
    /** Clips sent per task labeled, so that a task name mistyped in a manifest shows. */
    private final Map<String, int[]> sentPerTask = new TreeMap<>();

    private final Map<SkipReason, Tally> skipped = new EnumMap<>(SkipReason.class);
    private final Tally failed = new Tally();
    private String firstError;
    private int converted;
    private int unsent;

    /** @param bootstrap the servers {@code watch} reads the adapter's verdicts from */
    ProduceSummary(int total, boolean dryRun, String bootstrap) {
        this.total = total;
        this.dryRun = dryRun;
        this.bootstrap = bootstrap;
    }

    /** A clip the broker acknowledged (or, in a dry run, that would be sent). */
    synchronized void sent(ProduceClip clip) {
        sentPerUser.computeIfAbsent(clip.key(), k -> new int[2])[clip.split() == Split.SPLIT_HOLDOUT ? 1 : 0]++;
        for (String task : clip.labels().keySet()) {
            sentPerTask.computeIfAbsent(task, t -> new int[1])[0]++;
        }
    }

    synchronized void converted() {
        converted++;
    }

    synchronized void skipped(SkipReason reason, String name) {
        skipped.computeIfAbsent(reason, r -> new Tally()).add(name);
    }

    synchronized void failed(String name, Throwable error) {
        failed.add(name);
        if (firstError == null) {
            firstError = error.getMessage() == null ? error.toString() : error.getMessage();
        }
    }

    synchronized boolean anyFailed() {
        return failed.count > 0;
    }

    /** Clips not read or sent because an earlier send failed. */
    synchronized void unsent(int clips) {
        unsent += clips;
    }

    synchronized int sent() {
        return sentPerUser.values().stream().mapToInt(c -> c[0] + c[1]).sum();
    }

    synchronized int skipped() {
        return skipped.values().stream().mapToInt(t -> t.count).sum();
    }

    /** 0 when every clip was sent (or would be), else 1. */
    synchronized int exitCode() {
        return sent() == total ? 0 : 1;
    }

    /** The closing lines. */
    synchronized List<String> lines() {
        List<String> out = new ArrayList<>();
        int sent = sent();
        int train = sentPerUser.values().stream().mapToInt(c -> c[0]).sum();
        out.add(String.format(
                Locale.ROOT,
                "%s %d of %d clips (%d train, %d holdout) of %d user%s%s",
                dryRun ? "would send" : "sent",
                sent,
                total,
                train,
                sent - train,
                sentPerUser.size(),
                sentPerUser.size() == 1 ? "" : "s",
                dryRun ? "; dry run, nothing was sent" : sent > 0 ? ", each acknowledged by the broker" : ""));
        sentPerUser.forEach((user, c) ->
                out.add(String.format(Locale.ROOT, "  %s: %d (%d train, %d holdout)", user, c[0] + c[1], c[0], c[1])));
        if (!sentPerTask.isEmpty()) {
            List<String> tasks = new ArrayList<>();
            sentPerTask.forEach((task, c) -> tasks.add(task + " (" + c[0] + (c[0] == 1 ? " clip)" : " clips)")));
            out.add("labels for tasks: " + String.join(", ", tasks));
        }
        if (sent > 0) {
            out.add((dryRun
                            ? "would send: checked here only; once sent, the adapter's own verdicts"
                            : "sent: written to " + Topics.SAMPLES
                                    + " and acknowledged by the broker, not yet applied: the adapter's own verdicts")
                    + " (DUPLICATE of a sample id sent before, UNKNOWN_TASK, RATE_LIMITED, CAPACITY, ...) arrive on "
                    + Topics.REJECTED + "; ./headstream watch --bootstrap " + bootstrap + " shows them");
        }
        if (converted > 0) {
            out.add(converted + " of them converted with sox");
        }
        int skippedCount = skipped();
        if (skippedCount > 0) {
            out.add("skipped " + skippedCount + ":");
            skipped.forEach((reason, t) -> out.add("  " + reason.text() + ": " + t.count + " (" + t.names() + ")"));
        }
        if (failed.count > 0) {
            out.add("failed to send " + failed.count + " (" + failed.names() + "): " + firstError);
        }
        if (unsent > 0) {
            out.add("not sent after the failure: " + unsent);
        }
        return out;
    }

    /** A count and the first {@value ProduceSummary#NAMES} names counted. */
    static final class Tally {
        private final List<String> first = new ArrayList<>(NAMES);
        private int count;

        void add(String name) {
            if (first.size() < NAMES) {
                first.add(name);
            }
            count++;
        }

        int count() {
            return count;
        }

        /** The names kept: at most {@value ProduceSummary#NAMES}. */
        List<String> kept() {
            return List.copyOf(first);
        }

        /** {@code a, b, c, and 4 more}. */
        String names() {
            String shown = String.join(", ", first);
            return count <= NAMES ? shown : shown + ", and " + (count - NAMES) + " more";
        }
    }
}
