package dev.headstream.adapter.flow;

import dev.headstream.core.adapt.engine.PartitionsRevokedException;
import dev.headstream.core.embed.BackboneStoppedException;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.Bounded;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.RejectReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gets a batch through even when a record in it makes processing fail, every time, and tells that
 * apart from a failure that is no record's (systemic). The batch is tried {@link RetryPolicy#attempts()}
 * times, with a doubling wait before each retry (a failure that names the record it comes from, such
 * as an output record too large for its topic, is not retried: it cannot pass). If every attempt
 * fails, the batch is processed without any record; if that fails too, the failure is systemic.
 * Otherwise a suspect is found: the failing record named by the failure, else the one found by
 * bisecting over prefixes of the batch, in consumption order (samples, then control commands), for
 * the shortest prefix that fails. A bisected suspect is confirmed after another wait: the prefix up to
 * and including it must still fail, and so must its own key's records of that prefix alone (the same
 * key bytes; the suspect alone when its key does not parse). A suspect that passes either is not a
 * record's fault (a fault that passed, a limit on the batch's size): systemic. A confirmed suspect
 * becomes a {@code PROCESSING_FAILED} rejection, and the rest of the batch is tried again; that
 * repeats while the rest fails, within the {@link IsolationBudget}'s caps per batch and per window,
 * past which the failure is systemic too.
 *
 * <p>A systemic failure is thrown as {@link SystemicFailure}: the batch's transaction aborts, nothing
 * of it commits and nothing is rejected, and {@link PartitionRetries} backs off and stalls its
 * partitions (readiness DOWN) until it passes. An {@link Error} is never caught here: it is no
 * record's to reject, and aborts the batch. The engine computes on copies until its result is
 * committed, so every try starts from the same state and the batch's other records are applied
 * exactly once, by the last try, in one transaction.
 *
 * <p>A rejection says which record (topic, partition, offset) and why (the exception's class and
 * message, cut to {@value #MAX_FAILURE_CHARS} characters, and the record's key and value lengths),
 * never the record's content. One batch at a time; not thread-safe.
 */
final class PoisonIsolation {

    /** Most characters of a failure's message in a {@code PROCESSING_FAILED} rejection. */
    static final int MAX_FAILURE_CHARS = 512;

    /**
     * A consumed record of the batch, as the engine takes it.
     *
     * @param topic {@link Topics#SAMPLES} or {@link Topics#CONTROL}
     * @param raw   the record
     */
    record Consumed(String topic, RawSample raw) {}

    /**
     * One try: processes {@code records} and builds the outputs, with {@code isolated} added to the
     * result's rejections; throws if that fails.
     */
    interface Attempt<T> {
        T apply(List<Consumed> records, List<Rejection> isolated);
    }

    /** What happens, for logs, metrics and readiness. */
    interface Listener {
        /** Attempt {@code attempt} (1-based) at the whole batch failed. */
        void failed(int attempt, RuntimeException failure);

        /** {@code record} was isolated and rejected because of {@code failure}. */
        void isolated(Consumed record, RuntimeException failure);
    }

    /** Waits between attempts. */
    interface Sleeper {
        void sleep(Duration d);
    }

    /**
     * What got through.
     *
     * @param value    the last, passing, attempt's value
     * @param failures attempts that failed
     * @param isolated the records isolated, as rejections (also in {@code value})
     */
    record Outcome<T>(T value, int failures, List<Rejection> isolated) {}

    private final RetryPolicy policy;
    private final IsolationBudget budget;
    private final Sleeper sleeper;

    PoisonIsolation(RetryPolicy policy, IsolationBudget budget, Sleeper sleeper) {
        this.policy = policy;
        this.budget = budget;
        this.sleeper = sleeper;
    }

    /** With the default budget ({@link IsolationBudget#defaults()}). */
    PoisonIsolation(RetryPolicy policy, Sleeper sleeper) {
        this(policy, IsolationBudget.defaults(), sleeper);
    }

    /**
     * Processes {@code records} through {@code attempt}, retrying and isolating as the class says.
     *
     * @throws SystemicFailure if the failure is not a record's
     */
    <T> Outcome<T> run(List<Consumed> records, Attempt<T> attempt, Listener listener) {
        RuntimeException failure = null;
        int failures = 0;
        for (int a = 1; a <= policy.attempts(); a++) {
            try {
                return new Outcome<>(attempt.apply(records, List.of()), failures, List.of());
            } catch (RuntimeException e) {
                passOn(e);
                failure = e;
                failures++;
                listener.failed(a, e);
                if (culprit(e, records) >= 0) {
                    break; // names its record: it fails the same way every time
                }
                if (a < policy.attempts()) {
                    sleeper.sleep(policy.backoff(a));
                }
            }
        }
        RuntimeException empty = failureOf(attempt, List.of(), List.of());
        if (empty != null) {
            throw new SystemicFailure(
                    "processing fails even without any record of the batch: not a record's failure", empty);
        }
        List<Consumed> rest = new ArrayList<>(records);
        List<Rejection> isolated = new ArrayList<>();
        int passing = 0; // a prefix of rest known to pass
        while (true) {
            if (rest.isEmpty()) {
                throw new SystemicFailure("processing fails with every record of the batch isolated", failure);
            }
            if (!budget.allows(isolated.size() + 1)) {
                throw new SystemicFailure(
                        String.format(
                                "processing still fails with %d record%s of the batch isolated, and isolating another"
                                        + " would pass the cap of %d per batch or %d per window (%d isolated in the"
                                        + " window): taken for a systemic failure, not a record's",
                                isolated.size(),
                                isolated.size() == 1 ? "" : "s",
                                budget.perBatch(),
                                budget.perWindow(),
                                budget.inWindow()),
                        failure);
            }
            RuntimeException cause = failure;
            int bad = culprit(failure, rest);
            int nextPassing = 0; // the records before a named culprit are not known to pass
            if (bad < 0) {
                int lo = Math.min(passing, rest.size() - 1);
                int hi = rest.size(); // invariant: the prefix of length lo passes, that of length hi fails
                while (hi - lo > 1) {
                    int mid = (lo + hi) >>> 1;
                    try {
                        attempt.apply(List.copyOf(rest.subList(0, mid)), List.copyOf(isolated));
                        lo = mid;
                    } catch (RuntimeException e) {
                        passOn(e);
                        hi = mid;
                        cause = e;
                    }
                }
                bad = hi - 1;
                nextPassing = bad;
                cause = confirm(rest, bad, attempt, isolated, cause);
            }
            Consumed poison = rest.remove(bad);
            isolated.add(rejection(poison, cause, failures));
            listener.isolated(poison, cause);
            passing = nextPassing;
            try {
                T value = attempt.apply(List.copyOf(rest), List.copyOf(isolated));
                budget.spent(isolated.size());
                return new Outcome<>(value, failures, isolated);
            } catch (RuntimeException e) {
                passOn(e);
                failure = e;
            }
        }
    }

    /**
     * Confirms that {@code rest.get(bad)}, found by bisection, is a poison record: after a wait, the
     * prefix of {@code rest} up to and including it still fails, and so do its own key's records of
     * that prefix alone.
     *
     * @return the failure its own key's records fail with
     * @throws SystemicFailure if either passes
     */
    private <T> RuntimeException confirm(
            List<Consumed> rest, int bad, Attempt<T> attempt, List<Rejection> isolated, RuntimeException cause) {
        sleeper.sleep(policy.backoff(policy.attempts()));
        List<Consumed> prefix = List.copyOf(rest.subList(0, bad + 1));
        if (failureOf(attempt, prefix, List.copyOf(isolated)) == null) {
            throw new SystemicFailure(
                    "the records up to the one bisection found passed when tried again: the failure passed, it was"
                            + " not a record's",
                    cause);
        }
        RuntimeException own = failureOf(attempt, ownKey(prefix, prefix.get(bad)), List.of());
        if (own == null) {
            throw new SystemicFailure(
                    "the record bisection found passes with only its own key's records of the batch: the failure"
                            + " depends on the batch (its size, its other records), not on the record",
                    cause);
        }
        return own;
    }

    /** The records of {@code records} with {@code suspect}'s key, in order; only {@code suspect} if its key does not parse. */
    static List<Consumed> ownKey(List<Consumed> records, Consumed suspect) {
        byte[] key = suspect.raw().key();
        try {
            UserKey.parse(key == null ? null : new String(key, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return List.of(suspect);
        }
        return records.stream()
                .filter(c -> c == suspect || Arrays.equals(c.raw().key(), key))
                .toList();
    }

    /** The failure of {@code attempt} at {@code records}, or null if it passes. */
    private static <T> RuntimeException failureOf(
            Attempt<T> attempt, List<Consumed> records, List<Rejection> isolated) {
        try {
            attempt.apply(records, isolated);
            return null;
        } catch (RuntimeException e) {
            passOn(e);
            return e;
        }
    }

    /**
     * Throws {@code e} on if it is no failure to retry or isolate: the batch's partitions were revoked
     * (a rebalance), and it is not this instance's to apply; or the backbone stopped running models
     * (the process is shutting down), which no record caused: bisecting then would reject good
     * records.
     */
    private static void passOn(RuntimeException e) {
        if (e instanceof PartitionsRevokedException revoked) {
            throw revoked;
        }
        if (BackboneStoppedException.in(e)) {
            throw e;
        }
    }

    /** The index in {@code records} of the record {@code failure} names as its own, or -1. */
    static int culprit(RuntimeException failure, List<Consumed> records) {
        if (failure instanceof OutputTooLargeException t && t.source() != null) {
            for (int i = 0; i < records.size(); i++) {
                if (records.get(i).raw() == t.source()) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** The {@code PROCESSING_FAILED} rejection of {@code record}: where it is and why, never its content. */
    static Rejection rejection(Consumed record, RuntimeException failure, int attempts) {
        RawSample raw = record.raw();
        String message = String.format(
                "processing failed with this record and passed without it (%d failed attempt%s at its batch, then"
                        + " isolation): %s: %s; record key %d bytes, value %d bytes",
                attempts,
                attempts == 1 ? "" : "s",
                failure.getClass().getName(),
                Bounded.text(String.valueOf(failure.getMessage()), MAX_FAILURE_CHARS),
                raw.key() == null ? 0 : raw.key().length,
                raw.value() == null ? 0 : raw.value().length);
        return new Rejection(
                raw,
                RejectReason.PROCESSING_FAILED,
                Bounded.message(message),
                "",
                Topics.CONTROL.equals(record.topic()) ? Topics.CONTROL : null);
    }
}
