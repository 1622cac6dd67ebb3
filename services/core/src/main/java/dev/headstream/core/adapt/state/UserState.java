package dev.headstream.core.adapt.state;

import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.UserKey;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the adapter holds for one user: a head per task (binary heads and class heads), the {@link DedupWindow} of recently
 * applied sample ids (as fingerprints) used to drop producer retries, where the user's newest applied
 * sample came from and their rate-limit bucket. Mutable, not thread-safe; changed only on a
 * {@link #copy()}.
 */
public final class UserState {

    private final UserKey key;
    private final Map<String, HeadState> heads;
    private final Map<String, ClassHeadState> classHeads;
    private final DedupWindow recent;
    /** Partition of the user's samples, or -1 before the first applied sample. */
    private int partition;
    /** Offset of the newest sample applied (training or holdout), or -1. */
    private long lastAppliedOffset;

    private RateLimit.Bucket rate;

    /**
     * A user with no state yet.
     *
     * @param dedupWindow sample ids remembered to drop retries, 0 to {@link DedupWindow#MAX_CAPACITY}
     */
    public UserState(UserKey key, int dedupWindow) {
        this(key, dedupWindow, -1, -1, RateLimit.Bucket.EMPTY);
    }

    /**
     * A user restored from the changelog, without heads or sample ids yet.
     *
     * @param partition         partition of the user's samples, or -1
     * @param lastAppliedOffset offset of the newest applied sample, or -1
     * @param rate              the user's rate-limit bucket
     */
    public UserState(UserKey key, int dedupWindow, int partition, long lastAppliedOffset, RateLimit.Bucket rate) {
        this.key = key;
        this.heads = new TreeMap<>();
        this.classHeads = new TreeMap<>();
        this.recent = new DedupWindow(dedupWindow);
        this.partition = partition;
        this.lastAppliedOffset = lastAppliedOffset;
        this.rate = rate;
    }

    private UserState(UserState o) {
        this.key = o.key;
        this.heads = new TreeMap<>();
        o.heads.forEach((task, h) -> heads.put(task, h.copy()));
        this.classHeads = new TreeMap<>();
        o.classHeads.forEach((task, h) -> classHeads.put(task, h.copy()));
        this.recent = o.recent.copy();
        this.partition = o.partition;
        this.lastAppliedOffset = o.lastAppliedOffset;
        this.rate = o.rate;
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

    /** Heads of class tasks (multi-class, multi-label) by task name (live view; do not modify outside the engine). */
    public Map<String, ClassHeadState> classHeads() {
        return classHeads;
    }

    /** The names of every task the user has a head of, binary or class, in name order. */
    public java.util.SortedSet<String> taskNames() {
        java.util.SortedSet<String> names = new java.util.TreeSet<>(heads.keySet());
        names.addAll(classHeads.keySet());
        return names;
    }

    /** Partition of the user's samples, or -1 before the first applied sample. */
    public int partition() {
        return partition;
    }

    /** Offset of the newest sample applied (training or holdout), or -1. */
    public long lastAppliedOffset() {
        return lastAppliedOffset;
    }

    /** A sample at {@code offset} of {@code samplesPartition} is being applied. */
    public void recordApplied(int samplesPartition, long offset) {
        partition = samplesPartition;
        lastAppliedOffset = offset;
    }

    /** The rate-limit bucket. */
    public RateLimit.Bucket rateBucket() {
        return rate;
    }

    /** Counts a sample at {@code timestampMs} against {@code limit}; whether it may be applied. */
    public boolean admit(RateLimit limit, long timestampMs) {
        RateLimit.Admission a = limit.take(rate, timestampMs);
        rate = a.bucket();
        return a.admitted();
    }

    /** The {@link DedupWindow#fingerprint fingerprints} of the dedup window's sample ids, oldest first. */
    public long[] recentFingerprints() {
        return recent.fingerprints();
    }

    /** Whether {@code sampleId} was applied within the dedup window. */
    public boolean hasSeen(String sampleId) {
        return recent.contains(DedupWindow.fingerprint(sampleId));
    }

    /**
     * Records {@code sampleId} as the newest of the dedup window, the oldest leaving a full window;
     * false, changing nothing, if it was seen within the window.
     */
    public boolean firstSighting(String sampleId) {
        return recent.add(DedupWindow.fingerprint(sampleId));
    }

    /**
     * {@link #firstSighting(String)} of a sample id known by its {@link DedupWindow#fingerprint
     * fingerprint}, as the changelog stores it.
     */
    public boolean firstSightingOfFingerprint(long fingerprint) {
        return recent.add(fingerprint);
    }
}
