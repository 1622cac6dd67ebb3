package dev.headstream.adapter.state;

import dev.headstream.adapter.fault.FaultInjector;
import dev.headstream.adapter.transaction.ProcessExit;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.Bounded;
import dev.headstream.core.wire.UserStateCodec;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdapterState;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Restores per-user training state when the adapter is assigned partitions of
 * {@code headstream.samples}: for each assigned partition number it reads the same partition of
 * the compacted {@code headstream.adapter-state} changelog to its end ({@link ChangelogReader}) and
 * hands the newest record of every key to the engine (a tombstone erases the user). This runs on
 * the Kafka polling thread inside the rebalance, so no sample of the partition is delivered before
 * its state is restored; {@link RestoreProgress} tracks it for readiness (DOWN from start until the
 * first assignment is restored, and while any later one is). On revocation the partition's users
 * are dropped from memory. Wired by
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

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        // the consumer also reads headstream.control; its partition p comes with samples partition p
        // (range assignor) and holds no state of its own
        List<TopicPartition> partitions = samplesPartitions(assigned);
        List<Integer> numbers =
                partitions.stream().map(TopicPartition::partition).sorted().toList();
        progress.started(numbers);
        boolean failed = false;
        try {
            if (numbers.isEmpty()) {
                return;
            }
            long t0 = System.nanoTime();
            faults.beforeRestore(numbers);
            // Committed offsets first, changelog second: a transaction that commits in between only
            // makes the restored state newer than the position, never older; the engine skips the
            // samples the state already holds. Reading them the other way round could lose a batch.
            Map<TopicPartition, OffsetAndMetadata> committed =
                    consumer.committed(new HashSet<>(partitions), Duration.ofSeconds(30));
            Installed installed;
            if (engine.storeDiskBytes() >= 0) {
                installed = restoreOnDisk(numbers);
            } else {
                // values of at most as many users as there is room for: a partition holding more users' state
                // than the bound cannot exhaust the heap on the polling thread (those beyond it keep their key)
                installed = install(changelog.newest(numbers, engine.residentRoom()));
            }
            progress.counted(installed.counts());
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                if (c != null) {
                    consumer.seek(tp, c.offset());
                }
            }
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
            failed = true;
            fail(consumer, assigned, numbers, e);
        } catch (RuntimeException e) {
            // e.g. the committed offsets or the changelog's end not answered in time (a broker
            // restart): applying the partitions' samples now would start their users afresh from
            // the source head, restart their versions and overwrite their state on the changelog
            failed = true;
            fail(consumer, assigned, numbers, e);
        } finally {
            if (!failed) {
                progress.finished(numbers);
            }
        }
    }

    /**
     * A restore that failed: its partitions are paused (no record of theirs is delivered), readiness
     * stays DOWN (they stay restoring), and the process exits ({@link ProcessExit#fatal}) so that a
     * restart restores them again; never are they processed without their users' state.
     */
    private void fail(
            Consumer<?, ?> consumer, Collection<TopicPartition> assigned, List<Integer> numbers, Exception e) {
        consumer.pause(assigned);
        LOG.errorf(e, "restoring the state of samples partitions %s failed; partitions paused", numbers);
        processExit.fatal("restoring the state of samples partitions " + numbers + " failed ("
                + Bounded.message(String.valueOf(e)) + ")");
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        for (TopicPartition tp : samplesPartitions(revoked)) {
            int dropped = engine.forgetPartition(tp.partition());
            LOG.infof("samples partition %d revoked: dropped %d users from memory", tp.partition(), dropped);
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        onPartitionsRevoked(consumer, partitions);
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
        int restored = 0;
        int erased = 0;
        long forged = 0;
        long resets = 0;
        long unreadable = 0;
        long notResident = 0;
        for (ChangelogReader.Entry e : newest) {
            UserKey key;
            try {
                key = UserKey.parse(e.key());
            } catch (IllegalArgumentException ex) {
                logBounded(forged++, "skipped changelog record at %s: %s", at(e), ex.getMessage());
                continue;
            }
            if (!e.held()) {
                engine.leaveOut(key, e.partition());
                notResident++;
                continue;
            }
            if (e.value() == null) {
                engine.forget(key);
                erased++;
                continue;
            }
            AdapterState state;
            try {
                state = UserStateCodec.parse(e.value());
            } catch (IllegalArgumentException ex) {
                engine.markUnreadable(key, e.partition(), e.offset(), ex.getMessage());
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
                engine.markUnreadable(key, e.partition(), e.offset(), "its newest record " + forgery);
                logBounded(
                        forged++,
                        "skipped forged changelog record of %s at %s: it %s; the user is unreadable until an operator"
                                + " resets or erases it",
                        key,
                        at(e),
                        forgery);
                continue;
            }
            switch (engine.restore(key, e.partition(), state)) {
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
    private Installed restoreOnDisk(List<Integer> numbers) {
        int restored = 0;
        int erased = 0;
        RestoreProgress.Counts counts = RestoreProgress.Counts.NONE;
        // a store that backed another topic of this name (recreated, another cluster) keeps nothing
        engine.bindChangelog(changelog.topicId());
        for (int p : numbers) {
            long t0 = System.nanoTime();
            long from = engine.reopenPartition(p);
            if (from >= 0) {
                long[] bounds = changelog.bounds(p);
                if (from > bounds[1] || bounds[0] > from) {
                    // the log does not hold what the checkpoint says it reflects up to (truncated, or records
                    // after the checkpoint deleted): what the disk kept for the partition cannot be trusted
                    LOG.warnf(
                            "samples partition %d: the state store's checkpoint %d is outside the changelog's offsets %d"
                                    + " to %d; reading the partition from its start",
                            p, from, bounds[0], bounds[1]);
                    engine.discardPartition(p);
                    engine.reopenPartition(p);
                    from = -1;
                }
            }
            int[] read = {0};
            Installed[] sum = {new Installed(0, 0, RestoreProgress.Counts.NONE)};
            long end = changelog.read(p, Math.max(0, from), entries -> {
                read[0] += entries.size();
                sum[0] = sum[0].plus(install(entries));
            });
            boolean checkpointed = engine.checkpoint(p, end);
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
