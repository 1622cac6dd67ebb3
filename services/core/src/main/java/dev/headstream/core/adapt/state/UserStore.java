package dev.headstream.core.adapt.state;

import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdapterState;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Where the engine keeps its committed users' state: in the heap ({@link HeapUserStore}, the
 * default) or on local disk with a bounded cache of hot users in the heap (the adapter's RocksDB
 * store). The engine calls it only between batches, or, for {@link #get}, from a batch's workers
 * after {@link #prefetch} loaded that batch's users; the store's state objects are never changed in
 * place (the engine stages copies).
 *
 * <p>A store on disk also holds, per changelog partition, a checkpoint: the changelog offset below
 * which every record is reflected in it, written atomically with the users of the batch that moved
 * it ({@link #apply}). A restart then reads the changelog from there instead of from the start.
 */
public interface UserStore extends AutoCloseable {

    /**
     * How the store turns a user's state into its changelog record and back: the engine's
     * {@code UserStateCodec} with its tasks, for stores that keep records rather than objects.
     */
    interface Codec {
        AdapterState encode(UserState user);

        /** @throws IllegalArgumentException if {@code record} does not decode against the engine's tasks */
        UserState decode(AdapterState record);
    }

    /**
     * Where a committed batch's records sit in one changelog partition.
     *
     * @param first the offset of its first record there
     * @param end   one past the offset of its last record there
     */
    record ChangelogSpan(long first, long end) {
        public ChangelogSpan {
            if (first < 0 || end <= first) {
                throw new IllegalArgumentException(
                        "a changelog span needs 0 <= first < end, got " + first + ".." + end);
            }
        }
    }

    /** The committed state of {@code key}, or null when the store holds none. */
    UserState get(UserKey key);

    /** Whether the store holds state of {@code key}. */
    boolean contains(UserKey key);

    /** Users held. */
    int size();

    /** The samples partition of the held user {@code key}, or {@link Integer#MIN_VALUE} when none is held. */
    int partitionOf(UserKey key);

    /**
     * Makes the state of the users about to be processed cheap to {@link #get} from several threads:
     * a store on disk loads them into its cache. Call between batches.
     */
    default void prefetch(Collection<UserKey> keys) {}

    /**
     * Installs {@code user} (a restore), replacing what was held for its key.
     *
     * @param record its changelog record when the caller has it (a store on disk keeps it as is), else null
     */
    void put(UserState user, AdapterState record);

    /** Drops {@code key}'s state. */
    void remove(UserKey key);

    /**
     * Applies a committed batch: {@code users} replace what was held for their keys, then the
     * {@code erased} keys are dropped, all at once. A store with checkpoints moves a partition's
     * checkpoint to the end of the batch's span there only when the span follows the checkpoint with
     * nothing between (at the checkpoint, or one past it: the previous transaction's commit marker);
     * records of another writer in between, which it has not applied, leave it where it is.
     *
     * @param records the changelog records of {@code users} by key, as the batch published them, where at hand
     * @param spans   where the batch's records sit in the changelog partitions, where known
     */
    void apply(
            List<UserState> users,
            Map<UserKey, AdapterState> records,
            Collection<UserKey> erased,
            Map<Integer, ChangelogSpan> spans);

    /**
     * Drops every user of samples partition {@code partition} from what the engine sees (the
     * partition was revoked). A store on disk keeps them and the partition's checkpoint on disk, for
     * {@link #reopenPartition} if the partition comes back.
     *
     * @return how many users were dropped
     */
    int release(int partition);

    /**
     * The changelog offset from which partition {@code partition} must be read to bring the store up
     * to date, having made the users the store kept for it on disk visible again; -1 when the store
     * keeps nothing for it (a heap store, or no usable checkpoint): the changelog is read from its
     * start, and anything the store held for the partition is dropped first.
     */
    default long reopenPartition(int partition) {
        release(partition);
        return -1;
    }

    /**
     * Records that changelog partition {@code partition} is reflected in the store up to
     * {@code offset} (a restore read it to there); a negative {@code offset} drops the partition's
     * checkpoint, so that its next restore reads the changelog from the start.
     */
    default void checkpoint(int partition, long offset) {}

    /** Bytes of users' state held on disk, or -1 for a store that holds none there. */
    default long diskBytes() {
        return -1;
    }

    /** Whether {@code more} users beyond those held fit the store's own budget (a disk budget). */
    default boolean hasRoomFor(int more) {
        return true;
    }

    @Override
    default void close() {}
}
