package dev.headstream.core.adapt;

/**
 * A per-user limit on applied samples: a token bucket of {@code burst} tokens that refills at
 * {@code perMinute} tokens per minute of the samples' record timestamps (not the adapter's clock,
 * so a replay of the log limits exactly the same samples). Every applied sample takes one token; a
 * sample that finds less than one is rejected {@code RATE_LIMITED} and changes nothing. Samples
 * without a timestamp are not limited; a timestamp older than the last one counted refills
 * nothing.
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
     * Counts one sample at {@code timestampMs} against {@code user}'s bucket.
     *
     * @return true if it may be applied (a token was taken), false if it is over the limit
     */
    boolean take(UserState user, long timestampMs) {
        if (!enabled() || timestampMs < 0) {
            return true;
        }
        if (user.rateTimeMs == 0 && user.rateTokens == 0) {
            user.rateTokens = burst;
        } else if (timestampMs > user.rateTimeMs) {
            user.rateTokens = Math.min(burst, user.rateTokens + (timestampMs - user.rateTimeMs) * perMinute / 60_000.0);
        }
        user.rateTimeMs = Math.max(user.rateTimeMs, timestampMs);
        if (user.rateTokens < 1) {
            return false;
        }
        user.rateTokens -= 1;
        return true;
    }
}
