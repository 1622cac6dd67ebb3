package dev.headstream.core.adapt.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One user's dedup window: the {@link #fingerprint fingerprints} of the last {@code capacity}
 * sample ids applied, in arrival order (a ring of {@code long}s) and in an open-addressing hash set
 * of {@code long}s (linear probing, at most half full), so that a membership test and an insertion
 * are a hash probe and a full window of 4,096 ids holds 96 KiB whatever the ids' length. Both arrays
 * start small and double up to the window as ids arrive; {@link #copy()} clones them.
 *
 * <p>Mutable, not thread-safe; owned by one {@link UserState}. Call order: {@link #contains} and
 * {@link #add} in any order; {@link #copy()} for a working copy.
 */
public final class DedupWindow {

    /** The largest window: its set's table, twice as long, is the largest power-of-two array. */
    public static final int MAX_CAPACITY = 1 << 29;

    /** Ring length of a new window (or the capacity, when smaller). */
    private static final int FIRST_RING = 16;

    /** Fibonacci hashing's multiplier, 2^64 / golden ratio. */
    private static final long SPREAD = 0x9E3779B97F4A7C15L;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    });

    private final int capacity;
    /** Fingerprints in arrival order: {@code ring[(first + i) % ring.length]} for {@code i < size}. */
    private long[] ring;

    private int first;
    private int size;
    /** The set: a power of two at least twice the ring's length; 0 marks a free slot. */
    private long[] table;
    /** Whether fingerprint 0, which the table cannot hold, is in the window. */
    private boolean holdsZero;

    /**
     * An empty window of {@code capacity} fingerprints (0: nothing is remembered).
     *
     * @throws IllegalArgumentException if {@code capacity} is negative or above {@link #MAX_CAPACITY}
     */
    public DedupWindow(int capacity) {
        if (capacity < 0 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException(
                    "dedup window of " + capacity + " sample ids; it must be 0 to " + MAX_CAPACITY);
        }
        this.capacity = capacity;
        this.ring = new long[Math.min(capacity, FIRST_RING)];
        this.table = new long[tableLength(ring.length)];
    }

    private DedupWindow(DedupWindow o) {
        this.capacity = o.capacity;
        this.ring = o.ring.clone();
        this.first = o.first;
        this.size = o.size;
        this.table = o.table.clone();
        this.holdsZero = o.holdsZero;
    }

    /**
     * The fingerprint of {@code sampleId}: the first 8 bytes, as a big-endian {@code long}, of the
     * SHA-256 of its UTF-8 bytes. Fixed by this definition, so it is the same on every JVM and
     * version and the changelog can store it ({@code AdapterState.recent_sample_fingerprints}).
     *
     * <p>Why 64 bits of SHA-256: two different ids of one user get the same fingerprint with
     * probability 2^-64, so a window of 4,096 ids holds a colliding pair with probability about
     * 4096^2 / 2^65 = 2^-41, and an arriving id is wrongly taken for one of the window's with
     * probability 4096 / 2^64 = 2^-52; such a false {@code DUPLICATE} drops one sample. A
     * cryptographic hash because ids come from producers: nobody can aim a collision at a given id
     * (a second preimage of 64 bits takes about 2^64 hashes), and a producer who makes colliding
     * pairs of its own (a birthday search, about 2^32) only gets its own user's sample dropped, since
     * a window holds only its user's ids. It is in every JDK ({@link MessageDigest}) and easy to
     * reproduce elsewhere ({@code sha256sum}). Sample ids arrive as protobuf strings, valid UTF-8,
     * so distinct ids have distinct UTF-8 bytes.
     */
    public static long fingerprint(String sampleId) {
        byte[] d = SHA256.get().digest(sampleId.getBytes(StandardCharsets.UTF_8));
        long v = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            v = (v << 8) | (d[i] & 0xFF);
        }
        return v;
    }

    /** An independent copy: adding to either leaves the other as it was. */
    public DedupWindow copy() {
        return new DedupWindow(this);
    }

    /** Fingerprints the window holds at most. */
    public int capacity() {
        return capacity;
    }

    /** Fingerprints held, at most {@link #capacity()}. */
    public int size() {
        return size;
    }

    /** Whether {@code fingerprint} is in the window. */
    public boolean contains(long fingerprint) {
        if (fingerprint == 0) {
            return holdsZero;
        }
        int mask = table.length - 1;
        for (int i = slot(fingerprint, mask); ; i = (i + 1) & mask) {
            long f = table[i];
            if (f == fingerprint) {
                return true;
            }
            if (f == 0) {
                return false;
            }
        }
    }

    /**
     * Adds {@code fingerprint} as the newest, dropping the oldest when the window is full; false,
     * changing nothing, if it is already in the window. With capacity 0, true and nothing is kept.
     */
    public boolean add(long fingerprint) {
        if (contains(fingerprint)) {
            return false;
        }
        if (capacity == 0) {
            return true;
        }
        if (size == ring.length) {
            if (ring.length < capacity) {
                grow();
            } else {
                remove(ring[first]);
                first = next(first);
                size--;
            }
        }
        int at = first + size;
        ring[at >= ring.length ? at - ring.length : at] = fingerprint;
        size++;
        insert(fingerprint);
        return true;
    }

    /** The fingerprints held, oldest first. */
    public long[] fingerprints() {
        long[] out = new long[size];
        int head = Math.min(size, ring.length - first);
        System.arraycopy(ring, first, out, 0, head);
        System.arraycopy(ring, 0, out, head, size - head);
        return out;
    }

    private void grow() {
        long[] order = fingerprints();
        ring = new long[(int) Math.min(capacity, 2L * ring.length)];
        System.arraycopy(order, 0, ring, 0, order.length);
        first = 0;
        table = new long[tableLength(ring.length)];
        for (long f : order) {
            insert(f);
        }
    }

    private void insert(long fingerprint) {
        if (fingerprint == 0) {
            holdsZero = true;
            return;
        }
        int mask = table.length - 1;
        int i = slot(fingerprint, mask);
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = fingerprint;
    }

    /** Removes a fingerprint the set holds, shifting the probe run after it back (no tombstones). */
    private void remove(long fingerprint) {
        if (fingerprint == 0) {
            holdsZero = false;
            return;
        }
        int mask = table.length - 1;
        int hole = slot(fingerprint, mask);
        while (table[hole] != fingerprint) {
            hole = (hole + 1) & mask;
        }
        for (int i = (hole + 1) & mask; table[i] != 0; i = (i + 1) & mask) {
            int home = slot(table[i], mask);
            // table[i] may fill the hole unless its home lies cyclically in (hole, i]
            boolean stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!stays) {
                table[hole] = table[i];
                hole = i;
            }
        }
        table[hole] = 0;
    }

    private int next(int i) {
        return i + 1 == ring.length ? 0 : i + 1;
    }

    private static int slot(long fingerprint, int mask) {
        return (int) ((fingerprint * SPREAD) >>> 32) & mask;
    }

    /** The smallest power of two at least twice {@code ringLength}, and at least 2. */
    private static int tableLength(int ringLength) {
        return Math.max(2, Integer.highestOneBit(Math.max(1, 2 * ringLength - 1)) << 1);
    }
}
