package dev.headstream.runtime.store;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.state.UserStore;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdapterState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Users' state on local disk (RocksDB), with the changelog topic as its backup, as Kafka Streams
 * keeps a store: each committed batch's users and the changelog checkpoint it reached go in one
 * atomic write, so a restart reads the changelog only from each partition's checkpoint on. A
 * bounded cache of hot users keeps their decoded state in the heap; the others cost the heap only
 * their key (about 100 bytes each).
 *
 * <p>Layout: column family {@code state} holds each user's changelog record (the {@link AdapterState}
 * bytes the batch published) under the key {@code "<tenant>/<user>"}; {@code users} holds, under the
 * same key, the user's samples partition and the record's size (small, so that reopening a partition
 * scans it and not the records); the default family holds the checkpoints and the fingerprint of the
 * engine the records were written for. A store opened with another fingerprint (other tasks, source
 * heads or recipe) is wiped: its records might not decode against this engine, and a restore from
 * the changelog does what such a record needs (an explicit reset).
 *
 * <p>A checkpoint older than {@code checkpointMaxAgeMs} (default 12 hours) is not used: while the
 * partition was not this instance's, another may have erased one of its users, and compaction may
 * remove that tombstone from the changelog after {@code delete.retention.ms} (24 h by default), which
 * must stay longer than this age. A checkpoint's age runs from the restore or batch that set it; it
 * is never refreshed without moving.
 *
 * <p>Not thread-safe for writes (the engine writes between batches); {@link #get} may run on a
 * batch's workers after {@link #prefetch}.
 */
public final class DiskUserStore implements UserStore {

    /** Default most users whose decoded state the cache holds. */
    public static final int DEFAULT_CACHE_USERS = 1_000;

    /**
     * Default age past which a partition's checkpoint is not trusted: 12 hours, half the changelog's
     * default {@code delete.retention.ms}.
     */
    public static final long DEFAULT_CHECKPOINT_MAX_AGE_MS = 12 * 3_600_000L;

    private static final byte[] FINGERPRINT = "fingerprint".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CHANGELOG_ID = "changelog-topic-id".getBytes(StandardCharsets.UTF_8);

    /** A checkpoint a restore set: the changelog's end then, where the next record goes. */
    private static final byte RESTORED = 0;

    /** A checkpoint a batch set: one past its last record; its commit marker comes next. */
    private static final byte BATCH = 1;

    private static final String CHECKPOINT = "checkpoint/";

    static {
        RocksDB.loadLibrary();
    }

    /** A user on disk: its samples partition and the bytes of its record. */
    private record OnDisk(int partition, int bytes) {}

    private final Path dir;
    private final Codec codec;
    private final String fingerprint;
    private final int cacheUsers;
    private final long diskBudgetBytes;
    private final long checkpointMaxAgeMs;
    private final LongSupplier clock;

    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final WriteOptions writeOptions;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final RocksDB db;
    private final ColumnFamilyHandle meta;
    private final ColumnFamilyHandle state;
    private final ColumnFamilyHandle users;

    /** The users the engine sees (of the partitions reopened and not released), with partition and size. */
    private final Map<UserKey, OnDisk> held = new HashMap<>();
    /** Decoded state of recently used held users, least recently used first. */
    private final LinkedHashMap<UserKey, UserState> cache = new LinkedHashMap<>(16, 0.75f, true);
    /**
     * Users held whose changelog partition is not known here (no samples partition yet, the partition
     * check off): in the heap only, never evicted; a restore reads them from the changelog.
     */
    private final Map<UserKey, UserState> heapOnly = new HashMap<>();
    /** Partitions reopened and not released since. */
    private final TreeSet<Integer> open = new TreeSet<>();
    /** Bytes of every record on disk, held or not. */
    private long diskBytes;

    /** Bytes of the records of the users held: what the disk budget counts. */
    private long heldBytes;

    private boolean closed;

    /**
     * Opens (creating it if needed) the store in {@code dir}.
     *
     * @param fingerprint       what the records are written for (the engine's {@code stateFingerprint()}); a
     *                          store written for another is wiped
     * @param cacheUsers        most users whose decoded state stays in the heap between batches (a batch's
     *                          own users are loaded whatever their number), at least 1
     * @param diskBudgetBytes   users' records on disk past which new users are refused (CAPACITY)
     * @param checkpointMaxAgeMs age past which a partition's checkpoint is not used
     */
    public DiskUserStore(
            Path dir,
            Codec codec,
            String fingerprint,
            int cacheUsers,
            long diskBudgetBytes,
            long checkpointMaxAgeMs,
            LongSupplier clock) {
        if (cacheUsers < 1) {
            throw new IllegalArgumentException("the cache holds at least 1 user, got " + cacheUsers);
        }
        if (diskBudgetBytes < 1 || checkpointMaxAgeMs < 0) {
            throw new IllegalArgumentException("disk budget must be >= 1 byte and checkpoint age >= 0, got "
                    + diskBudgetBytes + ", " + checkpointMaxAgeMs);
        }
        this.dir = dir;
        this.codec = codec;
        this.fingerprint = fingerprint;
        this.cacheUsers = cacheUsers;
        this.diskBudgetBytes = diskBudgetBytes;
        this.checkpointMaxAgeMs = checkpointMaxAgeMs;
        this.clock = clock;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state store directory " + dir, e);
        }
        // the write-ahead log (not synced) keeps each write batch whole across a killed process: a
        // restart after kill -9 finds the users and checkpoints of the last batch written, and reads
        // the changelog from there. Flushes are atomic across the column families as well.
        dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setAtomicFlush(true);
        // the records are mostly float16 and float32 parameters: LZ4 is cheap and gains a little
        cfOptions = new ColumnFamilyOptions().setCompressionType(CompressionType.LZ4_COMPRESSION);
        writeOptions = new WriteOptions();
        List<ColumnFamilyDescriptor> families = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
                new ColumnFamilyDescriptor("state".getBytes(StandardCharsets.UTF_8), cfOptions),
                new ColumnFamilyDescriptor("users".getBytes(StandardCharsets.UTF_8), cfOptions));
        try {
            db = RocksDB.open(dbOptions, dir.toString(), families, handles);
        } catch (RocksDBException e) {
            close(handles);
            writeOptions.close();
            cfOptions.close();
            dbOptions.close();
            throw new IllegalStateException("cannot open the state store in " + dir + ": " + e.getMessage(), e);
        }
        meta = handles.get(0);
        state = handles.get(1);
        users = handles.get(2);
        byte[] stored = read(meta, FINGERPRINT);
        byte[] wanted = fingerprint.getBytes(StandardCharsets.UTF_8);
        if (!Arrays.equals(stored, wanted)) {
            wipe();
            write(b -> b.put(meta, FINGERPRINT, wanted));
        }
        try (RocksIterator it = db.newIterator(users)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                diskBytes += ByteBuffer.wrap(it.value()).getInt(4);
            }
        }
    }

    @Override
    public synchronized UserState get(UserKey key) {
        UserState h = heapOnly.get(key);
        if (h != null) {
            return h;
        }
        UserState u = cache.get(key);
        if (u != null || !held.containsKey(key)) {
            return u;
        }
        u = load(key);
        cache.put(key, u);
        return u;
    }

    private UserState load(UserKey key) {
        return decode(key, read(state, key(key)));
    }

    private UserState decode(UserKey key, byte[] bytes) {
        if (bytes == null) {
            throw new IllegalStateException("the state store in " + dir + " lists " + key
                    + " but holds no record of it;" + " delete the directory to restore every user from the changelog");
        }
        try {
            return codec.decode(AdapterState.parseFrom(bytes));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new IllegalStateException(
                    "the state store's record of " + key + " in " + dir + " does not decode (" + e.getMessage()
                            + "); delete the directory to restore every user from the changelog",
                    e);
        }
    }

    @Override
    public synchronized boolean contains(UserKey key) {
        return held.containsKey(key);
    }

    @Override
    public synchronized int size() {
        return held.size();
    }

    @Override
    public synchronized int partitionOf(UserKey key) {
        OnDisk d = held.get(key);
        return d == null ? Integer.MIN_VALUE : d.partition();
    }

    @Override
    public synchronized void prefetch(Collection<UserKey> keys) {
        trim();
        List<UserKey> missing = new ArrayList<>();
        for (UserKey k : keys) {
            if (!cache.containsKey(k) && held.containsKey(k) && !heapOnly.containsKey(k)) {
                missing.add(k);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        ensureOpen();
        List<byte[]> records;
        try {
            records = db.multiGetAsList(
                    java.util.Collections.nCopies(missing.size(), state),
                    missing.stream().map(DiskUserStore::key).toList());
        } catch (RocksDBException e) {
            throw new IllegalStateException("reading the state store in " + dir + " failed: " + e.getMessage(), e);
        }
        // decoding a user is the costly part (about 0.3 MB each): on the machine's cores
        UserState[] decoded = new UserState[missing.size()];
        java.util.stream.IntStream.range(0, missing.size())
                .parallel()
                .forEach(i -> decoded[i] = decode(missing.get(i), records.get(i)));
        for (int i = 0; i < decoded.length; i++) {
            cache.put(missing.get(i), decoded[i]);
        }
    }

    /** Evicts the least recently used users past {@link #cacheUsers}. */
    private void trim() {
        Iterator<UserKey> it = cache.keySet().iterator();
        while (cache.size() > cacheUsers && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    @Override
    public synchronized void put(UserState user, AdapterState record) {
        apply(List.of(user), record == null ? Map.of() : Map.of(user.key(), record), List.of(), Map.of(), Set.of());
    }

    /**
     * Writes {@code records} as the stored state of their users (each under its tenant and user, in
     * its {@code source_partition}) without decoding them or holding them: for tools that fill a
     * store offline, while no engine uses it. The records must decode against the engine the store's
     * fingerprint names, or the first batch that loads one fails.
     */
    public synchronized void importRecords(List<AdapterState> records) {
        ensureOpen();
        long delta = 0;
        try (WriteBatch b = new WriteBatch()) {
            for (AdapterState r : records) {
                if (r.getSourcePartition() < 0) {
                    throw new IllegalArgumentException(
                            "an imported record names no samples partition: " + recordKeyOf(r));
                }
                UserKey key = new UserKey(r.getTenant(), r.getUser());
                byte[] bytes = r.toByteArray();
                OnDisk before = onDisk(key);
                delta += bytes.length - (before == null ? 0 : before.bytes());
                b.put(state, key(key), bytes);
                b.put(users, key(key), onDisk(r.getSourcePartition(), bytes.length));
            }
            db.write(writeOptions, b);
        } catch (RocksDBException e) {
            throw new IllegalStateException("writing to the state store in " + dir + " failed: " + e.getMessage(), e);
        }
        diskBytes += delta;
    }

    @Override
    public synchronized void remove(UserKey key) {
        apply(List.of(), Map.of(), List.of(key), Map.of(), Set.of());
    }

    @Override
    public synchronized void apply(
            List<UserState> put,
            Map<UserKey, AdapterState> records,
            Collection<UserKey> erased,
            Map<Integer, ChangelogSpan> spans,
            Set<Integer> writtenPartitions) {
        ensureOpen();
        long now = clock.getAsLong();
        Map<UserKey, OnDisk> written = new LinkedHashMap<>();
        Set<Integer> dropped = new HashSet<>();
        List<UserState> homelessUsers = new ArrayList<>();
        boolean homeless = false;
        long delta = 0;
        try (WriteBatch b = new WriteBatch()) {
            for (UserState u : put) {
                // a user with no samples partition yet (every sample refused by the rate limit) has its
                // record on its key's partition, where the producer's partitioner put it
                int partition = u.partition() >= 0 ? u.partition() : codec.homePartition(u.key());
                if (partition < 0) {
                    homeless = true;
                    homelessUsers.add(u);
                    continue;
                }
                AdapterState r = records.get(u.key());
                byte[] bytes = (r != null ? r : codec.encode(u)).toByteArray();
                byte[] k = key(u.key());
                b.put(state, k, bytes);
                b.put(users, k, onDisk(partition, bytes.length));
                OnDisk before = before(written, u.key());
                delta += bytes.length - (before == null ? 0 : before.bytes());
                written.put(u.key(), new OnDisk(partition, bytes.length));
            }
            for (UserKey key : erased) {
                byte[] k = key(key);
                OnDisk before = before(written, key);
                if (before != null) {
                    delta -= before.bytes();
                }
                b.delete(state, k);
                b.delete(users, k);
                written.put(key, null);
            }
            for (Map.Entry<Integer, ChangelogSpan> e : spans.entrySet()) {
                int p = e.getKey();
                Checkpoint cp = checkpointOf(p);
                if (cp == null || !open.contains(p)) {
                    continue;
                }
                if (e.getValue().from() <= cp.next() && e.getValue().end() >= cp.offset()) {
                    b.put(meta, checkpointKey(p), checkpointValue(e.getValue().end(), now, BATCH));
                } else {
                    // records this store has not applied may sit between: the checkpoint no longer says
                    // what the disk reflects, and the next restore of the partition reads it from the start
                    b.delete(meta, checkpointKey(p));
                    dropped.add(p);
                }
            }
            for (int p : writtenPartitions) {
                // the batch wrote there, but where its records landed is not known
                if (!spans.containsKey(p) && open.contains(p) && checkpointOf(p) != null) {
                    b.delete(meta, checkpointKey(p));
                    dropped.add(p);
                }
            }
            if (homeless) {
                // a user whose changelog partition is unknown here: no checkpoint can vouch for its record
                for (int p : open) {
                    b.delete(meta, checkpointKey(p));
                    dropped.add(p);
                }
            }
            db.write(writeOptions, b);
        } catch (RocksDBException e) {
            throw new IllegalStateException("writing to the state store in " + dir + " failed: " + e.getMessage(), e);
        }
        diskBytes += delta;
        for (Map.Entry<UserKey, OnDisk> e : written.entrySet()) {
            heapOnly.remove(e.getKey());
            if (e.getValue() == null) {
                unhold(e.getKey());
                cache.remove(e.getKey());
            } else {
                hold(e.getKey(), e.getValue());
            }
        }
        for (UserState u : homelessUsers) {
            // held in the heap only, as the heap store would; the next restore reads it from the changelog
            hold(u.key(), new OnDisk(-1, 0));
            heapOnly.put(u.key(), u);
        }
        for (UserState u : put) {
            if (held.containsKey(u.key()) && !heapOnly.containsKey(u.key())) {
                cache.put(u.key(), u);
            }
        }
        // a restore puts users one by one, as many as the partition holds: the cache stays bounded
        trim();
    }

    private void hold(UserKey key, OnDisk d) {
        OnDisk before = held.put(key, d);
        heldBytes += d.bytes() - (before == null ? 0 : before.bytes());
    }

    private void unhold(UserKey key) {
        OnDisk before = held.remove(key);
        if (before != null) {
            heldBytes -= before.bytes();
        }
    }

    /** What {@code key} had on disk before this write: as {@code written} so far left it, else as the disk has it. */
    private OnDisk before(Map<UserKey, OnDisk> written, UserKey key) {
        return written.containsKey(key) ? written.get(key) : onDisk(key);
    }

    /** What the disk holds for {@code key}: from {@link #held} when held, else read. */
    private OnDisk onDisk(UserKey key) {
        OnDisk d = held.get(key);
        if (d != null) {
            return d;
        }
        byte[] v = read(users, key(key));
        return v == null ? null : decodeOnDisk(v);
    }

    @Override
    public synchronized int release(int partition) {
        open.remove(partition);
        int before = held.size();
        held.entrySet().removeIf(e -> {
            if (e.getValue().partition() != partition) {
                return false;
            }
            heldBytes -= e.getValue().bytes();
            return true;
        });
        cache.keySet().removeIf(k -> !held.containsKey(k));
        return before - held.size();
    }

    @Override
    public synchronized long reopenPartition(int partition) {
        ensureOpen();
        release(partition);
        long now = clock.getAsLong();
        boolean usable = usable(checkpointOf(partition), now);
        // one scan of the small users column: the partition's users are held again (or dropped when its
        // checkpoint cannot be used), and what other partitions not held left behind is dropped once
        // their checkpoints are gone or too old (a partition away for longer is read from the start anyway)
        Map<Integer, Boolean> keep = new HashMap<>();
        List<byte[]> stale = new ArrayList<>();
        Set<Integer> staleCheckpoints = new TreeSet<>();
        try (RocksIterator it = db.newIterator(users)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                OnDisk d = decodeOnDisk(it.value());
                int q = d.partition();
                boolean kept;
                if (q == partition) {
                    kept = usable;
                } else if (open.contains(q)) {
                    kept = true;
                } else {
                    kept = keep.computeIfAbsent(q, x -> x >= 0 && usable(checkpointOf(x), now));
                }
                if (!kept) {
                    stale.add(it.key());
                    diskBytes -= d.bytes();
                    if (q >= 0) {
                        staleCheckpoints.add(q);
                    }
                } else if (q == partition) {
                    hold(UserKey.parse(new String(it.key(), StandardCharsets.UTF_8)), d);
                }
            }
        }
        if (!usable) {
            staleCheckpoints.add(partition);
        }
        if (!stale.isEmpty() || !staleCheckpoints.isEmpty()) {
            write(b -> {
                for (byte[] k : stale) {
                    b.delete(state, k);
                    b.delete(users, k);
                }
                for (int q : staleCheckpoints) {
                    b.delete(meta, checkpointKey(q));
                }
            });
        }
        open.add(partition);
        return usable ? checkpointOf(partition).offset() : -1;
    }

    /** Whether {@code cp} may be used at {@code now}: present, written no later than now and not too long ago. */
    private boolean usable(Checkpoint cp, long now) {
        return cp != null && cp.atMs() <= now && now - cp.atMs() <= checkpointMaxAgeMs;
    }

    /**
     * The offset at which a batch's records must start in changelog partition {@code partition} (or
     * from which the caller knows the partition holds no committed record of another writer) for its
     * checkpoint to move: the checkpoint after a restore, one past it after a batch (its commit
     * marker); -1 when the partition has no checkpoint.
     */
    @Override
    public synchronized long expectedNext(int partition) {
        Checkpoint cp = open.contains(partition) ? checkpointOf(partition) : null;
        return cp == null ? -1 : cp.next();
    }

    /**
     * Drops the checkpoint of {@code partition} and what the engine sees of it, as when the changelog no
     * longer matches the checkpoint (a topic recreated, a log truncated): the next
     * {@link #reopenPartition} finds no checkpoint and deletes the users the disk kept for it.
     */
    @Override
    public synchronized void discardPartition(int partition) {
        ensureOpen();
        release(partition);
        write(b -> b.delete(meta, checkpointKey(partition)));
    }

    /**
     * Binds the store to the changelog topic it backs, by the topic's id: a store that backed another
     * topic of that name (deleted and created again, another cluster) keeps nothing, since its
     * checkpoints are offsets of that other log.
     */
    @Override
    public synchronized void bindChangelog(String topicId) {
        ensureOpen();
        byte[] stored = read(meta, CHANGELOG_ID);
        byte[] wanted = topicId.getBytes(StandardCharsets.UTF_8);
        if (stored != null && !Arrays.equals(stored, wanted)) {
            held.clear();
            heldBytes = 0;
            cache.clear();
            heapOnly.clear();
            open.clear();
            wipe();
            diskBytes = 0;
            byte[] fp = fingerprint.getBytes(StandardCharsets.UTF_8);
            write(b -> b.put(meta, FINGERPRINT, fp));
        }
        if (!Arrays.equals(stored, wanted)) {
            write(b -> b.put(meta, CHANGELOG_ID, wanted));
        }
    }

    @Override
    public synchronized void checkpoint(int partition, long offset) {
        long now = clock.getAsLong();
        write(b -> {
            if (offset < 0) {
                b.delete(meta, checkpointKey(partition));
            } else {
                b.put(meta, checkpointKey(partition), checkpointValue(offset, now, RESTORED));
            }
        });
    }

    /**
     * A partition's checkpoint.
     *
     * @param offset where the store reflects the changelog up to
     * @param atMs   when it was written or last refreshed (wall clock)
     * @param kind   {@link #RESTORED} or {@link #BATCH}
     */
    private record Checkpoint(long offset, long atMs, byte kind) {

        /** Where the next batch's records start when nobody else wrote: after a batch, past its commit marker. */
        long next() {
            return kind == BATCH ? offset + 1 : offset;
        }
    }

    /** The checkpoint of {@code partition}, or null. */
    private Checkpoint checkpointOf(int partition) {
        byte[] v = read(meta, checkpointKey(partition));
        if (v == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        return new Checkpoint(b.getLong(), b.getLong(), v.length > 16 ? b.get() : RESTORED);
    }

    /** The checkpoint offset of changelog partition {@code partition}, or -1 when it has none. */
    @Override
    public synchronized long checkpointOffset(int partition) {
        Checkpoint cp = checkpointOf(partition);
        return cp == null ? -1 : cp.offset();
    }

    @Override
    public synchronized long diskBytes() {
        return diskBytes;
    }

    @Override
    public synchronized boolean hasRoomFor(int more) {
        // the users held; partitions released and kept on disk for a while do not refuse new users
        return heldBytes < diskBudgetBytes;
    }

    /** Users whose decoded state the cache holds now. */
    public synchronized int cached() {
        return cache.size();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // a clean shutdown leaves nothing to replay from the write-ahead log
        try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
            db.flush(f, handles);
        } catch (RocksDBException e) {
            // not fatal: the checkpoints on disk are as old as the users there; a restore reads further back
        }
        close(handles);
        db.close();
        writeOptions.close();
        cfOptions.close();
        dbOptions.close();
    }

    private static void close(List<ColumnFamilyHandle> hs) {
        hs.forEach(ColumnFamilyHandle::close);
    }

    /** Deletes every record, user and checkpoint. */
    private void wipe() {
        for (ColumnFamilyHandle h : handles) {
            List<byte[]> keys = new ArrayList<>();
            try (RocksIterator it = db.newIterator(h)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    keys.add(it.key());
                }
            }
            write(b -> {
                for (byte[] k : keys) {
                    b.delete(h, k);
                }
            });
        }
    }

    private interface BatchWriter {
        void fill(WriteBatch b) throws RocksDBException;
    }

    /** A store used after {@link #close} (a batch settling during shutdown) fails in Java, never in RocksDB. */
    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the state store in " + dir + " is closed");
        }
    }

    private void write(BatchWriter w) {
        ensureOpen();
        try (WriteBatch b = new WriteBatch()) {
            w.fill(b);
            db.write(writeOptions, b);
        } catch (RocksDBException e) {
            throw new IllegalStateException("writing to the state store in " + dir + " failed: " + e.getMessage(), e);
        }
    }

    private byte[] read(ColumnFamilyHandle h, byte[] key) {
        ensureOpen();
        try {
            return db.get(h, key);
        } catch (RocksDBException e) {
            throw new IllegalStateException("reading the state store in " + dir + " failed: " + e.getMessage(), e);
        }
    }

    private static String recordKeyOf(AdapterState r) {
        return r.getTenant() + "/" + r.getUser();
    }

    private static byte[] key(UserKey key) {
        return key.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] onDisk(int partition, int bytes) {
        return ByteBuffer.allocate(8).putInt(partition).putInt(bytes).array();
    }

    private static OnDisk decodeOnDisk(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v);
        return new OnDisk(b.getInt(), b.getInt());
    }

    private static byte[] checkpointKey(int partition) {
        return (CHECKPOINT + partition).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] checkpointValue(long offset, long atMs, byte kind) {
        return ByteBuffer.allocate(17).putLong(offset).putLong(atMs).put(kind).array();
    }
}
