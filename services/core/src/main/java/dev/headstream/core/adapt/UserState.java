package dev.headstream.core.adapt;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the adapter holds for one user: a head per task and the recent sample ids used to
 * drop producer retries. Mutable, not thread-safe; changed only on a {@link #copy()}.
 */
public final class UserState {

    private final UserKey key;
    private final Map<String, HeadState> heads;
    private final ArrayDeque<String> recentOrder;
    private final Set<String> recent;
    private final int dedupWindow;
    /** Partition of the user's samples, or -1 before the first applied sample. */
    int partition = -1;
    /** Offset of the newest sample applied (training or holdout), or -1. */
    long lastAppliedOffset = -1;
    /** {@link RateLimit} bucket: tokens left, and the record timestamp they were counted at (0 / 0: none yet). */
    double rateTokens;
    long rateTimeMs;

    UserState(UserKey key, int dedupWindow) {
        this.key = key;
        this.heads = new TreeMap<>();
        this.recentOrder = new ArrayDeque<>();
        this.recent = new HashSet<>();
        this.dedupWindow = dedupWindow;
    }

    private UserState(UserState o) {
        this.key = o.key;
        this.heads = new TreeMap<>();
        o.heads.forEach((task, h) -> heads.put(task, h.copy()));
        this.recentOrder = new ArrayDeque<>(o.recentOrder);
        this.recent = new HashSet<>(o.recent);
        this.dedupWindow = o.dedupWindow;
        this.partition = o.partition;
        this.lastAppliedOffset = o.lastAppliedOffset;
        this.rateTokens = o.rateTokens;
        this.rateTimeMs = o.rateTimeMs;
    }

    public UserState copy() {
        return new UserState(this);
    }

    public UserKey key() {
        return key;
    }

    /** Heads by task name (live view; do not modify outside the engine). */
    public Map<String, HeadState> heads() {
        return heads;
    }

    /** The dedup window's sample ids, oldest first. */
    List<String> recentSampleIds() {
        return List.copyOf(recentOrder);
    }

    /** Whether {@code sampleId} was applied within the dedup window. */
    boolean hasSeen(String sampleId) {
        return recent.contains(sampleId);
    }

    /** Records {@code sampleId}; false if it was seen within the dedup window. */
    boolean firstSighting(String sampleId) {
        if (!recent.add(sampleId)) {
            return false;
        }
        recentOrder.addLast(sampleId);
        while (recentOrder.size() > dedupWindow) {
            recent.remove(recentOrder.removeFirst());
        }
        return true;
    }
}
