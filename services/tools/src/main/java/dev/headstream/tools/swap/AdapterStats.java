package dev.headstream.tools.swap;

/**
 * The adapter's own counters, read from its Prometheus endpoint ({@code /q/metrics}): committed
 * batches and their total time (processing and commit), samples applied, head versions published
 * and records rejected. The difference of two readings says what the adapter did in between.
 */
public record AdapterStats(double batches, double batchSeconds, double applied, double published, double rejected) {

    /** Reads the counters of the adapter listening on {@code httpPort}. */
    public static AdapterStats read(int httpPort) {
        return read(new AdapterEndpoint(httpPort));
    }

    /** Reads the counters of the adapter at {@code endpoint}. */
    public static AdapterStats read(AdapterEndpoint endpoint) {
        return parse(endpoint.metricsText());
    }

    /** The counters in a Prometheus text exposition (0 where a series is absent). */
    public static AdapterStats parse(String text) {
        return new AdapterStats(
                sum(text, "headstream_batch_seconds_count", "outcome=\"committed\""),
                sum(text, "headstream_batch_seconds_sum", "outcome=\"committed\""),
                sum(text, "headstream_samples_applied_total", ""),
                sum(text, "headstream_heads_published_total", ""),
                sum(text, "headstream_rejects_total", ""));
    }

    /** What happened between {@code earlier} and this reading. */
    public AdapterStats since(AdapterStats earlier) {
        return new AdapterStats(
                batches - earlier.batches,
                batchSeconds - earlier.batchSeconds,
                applied - earlier.applied,
                published - earlier.published,
                rejected - earlier.rejected);
    }

    /** Mean time of a committed batch in ms. */
    public double msPerBatch() {
        return batches == 0 ? Double.NaN : 1000 * batchSeconds / batches;
    }

    private static double sum(String text, String name, String label) {
        return AdapterEndpoint.sum(text, name, label);
    }
}
