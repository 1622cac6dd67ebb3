package dev.headstream.adapter.flow;

import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.wire.Bounded;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.RejectReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Gets a batch through even when a record in it makes processing fail, every time. The batch is
 * tried {@link RetryPolicy#attempts()} times, with a doubling wait before each retry (a failure that
 * names the record it comes from, such as an output record too large for its topic, is not
 * retried: it cannot pass). If every attempt fails, the batch is processed without any record; if
 * that fails too, the failure is not a record's and is thrown (the batch's transaction aborts, and
 * {@link PartitionRetries} counts it). Otherwise the record is isolated: the failing record named by
 * the failure, else the one found by bisecting over prefixes of the batch, in consumption order
 * (samples, then control commands), for the shortest prefix that fails; the record that ends it
 * becomes a {@code PROCESSING_FAILED} rejection, and the rest of the batch is tried again. That
 * repeats until the rest processes: more than one record of a batch can be isolated. The engine
 * computes on copies until its result is committed, so every try starts from the same state and the
 * batch's other records are applied exactly once, by the last try, in one transaction.
 *
 * <p>A rejection says which record (topic, partition, offset) and why (the exception's class and
 * message, cut to {@value #MAX_FAILURE_CHARS} characters, and the record's key and value lengths),
 * never the record's content. Isolation assumes the failure is deterministic; retrying first keeps
 * a passing fault from getting an innocent record rejected. One batch at a time; not thread-safe.
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
    private final Sleeper sleeper;

    PoisonIsolation(RetryPolicy policy, Sleeper sleeper) {
        this.policy = policy;
        this.sleeper = sleeper;
    }

    /**
     * Processes {@code records} through {@code attempt}, retrying and isolating as the class says.
     *
     * @throws IllegalStateException if processing fails even without any record of the batch
     */
    <T> Outcome<T> run(List<Consumed> records, Attempt<T> attempt, Listener listener) {
        RuntimeException failure = null;
        int failures = 0;
        for (int a = 1; a <= policy.attempts(); a++) {
            try {
                return new Outcome<>(attempt.apply(records, List.of()), failures, List.of());
            } catch (RuntimeException e) {
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
        try {
            attempt.apply(List.of(), List.of());
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "processing fails even without any record of the batch: not a record's failure (" + e + ")", e);
        }
        List<Consumed> rest = new ArrayList<>(records);
        List<Rejection> isolated = new ArrayList<>();
        int passing = 0; // a prefix of rest known to pass
        while (true) {
            if (rest.isEmpty()) {
                throw new IllegalStateException(
                        "processing fails with every record of the batch isolated (" + failure + ")", failure);
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
                        hi = mid;
                        cause = e;
                    }
                }
                bad = hi - 1;
                nextPassing = bad;
            }
            Consumed poison = rest.remove(bad);
            isolated.add(rejection(poison, cause, failures));
            listener.isolated(poison, cause);
            passing = nextPassing;
            try {
                return new Outcome<>(attempt.apply(List.copyOf(rest), List.copyOf(isolated)), failures, isolated);
            } catch (RuntimeException e) {
                failure = e;
            }
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
