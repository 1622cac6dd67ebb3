package dev.headstream.adapter.state;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which samples partitions' state is being restored, and whether the first assignment has been
 * restored. Written by {@link StateRestorer} on the polling thread, read by readiness from any
 * thread.
 */
@ApplicationScoped
public class RestoreProgress {

    private final Set<Integer> restoring = ConcurrentHashMap.newKeySet();
    private volatile boolean assignedOnce;

    /** The state of {@code partitions} is being restored from now on. */
    public void started(Collection<Integer> partitions) {
        restoring.addAll(partitions);
    }

    /** The restore of {@code partitions} (possibly none: an empty assignment) is over, restored or not. */
    public void finished(Collection<Integer> partitions) {
        assignedOnce = true;
        restoring.removeAll(partitions);
    }

    /**
     * Whether the consumer has had its first assignment (possibly empty) and restored it: before
     * that, the instance does not know which users it serves.
     */
    public boolean assignedOnce() {
        return assignedOnce;
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
