package dev.headstream.adapter.state;

import dev.headstream.adapter.fault.FaultInjector;
import dev.headstream.adapter.transaction.ProcessExit;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.PartitionsRevokedException;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.Bounded;
import dev.headstream.core.wire.UserStateCodec;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdapterState;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Restores per-user training state when the adapter is assigned partitions of
 * {@code headstream.samples}: for each assigned partition number it reads the same partition of
 * the compacted {@code headstream.adapter-state} changelog to its end ({@link ChangelogReader}) and
 * hands the newest record of every key to the engine (a tombstone erases the user). The read runs
 * on a restore thread of its own, not on the Kafka polling thread: the rebalance ends at once and
 * the consumer keeps polling, however long the restore takes, while the partition's batches wait
 * for it ({@link #awaitRestored}), so no sample of the partition is applied before its state is
 * restored; {@link RestoreProgress} tracks it for readiness (DOWN from start until the first
 * assignment is restored, and while any later one is). On revocation a restore in progress is
 * cancelled and the partition's users are dropped from memory, in one step under the engine's lock
 * (the batches waiting for it fail with {@link PartitionsRevokedException}); the cancelled restore
 * installs nothing after it. Wired by
 * {@code mp.messaging.incoming.samples.consumer-rebalance-listener.name=headstream-state-restore}.
 *
 * <p>The record key names the user, never the payload ({@link #install}): a record whose payload
 * names another user, or another samples partition than the one it was read from, is skipped and
 * counted as forged, and its key's user is treated as unreadable (its newest record is not its
 * state). With the partition check on, a record read from another changelog partition than its
 * key's (written before the check was on, or with it off) is not installed either and is counted
 * with the forged ones, but its user stays readable: its lineage is the one on its key's partition,
 * and an ERASE tombstones both ({@link AdaptationEngine.Restored#MISPLACED}). A record that does not
 * parse makes its user unreadable; one that does not decode against
 * this adapter resets the user explicitly; beyond the bound on resident users only the key is kept
 * ({@link AdaptationEngine#restore(UserKey, int, AdapterState)}). Each is logged (at most
 * {@value #LOGGED_PER_RESTORE} lines of each kind per restore, keys and messages bounded) and
 * counted in {@link RestoreProgress#counts()}.
 */
@ApplicationScoped
@Identifier(StateRestorer.NAME)
public class StateRestorer implements KafkaConsumerRebalanceListener {

    public static final String NAME = "headstream-state-restore";

    private static final Logger LOG = Logger.getLogger(StateRestorer.class);

    /** Most log lines per kind of record not installed as stored, per restore; a summary line follows. */
    static final int LOGGED_PER_RESTORE = 10;

    /** Most characters of a key or message in such a log line. */
    private static final int LOGGED_CHARS = 512;

    @Inject
    AdaptationEngine engine;

    @Inject
    ChangelogReader changelog;

    @Inject
    RestoreProgress progress;

    @Inject
    FaultInjector faults;

    @Inject
    ProcessExit processExit;

    /**
     * One assignment's restore, run on a restore thread; its partitions' batches wait for it
     * ({@link #awaitRestored}). Cancelled (its partitions revoked) holding the engine's lock, and every
     * step by which it changes the engine checks, holding the same lock, that it was not: after a
     * revocation it changes nothing, wherever its thread stands.
     */
    static final class Restore {
        final List<Integer> numbers;
        /** Completes when the restore installed its partitions' users; exceptionally if it failed or was cancelled. */
        final CompletableFuture<Void> done = new CompletableFuture<>();

        private volatile boolean cancelled;

        Restore(List<Integer> numbers) {
            this.numbers = numbers;
        }

        boolean cancelled() {
            return cancelled;
        }

        /** Stops the restore from changing the engine; call holding the engine's lock. */
        void cancel() {
            cancelled = true;
            done.completeExceptionally(
                    new PartitionsRevokedException(numbers, "were revoked before their state restore ended"));
        }
    }

    /** The consumer group's generation and the engine's revocation count at the newest assignment. */
    record Assignment(int generation, long mark) {}

    /** Runs {@code action} as one step of a restore: holding the engine's lock, and only if not cancelled. */
    interface Guard {
        <T> T step(Supplier<T> action);

        /** {@link #step} for an action with no result. */
        default void run(Runnable action) {
            step(() -> {
                action.run();
                return null;
            });
        }
    }

    /** A guard that only runs the action (a restore with nothing to cancel it: tests). */
    private static final Guard UNGUARDED = new Guard() {
        @Override
        public <T> T step(Supplier<T> action) {
            return action.get();
        }
    };

    /** The newest restore of each samples partition number assigned to this instance. */
    private final Map<Integer, Restore> restores = new ConcurrentHashMap<>();

    private volatile Assignment assignment;

    private ExecutorService restoreThreads;

    @PostConstruct
    void start() {
        AtomicInteger n = new AtomicInteger();
        restoreThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "headstream-restore-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts restoring the assigned samples partitions' users, off the polling thread: here, on it,
     * only the group's committed offsets are read and the partitions sought to them (a failure there
     * fails the restore: the partitions' batches are never applied, and the process exits); the
     * changelog is read on a restore thread, and the partitions' batches wait for it
     * ({@link #awaitRestored}). The consumer meanwhile keeps polling, so however long the read
     * takes it neither holds up the group's rebalance nor counts against {@code max.poll.interval.ms}.
     */
    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        // the consumer also reads headstream.control; its partition p comes with samples partition p
        // (range assignor) and holds no state of its own
        List<TopicPartition> partitions = samplesPartitions(assigned);
        List<Integer> numbers =
                partitions.stream().map(TopicPartition::partition).sorted().toList();
        long mark = engine.revocations();
        assignment = new Assignment(consumer.groupMetadata().generationId(), mark);
        progress.started(numbers);
        if (numbers.isEmpty()) {
            progress.finished(numbers);
            return;
        }
        Restore restore = new Restore(numbers);
        for (int n : numbers) {
            Restore old = restores.put(n, restore);
            if (old != null && !old.done.isDone()) {
                // assigned again without a revocation first (not with the eager range assignor)
                cancel(old);
            }
        }
        try {
            // Committed offsets first, changelog second: a transaction that commits in between only
            // makes the restored state newer than the position, never older; the engine skips the
            // samples the state already holds. Reading them the other way round could lose a batch.
            Map<TopicPartition, OffsetAndMetadata> committed =
                    consumer.committed(new HashSet<>(partitions), Duration.ofSeconds(30));
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                if (c != null) {
                    consumer.seek(tp, c.offset());
                }
            }
        } catch (RuntimeException e) {
            // e.g. the committed offsets not answered in time (a broker restart): applying the
            // partitions' samples now would start their users afresh from the source head, restart their
            // versions and overwrite their state on the changelog. Their batches are refused
            // (awaitRestored); the pause only spares the fetches until SmallRye resumes every partition
            consumer.pause(assigned);
            failed(restore, e);
            return;
        }
        try {
            restoreThreads.execute(() -> run(restore));
        } catch (RejectedExecutionException e) {
            // shutting down
            cancel(restore);
        }
    }

    /** Cancels {@code restore} holding the engine's lock. */
    private void cancel(Restore restore) {
        engine.exclusive(() -> {
            restore.cancel();
            return null;
        });
    }

    /** Reads the changelog for {@code restore}'s partitions and installs their users (a restore thread). */
    private void run(Restore restore) {
        List<Integer> numbers = restore.numbers;
        Guard guard = new Guard() {
            @Override
            public <T> T step(Supplier<T> action) {
                return engine.exclusive(() -> {
                    if (restore.cancelled() || engine.isClosed()) {
                        throw new CancellationException(restore.cancelled() ? "revoked" : "shutting down");
                    }
                    return action.get();
                });
            }
        };
        try {
            if (restore.cancelled()) {
                return;
            }
            long t0 = System.nanoTime();
            faults.beforeRestore(numbers);
            Installed installed;
            if (engine.storeDiskBytes() >= 0) {
                installed = restoreOnDisk(numbers, restore::cancelled, guard);
            } else {
                // values of at most as many users as there is room for: a partition holding more users' state
                // than the bound cannot exhaust the heap (those beyond it keep their key)
                installed = install(changelog.newest(numbers, engine.residentRoom(), restore::cancelled), guard);
            }
            guard.run(() -> {
                progress.counted(installed.counts());
                progress.finished(numbers);
                restore.done.complete(null);
            });
            LOG.infof(
                    "restored %d users from the changelog (%d erased) for samples partitions %s in %.1f s; %d users held"
                            + " in all%s",
                    installed.restored(),
                    installed.erased(),
                    numbers,
                    (System.nanoTime() - t0) / 1e9,
                    engine.users(),
                    engine.storeDiskBytes() >= 0 ? " (the others from the state store on disk)" : "");
            RestoreProgress.Counts c = installed.counts();
            if (!c.equals(RestoreProgress.Counts.NONE)) {
                LOG.warnf(
                        "restore of samples partitions %s: %d users reset (state did not decode), %d unreadable (must be"
                                + " reset or erased with headstream.control), %d not resident (the bound of %d resident"
                                + " users), %d forged records skipped",
                        numbers,
                        c.resets(),
                        c.unreadable(),
                        c.notResident(),
                        engine.maxResidentUsers(),
                        c.forgedSkipped());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            endWith(restore, e);
        } catch (RuntimeException e) {
            // e.g. the changelog's end not answered in time, or its read standing still (a broker gone)
            endWith(restore, e);
        } catch (Error e) {
            endWith(restore, new IllegalStateException(e.toString(), e));
            throw e;
        }
    }

    private void endWith(Restore restore, Exception e) {
        if (restore.cancelled()) {
            LOG.infof("the restore of samples partitions %s stopped: they were revoked", restore.numbers);
        } else if (engine.isClosed()) {
            LOG.infof("the restore of samples partitions %s stopped: shutting down", restore.numbers);
        } else {
            failed(restore, e);
        }
    }

    /**
     * A restore that failed: its partitions' batches fail without being applied (they stay
     * unconsumed), readiness stays DOWN (they stay restoring), and the process exits
     * ({@link ProcessExit#fatal}) so that a restart restores them again; never are they processed
     * without their users' state.
     */
    private void failed(Restore restore, Exception e) {
        LOG.errorf(e, "restoring the state of samples partitions %s failed; their batches are held", restore.numbers);
        processExit.fatal("restoring the state of samples partitions " + restore.numbers + " failed ("
                + Bounded.message(String.valueOf(e)) + ")");
        restore.done.completeExceptionally(new IllegalStateException(
                "restoring the state of samples partitions " + restore.numbers + " failed", e));
    }

    /**
     * Waits until the state of the batch's partitions is restored, and says since when they are this
     * instance's. A control partition with no samples partition of its number assigned here passes only
     * if the samples topic has no partition of that number (its commands are all rejected
     * {@code WRONG_PARTITION}); otherwise the topics are not co-partitioned (the start-up topic check
     * off), and the batch fails as systemic.
     *
     * @param samples    the batch's samples partition numbers
     * @param controls   the batch's control partition numbers (a control partition's commands act on its
     *                   samples partition's users)
     * @param generation the consumer group generation the batch was polled in; {@link Integer#MIN_VALUE}:
     *                   unknown
     * @return the engine's revocation count at the assignment, for
     *     {@link AdaptationEngine#process(List, List, long, long)} to refuse the batch if a partition is
     *     revoked before it is applied
     * @throws PartitionsRevokedException if the batch was polled in an earlier generation, a samples
     *     partition is not assigned here, or one was revoked before its restore ended: the batch is not
     *     this instance's to apply
     * @throws IllegalStateException if such a restore failed (the process is exiting)
     * @throws InterruptedException if the wait is interrupted
     */
    public long awaitRestored(Collection<Integer> samples, Collection<Integer> controls, int generation)
            throws InterruptedException {
        TreeSet<Integer> all = new TreeSet<>(samples);
        all.addAll(controls);
        Assignment a = assignment;
        if (a == null) {
            throw new PartitionsRevokedException(List.copyOf(all), "are not assigned to this instance");
        }
        if (generation != Integer.MIN_VALUE && generation != a.generation()) {
            throw new PartitionsRevokedException(
                    List.copyOf(all),
                    "were polled in generation " + generation + " of the group, and it is in " + a.generation()
                            + " now");
        }
        for (Integer p : all) {
            Restore r = restores.get(p);
            if (r == null) {
                if (samples.contains(p)) {
                    throw new PartitionsRevokedException(List.of(p), "are not assigned to this instance");
                }
                int samplesCount = engine.samplesPartitions();
                if (samplesCount > 0 && p >= samplesCount) {
                    continue; // no samples partition of its number: every command there is WRONG_PARTITION
                }
                // its samples partition is another instance's: its commands are not this one's to apply
                throw new IllegalStateException("control partition " + p + " is assigned here without samples"
                        + " partition " + p + ": headstream.control must have the partition count of"
                        + " headstream.samples (the start-up topic check, headstream.topic-check.enabled, says so)");
            }
            if (!r.done.isDone()) {
                LOG.infof("a batch of partition %d waits for the state restore of its samples partition", p);
            }
            try {
                r.done.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
        if (assignment != a) {
            throw new PartitionsRevokedException(List.copyOf(all), "were assigned again while the batch waited");
        }
        return a.mark();
    }

    /**
     * Drops the revoked partitions' users. A restore of one still running is cancelled in the same
     * step, holding the engine's lock: it changes the engine no more, and this does not wait for its
     * thread.
     */
    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        for (TopicPartition tp : samplesPartitions(revoked)) {
            int p = tp.partition();
            Restore r = restores.remove(p);
            int dropped = engine.exclusive(() -> {
                if (r != null && !r.done.isDone()) {
                    // with the eager protocol an assignment's partitions are all revoked together
                    r.cancel();
                    progress.abandoned(r.numbers);
                }
                return engine.forgetPartition(p);
            });
            LOG.infof("samples partition %d revoked: dropped %d users from memory", p, dropped);
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        onPartitionsRevoked(consumer, partitions);
    }

    /** Cancels the restores in progress (they change the engine no more) and ends the restore threads. */
    @PreDestroy
    void stop() {
        engine.exclusive(() -> {
            restores.values().stream().filter(r -> !r.done.isDone()).forEach(Restore::cancel);
            return null;
        });
        restoreThreads.shutdown();
        try {
            if (!restoreThreads.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("a restore thread did not stop within 10 s (it changes nothing any more)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What one restore did with its records.
     *
     * @param restored users installed as stored
     * @param erased   tombstones applied
     * @param counts   records not installed as stored
     */
    record Installed(int restored, int erased, RestoreProgress.Counts counts) {
        Installed plus(Installed o) {
            return new Installed(restored + o.restored, erased + o.erased, counts.plus(o.counts));
        }
    }

    /**
     * Hands the newest changelog record of every key to the engine, trusting the record key: a
     * tombstone erases the key's user; a key that is not {@code "<tenant>/<user>"} is skipped; a
     * value that does not parse, or whose payload names another user or samples partition than the
     * record's key and partition, makes the key's user unreadable ({@link AdaptationEngine#markUnreadable});
     * any other record goes to {@link AdaptationEngine#restore(UserKey, int, AdapterState)}.
     */
    Installed install(List<ChangelogReader.Entry> newest) {
        return install(newest, UNGUARDED);
    }

    /** {@link #install(List)}, each change to the engine one {@code guard} step. */
    private Installed install(List<ChangelogReader.Entry> newest, Guard guard) {
        int restored = 0;
        int erased = 0;
        long forged = 0;
        long resets = 0;
        long unreadable = 0;
        long notResident = 0;
        for (ChangelogReader.Entry e : newest) {
            final UserKey key;
            try {
                key = UserKey.parse(e.key());
            } catch (IllegalArgumentException ex) {
                logBounded(forged++, "skipped changelog record at %s: %s", at(e), ex.getMessage());
                continue;
            }
            if (!e.held()) {
                guard.step(() -> engine.leaveOut(key, e.partition()));
                notResident++;
                continue;
            }
            if (e.value() == null) {
                guard.run(() -> engine.forget(key));
                erased++;
                continue;
            }
            final AdapterState state;
            try {
                state = UserStateCodec.parse(e.value());
            } catch (IllegalArgumentException ex) {
                String why = ex.getMessage();
                guard.run(() -> engine.markUnreadable(key, e.partition(), e.offset(), why));
                logBounded(
                        unreadable++,
                        "the state of %s at %s is unreadable until an operator resets or erases the user: %s",
                        key,
                        at(e),
                        ex.getMessage());
                continue;
            }
            String forgery = forgery(key, e.partition(), state);
            if (forgery != null) {
                guard.run(() -> engine.markUnreadable(key, e.partition(), e.offset(), "its newest record " + forgery));
                logBounded(
                        forged++,
                        "skipped forged changelog record of %s at %s: it %s; the user is unreadable until an operator"
                                + " resets or erases it",
                        key,
                        at(e),
                        forgery);
                continue;
            }
            switch (guard.step(() -> engine.restore(key, e.partition(), state))) {
                case INSTALLED -> restored++;
                case RESET ->
                    logBounded(
                            resets++,
                            "reset %s on restore: its state at %s does not decode against this adapter; its heads start"
                                    + " again from the source head, published as RESET with versions continuing",
                            key,
                            at(e));
                case NOT_RESIDENT -> notResident++;
                case MISPLACED ->
                    // counted with the forged records: not this partition's user, so not installed (the
                    // user is not made unreadable: its lineage is the one on its key's partition)
                    logBounded(
                            forged++,
                            "skipped changelog record of %s at %s: its key belongs on another partition (written"
                                    + " before the partition check was on, or with it off); an ERASE of the user"
                                    + " tombstones it too",
                            key,
                            at(e));
            }
        }
        return new Installed(restored, erased, new RestoreProgress.Counts(forged, resets, unreadable, notResident));
    }

    /**
     * Restores partitions into a state store on disk: each partition's users the store kept are held
     * again, and the changelog is read from the store's checkpoint (from its start when there is
     * none) to its end, record by record, each through the same checks as {@link #install}; then the
     * checkpoint moves to that end (unless the read left marks that live only in the heap: see
     * {@link AdaptationEngine#checkpoint}).
     */
    private Installed restoreOnDisk(List<Integer> numbers, BooleanSupplier cancelled, Guard guard) {
        int restored = 0;
        int erased = 0;
        RestoreProgress.Counts counts = RestoreProgress.Counts.NONE;
        // a store that backed another topic of this name (recreated, another cluster) keeps nothing
        String topicId = changelog.topicId();
        guard.run(() -> engine.bindChangelog(topicId));
        for (int p : numbers) {
            long t0 = System.nanoTime();
            long from = guard.step(() -> engine.reopenPartition(p));
            if (from >= 0) {
                long[] bounds = changelog.bounds(p);
                if (from > bounds[1] || bounds[0] > from) {
                    // the log does not hold what the checkpoint says it reflects up to (truncated, or records
                    // after the checkpoint deleted): what the disk kept for the partition cannot be trusted
                    LOG.warnf(
                            "samples partition %d: the state store's checkpoint %d is outside the changelog's offsets %d"
                                    + " to %d; reading the partition from its start",
                            p, from, bounds[0], bounds[1]);
                    guard.step(() -> {
                        engine.discardPartition(p);
                        return engine.reopenPartition(p);
                    });
                    from = -1;
                }
            }
            int[] read = {0};
            Installed[] sum = {new Installed(0, 0, RestoreProgress.Counts.NONE)};
            long end = changelog.read(p, Math.max(0, from), cancelled, entries -> {
                read[0] += entries.size();
                sum[0] = sum[0].plus(install(entries, guard));
            });
            boolean checkpointed = guard.step(() -> engine.checkpoint(p, end));
            LOG.infof(
                    "samples partition %d: changelog read from %s to offset %d (%d records) in %.2f s, %d users held in"
                            + " all%s",
                    p,
                    from >= 0
                            ? "offset " + from + " (the state store's checkpoint)"
                            : "its start (the state store kept nothing)",
                    end,
                    read[0],
                    (System.nanoTime() - t0) / 1e9,
                    engine.users(),
                    checkpointed
                            ? ""
                            : "; no checkpoint (users unreadable, not resident, reset or misplaced: the next"
                                    + " restore reads the partition from the start)");
            restored += sum[0].restored();
            erased += sum[0].erased();
            counts = counts.plus(sum[0].counts());
        }
        return new Installed(restored, erased, counts);
    }

    /** How {@code state}, read under {@code key} from changelog partition {@code partition}, is not that user's; or null. */
    private static String forgery(UserKey key, int partition, AdapterState state) {
        if (!key.tenant().equals(state.getTenant()) || !key.user().equals(state.getUser())) {
            return "names user '" + Bounded.id(state.getTenant()) + "/" + Bounded.id(state.getUser()) + "'";
        }
        if (state.getSourcePartition() != partition && state.getSourcePartition() != -1) {
            return "names samples partition " + state.getSourcePartition();
        }
        return null;
    }

    private static String at(ChangelogReader.Entry e) {
        return Topics.ADAPTER_STATE + "-" + e.partition() + "@" + e.offset()
                + (e.key() == null ? " (no key)" : " (key '" + Bounded.id(e.key()) + "')");
    }

    /** Logs the {@code n}-th (from 0) line of its kind in this restore, only the first {@link #LOGGED_PER_RESTORE}. */
    private static void logBounded(long n, String format, Object... args) {
        if (n < LOGGED_PER_RESTORE) {
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof String s) {
                    args[i] = Bounded.text(s, LOGGED_CHARS);
                }
            }
            LOG.warnf(format, args);
        }
    }

    private static List<TopicPartition> samplesPartitions(Collection<TopicPartition> partitions) {
        return partitions.stream()
                .filter(tp -> Topics.SAMPLES.equals(tp.topic()))
                .toList();
    }
}
