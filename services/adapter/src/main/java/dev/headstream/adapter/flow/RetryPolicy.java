package dev.headstream.adapter.flow;

import dev.headstream.adapter.HeadstreamConfig;
import java.time.Duration;

/**
 * How often a failing batch is tried and how long the flow waits in between
 * ({@code headstream.poison.*}): {@code attempts} tries of a whole batch before its failing record is
 * isolated; before the n-th retry it waits {@code backoff * 2^(n-1)}, at most {@code maxBackoff}.
 *
 * @param attempts   tries of a whole batch before isolation, at least 1
 * @param backoff    the wait before the first retry, at least 0
 * @param maxBackoff the longest wait, at least {@code backoff}
 */
public record RetryPolicy(int attempts, Duration backoff, Duration maxBackoff) {

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("headstream.poison.attempts must be at least 1: " + attempts);
        }
        if (backoff.isNegative() || maxBackoff.compareTo(backoff) < 0) {
            throw new IllegalArgumentException("headstream.poison.backoff-ms must be at least 0 and max-backoff-ms at"
                    + " least backoff-ms: " + backoff.toMillis() + ", " + maxBackoff.toMillis());
        }
    }

    /** The policy {@code config} sets. */
    public static RetryPolicy of(HeadstreamConfig.Poison config) {
        return new RetryPolicy(
                config.attempts(), Duration.ofMillis(config.backoffMs()), Duration.ofMillis(config.maxBackoffMs()));
    }

    /** The wait before retry {@code n} (1 = the first retry): {@code backoff * 2^(n-1)}, at most {@code maxBackoff}. */
    public Duration backoff(int n) {
        if (n < 1) {
            return Duration.ZERO;
        }
        long millis = backoff.toMillis();
        for (int i = 1; i < n && millis < maxBackoff.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }
}
