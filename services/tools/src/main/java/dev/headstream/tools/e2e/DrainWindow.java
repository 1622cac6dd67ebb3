package dev.headstream.tools.e2e;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The measured window of a backlog's drain: from one commit of the adapter to a later one, while
 * the adapter was never short of records. Pure arithmetic over the {@link Scrape}s taken every few
 * hundred ms while the backlog drained.
 *
 * <p>A commit shows as a scrape whose applied count is above the one before. The window starts at
 * the first commit that comes after the whole backlog was acknowledged by the broker and has
 * applied at least {@code from} of it, and ends at the last commit that has applied at most
 * {@code to} of it: at that commit at least {@code 1 - to} of the backlog was still waiting, so
 * every batch between the two commits found records to take. The samples applied between the two
 * commits were all processed between them, so their count over the time between them is the rate.
 * Each end is seen up to one scrape interval late, and both ends alike, so the error is at most
 * one interval over the window's length. When the backlog is too small for such a window (fewer
 * than two commits between the marks) the window runs from the first commit after the
 * acknowledgement to the last commit, and {@link #fallback()} says so.
 *
 * @param start    the scrape that first saw the window's first commit
 * @param end      the scrape that first saw its last commit
 * @param fallback whether the window is the whole drain after the acknowledgement (see above)
 */
record DrainWindow(Scrape start, Scrape end, boolean fallback) {

    /**
     * The window of a drain.
     *
     * @param scrapes    readings in time order, the first taken before the backlog was sent
     * @param base       samples applied before the backlog was sent
     * @param backlog    samples in the backlog
     * @param ackedNanos when the broker had acknowledged the whole backlog
     * @param from       share of the backlog applied by the window's start, e.g. 0.1
     * @param to         share of the backlog applied at most by its end, e.g. 0.9
     * @throws IllegalArgumentException when fewer than two commits followed the acknowledgement
     */
    static DrainWindow of(List<Scrape> scrapes, double base, int backlog, long ackedNanos, double from, double to) {
        Scrape first = null;
        Scrape start = null;
        Scrape end = null;
        Scrape last = null;
        for (int i = 0; i < scrapes.size(); i++) {
            Scrape s = scrapes.get(i);
            double previous = i == 0 ? base : scrapes.get(i - 1).applied();
            if (s.applied() <= previous || s.nanos() < ackedNanos) {
                continue;
            }
            double done = s.applied() - base;
            if (first == null) {
                first = s;
            }
            if (start == null && done >= from * backlog) {
                start = s;
            }
            if (done <= to * backlog) {
                end = s;
            }
            last = s;
        }
        if (start != null && end != null && end.applied() > start.applied()) {
            return new DrainWindow(start, end, false);
        }
        if (first == null || last == first) {
            throw new IllegalArgumentException(
                    "fewer than two commits after the backlog was acknowledged: make it" + " larger (--backlog)");
        }
        return new DrainWindow(first, last, true);
    }

    double seconds() {
        return (end.nanos() - start.nanos()) / 1e9;
    }

    /** Samples applied in the window. */
    double applied() {
        return end.applied() - start.applied();
    }

    /** Samples applied per second. */
    double rate() {
        return applied() / seconds();
    }

    /** Batches committed in the window. */
    double batches() {
        return end.stats().batches() - start.stats().batches();
    }

    /** The share of the window's time inside committed batches (processing and commit); the rest is polling and waiting. */
    double busy() {
        return (end.stats().batchSeconds() - start.stats().batchSeconds()) / seconds();
    }

    /** Samples rejected in the window (0 for the benchmark's valid samples). */
    double rejected() {
        return end.stats().rejected() - start.stats().rejected();
    }

    /**
     * Milliseconds per applied sample in each stage of the engine's batches ({@link Scrape#stages}),
     * then {@code other}: the window's time per sample less their sum (polling, the records' way in
     * and out of the engine, waiting for a core).
     */
    Map<String, Double> msPerClip() {
        Map<String, Double> out = new LinkedHashMap<>();
        double staged = 0;
        for (String stage : Scrape.stages(start, end)) {
            double ms = 1000 * (end.stage(stage) - start.stage(stage)) / applied();
            out.put(stage, ms);
            staged += ms;
        }
        out.put("other", 1000 * seconds() / applied() - staged);
        return out;
    }
}
