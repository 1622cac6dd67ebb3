package dev.headstream.core.adapt.state;

import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdapterState;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

        /**
         * The changelog partition a user's record goes to when the user has no samples partition yet
         * (the producer's partitioner on its key), or -1 when not known (the partition check is off).
         */
        int homePartition(UserKey key);
    }

    /**
     * Where a committed batch's records sit in one changelog partition: offsets {@code from} to
     * {@code end} hold no committed record but the batch's own.
     *
     * @param from the offset of its first record there, or an earlier one when the caller read that
     *             the offsets between hold no committed record (only aborted records and markers)
     * @param end  one past the offset of its last record there
     */
    record ChangelogSpan(long from, long end) {
        public ChangelogSpan {
            if (from < 0 || end <= from) {
                throw new IllegalArgumentException("a changelog span needs 0 <= from < end, got " + from + ".." + end);
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
     * nothing between ({@link #expectedNext}); otherwise records it has not applied may sit between,
     * and it drops the partition's checkpoint (the next restore reads the partition from the start).
     * So does a partition in {@code written} without a span (where the batch's records landed is not
     * known). Checkpoints of partitions the batch did not write keep their offset and their age.
     *
     * @param records the changelog records of {@code users} by key, as the batch published them, where at hand
     * @param spans   where the batch's records sit in the changelog partitions, where known
     * @param written the changelog partitions the batch wrote records to
     */
    void apply(
            List<UserState> users,
            Map<UserKey, AdapterState> records,
            Collection<UserKey> erased,
            Map<Integer, ChangelogSpan> spans,
            Set<Integer> written);

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
     * Where the next batch's records must start in changelog partition {@code partition} for its
     * checkpoint to move (see {@link ChangelogSpan#from}); -1 when it has no checkpoint.
     */
    default long expectedNext(int partition) {
        return -1;
    }

    /**
     * The checkpoint of changelog partition {@code partition}, a partition the engine holds, or -1:
     * from there a caller reads what lies before a span that does not start at {@link #expectedNext}.
     */
    default long checkpointOffset(int partition) {
        return -1;
    }

    /** Drops everything held or kept for {@code partition}, its checkpoint included. */
    default void discardPartition(int partition) {
        release(partition);
    }

    /**
     * Binds the store to the changelog topic it backs (its topic id): a store that backed another
     * topic of that name keeps nothing. No-op for a store without checkpoints.
     */
    default void bindChangelog(String topicId) {}

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
