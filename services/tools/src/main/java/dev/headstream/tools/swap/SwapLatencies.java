package dev.headstream.tools.swap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Swap latency of samples: from just before a sample was sent to the first scoring tick that used
 * a head version containing it, with the parts of that time. A version contains a sample when its
 * provenance's {@code last_offset} is at or past the sample's offset in the same partition (a user's
 * samples are keyed, so they share one partition and the adapter applies them in offset order).
 * Pure functions over what {@link DetectorSide} recorded; nanosecond times are one JVM's
 * {@link System#nanoTime()}, wall-clock times are milliseconds since the epoch.
 */
public final class SwapLatencies {

    private SwapLatencies() {}

    /**
     * A measured sample.
     *
     * @param head       index of the head it trains
     * @param partition  its partition of {@code headstream.samples}
     * @param offset     its offset there
     * @param sendNanos  just before {@code send}
     * @param sendWallMs the wall clock at the same moment
     */
    public record Sent(int head, int partition, long offset, long sendNanos, long sendWallMs) {}

    /**
     * A head version as the follower built it.
     *
     * @param version       the head's version
     * @param partition     provenance: the samples partition it was trained from
     * @param lastOffset    provenance: the last sample offset applied
     * @param createdWallMs the record's {@code created_time_ms}: when the adapter began the batch
     * @param receivedNanos when the follower began building it (decoding against the source head)
     * @param builtNanos    when it was built, just before it became current
     */
    public record Built(
            long version, int partition, long lastOffset, long createdWallMs, long receivedNanos, long builtNanos) {}

    /** A version a scoring tick found in use for the first time, at {@code tickNanos}. */
    record InUse(long version, long tickNanos) {}

    /**
     * One sample's latency in ms and its parts, which add up to it: waiting for the adapter to begin
     * the batch holding the sample; from there until the follower received the first version that
     * contains it (embedding, training, calibration, publication, the transaction's commit and the
     * follower's fetch); building that version; and from built until a scoring tick used it (or a
     * newer version).
     */
    record Latency(double total, double toBatchStart, double batchToFollower, double build, double untilInUse) {}

    /** The latency of {@code s}, or empty when no recorded version contains it or no tick used one. */
    static Optional<Latency> of(Sent s, List<Built> built, List<InUse> inUse) {
        Built first = firstContaining(s, built).orElse(null);
        if (first == null) {
            return Optional.empty();
        }
        for (InUse t : inUse) {
            if (t.version() >= first.version()) {
                double total = ms(t.tickNanos() - s.sendNanos());
                double toBatchStart = first.createdWallMs() - s.sendWallMs();
                double toFollower = ms(first.receivedNanos() - s.sendNanos());
                double build = ms(first.builtNanos() - first.receivedNanos());
                return Optional.of(new Latency(
                        total, toBatchStart, toFollower - toBatchStart, build, ms(t.tickNanos() - first.builtNanos())));
            }
        }
        return Optional.empty();
    }

    /** The first of {@code built} (one head's versions, in order) that contains {@code s}, if any. */
    public static Optional<Built> firstContaining(Sent s, List<Built> built) {
        for (Built b : built) {
            if (b.partition() == s.partition() && b.lastOffset() >= s.offset()) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /**
     * The figures of a level's latencies: count and the {@link Stats} of the latency, of each of its
     * parts, and of the two sides: the adapter's (sent until the follower received the head: the
     * first two parts) and the detector's (received until in use: the last two).
     */
    record Summary(
            int count,
            Stats total,
            Stats toBatchStart,
            Stats batchToFollower,
            Stats build,
            Stats untilInUse,
            Stats adapterSide,
            Stats detectorSide) {

        static Summary of(List<Latency> latencies) {
            return new Summary(
                    latencies.size(),
                    Stats.of(latencies.stream().mapToDouble(Latency::total).toArray()),
                    Stats.of(latencies.stream()
                            .mapToDouble(Latency::toBatchStart)
                            .toArray()),
                    Stats.of(latencies.stream()
                            .mapToDouble(Latency::batchToFollower)
                            .toArray()),
                    Stats.of(latencies.stream().mapToDouble(Latency::build).toArray()),
                    Stats.of(latencies.stream().mapToDouble(Latency::untilInUse).toArray()),
                    Stats.of(latencies.stream()
                            .mapToDouble(l -> l.toBatchStart() + l.batchToFollower())
                            .toArray()),
                    Stats.of(latencies.stream()
                            .mapToDouble(l -> l.build() + l.untilInUse())
                            .toArray()));
        }
    }

    /** Mean and nearest-rank percentiles of values in ms (NaN when there are none). */
    public record Stats(double mean, double p50, double p90, double p99, double max, double[] sorted) {

        public static Stats of(double[] values) {
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            return new Stats(
                    Arrays.stream(sorted).average().orElse(Double.NaN),
                    percentile(sorted, 50),
                    percentile(sorted, 90),
                    percentile(sorted, 99),
                    sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1],
                    sorted);
        }
    }

    /** The nearest-rank {@code p}-th percentile of ascending {@code sorted}: the smallest value with at least p % of the values at or below it. */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    /** The median of {@code values} (the mean of the middle two for an even count); NaN for none. */
    public static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** The percentiles 1..100 of {@code sorted}, for a plot of the distribution. */
    public static double[] percentiles(double[] sorted) {
        double[] out = new double[100];
        for (int p = 1; p <= 100; p++) {
            out[p - 1] = percentile(sorted, p);
        }
        return out;
    }

    /** The latencies of {@code sent} that resolve (see {@link #of}), in send order. */
    static List<Latency> all(List<Sent> sent, List<List<Built>> built, List<List<InUse>> inUse) {
        List<Latency> out = new ArrayList<>();
        for (Sent s : sent) {
            of(s, built.get(s.head()), inUse.get(s.head())).ifPresent(out::add);
        }
        return out;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
