package dev.headstream.cli.produce;

import dev.headstream.schemas.v1.Split;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one {@code produce} run did, for its closing lines and exit code: clips sent per user (by
 * split), clips skipped per reason with the first {@value #NAMES} names, sends that failed with the
 * first error, and clips left unsent after a failure. Thread-safe: sends complete on the
 * producer's thread.
 */
final class ProduceSummary {

    /** File names listed per reason. */
    static final int NAMES = 3;

    private final int total;
    private final boolean dryRun;
    private final Map<String, int[]> sentPerUser = new TreeMap<>();
    private final Map<ClipReader.SkipReason, List<String>> skipped = new EnumMap<>(ClipReader.SkipReason.class);
    private final List<String> failed = new ArrayList<>();
    private String firstError;
    private int converted;
    private int unsent;

    ProduceSummary(int total, boolean dryRun) {
        this.total = total;
        this.dryRun = dryRun;
    }

    /** A clip the broker acknowledged (or, in a dry run, that would be sent). */
    synchronized void sent(ProduceClip clip) {
        sentPerUser.computeIfAbsent(clip.key(), k -> new int[2])[clip.split() == Split.SPLIT_HOLDOUT ? 1 : 0]++;
    }

    synchronized void converted() {
        converted++;
    }

    synchronized void skipped(ClipReader.SkipReason reason, String name) {
        skipped.computeIfAbsent(reason, r -> new ArrayList<>()).add(name);
    }

    synchronized void failed(String name, Throwable error) {
        failed.add(name);
        if (firstError == null) {
            firstError = error.getMessage() == null ? error.toString() : error.getMessage();
        }
    }

    synchronized boolean anyFailed() {
        return !failed.isEmpty();
    }

    /** Clips not read or sent because an earlier send failed. */
    synchronized void unsent(int clips) {
        unsent += clips;
    }

    synchronized int sent() {
        return sentPerUser.values().stream().mapToInt(c -> c[0] + c[1]).sum();
    }

    synchronized int skipped() {
        return skipped.values().stream().mapToInt(List::size).sum();
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
        if (converted > 0) {
            out.add(converted + " of them converted with sox");
        }
        int skippedCount = skipped();
        if (skippedCount > 0) {
            out.add("skipped " + skippedCount + ":");
            skipped.forEach(
                    (reason, names) -> out.add("  " + reason.text() + ": " + names.size() + " (" + names(names) + ")"));
        }
        if (!failed.isEmpty()) {
            out.add("failed to send " + failed.size() + " (" + names(failed) + "): " + firstError);
        }
        if (unsent > 0) {
            out.add("not sent after the failure: " + unsent);
        }
        return out;
    }

    private static String names(List<String> names) {
        String shown = String.join(", ", names.subList(0, Math.min(NAMES, names.size())));
        return names.size() <= NAMES ? shown : shown + ", and " + (names.size() - NAMES) + " more";
    }
}
