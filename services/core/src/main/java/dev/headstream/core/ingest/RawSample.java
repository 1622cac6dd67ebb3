package dev.headstream.core.ingest;

/**
 * A record as consumed from the samples topic, before validation.
 *
 * @param partition source partition
 * @param offset    source offset
 * @param key       record key bytes (may be null)
 * @param value     record value bytes (may be null)
 * @param timestampMs the record's Kafka timestamp (on the samples topic the broker's log-append time, which
 *                    {@link RateLimit} counts), or -1 if unknown (then no rate limit applies to it)
 */
public record RawSample(int partition, long offset, byte[] key, byte[] value, long timestampMs) {

    /** A record without a timestamp. */
    public RawSample(int partition, long offset, byte[] key, byte[] value) {
        this(partition, offset, key, value, -1);
    }
}
