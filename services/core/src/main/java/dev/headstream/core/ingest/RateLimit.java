package dev.headstream.core.ingest;

/**
 * A per-user limit on applied samples: a token bucket of {@code burst} tokens that refills at
 * {@code perMinute} tokens per minute of the samples' record timestamps. On the samples topic these
 * are the broker's log-append times: the adapter refuses to start with the limit on when the topic's
 * {@code message.timestamp.type} is {@code CreateTime}, since a producer that sets its own
 * timestamps could refill its bucket by stepping them forward, or starve a user with one far in the
 * future; and a record whose timestamp is a {@code CreateTime} reaches the engine without one
 * ({@link RawSample#brokerTime}), so it is never counted. Not the adapter's clock either, so a replay of the log limits exactly the same samples.
 * Every applied sample takes one token; a sample that finds less than one is rejected
 * {@code RATE_LIMITED} and changes nothing. Samples without a timestamp are not limited; a
 * timestamp older than the last one counted refills nothing, and one ahead of the others moves the
 * bucket's time to it (with the broker's clock, only a clock that jumped could do that).
 *
 * @param perMinute tokens added per minute; {@code 0} turns the limit off
 * @param burst     most tokens a user can hold (samples accepted back to back), {@code >= 1} when on
 */
public record RateLimit(double perMinute, double burst) {

    public static final RateLimit OFF = new RateLimit(0, 0);

    public RateLimit {
        if (!(perMinute >= 0) || Double.isInfinite(perMinute)) {
            throw new IllegalArgumentException("rate limit per minute must be finite and >= 0, got " + perMinute);
        }
        if (perMinute > 0 && (!(burst >= 1) || Double.isInfinite(burst))) {
            throw new IllegalArgumentException("rate limit burst must be finite and >= 1, got " + burst);
        }
    }

    public boolean enabled() {
        return perMinute > 0;
    }

    /**
     * A user's bucket: tokens left, and the record timestamp they were counted at.
     *
     * @param tokens tokens left
     * @param timeMs the newest record timestamp (log-append time) counted; 0 with 0 tokens: nothing counted yet
     */
    public record Bucket(double tokens, long timeMs) {

        /** A bucket that has counted nothing: it starts full at its first sample. */
        public static final Bucket EMPTY = new Bucket(0, 0);
    }

    /**
     * What counting one sample decided.
     *
     * @param admitted whether the sample may be applied (a token was taken)
     * @param bucket   the user's bucket afterwards (refilled even when the sample is over the limit)
     */
    public record Admission(boolean admitted, Bucket bucket) {}

    /** Counts one sample at {@code timestampMs} (its log-append time; -1: none) against {@code bucket}. */
    public Admission take(Bucket bucket, long timestampMs) {
        if (!enabled() || timestampMs < 0) {
            return new Admission(true, bucket);
        }
        double tokens = bucket.tokens();
        long timeMs = bucket.timeMs();
        if (timeMs == 0 && tokens == 0) {
            tokens = burst;
        } else if (timestampMs > timeMs) {
            tokens = Math.min(burst, tokens + (timestampMs - timeMs) * perMinute / 60_000.0);
        }
        timeMs = Math.max(timeMs, timestampMs);
        if (tokens < 1) {
            return new Admission(false, new Bucket(tokens, timeMs));
        }
        return new Admission(true, new Bucket(tokens - 1, timeMs));
    }
}
