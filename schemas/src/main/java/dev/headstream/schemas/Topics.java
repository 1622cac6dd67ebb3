package dev.headstream.schemas;

/**
 * Names of the Kafka topics Headstream reads and writes, shared by the services, the tools and
 * the tests. Record keys are UTF-8 strings; values are the Protocol Buffers messages of
 * {@code schemas/} named below.
 */
public final class Topics {

    /** {@code Sample} records, key {@code "<tenant>/<user>"}; its partitions are the unit of parallelism. */
    public static final String SAMPLES = "headstream.samples";

    /** {@code HeadUpdate} records, key {@code "<tenant>/<user>/<task>"}; compacted, a tombstone erases a head. */
    public static final String HEADS = "headstream.heads";

    /**
     * The adapter's training-state changelog; compacted and co-partitioned by partition number
     * with {@link #SAMPLES}, so it has the same partition count.
     */
    public static final String ADAPTER_STATE = "headstream.adapter-state";

    /** {@code AdaptationMetrics} records, key {@code "<tenant>/<user>/<task>"}. */
    public static final String METRICS = "headstream.metrics";

    /** {@code Rejected} records, keyed by the original record key bytes. */
    public static final String REJECTED = "headstream.rejected";

    /** {@code Control} commands, key {@code "<tenant>/<user>"}; same partition count as {@link #SAMPLES}. */
    public static final String CONTROL = "headstream.control";

    private Topics() {}
}
