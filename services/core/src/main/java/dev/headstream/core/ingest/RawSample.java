package dev.headstream.core.ingest;

/**
 * A record as consumed from the samples topic, before validation.
 *
 * @param partition source partition
 * @param offset    source offset
 * @param key       record key bytes (may be null)
 * @param value     record value bytes (may be null)
 * @param timestampMs the record's broker time (its Kafka timestamp when that is the broker's log-append
 *                    time, which {@link RateLimit} counts), or -1 if unknown or set by the producer (then no
 *                    rate limit applies to it): see {@link #brokerTime}
 */
public record RawSample(int partition, long offset, byte[] key, byte[] value, long timestampMs) {

    /**
     * The {@code timestampMs} of a consumed record: its Kafka timestamp if the broker set it
     * ({@code logAppendTime}: the record's timestamp type is {@code LogAppendTime}), else -1. A
     * {@code CreateTime} timestamp is the producer's, which could refill a user's rate-limit bucket
     * by stepping forward or starve it with one far in the future, so it never counts; this holds
     * per record, for a topic altered after start-up or with the start-up topic check off. The
     * adapter and replay both read records through it.
     */
    public static long brokerTime(long timestampMs, boolean logAppendTime) {
        return logAppendTime && timestampMs >= 0 ? timestampMs : -1;
    }

    /** A record without a timestamp. */
    public RawSample(int partition, long offset, byte[] key, byte[] value) {
        this(partition, offset, key, value, -1);
    }
}
