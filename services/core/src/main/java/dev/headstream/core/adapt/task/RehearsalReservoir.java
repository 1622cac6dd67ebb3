package dev.headstream.core.adapt.task;

import dev.headstream.core.adapt.state.StoredClip;
import dev.headstream.core.ingest.UserKey;
import java.util.Arrays;

/**
 * Online rehearsal: a bounded uniform sample of the training negatives that users of a task sent
 * (reservoir sampling, Vitter's Algorithm R), mixed into every user's updates beside or instead
 * of the operator's reference set so an adapted head keeps rejecting other people's speech.
 *
 * <p>No user holds more than {@code maxPerUser} clips: a user at that cap whose new clip is kept
 * replaces one of its own clips, never another user's, so one prolific (or hostile) user cannot
 * fill the reservoir and decide what every other head rehearses.
 *
 * <p>The slot a new clip replaces is drawn from a hash of the reservoir's seed and the number of
 * clips offered so far, not from a random generator's state, so the same sequence of offers
 * always gives the same reservoir. Every entry remembers its owner: {@link #forget} removes a
 * user's clips (erasure). Mutable, not thread-safe; {@link #copy()} stages changes.
 */
public final class RehearsalReservoir {

    /** One remembered negative and the user it came from. */
    public record Entry(UserKey owner, StoredClip clip) {}

    private final int capacity;
    private final int maxPerUser;
    private final long seed;
    private final Entry[] entries;
    private int size;
    private long offered;

    /** A reservoir without a per-user cap (one user may hold every clip). */
    public RehearsalReservoir(int capacity, long seed) {
        this(capacity, capacity, seed);
    }

    /**
     * @param capacity   clips kept, at least 1
     * @param maxPerUser clips of one user kept, at least 1 ({@code >= capacity}: no cap)
     * @param seed       replacement hash seed
     */
    public RehearsalReservoir(int capacity, int maxPerUser, long seed) {
        if (capacity < 1) {
            throw new IllegalArgumentException("reservoir capacity must be >= 1, got " + capacity);
        }
        if (maxPerUser < 1) {
            throw new IllegalArgumentException("reservoir clips per user must be >= 1, got " + maxPerUser);
        }
        this.capacity = capacity;
        this.maxPerUser = Math.min(maxPerUser, capacity);
        this.seed = seed;
        this.entries = new Entry[capacity];
    }

    private RehearsalReservoir(RehearsalReservoir o) {
        this.capacity = o.capacity;
        this.maxPerUser = o.maxPerUser;
        this.seed = o.seed;
        this.entries = o.entries.clone();
        this.size = o.size;
        this.offered = o.offered;
    }

    /** An independent copy (the clips themselves are immutable and shared). */
    public RehearsalReservoir copy() {
        return new RehearsalReservoir(this);
    }

    /**
     * Offers one negative: kept while there is room, afterwards with probability {@code capacity /
     * offered} in place of a drawn slot, so every clip offered so far is equally likely to be in
     * the reservoir. A clip of a user who already holds {@code maxPerUser} clips, when kept, takes
     * the place of one of that user's clips (drawn from the same hash) instead.
     */
    public void offer(UserKey owner, StoredClip clip) {
        offered++;
        long draw = mix(seed + offered);
        boolean kept = size < capacity || Long.remainderUnsigned(draw, offered) < capacity;
        if (!kept) {
            return;
        }
        int own = clipsOf(owner);
        if (own >= maxPerUser) {
            long k = Long.remainderUnsigned(mix(draw), own);
            for (int i = 0; i < size; i++) {
                if (entries[i].owner().equals(owner) && k-- == 0) {
                    entries[i] = new Entry(owner, clip);
                    return;
                }
            }
            throw new IllegalStateException("counted " + own + " clips of " + owner + " but found fewer");
        }
        if (size < capacity) {
            entries[size++] = new Entry(owner, clip);
        } else {
            entries[(int) Long.remainderUnsigned(draw, offered)] = new Entry(owner, clip);
        }
    }

    /** Clips of {@code owner} held. */
    public int clipsOf(UserKey owner) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (entries[i].owner().equals(owner)) {
                n++;
            }
        }
        return n;
    }

    /** Removes every clip of {@code owner}; returns how many. */
    public int forget(UserKey owner) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (!entries[i].owner().equals(owner)) {
                entries[kept++] = entries[i];
            }
        }
        int removed = size - kept;
        Arrays.fill(entries, kept, size, null);
        size = kept;
        return removed;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /** Most clips one user holds. */
    public int maxPerUser() {
        return maxPerUser;
    }

    /** Clips offered since the reservoir was created. */
    public long offered() {
        return offered;
    }

    public Entry get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("entry " + i + " of " + size);
        }
        return entries[i];
    }

    /** Bytes of the clips held. */
    public long bytes() {
        long b = 0;
        for (int i = 0; i < size; i++) {
            b += entries[i].clip().bytes();
        }
        return b;
    }

    /** SplitMix64's finalizer: a well-mixed 64-bit hash. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
