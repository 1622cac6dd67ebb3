package dev.headstream.core.adapt.engine;

import dev.headstream.core.adapt.control.ControlCommand;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.StoredClip;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.RehearsalReservoir;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.KeyPartitioner;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.SampleRejectedException;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.ingest.ValidSample;
import dev.headstream.core.wire.ControlDecoder;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.core.wire.UserStateCodec;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The adaptation pipeline of one processing thread, free of Kafka: a batch of raw sample records
 * in, the batch's output records and staged state out.
 *
 * <p>Per batch: validate every record (bad ones, and with {@link #checkPartitions} on those not on
 * their key's partition, become {@link Rejection}s and change nothing);
 * embed all valid samples in one backbone call; then, in record order, reject samples a labeled
 * task's head cannot read (e.g. a clip shorter than one head window), drop producer retries
 * (same sample id within the user's dedup window), skip samples the user's restored state has
 * already applied (offset at or below its last applied offset on that partition) and apply each label to the user's head of
 * that task (prequential scoring, then training). Every head that trained gets a new version,
 * with its threshold recalibrated. Every sample applied to a head gets one metrics record (a
 * snapshot of the head's monitors right after that sample, so {@code samples_seen} counts 1, 2, 3,
 * ... per head with no gap or repeat); control commands publish heads and state, no metrics.
 *
 * <p>Call order: {@link #restore} each changelog record of an assigned partition, then per batch
 * {@link #process} -> publish its records and its {@link #stateRecords} in one transaction ->
 * {@link #commit} on success (or nothing on abort: the live state was never touched). One batch
 * at a time. The methods are synchronized so that a rebalance listener on the Kafka polling
 * thread can {@link #restore} or {@link #forgetPartition} between batches.
 */
public final class AdaptationEngine {

    private final Backbone backbone;
    private final SampleDecoder decoder;
    private final ControlDecoder controls;
    private final Map<String, BinaryHeadTask> tasks;
    private final int dedupWindow;
    private final int publishEvery;
    private final Map<UserKey, UserState> live = new HashMap<>();
    private long skipped;
    /** Partitions revoked so far, and when each was last revoked (in that count). */
    private long revocations;

    private final Map<Integer, Long> revokedAt = new HashMap<>();
    /** Partition count of the samples topic for the partition check; 0 = unchecked. */
    private int samplesPartitions;
    /** {@code live.size()} for readers that must not wait for a batch (health checks). */
    private volatile int liveUsers;

    private final OnlineRehearsal online;
    private final RateLimit rateLimit;
    /** Live online-rehearsal reservoirs by task and samples partition. */
    private final Map<ReservoirKey, RehearsalReservoir> reservoirs = new HashMap<>();

    /** Which online-rehearsal reservoir: one per task and samples partition. */
    record ReservoirKey(String task, int partition) {}

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
        this.rateLimit = Objects.requireNonNull(rateLimit, "rateLimit");
        this.online = Objects.requireNonNull(online, "online");
        if (publishEvery < 1) {
            throw new IllegalArgumentException("publishEvery must be >= 1, got " + publishEvery);
        }
        this.backbone = backbone;
        this.decoder = decoder;
        this.tasks = Map.copyOf(tasks);
        this.controls = new ControlDecoder(tasks.keySet());
        this.dedupWindow = dedupWindow;
        this.publishEvery = publishEvery;
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
     * rejections with {@link Rejection#topic()} set.
     */
    public synchronized BatchResult process(List<RawSample> batch, List<RawSample> controls, long nowMs) {
        List<Rejection> rejections = new ArrayList<>();
        List<RawSample> validRaw = new ArrayList<>();
        List<ValidSample> valid = new ArrayList<>();
        for (RawSample r : batch) {
            try {
                ValidSample s = decoder.decode(r.key(), r.value());
                String misplaced = misplaced(r);
                if (misplaced != null) {
                    rejections.add(new Rejection(r, RejectReason.WRONG_PARTITION, misplaced, s.sampleId()));
                    continue;
                }
                valid.add(s);
                validRaw.add(r);
            } catch (SampleRejectedException e) {
                rejections.add(new Rejection(r, e.reason(), e.getMessage(), e.sampleId()));
            }
        }
        List<BackboneInput> inputs = new ArrayList<>(valid.size());
        for (ValidSample s : valid) {
            inputs.add(s.input());
        }
        List<EmbeddingSequence> embeddings = inputs.isEmpty() ? List.of() : backbone.embed(inputs);

        Map<UserKey, UserState> staged = new LinkedHashMap<>();
        Map<ReservoirKey, RehearsalReservoir> stagedReservoirs = new HashMap<>();
        // heads touched by this batch, by head id in first-touch order, with their user and task
        Map<String, UserKey> touchedOwner = new LinkedHashMap<>();
        Map<String, String> touchedTask = new HashMap<>();
        int applied = 0;
        List<AdaptationMetrics> sampleMetrics = new ArrayList<>();
        for (int i = 0; i < valid.size(); i++) {
            ValidSample s = valid.get(i);
            RawSample raw = validRaw.get(i);
            String unfit = unfit(s, embeddings.get(i));
            if (unfit != null) {
                rejections.add(new Rejection(raw, RejectReason.SHAPE_MISMATCH, unfit, s.sampleId()));
                continue;
            }
            String outOfRange = outOfRange(embeddings.get(i));
            if (outOfRange != null) {
                rejections.add(new Rejection(raw, RejectReason.NON_FINITE, outOfRange, s.sampleId()));
                continue;
            }
            UserState user = staged.computeIfAbsent(s.key(), k -> {
                UserState l = live.get(k);
                return l == null ? new UserState(k, dedupWindow) : l.copy();
            });
            if (raw.partition() == user.partition() && raw.offset() <= user.lastAppliedOffset()) {
                // already applied before a restart (the restored state says so): applying it again
                // would train twice
                skipped++;
                continue;
            }
            if (user.hasSeen(s.sampleId())) {
                rejections.add(new Rejection(
                        raw,
                        RejectReason.DUPLICATE,
                        "sample id " + s.sampleId() + " was already applied for " + s.key(),
                        s.sampleId()));
                continue;
            }
            // a sample is applied to all its tasks or to none: train on a copy of the user
            UserState working = user.copy();
            if (!working.admit(rateLimit, raw.timestampMs())) {
                rejections.add(new Rejection(
                        raw,
                        RejectReason.RATE_LIMITED,
                        String.format(
                                Locale.ROOT,
                                "%s is over its limit of %.0f samples per minute (burst %.0f); not applied, send it again later",
                                s.key(),
                                rateLimit.perMinute(),
                                rateLimit.burst()),
                        s.sampleId()));
                staged.put(s.key(), working);
                continue;
            }
            List<Runnable> offers = new ArrayList<>();
            try {
                apply(working, s, raw, embeddings.get(i), stagedReservoirs, offers);
            } catch (IllegalStateException e) {
                rejections.add(new Rejection(
                        raw,
                        RejectReason.NON_FINITE,
                        "training on this sample diverged (" + e.getMessage() + "); the head is unchanged",
                        s.sampleId()));
                continue;
            }
            staged.put(s.key(), working);
            offers.forEach(Runnable::run);
            applied++;
            for (String task : s.labels().keySet()) {
                String headId = s.key().headId(task);
                touchedOwner.putIfAbsent(headId, s.key());
                touchedTask.put(headId, task);
                // one metrics record per applied sample and task, a snapshot taken right after it
                sampleMetrics.add(
                        OutputMessages.metrics(s.key(), task, working.heads().get(task), nowMs));
            }
        }
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
        for (Map.Entry<String, UserKey> t : touchedOwner.entrySet()) {
            String taskName = touchedTask.get(t.getKey());
            BinaryHeadTask task = tasks.get(taskName);
            UserKey key = t.getValue();
            HeadState h = staged.get(key).heads().get(taskName);
            if (task.publishIfDue(h, publishEvery)) {
                heads.add(OutputMessages.headUpdate(task, key, taskName, h, backbone.info(), nowMs));
                task.sent(h);
            }
        }
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
        if (cmd.action() == ControlCommand.Action.ERASE) {
            UserState u = staged.getOrDefault(key, live.get(key));
            staged.remove(key);
            touchedOwner.values().removeIf(key::equals);
            // with the partition check on, the record is on its key's partition, which is where the
            // user's changelog record is: the tombstone must land there
            int partition = samplesPartitions > 0 || u == null || u.partition() < 0 ? c.partition() : u.partition();
            erasures.add(new BatchResult.Erasure(
                    key,
                    partition,
                    new TreeSet<>(tasks.keySet()).stream().map(key::headId).toList()));
            return;
        }
        UserState current = staged.getOrDefault(key, live.get(key));
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
            HeadState h = user.heads().get(name);
            cmd.applyTo(tasks.get(name), h);
            touchedOwner.putIfAbsent(h.headId(), key);
            touchedTask.put(h.headId(), name);
        }
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
            List<Runnable> offers) {
        user.firstSighting(s.sampleId());
        user.recordApplied(raw.partition(), raw.offset());
        for (Map.Entry<String, Label> l : new TreeMap<>(s.labels()).entrySet()) {
            BinaryHeadTask task = tasks.get(l.getKey());
            HeadState head = user.heads()
                    .computeIfAbsent(l.getKey(), t -> task.newState(s.key().headId(t)));
            boolean positive = ((Label.Binary) l.getValue()).positive();
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

    /** Makes a committed batch's state live. */
    public synchronized void commit(BatchResult result) {
        for (Map.Entry<ReservoirKey, RehearsalReservoir> e : result.reservoirs().entrySet()) {
            if (revokedAt.getOrDefault(e.getKey().partition(), -1L) <= result.revocationMark()) {
                reservoirs.put(e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<UserKey, UserState> e : result.staged().entrySet()) {
            // a partition revoked while this batch was in flight belongs to another instance now
            if (revokedAt.getOrDefault(e.getValue().partition(), -1L) <= result.revocationMark()) {
                live.put(e.getKey(), e.getValue());
            }
        }
        for (BatchResult.Erasure e : result.erasures()) {
            live.remove(e.key());
            for (RehearsalReservoir r : reservoirs.values()) {
                r.forget(e.key());
            }
        }
        liveUsers = live.size();
    }

    /**
     * The changelog records of every user {@code result} touched, ordered by user key: to publish on
     * {@link Topics#ADAPTER_STATE} in the batch's transaction, keyed by
     * {@link UserStateCodec#recordKey}. Changes nothing.
     */
    public synchronized List<AdapterState> stateRecords(BatchResult result) {
        List<UserKey> keys = new ArrayList<>(result.staged().keySet());
        keys.sort(Comparator.comparing(UserKey::toString));
        List<AdapterState> out = new ArrayList<>(keys.size());
        for (UserKey k : keys) {
            out.add(UserStateCodec.encode(result.staged().get(k), tasks));
        }
        return out;
    }

    /**
     * Installs the user of a changelog record as live state, replacing any live state of that
     * user. Call between batches (restore on partition assignment, before the partition's samples).
     *
     * @throws IllegalArgumentException if the record does not decode against this engine's tasks
     *                                  ({@link UserStateCodec#decode}); the live state is then unchanged
     */
    public synchronized void restore(AdapterState state) {
        UserState user = UserStateCodec.decode(state, tasks, dedupWindow);
        live.put(user.key(), user);
        liveUsers = live.size();
    }

    /** Drops the live state of {@code key} (a tombstone on the changelog: the user was erased). */
    public synchronized void forget(UserKey key) {
        live.remove(key);
        for (RehearsalReservoir r : reservoirs.values()) {
            r.forget(key);
        }
        liveUsers = live.size();
    }

    /**
     * Drops the live state of every user last seen on samples partition {@code partition} (the
     * partition was revoked: another instance owns it now, and it is restored again from the
     * changelog if it comes back).
     *
     * @return how many users were dropped
     */
    public synchronized int forgetPartition(int partition) {
        int before = live.size();
        revocations++;
        revokedAt.put(partition, revocations);
        live.values().removeIf(u -> u.partition() == partition);
        reservoirs.keySet().removeIf(k -> k.partition() == partition);
        liveUsers = live.size();
        return before - live.size();
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

    /** Users with live state; does not wait for a batch in progress. */
    public int users() {
        return liveUsers;
    }

    /** The live state of {@code key}, if any (read-only use). */
    public synchronized UserState user(UserKey key) {
        return live.get(key);
    }

    /** Why a labeled task's head cannot take {@code e} (e.g. a clip shorter than one head window), or null. */
    private String unfit(ValidSample s, EmbeddingSequence e) {
        for (String task : s.labels().keySet()) {
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
}
