package dev.headstream.core.adapt.engine;

import dev.headstream.core.adapt.control.ControlCommand;
import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.HeapUserStore;
import dev.headstream.core.adapt.state.StoredClip;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.state.UserStore;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.NearMissesBusyException;
import dev.headstream.core.adapt.task.NearMissesUnavailableException;
import dev.headstream.core.adapt.task.PhraseRefusedException;
import dev.headstream.core.adapt.task.RehearsalReservoir;
import dev.headstream.core.adapt.task.ScoringHelpers;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.BackboneStoppedException;
import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.MelCepstrumPooling;
import dev.headstream.core.ingest.KeyPartitioner;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.SampleRejectedException;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.ingest.ValidSample;
import dev.headstream.core.wire.Bounded;
import dev.headstream.core.wire.ControlDecoder;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.core.wire.UserStateCodec;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The adaptation pipeline, free of Kafka: a batch of raw sample records in, the batch's output
 * records and staged state out. One batch at a time, which runs on the calling thread and the
 * engine's worker threads ({@code workers}); its outputs are the same for any number of them.
 *
 * <p>Per batch: validate every record (bad ones, and with {@link #checkPartitions} on those not on
 * their key's partition, become {@link Rejection}s and change nothing);
 * embed all valid samples (in chunks on the workers when the backbone embeds each input alone,
 * else in one call); then, per user on one worker (with online rehearsal, per group of partitions
 * that share a reservoir or a user), in record order, reject samples a labeled
 * task's head cannot read (e.g. a clip shorter than one head window), drop producer retries
 * (same sample id within the user's dedup window), skip samples the user's restored state has
 * already applied (offset at or below its last applied offset on that partition) and apply each label to the user's head of
 * that task (prequential scoring, then training). Every head that trained gets a new version,
 * with its threshold recalibrated. Every sample applied to a head gets one metrics record (a
 * snapshot of the head's monitors right after that sample, so {@code samples_seen} counts 1, 2, 3,
 * ... per head with no gap or repeat); control commands publish heads and state, no metrics.
 *
 * <p>Call order: {@link #restore} (or {@link #markUnreadable}, or {@link #forget} for a tombstone) each
 * changelog record of an assigned partition, then per batch of that partition {@link #process} -> publish its records
 * and its {@link #stateRecords} in one transaction -> {@link #commit} on success (or nothing on
 * abort: the live state was never touched). One batch at a time. The methods are synchronized so
 * that a restore on a thread of its own can {@link #restore} (the adapter's, between batches of
 * other partitions; a partition's batches wait for its restore) and a rebalance listener on the
 * Kafka polling thread can {@link #forgetPartition} between batches.
 *
 * <p>Memory is bounded: at most {@code maxResidentUsers} users are resident. A sample of a user
 * that is neither resident nor already staged in the batch is rejected {@code CAPACITY}
 * (retryable: nothing changes) once the resident users and the batch's new users reach the
 * bound; a restore beyond it installs nothing and remembers the user's key only, so that its
 * samples are rejected {@code CAPACITY} too instead of starting it again from the source head.
 *
 * <p>A restore never resets a user silently. A record that parses but does not decode against
 * this engine's tasks resets the user explicitly ({@link Restored#RESET}): its heads start again
 * from the source head with their version numbers continuing, published with status RESET and the
 * reason by the next {@link #process}, with the user's state record, whether or not that batch
 * holds a sample of the user. A record that does not parse marks the user {@linkplain #markUnreadable
 * unreadable}: its samples are rejected {@code STATE_UNREADABLE} until a control RESET starts it
 * afresh or an ERASE removes it.
 */
public final class AdaptationEngine {

    private final Backbone backbone;
    private final SampleDecoder decoder;
    private final ControlDecoder controls;
    private final Map<String, BinaryHeadTask> tasks;
    /** The class tasks (multi-class, multi-label) by name; no name is also a binary task's. */
    private final Map<String, ClassHeadTask> classTasks;

    /** Whether a class task pools the front end's frames, so that embedding keeps them for the batch. */
    private final boolean readsFrontEnd;

    private final int dedupWindow;
    private final int publishEvery;
    private final int maxResidentUsers;
    /** The committed users' state: in the heap unless {@link #useStore} gave another store. */
    private UserStore live = new HeapUserStore();
    /** The threads a batch runs on, each with its own instances of the tasks. */
    private final Workers workers;

    private final StageClock clock = new StageClock();
    /** Live users reset on restore whose RESET versions and state the next batch publishes. */
    private final Set<UserKey> pendingResets = new LinkedHashSet<>();
    /** Users whose changelog record does not parse, by key. */
    private final Map<UserKey, Unreadable> unreadable = new HashMap<>();
    /** Users restored beyond {@link #maxResidentUsers}: their samples partition, by key (keys only, no state). */
    private final Map<UserKey, Integer> notResident = new HashMap<>();
    /** Records (samples and control commands) rejected {@code CAPACITY} in committed batches. */
    private long capacityRejected;
    /**
     * Users with a changelog record on a partition that is not their key's, seen by a restore with the
     * partition check on and not installed ({@link Restored#MISPLACED}): the partitions, so that an
     * ERASE tombstones them too (keys only, no state).
     */
    private final Map<UserKey, Set<Integer>> misplacedState = new HashMap<>();
    /** Changelog records not installed because they are on another partition than their key's. */
    private long misplacedRestores;

    private long skipped;
    /** Partitions revoked so far, and when each was last revoked (in that count). */
    private long revocations;

    private final Map<Integer, Long> revokedAt = new HashMap<>();
    /** Partition count of the samples topic for the partition check; 0 = unchecked. */
    private int samplesPartitions;
    /** Set by {@link #close}: no batch runs after it. */
    private boolean closed;
    /** Embeddings started as records are polled ({@link #embedAhead}), or null. */
    private volatile EmbeddingsAhead ahead;

    /** Why no batch may run any more (a committed batch the store could not take), or null. */
    private String stopped;

    /** The batch whose changelog records {@link #stateRecords} made last, and those records by user. */
    private BatchResult encodedBatch;

    private Map<UserKey, AdapterState> encodedRecords = Map.of();
    /** {@code live.diskBytes()} for readers that must not wait for a batch (metrics). */
    private volatile long storeBytes = -1;
    /** {@code live.size()} for readers that must not wait for a batch (health checks). */
    private volatile int liveUsers;

    private final OnlineRehearsal online;
    private final RateLimit rateLimit;
    /** Live online-rehearsal reservoirs by task and samples partition. */
    private final Map<ReservoirKey, RehearsalReservoir> reservoirs = new HashMap<>();

    /** Which online-rehearsal reservoir: one per task and samples partition. */
    record ReservoirKey(String task, int partition) {}

    /**
     * A user whose changelog record does not parse.
     *
     * @param partition   its samples partition (the changelog partition the record was read from)
     * @param lastVersion a version no head of the user can have exceeded: the record's changelog offset + 1
     *                    (every version of a head went out with a state record of its user, on this partition)
     * @param why         why the record does not parse, bounded
     */
    private record Unreadable(int partition, long lastVersion, String why) {}

    /** What {@link #restore} did with a user's changelog record. */
    public enum Restored {
        /** The user's stored state is live. */
        INSTALLED,
        /**
         * The record parses but does not decode against this engine's tasks: the user is live, reset
         * (see {@link UserStateCodec#reset}); the next batch publishes its RESET versions and state.
         */
        RESET,
        /** The instance holds its maximum of resident users: nothing installed, samples rejected {@code CAPACITY}. */
        NOT_RESIDENT,
        /**
         * With the partition check on, the record was read from a changelog partition that is not its
         * key's (written before the check was on, or with it off): a second lineage of the user, which
         * samples on the key's partition no longer continue. Nothing installed; the partition is
         * remembered so that an ERASE of the user tombstones it too.
         */
        MISPLACED
    }

    /** {@code maxResidentUsers} of the constructors that take none: no bound (tests and tools that hold a few users). */
    public static final int UNBOUNDED = Integer.MAX_VALUE;

    /** The most worker threads an engine takes. */
    public static final int MAX_WORKERS = 256;

    /**
     * Online rehearsal: every task keeps, per samples partition, a reservoir of up to {@code capacity}
     * training negatives from its users' samples and mixes it into its users' rehearsal draws
     * beside the reference set. It shares one user's recordings with other users' training, so a
     * tenant opts in: only samples of the listed {@code tenants} fill and use it, and no user holds
     * more than {@code maxPerUser} clips of a reservoir ({@link RehearsalReservoir}). One reservoir
     * per partition keeps heads a function of each partition's ordered samples; the reservoirs are
     * held in memory only (after a restart or rebalance they refill from new samples), so with
     * online rehearsal on, heads after a restart are no longer bit-identical to a replay.
     *
     * @param capacity   clips per task and partition; 0 = off
     * @param tenants    the tenants whose users' negatives are shared among them; none = off
     * @param maxPerUser most clips of one user in a reservoir, at least 1
     */
    public record OnlineRehearsal(int capacity, Set<String> tenants, int maxPerUser) {
        public static final OnlineRehearsal OFF = new OnlineRehearsal(0, Set.of(), 1);

        public OnlineRehearsal {
            if (capacity < 0) {
                throw new IllegalArgumentException("online rehearsal capacity must be >= 0, got " + capacity);
            }
            if (maxPerUser < 1) {
                throw new IllegalArgumentException("online rehearsal clips per user must be >= 1, got " + maxPerUser);
            }
            tenants = Set.copyOf(tenants);
        }

        /** Whether any tenant's samples fill a reservoir. */
        public boolean enabled() {
            return capacity > 0 && !tenants.isEmpty();
        }

        boolean appliesTo(UserKey key) {
            return capacity > 0 && tenants.contains(key.tenant());
        }
    }

    /** An engine that publishes a head version after every batch in which the head trained. */
    public AdaptationEngine(
            Backbone backbone, SampleDecoder decoder, Map<String, BinaryHeadTask> tasks, int dedupWindow) {
        this(backbone, decoder, tasks, dedupWindow, 1);
    }

    /**
     * @param publishEvery publish a head version once at least this many training samples were applied since
     *                     the last published version (checked at the end of each batch; 1 = every batch)
     */
    public AdaptationEngine(
            Backbone backbone,
            SampleDecoder decoder,
            Map<String, BinaryHeadTask> tasks,
            int dedupWindow,
            int publishEvery) {
        this(backbone, decoder, tasks, dedupWindow, publishEvery, OnlineRehearsal.OFF);
    }

    /** @param online online rehearsal ({@link OnlineRehearsal#OFF}: the reference set alone) */
    public AdaptationEngine(
            Backbone backbone,
            SampleDecoder decoder,
            Map<String, BinaryHeadTask> tasks,
            int dedupWindow,
            int publishEvery,
            OnlineRehearsal online) {
        this(backbone, decoder, tasks, dedupWindow, publishEvery, online, RateLimit.OFF);
    }

    /** @param rateLimit per-user limit on applied samples ({@link RateLimit#OFF}: none) */
    public AdaptationEngine(
            Backbone backbone,
            SampleDecoder decoder,
            Map<String, BinaryHeadTask> tasks,
            int dedupWindow,
            int publishEvery,
            OnlineRehearsal online,
            RateLimit rateLimit) {
        this(backbone, decoder, tasks, dedupWindow, publishEvery, online, rateLimit, UNBOUNDED);
    }

    /** @param maxResidentUsers most users with live state ({@link #UNBOUNDED}: no bound) */
    public AdaptationEngine(
            Backbone backbone,
            SampleDecoder decoder,
            Map<String, BinaryHeadTask> tasks,
            int dedupWindow,
            int publishEvery,
            OnlineRehearsal online,
            RateLimit rateLimit,
            int maxResidentUsers) {
        this(backbone, decoder, tasks, dedupWindow, publishEvery, online, rateLimit, maxResidentUsers, 1);
    }

    /**
     * @param workers threads each batch is embedded, trained, published and encoded on, 1 to
     *                {@link #MAX_WORKERS}, or 0 for one per core; the outputs do not depend on it
     */
    public AdaptationEngine(
            Backbone backbone,
            SampleDecoder decoder,
            Map<String, BinaryHeadTask> tasks,
            int dedupWindow,
            int publishEvery,
            OnlineRehearsal online,
            RateLimit rateLimit,
            int maxResidentUsers,
            int workers) {
        this(
                backbone,
                decoder,
                tasks,
                Map.of(),
                dedupWindow,
                publishEvery,
                online,
                rateLimit,
                maxResidentUsers,
                workers);
    }

    /**
     * @param classTasks the class tasks (multi-class, multi-label; {@link ClassHeadTask}) by name,
     *                   beside the binary {@code tasks}; a name may not be both
     */
    public AdaptationEngine(
            Backbone backbone,
            SampleDecoder decoder,
            Map<String, BinaryHeadTask> tasks,
            Map<String, ClassHeadTask> classTasks,
            int dedupWindow,
            int publishEvery,
            OnlineRehearsal online,
            RateLimit rateLimit,
            int maxResidentUsers,
            int workers) {
        for (String name : classTasks.keySet()) {
            if (tasks.containsKey(name)) {
                throw new IllegalArgumentException("task '" + name + "' is both a binary and a class task");
            }
        }
        if (workers < 0 || workers > MAX_WORKERS) {
            throw new IllegalArgumentException(
                    "workers must be 0 (one per core) to " + MAX_WORKERS + ", got " + workers);
        }
        if (maxResidentUsers < 1) {
            throw new IllegalArgumentException("maxResidentUsers must be >= 1, got " + maxResidentUsers);
        }
        this.maxResidentUsers = maxResidentUsers;
        this.rateLimit = Objects.requireNonNull(rateLimit, "rateLimit");
        this.online = Objects.requireNonNull(online, "online");
        if (publishEvery < 1) {
            throw new IllegalArgumentException("publishEvery must be >= 1, got " + publishEvery);
        }
        this.backbone = backbone;
        this.decoder = decoder;
        this.tasks = Map.copyOf(tasks);
        this.classTasks = Map.copyOf(classTasks);
        boolean frontEnd = false;
        for (Map.Entry<String, ClassHeadTask> t : new TreeMap<>(classTasks).entrySet()) {
            if (!t.getValue().pooling().readsFrontEnd()) {
                continue;
            }
            frontEnd = true;
            int bins = backbone == null ? 0 : backbone.frontEndBins();
            if (bins <= MelCepstrumPooling.CEPSTRA) {
                throw new IllegalArgumentException("task '" + t.getKey() + "' pools "
                        + t.getValue().pooling().label() + ", which reads the front end's mel frames; the backbone"
                        + (bins == 0 ? " has no such front end" : " gives " + bins + " bands per frame")
                        + " (use the wake-word audio backbone, or pooling " + ClipPooling.MEAN_STD.label() + ")");
            }
        }
        this.readsFrontEnd = frontEnd;
        Set<String> names = new TreeSet<>(tasks.keySet());
        names.addAll(classTasks.keySet());
        this.controls = new ControlDecoder(names);
        this.dedupWindow = dedupWindow;
        this.publishEvery = publishEvery;
        this.workers = new Workers(workers == 0 ? Runtime.getRuntime().availableProcessors() : workers, this.tasks);
    }

    /**
     * Keeps the committed users' state in {@code store} instead of the heap, given this engine's
     * {@linkplain #stateCodec codec}; call once, before any restore or batch. The engine closes it
     * with {@link #close}.
     *
     * @throws IllegalStateException if the engine already holds users
     */
    public synchronized void useStore(Function<UserStore.Codec, UserStore> store) {
        if (live.size() > 0 || !unreadable.isEmpty() || !notResident.isEmpty()) {
            throw new IllegalStateException("useStore before any restore or batch: the engine holds users");
        }
        live.close();
        live = Objects.requireNonNull(store.apply(stateCodec()), "store");
        liveUsers = live.size();
        storeBytes = live.diskBytes();
    }

    /** Every task's name, binary and class, in name order. */
    private Set<String> allTaskNames() {
        Set<String> names = new TreeSet<>(tasks.keySet());
        names.addAll(classTasks.keySet());
        return names;
    }

    /** The class tasks (multi-class, multi-label) by name. */
    public Map<String, ClassHeadTask> classTasks() {
        return classTasks;
    }

    /**
     * What this engine's changelog records are written for, as text: the record format, the dedup
     * window, and per task its name, source head (id and SHA-256), architecture and recipe. A state
     * store written for another fingerprint is not used (its records might not decode here).
     */
    public String stateFingerprint() {
        StringBuilder b = new StringBuilder("format " + UserStateCodec.FORMAT_VERSION + "; dedup " + dedupWindow);
        for (Map.Entry<String, BinaryHeadTask> t : new TreeMap<>(tasks).entrySet()) {
            BinaryHeadTask task = t.getValue();
            b.append("; task ")
                    .append(t.getKey())
                    .append(": source ")
                    .append(task.sourceHead().id())
                    .append(' ')
                    .append(task.sourceHead().sha256())
                    .append(' ')
                    .append(task.sourceHead().architecture())
                    .append(' ')
                    .append(task.recipe());
            if (!task.nearMisses().isEmpty()) {
                // another phrase, count, voice or tool version gives other near misses, so other heads
                b.append(" near misses ").append(task.nearMisses().sha256());
            }
            if (task.phrasePerUser()) {
                // each head names the digest of the near misses it counted, checked when it learns the next
                b.append(" phrase per user");
            }
        }
        for (Map.Entry<String, ClassHeadTask> t : new TreeMap<>(classTasks).entrySet()) {
            // the class-head codec's revision: a store written under other decoding rules is not used
            b.append("; class task (codec ")
                    .append(ClassHeadTask.CODEC_REVISION)
                    .append(") ")
                    .append(t.getKey())
                    .append(": ")
                    .append(t.getValue());
        }
        return b.toString();
    }

    /** This engine's changelog codec: {@link UserStateCodec} against its tasks and dedup window. */
    public UserStore.Codec stateCodec() {
        return new UserStore.Codec() {
            @Override
            public AdapterState encode(UserState user) {
                return UserStateCodec.encode(user, tasks, classTasks);
            }

            @Override
            public UserState decode(AdapterState record) {
                return UserStateCodec.decode(record, tasks, classTasks, dedupWindow);
            }

            @Override
            public int homePartition(UserKey key) {
                synchronized (AdaptationEngine.this) {
                    return samplesPartitions > 0 ? KeyPartitioner.partition(samplesKey(key), samplesPartitions) : -1;
                }
            }
        };
    }

    /**
     * The changelog offset from which samples partition {@code partition}'s users must be restored:
     * where the state store's checkpoint of it stands (the users it kept on disk for it are held again),
     * or -1 (the store keeps nothing for it: read the changelog from its start). Call on assignment,
     * before {@link #restore}.
     */
    public synchronized long reopenPartition(int partition) {
        long from = live.reopenPartition(partition);
        liveUsers = live.size();
        storeBytes = live.diskBytes();
        return from;
    }

    /**
     * Records that the state store reflects changelog partition {@code partition} up to {@code offset}
     * (a restore read it to there), unless the restore left a mark on the partition that lives only in
     * the heap (a user unreadable, not resident, reset on restore and not yet published, or a record
     * misplaced): then the partition's checkpoint is dropped, so that the next restore reads it from the
     * start and finds the marks again. Call after the partition's restore.
     *
     * @return whether the checkpoint was recorded
     */
    public synchronized boolean checkpoint(int partition, long offset) {
        boolean marked = unreadable.values().stream().anyMatch(u -> u.partition() == partition)
                || notResident.containsValue(partition)
                || misplacedState.values().stream().anyMatch(ps -> ps.contains(partition))
                || pendingResets.stream().anyMatch(k -> live.partitionOf(k) == partition);
        live.checkpoint(partition, marked ? -1 : offset);
        return !marked;
    }

    /** Where the next batch's changelog records must start in {@code partition} for the store's checkpoint to move; -1: none. */
    public synchronized long expectedChangelogNext(int partition) {
        return live.expectedNext(partition);
    }

    /** The state store's checkpoint of changelog partition {@code partition}, or -1. */
    public synchronized long changelogCheckpoint(int partition) {
        return live.checkpointOffset(partition);
    }

    /**
     * Stops the engine: every later batch is refused (a committed batch could not be made live, so none
     * may build on the state before it). The instance must restart.
     */
    public synchronized void stop(String reason) {
        if (stopped == null) {
            stopped = reason;
        }
    }

    /** Whether {@link #close} ran (the service is shutting down). */
    public synchronized boolean isClosed() {
        return closed;
    }

    /** Drops what the state store holds or keeps for {@code partition} (its changelog no longer matches the checkpoint). */
    public synchronized void discardPartition(int partition) {
        pendingResets.removeIf(k -> live.partitionOf(k) == partition);
        live.discardPartition(partition);
        liveUsers = live.size();
        storeBytes = live.diskBytes();
    }

    /** Binds the state store to the changelog topic's id (a store of another topic keeps nothing). Call before any restore. */
    public synchronized void bindChangelog(String topicId) {
        live.bindChangelog(topicId);
        liveUsers = live.size();
        storeBytes = live.diskBytes();
    }

    /** Bytes of users' state the store holds on disk, or -1 when it holds them in the heap; does not wait for a batch. */
    public long storeDiskBytes() {
        return storeBytes;
    }

    /**
     * Ends the engine: waits for a batch in progress (the methods are synchronized), closes the state
     * store, and refuses every later batch with an {@link IllegalStateException}, so that the backbone
     * can be closed after it without a batch still running on it (native code used after its session
     * closed crashes the JVM). Idempotent.
     */
    public synchronized void close() {
        if (!closed) {
            closed = true;
            live.close();
            if (ahead != null) {
                ahead.close(); // the adapter closes it first, to know whether the backbone may close
            }
        }
    }

    /** The partition count of the samples topic set by {@link #checkPartitions}; 0: not known. */
    public synchronized int samplesPartitions() {
        return samplesPartitions;
    }

    /**
     * How many partition revocations ({@link #forgetPartition}) this engine has seen: taken at an
     * assignment, it lets {@link #process(List, List, long, long)} refuse a batch of a partition
     * revoked after it.
     */
    public synchronized long revocations() {
        return revocations;
    }

    /**
     * Runs {@code action} holding the engine's lock, so that nothing else the engine does (a batch,
     * a revocation) comes between its steps: a restore on a thread of its own checks that it was not
     * cancelled and installs a record as one step, and a revocation cancels it and drops the
     * partition as one.
     */
    public synchronized <T> T exclusive(Supplier<T> action) {
        return action.get();
    }

    /** The embeddings made ahead ({@link #embedAhead}), if on. */
    public Optional<EmbeddingsAhead> embeddingsAhead() {
        return Optional.ofNullable(ahead);
    }

    /**
     * Starts embedding samples records as they are polled ({@link EmbeddingsAhead}), so that
     * {@link #process} finds their embeddings made; the same bits as embedding them in the batch.
     *
     * @param threads  embedding threads
     * @param capacity records held at most
     * @param maxBytes bytes of records held at most
     * @return where to offer polled records, or empty if this engine's backbone embeds inputs
     *     together (batched inputs need not give each the bits it would get alone) or threads is 0
     */
    public synchronized Optional<EmbeddingsAhead> embedAhead(int threads, int capacity, long maxBytes) {
        if (ahead == null && threads > 0 && backbone.embedsEachInputAlone()) {
            ahead = new EmbeddingsAhead(decoder, backbone, readsFrontEnd, threads, capacity, maxBytes);
        }
        return Optional.ofNullable(ahead);
    }

    /** Threads a batch is processed on (see the constructor's {@code workers}). */
    public int workers() {
        return workers.count();
    }

    /** {@link #process(List, List, long)} without control commands. */
    public BatchResult process(List<RawSample> batch, long nowMs) {
        return process(batch, List.of(), nowMs);
    }

    /**
     * Processes one consumed batch: its samples in record order, then its {@code controls}
     * (records of {@link Topics#CONTROL}, co-partitioned with the samples)
     * in record order. A control command therefore acts on everything its user's samples in the
     * same batch did. Commands: RESET (head back to the source head, unfrozen, published as RESET),
     * ROLLBACK with {@code to_version} 0 (back to the source head, published as ROLLED_BACK),
     * FREEZE / UNFREEZE (the head is scored but not trained; metrics only), ERASE (the user's state
     * and heads get tombstones; see {@link BatchResult#erasures()}). Invalid commands become
     * rejections with {@link Rejection#topic()} set. Users reset on restore and not yet published
     * ({@link Restored#RESET}) are staged first, so the batch publishes their RESET versions and
     * state records whether or not it holds a sample of theirs.
     */
    public BatchResult process(List<RawSample> batch, List<RawSample> controls, long nowMs) {
        return process(batch, controls, nowMs, Long.MAX_VALUE);
    }

    /**
     * {@link #process(List, List, long)} for a batch of partitions assigned when the engine's
     * revocation count was {@code ownedSince} ({@link #revocations()}): if any of its records' partitions
     * was revoked since, nothing is processed. The check and the processing hold the engine's lock
     * together, so a revocation ({@link #forgetPartition}) either comes before both or after the batch.
     *
     * @param ownedSince the revocation count at the assignment; {@link Long#MAX_VALUE}: no check
     * @throws PartitionsRevokedException if a partition of the batch was revoked since
     */
    public synchronized BatchResult process(
            List<RawSample> batch, List<RawSample> controls, long nowMs, long ownedSince) {
        if (ownedSince != Long.MAX_VALUE) {
            TreeSet<Integer> gone = new TreeSet<>();
            for (List<RawSample> records : List.of(batch, controls)) {
                for (RawSample r : records) {
                    if (revokedAt.getOrDefault(r.partition(), -1L) > ownedSince) {
                        gone.add(r.partition());
                    }
                }
            }
            if (!gone.isEmpty()) {
                throw new PartitionsRevokedException(
                        List.copyOf(gone), "were revoked before the batch came to be applied");
            }
        }
        if (closed) {
            throw new IllegalStateException("the engine is closed (the service is shutting down)");
        }
        if (stopped != null) {
            throw new IllegalStateException("the engine stopped: " + stopped + "; the instance must restart");
        }
        // the last batch's records, kept for its commit, are not needed once another batch starts
        encodedBatch = null;
        encodedRecords = Map.of();
        workers.startBatch();
        long lap = System.nanoTime();
        List<Rejection> rejections = new ArrayList<>();
        List<RawSample> validRaw = new ArrayList<>();
        List<ValidSample> valid = new ArrayList<>();
        for (RawSample r : batch) {
            try {
                ValidSample s = decoder.decode(r.key(), r.value());
                String misplaced = misplaced(r);
                if (misplaced != null) {
                    rejections.add(new Rejection(r, RejectReason.WRONG_PARTITION, misplaced, s.sampleId()));
                    discardAhead(r);
                    continue;
                }
                valid.add(s);
                validRaw.add(r);
            } catch (SampleRejectedException e) {
                rejections.add(new Rejection(r, e.reason(), e.getMessage(), e.sampleId()));
                discardAhead(r);
            }
        }
        List<BackboneInput> inputs = new ArrayList<>(valid.size());
        for (ValidSample s : valid) {
            inputs.add(s.input());
        }
        lap = clock.lap(StageClock.Stage.DECODE, lap);
        Set<UserKey> batchUsers = new LinkedHashSet<>();
        valid.forEach(s -> batchUsers.add(s.key()));
        batchUsers.addAll(pendingResets);
        live.prefetch(batchUsers);
        lap = clock.lap(StageClock.Stage.LOAD_STATE, lap);
        List<EmbeddingSequence> embeddings = keepFrontEndWhereRead(valid, embed(inputs, validRaw));
        lap = clock.lap(StageClock.Stage.EMBED, lap);

        Map<UserKey, UserState> staged = new LinkedHashMap<>();
        // heads touched by this batch, by head id in first-touch order, with their user and task
        Map<String, UserKey> touchedOwner = new LinkedHashMap<>();
        Map<String, String> touchedTask = new HashMap<>();
        stagePendingResets(staged, touchedOwner, touchedTask);
        // the users' samples in parallel, each user's in order on one thread; merged in record order
        SampleGroup.Outcome[] outcomes = new SampleGroup.Outcome[valid.size()];
        List<SampleGroup> groups = groups(valid, validRaw, staged);
        Map<UserKey, UserState> pending = Collections.unmodifiableMap(staged);
        workers.run(
                groups.size(),
                (w, taskSet) -> groups.get(w).run(valid, validRaw, embeddings, pending, taskSet, nowMs, outcomes));
        Map<ReservoirKey, RehearsalReservoir> stagedReservoirs = new HashMap<>();
        TreeMap<Integer, SampleGroup> stagedAt = new TreeMap<>();
        for (SampleGroup g : groups) {
            stagedReservoirs.putAll(g.reservoirs);
            skipped += g.skipped;
            g.firstStaged.values().forEach(i -> stagedAt.put(i, g));
        }
        for (Map.Entry<Integer, SampleGroup> e : stagedAt.entrySet()) {
            UserKey key = valid.get(e.getKey()).key();
            staged.put(key, e.getValue().local.get(key));
        }
        int applied = 0;
        List<AdaptationMetrics> sampleMetrics = new ArrayList<>();
        for (int i = 0; i < outcomes.length; i++) {
            SampleGroup.Outcome o = outcomes[i];
            if (o == null) {
                continue; // already applied before a restart
            }
            if (o.rejection() != null) {
                rejections.add(o.rejection());
                continue;
            }
            applied++;
            ValidSample s = valid.get(i);
            for (String task : s.labels().keySet()) {
                String headId = s.key().headId(task);
                touchedOwner.putIfAbsent(headId, s.key());
                touchedTask.put(headId, task);
            }
            sampleMetrics.addAll(o.metrics());
        }
        lap = clock.lap(StageClock.Stage.TRAIN, lap);
        List<BatchResult.Erasure> erasures = new ArrayList<>();
        for (RawSample c : controls) {
            control(c, staged, touchedOwner, touchedTask, rejections, erasures);
        }
        List<HeadUpdate> heads = new ArrayList<>();
        // an erasure later in the batch wins over the user's samples before it: no record of theirs
        Set<UserKey> erased = new HashSet<>();
        erasures.forEach(e -> erased.add(e.key()));
        List<AdaptationMetrics> metrics = sampleMetrics.stream()
                .filter(m -> !erased.contains(new UserKey(m.getTenant(), m.getUser())))
                .toList();
        // each touched head's version on one thread; in first-touch order
        List<Map.Entry<String, UserKey>> touched = new ArrayList<>(touchedOwner.entrySet());
        HeadUpdate[] versions = new HeadUpdate[touched.size()];
        int chunks = Math.min(workers.count(), touched.size());
        workers.run(chunks, (w, taskSet) -> {
            for (int j = chunkStart(w, chunks, touched.size()); j < chunkStart(w + 1, chunks, touched.size()); j++) {
                String taskName = touchedTask.get(touched.get(j).getKey());
                UserKey key = touched.get(j).getValue();
                ClassHeadTask classTask = classTasks.get(taskName);
                if (classTask != null) {
                    ClassHeadState c = staged.get(key).classHeads().get(taskName);
                    if (c.publishIfDue(publishEvery)) {
                        versions[j] =
                                OutputMessages.classHeadUpdate(classTask, key, taskName, c, backbone.info(), nowMs);
                        c.statusSent();
                    }
                    continue;
                }
                BinaryHeadTask task = taskSet.get(taskName);
                HeadState h = staged.get(key).heads().get(taskName);
                if (task.publishIfDue(h, publishEvery)) {
                    versions[j] = OutputMessages.headUpdate(task, key, taskName, h, backbone.info(), nowMs);
                    task.sent(h);
                }
            }
        });
        for (HeadUpdate v : versions) {
            if (v != null) {
                heads.add(v);
            }
        }
        clock.lap(StageClock.Stage.PUBLISH, lap);
        return new BatchResult(rejections, heads, metrics, applied, staged, revocations, stagedReservoirs, erasures);
    }

    /** Validates and applies one control record to the staged state (see {@link #process(List, List, long)}). */
    private void control(
            RawSample c,
            Map<UserKey, UserState> staged,
            Map<String, UserKey> touchedOwner,
            Map<String, String> touchedTask,
            List<Rejection> rejections,
            List<BatchResult.Erasure> erasures) {
        ControlCommand cmd;
        try {
            cmd = controls.decode(c.key(), c.value());
        } catch (SampleRejectedException e) {
            rejections.add(new Rejection(c, e.reason(), e.getMessage(), "", Topics.CONTROL));
            return;
        }
        String misplaced = misplaced(c);
        if (misplaced != null) {
            rejections.add(new Rejection(c, RejectReason.WRONG_PARTITION, misplaced, "", Topics.CONTROL));
            return;
        }
        UserKey key = cmd.key();
        if (cmd.action() == ControlCommand.Action.FORGET_OUTPUT) {
            ClassHeadTask t = classTasks.get(cmd.task());
            String wrong = t == null
                    ? "forget-output acts on a class task's head; task '" + cmd.task() + "' is binary"
                    : t.recipe().labels().contains(cmd.output())
                            ? null
                            : "class task '" + cmd.task() + "' has no output '" + cmd.output() + "'; its outputs are "
                                    + t.recipe().labels();
            if (wrong != null) {
                rejections.add(new Rejection(
                        c,
                        t == null ? RejectReason.UNKNOWN_TASK : RejectReason.LABEL_RANGE,
                        wrong,
                        "",
                        Topics.CONTROL));
                return;
            }
        }
        if (cmd.action() == ControlCommand.Action.ERASE) {
            UserState u = staged.getOrDefault(key, live.get(key));
            staged.remove(key);
            touchedOwner.values().removeIf(key::equals);
            // with the partition check on, the record is on its key's partition, which is where the
            // user's changelog record is: the tombstone must land there; and on every other partition
            // a state of the user is known to sit on (written before the check was on, or with it off),
            // or it would be restored again after a restart
            Set<Integer> partitions = new LinkedHashSet<>();
            partitions.add(samplesPartitions > 0 || u == null || u.partition() < 0 ? c.partition() : u.partition());
            partitions.add(c.partition());
            if (u != null && u.partition() >= 0) {
                partitions.add(u.partition());
            }
            UserState l = live.get(key);
            if (l != null && l.partition() >= 0) {
                partitions.add(l.partition());
            }
            if (notResident.containsKey(key)) {
                partitions.add(notResident.get(key));
            }
            if (unreadable.containsKey(key)) {
                partitions.add(unreadable.get(key).partition());
            }
            partitions.addAll(misplacedState.getOrDefault(key, Set.of()));
            erasures.add(new BatchResult.Erasure(
                    key,
                    List.copyOf(partitions),
                    allTaskNames().stream().map(key::headId).toList()));
            return;
        }
        UserState current = staged.getOrDefault(key, live.get(key));
        if (current == null && (unreadable.containsKey(key) || notResident.containsKey(key))) {
            current = notHeld(c, cmd, staged, rejections);
            if (current == null) {
                return;
            }
            staged.put(key, current);
        }
        List<String> names = cmd.tasksOf(current);
        if (names.isEmpty()) {
            rejections.add(new Rejection(
                    c,
                    RejectReason.UNKNOWN_TASK,
                    key + " has no head" + (cmd.allTasks() ? "" : " of task '" + cmd.task() + "'")
                            + " on this instance: nothing to " + cmd.verb(),
                    "",
                    Topics.CONTROL));
            return;
        }
        // names is not empty, so the user has state: this batch's staged copy, or a new copy of the live one
        UserState user = staged.containsKey(key) ? staged.get(key) : current.copy();
        staged.put(key, user);
        for (String name : names) {
            String headId;
            if (classTasks.containsKey(name)) {
                // on a copy: a forget-output rebuild that diverges leaves the head as it was
                ClassHeadState h = user.classHeads().get(name).copy();
                try {
                    cmd.applyTo(classTasks.get(name), h);
                } catch (IllegalStateException e) {
                    passStopped(e);
                    rejections.add(new Rejection(
                            c,
                            RejectReason.NON_FINITE,
                            "rebuilding the head of " + key + " task '" + name + "' diverged (" + e.getMessage()
                                    + "); the head is unchanged",
                            "",
                            Topics.CONTROL));
                    continue;
                }
                user.classHeads().put(name, h);
                headId = h.headId();
            } else {
                HeadState h = user.heads().get(name);
                cmd.applyTo(tasks.get(name), h);
                headId = h.headId();
            }
            touchedOwner.putIfAbsent(headId, key);
            touchedTask.put(headId, name);
        }
    }

    /**
     * Stages every user reset on restore ({@link Restored#RESET}) with all its heads touched, so that
     * this batch publishes their RESET versions and state records.
     */
    private void stagePendingResets(
            Map<UserKey, UserState> staged, Map<String, UserKey> touchedOwner, Map<String, String> touchedTask) {
        for (UserKey key : pendingResets) {
            UserState user = live.get(key).copy();
            staged.put(key, user);
            for (Map.Entry<String, HeadState> h : user.heads().entrySet()) {
                touchedOwner.putIfAbsent(h.getValue().headId(), key);
                touchedTask.put(h.getValue().headId(), h.getKey());
            }
            for (Map.Entry<String, ClassHeadState> h : user.classHeads().entrySet()) {
                touchedOwner.putIfAbsent(h.getValue().headId(), key);
                touchedTask.put(h.getValue().headId(), h.getKey());
            }
        }
    }

    /**
     * Why a sample of a user with neither live nor staged state must not create it, or null: the
     * user's stored state is unreadable, was left out of the restore at the bound, or the resident
     * users and the {@code newUsers} this batch stages reach {@link #maxResidentUsers}.
     */
    private Rejection refuseNewUser(RawSample raw, ValidSample s, int newUsers) {
        Unreadable u = unreadable.get(s.key());
        if (u != null) {
            return new Rejection(raw, RejectReason.STATE_UNREADABLE, unreadableMessage(s.key(), u), s.sampleId());
        }
        if (notResident.containsKey(s.key())) {
            return new Rejection(
                    raw,
                    RejectReason.CAPACITY,
                    "the instance holds its maximum of " + maxResidentUsers + " resident users and did not load the"
                            + " stored state of " + s.key() + "; not applied, send it again later (the user stays"
                            + " refused until its partition is restored again, at the next rebalance or restart,"
                            + " even if room frees up before)",
                    s.sampleId());
        }
        if (full(newUsers)) {
            return new Rejection(
                    raw,
                    RejectReason.CAPACITY,
                    "the instance holds " + capacity() + " and " + s.key()
                            + " is not one of them; not applied, send it again later",
                    s.sampleId());
        }
        return null;
    }

    private static String unreadableMessage(UserKey key, Unreadable u) {
        return "the stored training state of " + key + " could not be read on restore (" + u.why()
                + "); an operator must RESET or ERASE the user (headstream.control) before its samples are applied";
    }

    /**
     * A control command (not ERASE) for a user whose state is not held: a RESET of an unreadable
     * user gives it a new state, returned, with a head per task whose versions continue above any
     * the user can have had (while the resident users and the batch's new ones are below
     * {@link #maxResidentUsers}); any other command is rejected ({@code STATE_UNREADABLE} or
     * {@code CAPACITY}) and null returned.
     */
    private UserState notHeld(
            RawSample c, ControlCommand cmd, Map<UserKey, UserState> staged, List<Rejection> rejections) {
        UserKey key = cmd.key();
        Unreadable u = unreadable.get(key);
        long newUsers = staged.keySet().stream().filter(k -> !live.contains(k)).count();
        boolean room = !full(newUsers);
        if (u != null && cmd.action() == ControlCommand.Action.RESET && room) {
            UserState user = new UserState(key, dedupWindow, u.partition(), -1, RateLimit.Bucket.EMPTY);
            for (Map.Entry<String, BinaryHeadTask> t : new TreeMap<>(tasks).entrySet()) {
                HeadState h = t.getValue().newState(key.headId(t.getKey()));
                h.continueVersionsAfter(u.lastVersion());
                user.heads().put(t.getKey(), h);
            }
            for (Map.Entry<String, ClassHeadTask> t : new TreeMap<>(classTasks).entrySet()) {
                ClassHeadState h = t.getValue().newState(key.headId(t.getKey()));
                h.continueVersionsAfter(u.lastVersion());
                user.classHeads().put(t.getKey(), h);
            }
            return user;
        }
        boolean full = u == null || cmd.action() == ControlCommand.Action.RESET;
        rejections.add(new Rejection(
                c,
                full ? RejectReason.CAPACITY : RejectReason.STATE_UNREADABLE,
                !full
                        ? unreadableMessage(key, u)
                        : "the instance holds " + capacity() + " and "
                                + (u == null
                                        ? "did not load the stored state of " + key + ": nothing to " + cmd.verb()
                                        : "cannot give " + key + " (whose stored state is unreadable) a new one")
                                + "; send it again later",
                "",
                Topics.CONTROL));
        return null;
    }

    /**
     * Applies every label of {@code s} to {@code user} (dedup id, offsets, prequential scoring,
     * training); adds to {@code offers} the online-rehearsal offers to make once the whole sample applied.
     */
    private void apply(
            UserState user,
            ValidSample s,
            RawSample raw,
            EmbeddingSequence embedding,
            Map<ReservoirKey, RehearsalReservoir> stagedReservoirs,
            List<Runnable> offers,
            Map<String, BinaryHeadTask> tasks) {
        user.firstSighting(s.sampleId());
        user.recordApplied(raw.partition(), raw.offset());
        for (Map.Entry<String, Label> l : new TreeMap<>(s.labels()).entrySet()) {
            ClassHeadTask classTask = classTasks.get(l.getKey());
            if (classTask != null) {
                ClassHeadState head = user.classHeads()
                        .computeIfAbsent(
                                l.getKey(), t -> classTask.newState(s.key().headId(t)));
                classTask.apply(head, embedding, l.getValue(), s.weight(), s.split());
                if (s.split() == Split.TRAIN) {
                    head.recordProvenance(raw.partition(), raw.offset());
                }
                continue;
            }
            BinaryHeadTask task = tasks.get(l.getKey());
            HeadState head = user.heads()
                    .computeIfAbsent(l.getKey(), t -> task.newState(s.key().headId(t)));
            boolean positive = ((Label.Binary) l.getValue()).positive();
            task.adoptPhrase(head, s.phrase(), s.split());
            RehearsalReservoir reservoir = online.appliesTo(s.key())
                    ? stagedReservoirs.computeIfAbsent(
                            new ReservoirKey(l.getKey(), raw.partition()), this::liveReservoirCopy)
                    : null;
            task.apply(head, embedding, positive, s.weight(), s.split(), reservoir);
            if (reservoir != null && s.split() == Split.TRAIN && !positive) {
                // this sample's clip, not the head's newest replay entry: a frozen or rolled-back
                // head stores nothing (its entry is older, or absent)
                StoredClip clip = StoredClip.of(embedding);
                offers.add(() -> reservoir.offer(s.key(), clip));
            }
            if (s.split() == Split.TRAIN) {
                head.recordProvenance(raw.partition(), raw.offset());
                if (!positive && s.input() instanceof BackboneInput.Audio a) {
                    head.addNegativeSeconds(a.seconds());
                }
            }
        }
    }

    /**
     * Why {@code r} may not be applied on its partition, or null: with {@link #checkPartitions} on,
     * a record whose partition is not its key's ({@link KeyPartitioner}) would start a second
     * lineage of its user's heads on another partition (and an erasure would tombstone the wrong
     * changelog partition). Call only for a record whose key was validated.
     */
    private String misplaced(RawSample r) {
        if (samplesPartitions == 0) {
            return null;
        }
        int expected = KeyPartitioner.partition(r.key(), samplesPartitions);
        if (expected == r.partition()) {
            return null;
        }
        return "record is on partition " + r.partition() + " but its key belongs on partition " + expected + " of "
                + samplesPartitions + " (" + KeyPartitioner.DESCRIPTION + "); produce it without an explicit"
                + " partition, with that partitioner";
    }

    /**
     * Throws {@code e} on if the backbone stopped running models under it (the process is shutting
     * down; {@link BackboneStoppedException} anywhere in its causes): that is no sample's fault, so
     * the batch must abort whole rather than reject the sample.
     */
    private static void passStopped(RuntimeException e) {
        if (BackboneStoppedException.in(e)) {
            throw e;
        }
    }

    /** Largest embedding magnitude a head is trained on; beyond it (or non-finite) the sample is rejected. */
    public static final float MAX_EMBEDDING_MAGNITUDE = 1e6f;

    private static String outOfRange(EmbeddingSequence e) {
        for (float v : e.values()) {
            if (!(Math.abs(v) <= MAX_EMBEDDING_MAGNITUDE)) {
                return "backbone output " + v + " is not finite or exceeds " + MAX_EMBEDDING_MAGNITUDE
                        + " in magnitude";
            }
        }
        return null;
    }

    private RehearsalReservoir liveReservoirCopy(ReservoirKey key) {
        RehearsalReservoir r = reservoirs.get(key);
        return r != null
                ? r.copy()
                : new RehearsalReservoir(
                        online.capacity(),
                        online.maxPerUser(),
                        BinaryHeadTask.seedOf(key.task() + "\u0000" + key.partition()));
    }

    /** The live online-rehearsal reservoir of {@code task} on samples partition {@code partition}, or null. */
    public synchronized RehearsalReservoir reservoir(String task, int partition) {
        RehearsalReservoir r = reservoirs.get(new ReservoirKey(task, partition));
        return r == null ? null : r.copy();
    }

    /**
     * Whether a partition was revoked while {@code result}'s batch was in flight. Its transaction's
     * offset commit is then refused (the group moved to a new generation), and that is a rebalance,
     * not a failure: the partitions' owner restores their state from the changelog and consumes
     * the batch again from the committed offsets.
     */
    public synchronized boolean revokedDuring(BatchResult result) {
        return revocations > result.revocationMark();
    }

    /** Makes a committed batch's state live ({@link #commit(BatchResult, Map)} with no changelog spans). */
    public synchronized void commit(BatchResult result) {
        commit(result, Map.of());
    }

    /**
     * Makes a committed batch's state live.
     *
     * @param spans where the batch's records sit in each changelog partition, where known: the state
     *              store's checkpoint of a partition this instance still owns may move to the span's end
     *              ({@link UserStore#apply})
     */
    public synchronized void commit(BatchResult result, Map<Integer, UserStore.ChangelogSpan> spans) {
        List<UserState> applied = new ArrayList<>();
        for (UserState u : result.staged().values()) {
            // a partition revoked while this batch was in flight belongs to another instance now
            if (owned(u.partition(), result)) {
                applied.add(u);
            }
        }
        List<UserKey> erased = new ArrayList<>();
        result.erasures().forEach(e -> erased.add(e.key()));
        Map<Integer, UserStore.ChangelogSpan> checkpoints = new HashMap<>();
        spans.forEach((partition, span) -> {
            if (owned(partition, result)) {
                checkpoints.put(partition, span);
            }
        });
        // the changelog partitions the batch wrote: its users' state records and its tombstones
        Set<Integer> written = new HashSet<>();
        result.staged().values().forEach(u -> written.add(u.partition()));
        result.erasures().forEach(e -> written.addAll(e.partitions()));
        Map<UserKey, AdapterState> records = result == encodedBatch ? encodedRecords : Map.of();
        long start = System.nanoTime();
        // the store first: if it cannot take the batch (a disk error), nothing else changed, and no later
        // batch may run on the state before it (its samples' offsets are committed: it is never seen again)
        try {
            live.apply(applied, records, erased, checkpoints, written);
        } catch (RuntimeException e) {
            stopped = "the state store could not take a committed batch (" + e.getMessage() + ")";
            throw e;
        }
        clock.lap(StageClock.Stage.STORE_STATE, start);
        encodedBatch = null;
        encodedRecords = Map.of();
        for (Map.Entry<ReservoirKey, RehearsalReservoir> e : result.reservoirs().entrySet()) {
            if (owned(e.getKey().partition(), result)) {
                reservoirs.put(e.getKey(), e.getValue());
            }
        }
        for (UserState u : applied) {
            pendingResets.remove(u.key());
            unreadable.remove(u.key());
        }
        for (BatchResult.Erasure e : result.erasures()) {
            misplacedState.remove(e.key());
            pendingResets.remove(e.key());
            unreadable.remove(e.key());
            notResident.remove(e.key());
            for (RehearsalReservoir r : reservoirs.values()) {
                r.forget(e.key());
            }
        }
        for (Rejection r : result.rejections()) {
            if (r.reason() == RejectReason.CAPACITY) {
                capacityRejected++;
            }
        }
        liveUsers = live.size();
        storeBytes = live.diskBytes();
    }

    /** Whether samples partition {@code partition} was not revoked since {@code result} was processed. */
    private boolean owned(int partition, BatchResult result) {
        return revokedAt.getOrDefault(partition, -1L) <= result.revocationMark();
    }

    /**
     * The changelog records of every user {@code result} touched, ordered by user key: to publish on
     * {@link Topics#ADAPTER_STATE} in the batch's transaction, keyed by
     * {@link UserStateCodec#recordKey}. Changes nothing.
     */
    public synchronized List<AdapterState> stateRecords(BatchResult result) {
        long start = System.nanoTime();
        List<UserKey> keys = new ArrayList<>(result.staged().keySet());
        keys.sort(Comparator.comparing(UserKey::toString));
        AdapterState[] records = new AdapterState[keys.size()];
        int chunks = Math.min(workers.count(), keys.size());
        workers.run(chunks, (w, taskSet) -> {
            for (int j = chunkStart(w, chunks, keys.size()); j < chunkStart(w + 1, chunks, keys.size()); j++) {
                records[j] = UserStateCodec.encode(result.staged().get(keys.get(j)), taskSet, classTasks);
            }
        });
        List<AdapterState> out = List.of(records);
        Map<UserKey, AdapterState> byKey = new HashMap<>();
        for (int j = 0; j < records.length; j++) {
            byKey.put(keys.get(j), records[j]);
        }
        encodedBatch = result;
        encodedRecords = byKey;
        clock.lap(StageClock.Stage.ENCODE_STATE, start);
        return out;
    }

    /**
     * Installs the user of a changelog record as live state, replacing any live state of that user,
     * or, when the instance already holds {@link #maxResidentUsers} other users, remembers only its
     * key ({@link Restored#NOT_RESIDENT}). Strict: for tools and tests that restore their own records;
     * the adapter's restore is {@link #restore(UserKey, int, AdapterState)}. Call between batches.
     *
     * @throws IllegalArgumentException if the record does not decode against this engine's tasks
     *                                  ({@link UserStateCodec#decode}); the engine is then unchanged
     */
    public synchronized Restored restore(AdapterState state) {
        UserKey key = new UserKey(state.getTenant(), state.getUser());
        UserState user = UserStateCodec.decode(state, tasks, classTasks, dedupWindow);
        return admitRestored(key, state.getSourcePartition()) ? install(user, state) : Restored.NOT_RESIDENT;
    }

    /**
     * Restores the user {@code key} from its newest changelog record, read from changelog partition
     * {@code partition}, replacing anything held for that user: its stored state
     * ({@link Restored#INSTALLED}); or, when the record does not decode against this engine's tasks,
     * an explicit reset ({@link Restored#RESET}, {@link UserStateCodec#reset}) whose RESET versions and
     * state the next {@link #process} publishes; or, when the instance already holds
     * {@link #maxResidentUsers} other users, only the key ({@link Restored#NOT_RESIDENT}: its samples
     * are rejected {@code CAPACITY} until the partition is restored again with room). Call between
     * batches, on partition assignment, before the partition's samples.
     *
     * @throws IllegalArgumentException if the record names another user than {@code key}, or its
     *                                  samples partition is neither {@code partition} nor unset (-1):
     *                                  the caller trusts the record key and skips such a record
     */
    public synchronized Restored restore(UserKey key, int partition, AdapterState state) {
        if (!key.tenant().equals(state.getTenant()) || !key.user().equals(state.getUser())) {
            throw new IllegalArgumentException("the changelog record of " + key + " names another user");
        }
        if (state.getSourcePartition() != partition && state.getSourcePartition() != -1) {
            throw new IllegalArgumentException("the changelog record of " + key + " on partition " + partition
                    + " names samples partition " + state.getSourcePartition());
        }
        if (samplesPartitions > 0 && KeyPartitioner.partition(samplesKey(key), samplesPartitions) != partition) {
            misplacedState.computeIfAbsent(key, k -> new TreeSet<>()).add(partition);
            misplacedRestores++;
            return Restored.MISPLACED;
        }
        if (!admitRestored(key, partition)) {
            return Restored.NOT_RESIDENT;
        }
        UserState user;
        try {
            user = UserStateCodec.decode(state, tasks, classTasks, dedupWindow);
        } catch (IllegalArgumentException e) {
            String reason = Bounded.message(HeadState.RESTORE_RESET_REASON
                    + "the stored training state did not decode against"
                    + " this adapter (" + e.getMessage() + "); the head starts again from its source head (a class"
                    + " head: from its start head)");
            install(UserStateCodec.reset(key, partition, state, tasks, classTasks, dedupWindow, reason), null);
            pendingResets.add(key);
            return Restored.RESET;
        }
        if (user.partition() < 0) {
            // a user whose samples were all refused (rate limit) has no partition of its own yet
            user.recordApplied(partition, user.lastAppliedOffset());
            return install(user, null);
        }
        return install(user, state);
    }

    /**
     * Marks the user {@code key} unreadable: its newest changelog record, at {@code offset} of
     * changelog partition {@code partition}, does not parse (or is not the user's). Anything held for
     * the user is dropped; its samples are rejected {@code STATE_UNREADABLE} and its control commands
     * other than RESET and ERASE too, until a RESET gives it a new state (every task's head from the
     * source head, versions continuing above {@code offset + 1}, which no version of the user can
     * have exceeded) or an ERASE removes it. Keeps the key and {@code why} only. Call between batches.
     */
    public synchronized void markUnreadable(UserKey key, int partition, long offset, String why) {
        forget(key);
        unreadable.put(key, new Unreadable(partition, Math.max(0, offset + 1), Bounded.text(why, 512)));
    }

    /**
     * Leaves the user {@code key} of changelog partition {@code partition} out of a restore whose
     * reader held no value for it (more users hold state in the restored partitions than there is room
     * for): only its key is kept ({@link Restored#NOT_RESIDENT}), and its samples are rejected
     * {@code CAPACITY} until the partition is restored again with room. Call between batches.
     */
    public synchronized Restored leaveOut(UserKey key, int partition) {
        forget(key);
        notResident.put(key, partition);
        return Restored.NOT_RESIDENT;
    }

    /**
     * Whether one more user does not fit besides the held users and {@code newUsers} more: they reach
     * {@link #maxResidentUsers}, or the store's own (disk) budget.
     */
    private boolean full(long newUsers) {
        return live.size() + newUsers >= maxResidentUsers
                || !live.hasRoomFor((int) Math.min(Integer.MAX_VALUE, newUsers + 1));
    }

    /** What the instance is full of, for CAPACITY messages. */
    private String capacity() {
        long disk = live.diskBytes();
        return disk < 0
                ? "its maximum of " + maxResidentUsers + " resident users"
                : "its maximum of " + maxResidentUsers + " users or its disk budget (users' state takes " + disk
                        + " bytes)";
    }

    /** Room for users a restore may still install: {@link #maxResidentUsers} less the live users. */
    public synchronized int residentRoom() {
        return Math.max(0, maxResidentUsers - live.size());
    }

    /** The samples record key of {@code key}: {@code "<tenant>/<user>"} in UTF-8. */
    private static byte[] samplesKey(UserKey key) {
        return key.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Clears what is held for {@code key} and whether a restore may install it below the bound. */
    private boolean admitRestored(UserKey key, int partition) {
        pendingResets.remove(key);
        unreadable.remove(key);
        notResident.remove(key);
        if (!live.contains(key) && full(0)) {
            notResident.put(key, partition);
            return false;
        }
        return true;
    }

    private Restored install(UserState user, AdapterState record) {
        live.put(user, record);
        liveUsers = live.size();
        storeBytes = live.diskBytes();
        return Restored.INSTALLED;
    }

    /**
     * Drops everything held for {@code key} (a tombstone on the changelog: the user was erased): its
     * live state, a pending reset, an unreadable or not-resident mark, its online-reservoir clips.
     */
    public synchronized void forget(UserKey key) {
        live.remove(key);
        pendingResets.remove(key);
        unreadable.remove(key);
        notResident.remove(key);
        for (RehearsalReservoir r : reservoirs.values()) {
            r.forget(key);
        }
        liveUsers = live.size();
        storeBytes = live.diskBytes();
    }

    /**
     * Drops the live state of every user last seen on samples partition {@code partition} (the
     * partition was revoked: another instance owns it now, and it is restored again from the
     * changelog if it comes back).
     *
     * @return how many users were dropped
     */
    public synchronized int forgetPartition(int partition) {
        if (ahead != null) {
            ahead.forgetPartition(partition);
        }
        revocations++;
        revokedAt.put(partition, revocations);
        pendingResets.removeIf(k -> live.partitionOf(k) == partition);
        unreadable.values().removeIf(u -> u.partition() == partition);
        notResident.values().removeIf(p -> p == partition);
        misplacedState.values().forEach(ps -> ps.remove(partition));
        misplacedState.values().removeIf(Set::isEmpty);
        int dropped = live.release(partition);
        reservoirs.keySet().removeIf(k -> k.partition() == partition);
        liveUsers = live.size();
        storeBytes = live.diskBytes();
        return dropped;
    }

    /**
     * The partition count of {@link Topics#SAMPLES} (and {@link Topics#CONTROL}), so that a record not
     * on its key's partition is rejected {@code WRONG_PARTITION}; 0, the default, checks nothing.
     * The adapter sets it at start-up, from the topic's metadata.
     */
    public synchronized void checkPartitions(int samplesPartitions) {
        if (samplesPartitions < 0) {
            throw new IllegalArgumentException("partition count must be >= 0, got " + samplesPartitions);
        }
        this.samplesPartitions = samplesPartitions;
    }

    /** Samples skipped because the restored state had already applied their offset. */
    public synchronized long skippedAlreadyApplied() {
        return skipped;
    }

    /** Time spent per stage of processing so far; thread-safe, does not wait for a batch in progress. */
    public StageClock stages() {
        return clock;
    }

    /** Users with live state; does not wait for a batch in progress. */
    public int users() {
        return liveUsers;
    }

    /** The most users with live state this engine holds. */
    public int maxResidentUsers() {
        return maxResidentUsers;
    }

    /** Records (samples and control commands) rejected {@code CAPACITY} in committed batches. */
    public synchronized long capacityRejected() {
        return capacityRejected;
    }

    /** Changelog records not installed by a restore because they sit on another partition than their key's. */
    public synchronized long misplacedRestores() {
        return misplacedRestores;
    }

    /** Users restored beyond {@link #maxResidentUsers} (keys held, no state), now. */
    public synchronized int notResidentUsers() {
        return notResident.size();
    }

    /** Users whose stored state is unreadable and who were neither reset nor erased since, now. */
    public synchronized int unreadableUsers() {
        return unreadable.size();
    }

    /** Users reset on restore whose RESET versions no committed batch has published yet. */
    public synchronized int pendingResets() {
        return pendingResets.size();
    }

    /** The live state of {@code key}, if any (read-only use). */
    public synchronized UserState user(UserKey key) {
        return live.get(key);
    }

    /** Why a labeled task's head cannot take {@code e} (e.g. a clip shorter than one head window), or null. */
    private String unfit(ValidSample s, EmbeddingSequence e) {
        for (String task : s.labels().keySet()) {
            ClassHeadTask classTask = classTasks.get(task);
            if (classTask != null) {
                String why = classTask.unfit(e);
                if (why != null) {
                    return why;
                }
                continue;
            }
            try {
                tasks.get(task).checkFits(e);
            } catch (IllegalArgumentException ex) {
                int frames = tasks.get(task).recipe().windowFrames();
                OptionalInt needed = backbone.audioSamplesFor(frames);
                String hint = needed.isPresent() && s.input() instanceof BackboneInput.Audio a
                        ? String.format(
                                Locale.ROOT,
                                " (the clip has %d samples; a window of %d frames needs at"
                                        + " least %d, %.2f s at 16 kHz)",
                                a.pcm().length,
                                frames,
                                needed.getAsInt(),
                                needed.getAsInt() / 16_000.0)
                        : "";
                return "task '" + task + "': " + ex.getMessage() + hint;
            }
        }
        return null;
    }

    /**
     * The batch's inputs embedded: on the workers in contiguous chunks when the backbone embeds
     * each input alone (the same floats however the inputs are split), else in one call.
     */
    private List<EmbeddingSequence> embed(List<BackboneInput> inputs, List<RawSample> raws) {
        if (inputs.isEmpty()) {
            return List.of();
        }
        if (!backbone.embedsEachInputAlone()) {
            return embedOnce(inputs);
        }
        int chunks = Math.min(workers.count(), inputs.size());
        List<List<EmbeddingSequence>> parts = new ArrayList<>(Collections.nCopies(chunks, null));
        workers.run(chunks, (w, taskSet) -> {
            int from = chunkStart(w, chunks, inputs.size());
            int to = chunkStart(w + 1, chunks, inputs.size());
            parts.set(w, embedEach(inputs.subList(from, to), raws.subList(from, to)));
        });
        List<EmbeddingSequence> out = new ArrayList<>(inputs.size());
        parts.forEach(out::addAll);
        return out;
    }

    /**
     * {@code embeddings} with the front-end frames dropped from every sample that labels no class
     * task reading them, so that a batch holds frames (about 3 to 4 times its embeddings) only
     * for the samples that need them, and no binary task's per-batch products hold any.
     */
    private List<EmbeddingSequence> keepFrontEndWhereRead(List<ValidSample> valid, List<EmbeddingSequence> embeddings) {
        if (!readsFrontEnd) {
            return embeddings;
        }
        List<EmbeddingSequence> out = new ArrayList<>(embeddings.size());
        for (int i = 0; i < embeddings.size(); i++) {
            EmbeddingSequence e = embeddings.get(i);
            boolean read = false;
            for (String task : valid.get(i).labels().keySet()) {
                ClassHeadTask c = classTasks.get(task);
                read |= c != null && c.pooling().readsFrontEnd();
            }
            out.add(read || e.frontEnd() == null ? e : e.withFrontEnd(null));
        }
        return out;
    }

    /** Lets go an embedding made ahead for {@code r}, rejected before embedding. */
    private void discardAhead(RawSample r) {
        EmbeddingsAhead made = ahead;
        if (made != null) {
            made.discard(r);
        }
    }

    /**
     * {@code inputs}, each alone, taking the embeddings made ahead ({@link EmbeddingsAhead#take}) and
     * making the others.
     */
    private List<EmbeddingSequence> embedEach(List<BackboneInput> inputs, List<RawSample> raws) {
        EmbeddingsAhead made = ahead;
        if (made == null) {
            return embedOnce(inputs);
        }
        List<EmbeddingSequence> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            EmbeddingSequence e = made.take(raws.get(i));
            out.add(e != null ? e : embedOnce(List.of(inputs.get(i))).get(0));
        }
        return out;
    }

    /** One backbone call, keeping the front end's frames when a class task pools them. */
    private List<EmbeddingSequence> embedOnce(List<BackboneInput> inputs) {
        return readsFrontEnd ? backbone.embedWithFrontEnd(inputs) : backbone.embed(inputs);
    }

    /** Where chunk {@code w} of {@code chunks} nearly equal contiguous chunks of {@code n} items starts. */
    private static int chunkStart(int w, int chunks, int n) {
        return (int) ((long) w * n / chunks);
    }

    /**
     * The batch's valid samples split into at most {@link Workers#count()} groups, each user's (with
     * online rehearsal on, each samples partition's, whose reservoir its users share) in one group,
     * in record order; units go to the group with the fewest samples so far. One group when the
     * batch's new users could reach {@link #maxResidentUsers}: which of them is refused
     * {@code CAPACITY} depends on the order in which they arrive.
     */
    private List<SampleGroup> groups(
            List<ValidSample> valid, List<RawSample> validRaw, Map<UserKey, UserState> staged) {
        Set<UserKey> newKeys = new HashSet<>();
        for (ValidSample s : valid) {
            if (!live.contains(s.key()) && !staged.containsKey(s.key())) {
                newKeys.add(s.key());
            }
        }
        int count = newKeys.isEmpty() || !full(newKeys.size() - 1) ? workers.count() : 1;
        // with online rehearsal a partition's users share its reservoir: one unit per partition,
        // partitions joined where a user's records sit on more than one (the partition check off)
        Map<Integer, Integer> joined = new HashMap<>();
        if (online.enabled()) {
            Map<UserKey, Integer> partitionOf = new HashMap<>();
            for (int i = 0; i < valid.size(); i++) {
                int p = validRaw.get(i).partition();
                Integer q = partitionOf.putIfAbsent(valid.get(i).key(), p);
                int a = root(joined, p);
                int b = q == null ? a : root(joined, q);
                if (a != b) {
                    joined.put(Math.max(a, b), Math.min(a, b));
                }
            }
        }
        List<SampleGroup> groups = new ArrayList<>();
        Map<Object, SampleGroup> byUnit = new HashMap<>();
        for (int i = 0; i < valid.size(); i++) {
            Object unit = online.enabled()
                    ? (Object) root(joined, validRaw.get(i).partition())
                    : valid.get(i).key();
            SampleGroup g = byUnit.get(unit);
            if (g == null) {
                if (groups.size() < count) {
                    g = new SampleGroup();
                    groups.add(g);
                } else {
                    g = groups.stream()
                            .min(Comparator.comparingInt(x -> x.indices.size()))
                            .orElseThrow();
                }
                byUnit.put(unit, g);
            }
            g.indices.add(i);
        }
        return groups;
    }

    /** The partition that stands for {@code p}'s joined partitions (union-find without ranks; a batch has few). */
    private static int root(Map<Integer, Integer> joined, int p) {
        int r = p;
        while (joined.containsKey(r)) {
            r = joined.get(r);
        }
        return r;
    }

    /**
     * One worker's share of a batch's samples: whole users (or partitions), applied in record order
     * on copies of their state as the engine applies any sample. Reads the engine's live state and
     * the batch's pending resets, writes only its own fields and its samples' slots of the outcomes.
     */
    private final class SampleGroup {

        /** What became of one valid sample: rejected, or applied with its metrics records. */
        record Outcome(Rejection rejection, List<AdaptationMetrics> metrics) {}

        final List<Integer> indices = new ArrayList<>();
        /** The group's users staged so far. */
        final Map<UserKey, UserState> local = new HashMap<>();
        /** The sample at which each of them was first staged (its place in the batch's staged users). */
        final Map<UserKey, Integer> firstStaged = new HashMap<>();

        final Map<ReservoirKey, RehearsalReservoir> reservoirs = new HashMap<>();
        long skipped;
        int newUsers;

        void run(
                List<ValidSample> valid,
                List<RawSample> validRaw,
                List<EmbeddingSequence> embeddings,
                Map<UserKey, UserState> pending,
                Map<String, BinaryHeadTask> tasks,
                long nowMs,
                Outcome[] outcomes) {
            for (int i : indices) {
                ValidSample s = valid.get(i);
                RawSample raw = validRaw.get(i);
                outcomes[i] = apply(i, s, raw, embeddings.get(i), pending, tasks, nowMs);
            }
        }

        private Outcome rejected(RawSample raw, RejectReason reason, String message, ValidSample s) {
            return new Outcome(new Rejection(raw, reason, message, s.sampleId()), List.of());
        }

        /** One sample; null when it was applied before a restart. */
        private Outcome apply(
                int i,
                ValidSample s,
                RawSample raw,
                EmbeddingSequence embedding,
                Map<UserKey, UserState> pending,
                Map<String, BinaryHeadTask> tasks,
                long nowMs) {
            String unfit = unfit(s, embedding);
            if (unfit != null) {
                return rejected(raw, RejectReason.SHAPE_MISMATCH, unfit, s);
            }
            String outOfRange = outOfRange(embedding);
            if (outOfRange != null) {
                return rejected(raw, RejectReason.NON_FINITE, outOfRange, s);
            }
            UserKey key = s.key();
            UserState stagedUser = local.containsKey(key) ? local.get(key) : pending.get(key);
            // a new user is staged (and so becomes live, holding a resident slot) only once a
            // sample of theirs applied: a first sample that is refused or diverges leaves nothing
            boolean isNew = stagedUser == null && !live.contains(key);
            if (isNew) {
                Rejection refused = refuseNewUser(raw, s, newUsers);
                if (refused != null) {
                    return new Outcome(refused, List.of());
                }
            }
            UserState user = stagedUser;
            if (user == null) {
                UserState l = live.get(key);
                user = l == null ? new UserState(key, dedupWindow) : l.copy();
            }
            if (raw.partition() == user.partition() && raw.offset() <= user.lastAppliedOffset()) {
                // already applied before a restart (the restored state says so): applying it again
                // would train twice
                skipped++;
                return null;
            }
            if (user.hasSeen(s.sampleId())) {
                return rejected(
                        raw,
                        RejectReason.DUPLICATE,
                        "sample id " + s.sampleId() + " was already applied for " + key,
                        s);
            }
            // a sample is applied to all its tasks or to none: train on a copy of the user
            UserState working = user.copy();
            if (!working.admit(rateLimit, raw.timestampMs())) {
                if (!isNew) {
                    stage(key, working, i);
                }
                return rejected(
                        raw,
                        RejectReason.RATE_LIMITED,
                        String.format(
                                Locale.ROOT,
                                "%s is over its limit of %.0f samples per minute (burst %.0f); not applied, send it again later",
                                key,
                                rateLimit.perMinute(),
                                rateLimit.burst()),
                        s);
            }
            List<Runnable> offers = new ArrayList<>();
            try {
                AdaptationEngine.this.apply(working, s, raw, embedding, reservoirs, offers, tasks);
            } catch (PhraseRefusedException e) {
                return rejected(raw, RejectReason.MALFORMED, e.getMessage() + "; the head is unchanged", s);
            } catch (NearMissesBusyException e) {
                return rejected(raw, RejectReason.CAPACITY, e.getMessage() + "; not applied, send it again later", s);
            } catch (NearMissesUnavailableException e) {
                // the backbone stopping (the process exits) is no sample's: the batch aborts whole
                passStopped(e);
                // not the sample's fault and not the batch's: the user's head is unchanged, the rest applies
                return rejected(raw, RejectReason.PROCESSING_FAILED, e.getMessage() + "; the head is unchanged", s);
            } catch (IllegalStateException e) {
                passStopped(e);
                return rejected(
                        raw,
                        RejectReason.NON_FINITE,
                        "training on this sample diverged (" + e.getMessage() + "); the head is unchanged",
                        s);
            }
            stage(key, working, i);
            if (isNew) {
                newUsers++;
            }
            offers.forEach(Runnable::run);
            List<AdaptationMetrics> metrics = new ArrayList<>();
            for (String task : s.labels().keySet()) {
                // one metrics record per applied sample and task, a snapshot taken right after it
                ClassHeadTask classTask = classTasks.get(task);
                metrics.add(
                        classTask != null
                                ? OutputMessages.classMetrics(
                                        key,
                                        task,
                                        classTask,
                                        working.classHeads().get(task),
                                        nowMs)
                                : OutputMessages.metrics(
                                        key, task, working.heads().get(task), nowMs));
            }
            return new Outcome(null, metrics);
        }

        private void stage(UserKey key, UserState user, int i) {
            local.put(key, user);
            firstStaged.putIfAbsent(key, i);
        }
    }

    /**
     * The engine's worker threads: the calling thread and {@code count - 1} pool threads (created
     * on demand, gone after a minute idle), each with its own instances of the tasks
     * ({@link BinaryHeadTask#copyForThread()}; the calling thread uses the engine's own). A run
     * returns only when every part has finished, and rethrows the gravest failure as it was thrown
     * ({@link #graver}: an out-of-memory error on one worker is never hidden behind another's exception).
     */
    private static final class Workers {

        /** One part of a run: worker {@code w} with its task instances. */
        interface Part {
            void run(int w, Map<String, BinaryHeadTask> tasks);
        }

        private final int count;
        private final List<Map<String, BinaryHeadTask>> taskSets = new ArrayList<>();
        private final ThreadPoolExecutor pool;

        Workers(int count, Map<String, BinaryHeadTask> tasks) {
            this.count = count;
            taskSets.add(tasks);
            for (int w = 1; w < count; w++) {
                Map<String, BinaryHeadTask> copy = new LinkedHashMap<>();
                tasks.forEach((name, t) -> copy.put(name, t.copyForThread()));
                taskSets.add(Collections.unmodifiableMap(copy));
            }
            if (count > 1) {
                AtomicInteger made = new AtomicInteger();
                pool = new ThreadPoolExecutor(
                        count - 1, count - 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                            Thread t = new Thread(r, "headstream-engine-worker-" + made.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
                pool.allowCoreThreadTimeOut(true);
            } else {
                pool = null;
            }
        }

        int count() {
            return count;
        }

        /** {@link BinaryHeadTask#startBatch} on every worker's instances; only between runs. */
        void startBatch() {
            taskSets.forEach(set -> set.values().forEach(BinaryHeadTask::startBatch));
        }

        /**
         * The failure to throw of two: a {@link VirtualMachineError} before any other {@link Error},
         * an Error before an exception, else the first; the other is added as suppressed.
         */
        static Throwable graver(Throwable first, Throwable second) {
            return ScoringHelpers.graver(first, second);
        }

        /** Runs parts {@code 0 .. parts-1} ({@code parts <= count}), part 0 on the calling thread. */
        void run(int parts, Part part) {
            // the workers in use are busy: scoring loops split only over the other cores (ScoringHelpers)
            try (ScoringHelpers.Busy busy = ScoringHelpers.busy(Math.max(1, parts))) {
                runParts(parts, part);
            }
        }

        private void runParts(int parts, Part part) {
            if (parts <= 1 || pool == null) {
                for (int w = 0; w < parts; w++) {
                    part.run(w, taskSets.get(0));
                }
                return;
            }
            List<Future<?>> futures = new ArrayList<>(parts - 1);
            for (int w = 1; w < parts; w++) {
                int worker = w;
                futures.add(pool.submit(() -> part.run(worker, taskSets.get(worker))));
            }
            Throwable failure = null;
            try {
                part.run(0, taskSets.get(0));
            } catch (RuntimeException | Error e) {
                failure = e;
            }
            boolean interrupted = false;
            for (Future<?> f : futures) {
                // wait for every part, failed or not: none may still run on a worker's tasks after this returns
                while (true) {
                    try {
                        f.get();
                        break;
                    } catch (ExecutionException e) {
                        failure = graver(failure, e.getCause());
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure instanceof RuntimeException r) {
                throw r;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            if (failure != null) {
                throw new IllegalStateException("an engine worker failed", failure);
            }
        }
    }
}
