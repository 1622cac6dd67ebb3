package dev.headstream.adapter.state;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Which samples partitions' state is being restored, whether the first assignment has been
 * restored, and what the restores since start did with records they could not install as stored
 * ({@link Counts}). Written by {@link StateRestorer} on the polling thread and its restore thread, read by readiness and
 * {@link RestoreMetrics} from any thread.
 */
@ApplicationScoped
public class RestoreProgress {

    /**
     * Changelog records the restores since start did not install as stored.
     *
     * @param forgedSkipped records skipped because their key is not a user's or their payload names
     *                      another user or samples partition than the record's key and partition
     * @param resets        users reset on restore: their record did not decode against this adapter
     * @param unreadable    users whose record did not parse: refused {@code STATE_UNREADABLE} until reset or erased
     * @param notResident   users left out at the bound on resident users: refused {@code CAPACITY}
     */
    public record Counts(long forgedSkipped, long resets, long unreadable, long notResident) {

        /** Every record installed as stored. */
        public static final Counts NONE = new Counts(0, 0, 0, 0);

        /** The sum of both. */
        public Counts plus(Counts o) {
            return new Counts(
                    forgedSkipped + o.forgedSkipped,
                    resets + o.resets,
                    unreadable + o.unreadable,
                    notResident + o.notResident);
        }
    }

    private final Set<Integer> restoring = ConcurrentHashMap.newKeySet();
    private volatile boolean assignedOnce;
    private final AtomicReference<Counts> counts = new AtomicReference<>(Counts.NONE);

    /** The state of {@code partitions} is being restored from now on. */
    public void started(Collection<Integer> partitions) {
        restoring.addAll(partitions);
    }

    /**
     * The restore of {@code partitions} (possibly none: an empty assignment) is over and installed their
     * users; a restore that failed never calls this, so its partitions stay restoring (readiness DOWN).
     */
    public void finished(Collection<Integer> partitions) {
        assignedOnce = true;
        restoring.removeAll(partitions);
    }

    /**
     * {@code partitions} were revoked before their restore ended: they are no longer restoring here,
     * and they count as no restored assignment.
     */
    public void abandoned(Collection<Integer> partitions) {
        restoring.removeAll(partitions);
    }

    /**
     * Whether the consumer has had its first assignment (possibly empty) and restored it: before
     * that, the instance does not know which users it serves.
     */
    public boolean assignedOnce() {
        return assignedOnce;
    }

    /** Adds what one restore did to {@link #counts()}. */
    public void counted(Counts restore) {
        counts.accumulateAndGet(restore, Counts::plus);
    }

    /** What the restores since start did with records they could not install as stored. */
    public Counts counts() {
        return counts.get();
    }

    /** Samples partitions whose state is being restored right now. */
    public Set<Integer> restoring() {
        return Set.copyOf(restoring);
    }

    /**
     * Whether an instance serves its users: its first assignment restored ({@link #assignedOnce()})
     * and no restore running ({@link #restoring()}).
     */
    public static boolean ready(boolean assignedOnce, Set<Integer> restoring) {
        return assignedOnce && restoring.isEmpty();
    }
}
