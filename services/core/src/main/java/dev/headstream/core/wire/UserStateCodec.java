package dev.headstream.core.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.ScoreStats;
import dev.headstream.core.adapt.state.StoredClip;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.head.OptimizerState;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.ingest.WakePhrase;
import dev.headstream.core.monitor.Adwin;
import dev.headstream.core.monitor.DriftMonitor;
import dev.headstream.core.monitor.MmdDriftDetector;
import dev.headstream.core.monitor.MonitorState;
import dev.headstream.core.monitor.NegativeTransferMonitor;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.ClassHeadTrainingState;
import dev.headstream.schemas.v1.HeadTrainingState;
import dev.headstream.schemas.v1.OptimizerSnapshot;
import dev.headstream.schemas.v1.ReplayExample;
import dev.headstream.schemas.v1.ScoreState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes a user's full training state ({@link UserState} with its {@link HeadState}s) into an
 * {@link AdapterState} record of the {@code headstream.adapter-state} changelog and reads it back.
 * Every float is copied bit for bit (float32 little-endian), so a decoded state trains on exactly
 * like the encoded one. Stateless and thread-safe.
 */
public final class UserStateCodec {

    /**
     * The {@link AdapterState#getFormatVersion()} this codec writes and reads. 2 since the wake-word
     * backbone computes streaming features (replayed clips of version 1 were embedded per clip).
     */
    public static final int FORMAT_VERSION = 2;

    /** The formats {@link #decode} reads. */
    private static final java.util.Set<Integer> READABLE_FORMATS = java.util.Set.of(FORMAT_VERSION);

    private UserStateCodec() {}

    /**
     * The changelog record of {@code user}: every head of every task, its dedup window, partition and last applied
     * offset.
     *
     * @param tasks the adapter's tasks by name (each head records its task's source head)
     * @throws IllegalArgumentException if the user has a head for a task not in {@code tasks}
     */
    public static AdapterState encode(UserState user, Map<String, BinaryHeadTask> tasks) {
        return encode(user, tasks, Map.of());
    }

    /**
     * {@link #encode(UserState, Map)} of a user that may also hold heads of the class tasks
     * {@code classTasks} ({@link ClassHeadCodec}).
     */
    public static AdapterState encode(
            UserState user, Map<String, BinaryHeadTask> tasks, Map<String, ClassHeadTask> classTasks) {
        AdapterState.Builder b = AdapterState.newBuilder()
                .setFormatVersion(FORMAT_VERSION)
                .setTenant(user.key().tenant())
                .setUser(user.key().user())
                .setSourcePartition(user.partition())
                .setLastAppliedOffset(user.lastAppliedOffset())
                .setRateTokens(user.rateBucket().tokens())
                .setRateTimeMs(user.rateBucket().timeMs());
        for (long fingerprint : user.recentFingerprints()) {
            b.addRecentSampleFingerprints(fingerprint);
        }
        user.heads().forEach((task, h) -> {
            BinaryHeadTask t = tasks.get(task);
            if (t == null) {
                throw new IllegalArgumentException(
                        "user " + user.key() + " has a head for unknown task '" + task + "'");
            }
            b.addHeads(encode(task, t, h));
        });
        user.classHeads().forEach((task, h) -> {
            ClassHeadTask t = classTasks.get(task);
            if (t == null) {
                throw new IllegalArgumentException(
                        "user " + user.key() + " has a head for unknown class task '" + task + "'");
            }
            b.addClassHeads(ClassHeadCodec.encode(task, t, h));
        });
        return b.build();
    }

    /** The record key of {@code state} on the changelog: {@code "<tenant>/<user>"}. */
    public static String recordKey(AdapterState state) {
        return state.getTenant() + "/" + state.getUser();
    }

    /** The changelog record key of {@code user}'s state (the same as {@link #recordKey(AdapterState)}). */
    public static String recordKey(UserKey user) {
        return user.tenant() + "/" + user.user();
    }

    /**
     * Parses a changelog record value.
     *
     * @throws IllegalArgumentException if the bytes are not an {@link AdapterState}
     */
    public static AdapterState parse(byte[] value) {
        try {
            return AdapterState.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(
                    "adapter state record of " + value.length + " bytes does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * Rebuilds the user of {@code state} against the tasks of this adapter. Its dedup window is the
     * fingerprints of the record's {@code recent_sample_ids} (which earlier versions wrote) followed
     * by its {@code recent_sample_fingerprints}, so a record of either version restores to the same
     * window.
     *
     * @param tasks       the adapter's tasks by name
     * @param dedupWindow the adapter's dedup window; a longer stored window keeps its newest ids
     * @throws IllegalArgumentException naming the problem: unknown format version, bad key, unknown task, a head
     *                                  adapted from another source head, a trainable vector or optimizer slot whose
     *                                  length does not match the task's head, float bytes that are not whole floats
     *                                  or do not fill the stated shape, a sample id or fingerprint listed twice
     */
    public static UserState decode(AdapterState state, Map<String, BinaryHeadTask> tasks, int dedupWindow) {
        return decode(state, tasks, Map.of(), dedupWindow);
    }

    /** {@link #decode(AdapterState, Map, int)} with the class tasks {@code classTasks} as well. */
    public static UserState decode(
            AdapterState state,
            Map<String, BinaryHeadTask> tasks,
            Map<String, ClassHeadTask> classTasks,
            int dedupWindow) {
        if (!READABLE_FORMATS.contains(state.getFormatVersion())) {
            throw new IllegalArgumentException("adapter state of " + recordKey(state) + " has format version "
                    + state.getFormatVersion() + "; this adapter reads " + FORMAT_VERSION);
        }
        UserKey key = new UserKey(state.getTenant(), state.getUser());
        if (!(state.getRateTokens() >= 0) || Double.isInfinite(state.getRateTokens()) || state.getRateTimeMs() < 0) {
            throw new IllegalArgumentException("adapter state of " + key + " has a bad rate-limit bucket: "
                    + state.getRateTokens() + " tokens at " + state.getRateTimeMs() + " ms");
        }
        UserState user = new UserState(
                key,
                dedupWindow,
                state.getSourcePartition(),
                state.getLastAppliedOffset(),
                new RateLimit.Bucket(state.getRateTokens(), state.getRateTimeMs()));
        for (String id : state.getRecentSampleIdsList()) {
            if (!user.firstSighting(id)) {
                throw new IllegalArgumentException("adapter state of " + key + " lists sample id " + id + " twice");
            }
        }
        for (int i = 0; i < state.getRecentSampleFingerprintsCount(); i++) {
            long fingerprint = state.getRecentSampleFingerprints(i);
            if (!user.firstSightingOfFingerprint(fingerprint)) {
                throw new IllegalArgumentException("adapter state of " + key + " lists sample fingerprint "
                        + HexFormat.of().toHexDigits(fingerprint) + " twice");
            }
        }
        for (HeadTrainingState h : state.getHeadsList()) {
            BinaryHeadTask task = tasks.get(h.getTask());
            if (task == null) {
                throw new IllegalArgumentException("adapter state of " + key + " has a head for unknown task '"
                        + h.getTask() + "'; this adapter knows " + new TreeSet<>(tasks.keySet()));
            }
            if (user.heads().containsKey(h.getTask())) {
                throw new IllegalArgumentException(
                        "adapter state of " + key + " has two heads for task '" + h.getTask() + "'");
            }
            user.heads().put(h.getTask(), decode(key, task, h));
        }
        for (ClassHeadTrainingState h : state.getClassHeadsList()) {
            ClassHeadTask task = classTasks.get(h.getTask());
            if (task == null) {
                throw new IllegalArgumentException("adapter state of " + key + " has a head for unknown class task '"
                        + h.getTask() + "'; this adapter knows " + new TreeSet<>(classTasks.keySet()));
            }
            if (user.taskNames().contains(h.getTask())) {
                throw new IllegalArgumentException(
                        "adapter state of " + key + " has two heads for task '" + h.getTask() + "'");
            }
            user.classHeads().put(h.getTask(), ClassHeadCodec.decode(key, task, h));
        }
        return user;
    }

    /**
     * The explicit reset of a user whose changelog record parses but does not {@link #decode}
     * against this adapter (its recipe or source head changed, another format version, a damaged
     * head): in a record of a format this codec reads, every head that still decodes against its
     * task as configured now (and is listed once) is kept as it is; every other head of a task in
     * {@code tasks} or {@code classTasks} starts again from that task's start, its version numbers
     * continuing after the highest the record holds under that task name, whichever kind of head
     * it was, and that next version carrying status RESET with {@code reason}; heads of tasks not
     * configured are dropped. A binary head of a task whose phrase is per user keeps the wake phrase
     * its user named (its near misses are made when it next learns one), since the user's samples
     * name a phrase only when it changes. The user keeps its place in the stream: samples partition
     * {@code partition}, the stored last applied offset, recent sample ids and rate-limit bucket
     * where they read, so samples the stored state had applied are still skipped and retries still
     * dropped. Cannot fail on a record that parsed.
     *
     * @param key       the user, from the record key (the caller checked that the record names it)
     * @param partition the changelog partition the record was read from (the user's samples partition)
     */
    public static UserState reset(
            UserKey key,
            int partition,
            AdapterState state,
            Map<String, BinaryHeadTask> tasks,
            int dedupWindow,
            String reason) {
        return reset(key, partition, state, tasks, Map.of(), dedupWindow, reason);
    }

    /**
     * {@link #reset(UserKey, int, AdapterState, Map, int, String)} with the class tasks
     * {@code classTasks}: a class head of the record starts again from its task's start head, its
     * versions continuing, its next version RESET.
     */
    public static UserState reset(
            UserKey key,
            int partition,
            AdapterState state,
            Map<String, BinaryHeadTask> tasks,
            Map<String, ClassHeadTask> classTasks,
            int dedupWindow,
            String reason) {
        boolean bucketReads =
                state.getRateTokens() >= 0 && !Double.isInfinite(state.getRateTokens()) && state.getRateTimeMs() >= 0;
        UserState user = new UserState(
                key,
                dedupWindow,
                partition,
                Math.max(-1, state.getLastAppliedOffset()),
                bucketReads
                        ? new RateLimit.Bucket(state.getRateTokens(), state.getRateTimeMs())
                        : RateLimit.Bucket.EMPTY);
        for (String id : state.getRecentSampleIdsList()) {
            user.firstSighting(id);
        }
        for (int i = 0; i < state.getRecentSampleFingerprintsCount(); i++) {
            user.firstSightingOfFingerprint(state.getRecentSampleFingerprints(i));
        }
        // every head the record holds, binary or class, by task name: the highest version each name
        // published, whichever kind it was then; a head that still decodes against its task as it
        // is configured now is kept as it is, every other one starts again after that version
        boolean knownFormat = READABLE_FORMATS.contains(state.getFormatVersion());
        Map<String, Long> versions = new TreeMap<>();
        Map<String, HeadState> keptBinary = new TreeMap<>();
        Map<String, ClassHeadState> keptClass = new TreeMap<>();
        // why each head that is reset is reset, in its own words when its own decoding failed
        Map<String, String> why = new TreeMap<>();
        // the wake phrase each binary head's user named, for a head that starts again: the user's
        // word does not change because the adapter's configuration did
        Map<String, String> phrases = new TreeMap<>();
        for (HeadTrainingState h : state.getHeadsList()) {
            versions.merge(h.getTask(), Math.max(0, h.getVersion()), Math::max);
            if (WakePhrase.speakable(h.getPhrase())) {
                phrases.putIfAbsent(h.getTask(), WakePhrase.ofUser(h.getPhrase()));
            }
            BinaryHeadTask t = tasks.get(h.getTask());
            if (knownFormat && t != null && !keptBinary.containsKey(h.getTask())) {
                try {
                    keptBinary.put(h.getTask(), decode(key, t, h));
                } catch (RuntimeException e) {
                    why.putIfAbsent(h.getTask(), e.getMessage());
                }
            }
        }
        for (ClassHeadTrainingState h : state.getClassHeadsList()) {
            versions.merge(h.getTask(), Math.max(0, h.getVersion()), Math::max);
            ClassHeadTask t = classTasks.get(h.getTask());
            if (knownFormat && t != null && !keptClass.containsKey(h.getTask())) {
                try {
                    keptClass.put(h.getTask(), ClassHeadCodec.decode(key, t, h));
                } catch (RuntimeException e) {
                    why.putIfAbsent(h.getTask(), e.getMessage());
                }
            }
        }
        // a task name listed twice (in one list, or in both) is reset, whatever decoded
        Map<String, Integer> listed = new TreeMap<>();
        state.getHeadsList().forEach(h -> listed.merge(h.getTask(), 1, Integer::sum));
        state.getClassHeadsList().forEach(h -> listed.merge(h.getTask(), 1, Integer::sum));
        versions.forEach((task, version) -> {
            boolean once = listed.getOrDefault(task, 0) == 1;
            // (read only for a head that is reset: one that decoded returns below before)
            String own = !once
                    ? "the stored state lists task '" + task + "' twice"
                    : why.getOrDefault(
                            task, "the stored head of task '" + task + "' is of another kind than the task now");
            if (tasks.containsKey(task)) {
                HeadState kept = once ? keptBinary.get(task) : null;
                if (kept != null) {
                    user.heads().put(task, kept);
                    return;
                }
                BinaryHeadTask t = tasks.get(task);
                HeadState head = t.newState(key.headId(task));
                head.continueVersionsAfter(version);
                head.reset(headReason(reason, own, "source head", knownFormat));
                if (once && t.phrasePerUser() && phrases.containsKey(task)) {
                    // its near misses are made when the head next learns one, as for a restored head
                    head.phrase(phrases.get(task));
                }
                user.heads().put(task, head);
            } else if (classTasks.containsKey(task)) {
                ClassHeadState kept = once ? keptClass.get(task) : null;
                if (kept != null) {
                    user.classHeads().put(task, kept);
                    return;
                }
                ClassHeadTask t = classTasks.get(task);
                ClassHeadState head = t.newState(key.headId(task));
                head.continueVersionsAfter(version);
                t.operatorReset(head, headReason(reason, own, "start head", knownFormat));
                user.classHeads().put(task, head);
            }
        });
        return user;
    }

    /**
     * The RESET reason of one head: the record's {@code reason} when the whole record was of
     * another format (or no reason of the head's own is known), else what was wrong with this head.
     */
    private static String headReason(String reason, String own, String start, boolean knownFormat) {
        if (!knownFormat || own == null) {
            return reason;
        }
        return Bounded.message(HeadState.RESTORE_RESET_REASON
                + "the stored head did not decode against this adapter (" + own
                + "); the head starts again from its " + start);
    }

    private static HeadTrainingState encode(String taskName, BinaryHeadTask task, HeadState head) {
        HeadState.Snapshot h = head.snapshot();
        String sourceSha256 = task.sourceHead().sha256();
        OptimizerSnapshot.Builder opt =
                OptimizerSnapshot.newBuilder().setSteps(h.optimizer().steps());
        for (int i = 0; i < h.optimizer().slotCount(); i++) {
            opt.addSlotsF32Le(bytes(h.optimizer().copySlot(i)));
        }
        HeadTrainingState.Builder b = HeadTrainingState.newBuilder()
                .setTask(taskName)
                .setHeadId(h.headId())
                .setSourceHeadSha256(sourceSha256)
                .setSeed(h.seed())
                .setTrainableF32Le(bytes(h.trainable()))
                .setOptimizer(opt)
                .setThreshold(h.threshold())
                .setVersion(h.version())
                .setSamplesApplied(h.samplesApplied())
                .setSamplesSeen(h.samplesSeen())
                .setPublishedSamples(h.publishedSamples())
                .setChanged(h.changed())
                .setFrozen(h.frozen())
                .setL2SpScale(h.l2spScale())
                .setRollbacks(h.rollbacks())
                .setLastGoodF32Le(h.lastGood() == null ? ByteString.EMPTY : bytes(h.lastGood()))
                .setLastGoodVersion(h.lastGoodVersion())
                .setLastGoodThreshold(h.lastGoodThreshold())
                .addAllHardPool(Arrays.stream(h.hardPool()).boxed().toList())
                .addAllCalibrationPool(
                        Arrays.stream(h.calibrationPool()).boxed().toList())
                .addAllCalibrationPoolScores(floatList(h.calibrationPoolScores()))
                .setCalibrationSlice(h.calibrationSlice())
                .setNearMissesLearned(h.nearMissesLearned())
                .setNearMissesSha256(
                        task.phrasePerUser()
                                ? h.nearMissesSha256()
                                : task.nearMisses().isEmpty()
                                        ? ""
                                        : task.nearMisses().sha256())
                .setPhrase(task.phrasePerUser() ? h.phrase() : task.nearMisses().phrase())
                .setNegativeBankSha256(task.bank() == null ? "" : task.bank().id())
                .setHeldAtSource(h.heldAtSource())
                .setHeldReason(h.heldReason())
                .setCalibrationFalseAccepts(h.calibrationFalseAccepts())
                .setCalibrationHours(h.calibrationHours())
                .setProbationLeft(h.probationLeft())
                .setProbationLength(h.probationLength())
                .setSinceProbation(h.sinceProbation())
                .setTrustedClips(h.trustedClips())
                .setPendingRollbackReason(h.pendingRollback() == null ? "" : h.pendingRollback())
                .setPartition(h.partition())
                .setFirstOffset(h.firstOffset())
                .setLastOffset(h.lastOffset())
                .setNegativeSeconds(h.negativeSeconds())
                .setLastTrainingLoss(h.lastTrainingLoss())
                .setLastPrequentialLoss(h.lastPrequentialLoss())
                .setSourcePrequential(scores(h.sourcePrequential()))
                .setAdaptedPrequential(scores(h.adaptedPrequential()))
                .setSourceHoldout(scores(h.sourceHoldout()))
                .setAdaptedHoldout(scores(h.adaptedHoldout()));
        b.addAllNegativeTransferState(state(h.negativeTransfer()))
                .addAllDriftState(state(h.drift()))
                .addErrorAdwinState(h.errorRiseAlarm() ? 1 : 0)
                .addAllErrorAdwinState(state(h.errorAdwin()));
        if (h.domain() != null) {
            b.addAllDomainState(state(h.domain()));
        }
        for (HeadState.Example e : h.replay()) {
            b.addReplay(ReplayExample.newBuilder()
                    .setFrames(e.clip().frames())
                    .setDim(e.clip().dim())
                    .setValuesF16Le(halfBytes(e.clip().halfs()))
                    .setPositive(e.positive())
                    .setWeight(e.weight()));
        }
        return b.build();
    }

    private static HeadState decode(UserKey key, BinaryHeadTask task, HeadTrainingState h) {
        String headId = key.headId(h.getTask());
        String where = "adapter state of head " + headId;
        if (!h.getHeadId().equals(headId)) {
            throw new IllegalArgumentException(where + " is labelled '" + h.getHeadId() + "'");
        }
        if (!h.getSourceHeadSha256().equals(task.sourceHead().sha256())) {
            throw new IllegalArgumentException(where + " was adapted from source head " + h.getSourceHeadSha256()
                    + ", not from task '" + task.name() + "' source "
                    + task.sourceHead().id() + " ("
                    + task.sourceHead().sha256() + ")");
        }
        HeadState fresh = task.newState(headId);
        if (h.getSeed() != fresh.seed()) {
            throw new IllegalArgumentException(where + " has seed " + Long.toHexString(h.getSeed()) + ", expected "
                    + Long.toHexString(fresh.seed()));
        }
        float[] trainable = floats(h.getTrainableF32Le(), where + " trainable vector");
        int trains = fresh.liveTrainable().length;
        if (trainable.length != trains) {
            throw new IllegalArgumentException(where + " has a trainable vector of " + trainable.length
                    + " floats; task '" + task.name() + "' trains " + trains);
        }
        OptimizerSnapshot opt = h.getOptimizer();
        if (opt.getSlotsF32LeCount() != fresh.liveOptimizer().slotCount()) {
            throw new IllegalArgumentException(where + " has " + opt.getSlotsF32LeCount() + " optimizer slots; task '"
                    + task.name() + "' uses " + fresh.liveOptimizer().slotCount());
        }
        float[][] slots = new float[opt.getSlotsF32LeCount()][];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = floats(opt.getSlotsF32Le(i), where + " optimizer slot " + i);
            if (slots[i].length != trainable.length) {
                throw new IllegalArgumentException(where + " has optimizer slot " + i + " of " + slots[i].length
                        + " floats; the trainable vector has " + trainable.length);
            }
        }
        if (opt.getSteps() < 0) {
            throw new IllegalArgumentException(where + " has " + opt.getSteps() + " optimizer steps");
        }
        NegativeTransferMonitor monitor = task.monitors().newNegativeTransfer();
        readState(monitor, h.getNegativeTransferStateList(), 0, where, "negative-transfer");
        DriftMonitor drift = task.monitors().newDriftMonitor(h.getSeed());
        readState(drift, h.getDriftStateList(), 0, where, "drift");
        MmdDriftDetector domain = task.monitors().newDomainTest(h.getSeed());
        if (domain != null && h.getDomainStateCount() > 0) {
            readState(domain, h.getDomainStateList(), 0, where, "domain-similarity");
        }
        // the rise-alarm latch, then ADWIN's own state
        Adwin adwin = task.monitors().newErrorAdwin();
        boolean errorRiseAlarm = readState(adwin, h.getErrorAdwinStateList(), 1, where, "error-ADWIN")[0] != 0;
        List<HeadState.Example> replay = new ArrayList<>(h.getReplayCount());
        for (int i = 0; i < h.getReplayCount(); i++) {
            ReplayExample e = h.getReplay(i);
            String clip = where + " replay clip " + i;
            short[] values = halfs(e.getValuesF16Le(), clip);
            if (e.getFrames() < 1 || e.getDim() < 1 || (long) e.getFrames() * e.getDim() != values.length) {
                throw new IllegalArgumentException(clip + " is " + e.getFrames() + " x " + e.getDim() + " but holds "
                        + values.length + " half-precision values");
            }
            StoredClip stored = new StoredClip(e.getFrames(), e.getDim(), values);
            try {
                task.checkFits(e.getFrames(), e.getDim());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(clip + ": " + ex.getMessage(), ex);
            }
            replay.add(new HeadState.Example(stored, e.getPositive(), e.getWeight()));
        }
        // records written before the field existed carry 0: the factor was 1 then
        float l2spScale = h.getL2SpScale() == 0f ? 1f : h.getL2SpScale();
        if (!(l2spScale > 0f) || Float.isInfinite(l2spScale)) {
            throw new IllegalArgumentException(where + " has L2-SP factor " + h.getL2SpScale());
        }
        float[] lastGood = null;
        long lastGoodVersion = 0;
        float lastGoodThreshold = 0f;
        if (!h.getLastGoodF32Le().isEmpty()) {
            lastGood = floats(h.getLastGoodF32Le(), where + " last good vector");
            if (lastGood.length != trainable.length) {
                throw new IllegalArgumentException(where + " has a last good vector of " + lastGood.length
                        + " values; the trainable vector has " + trainable.length);
            }
            lastGoodVersion = h.getLastGoodVersion();
            lastGoodThreshold = h.getLastGoodThreshold();
        }
        // a pool of window numbers means something only in the bank it was mined from
        int[] hardPool = task.bank() == null || !task.bank().id().equals(h.getNegativeBankSha256())
                ? new int[0]
                : h.getHardPoolList().stream()
                        .mapToInt(Integer::intValue)
                        .filter(w -> w >= 0 && w < task.bank().trainWindows())
                        .toArray();
        // a pool means something only in the bank it was scored on, with a score per window, each
        // window once and in range; anything else starts the pool again from the source head's
        boolean sameBank = task.bank() != null && task.bank().id().equals(h.getNegativeBankSha256());
        int[] calibrationPool =
                h.getCalibrationPoolList().stream().mapToInt(Integer::intValue).toArray();
        float[] calibrationScores = new float[h.getCalibrationPoolScoresCount()];
        for (int i = 0; i < calibrationScores.length; i++) {
            calibrationScores[i] = h.getCalibrationPoolScores(i);
        }
        boolean poolUsable = sameBank
                && calibrationPool.length == calibrationScores.length
                && Arrays.stream(calibrationPool).distinct().count() == calibrationPool.length
                && Arrays.stream(calibrationPool)
                        .allMatch(w -> w >= 0 && w < task.bank().calibrationWindows());
        if (!poolUsable) {
            calibrationPool = new int[0];
            calibrationScores = new float[0];
        }
        int calibrationSlice = poolUsable ? Math.max(0, h.getCalibrationSlice()) : 0;
        // near misses counted against other ones (another phrase, count, voice or tool version) or by
        // an adapter before near misses: the head learns the task's from the first
        boolean sameNearMisses = !task.nearMisses().isEmpty()
                && h.getNearMissesSha256().equals(task.nearMisses().sha256());
        int nearMissesLearned = sameNearMisses
                ? Math.max(
                        0, Math.min(h.getNearMissesLearned(), task.nearMisses().size()))
                : 0;
        String nearMissesSha256 =
                task.nearMisses().isEmpty() ? "" : task.nearMisses().sha256();
        String phrase = "";
        if (task.phrasePerUser() && WakePhrase.speakable(h.getPhrase())) {
            // the user's phrase's near misses are made when the head next learns one, and their
            // digest checked against this one then (BinaryHeadTask.learnNearMisses)
            phrase = WakePhrase.ofUser(h.getPhrase());
            nearMissesSha256 = h.getNearMissesSha256();
            nearMissesLearned = Math.max(0, h.getNearMissesLearned());
        }
        return HeadState.restore(new HeadState.Snapshot(
                headId,
                h.getSeed(),
                trainable,
                OptimizerState.restore(opt.getSteps(), slots),
                replay,
                h.getThreshold(),
                h.getVersion(),
                h.getSamplesApplied(),
                h.getSamplesSeen(),
                h.getPublishedSamples(),
                h.getChanged(),
                h.getPartition(),
                h.getFirstOffset(),
                h.getLastOffset(),
                h.getNegativeSeconds(),
                h.getLastTrainingLoss(),
                h.getLastPrequentialLoss(),
                sums(h.getSourcePrequential()),
                sums(h.getAdaptedPrequential()),
                sums(h.getSourceHoldout()),
                sums(h.getAdaptedHoldout()),
                monitor,
                drift,
                domain,
                adwin,
                errorRiseAlarm,
                h.getFrozen(),
                l2spScale,
                h.getRollbacks(),
                h.getPendingRollbackReason().isEmpty() ? null : h.getPendingRollbackReason(),
                lastGood,
                lastGoodVersion,
                lastGoodThreshold,
                hardPool,
                h.getHeldAtSource(),
                h.getHeldReason(),
                h.getCalibrationFalseAccepts(),
                h.getCalibrationHours(),
                h.getProbationLeft(),
                h.getProbationLength(),
                h.getSinceProbation(),
                Math.min(h.getTrustedClips(), replay.size()),
                calibrationPool,
                calibrationScores,
                calibrationSlice,
                nearMissesLearned,
                nearMissesSha256,
                phrase));
    }

    static ScoreState scores(ScoreStats.Sums s) {
        return ScoreState.newBuilder()
                .setCount(s.count())
                .setLossSum(s.lossSum())
                .setCorrect(s.correct())
                .setPositives(s.positives())
                .setTruePositives(s.truePositives())
                .setNegatives(s.negatives())
                .setFalsePositives(s.falsePositives())
                .build();
    }

    static ScoreStats.Sums sums(ScoreState s) {
        return new ScoreStats.Sums(
                s.getCount(),
                s.getLossSum(),
                s.getCorrect(),
                s.getPositives(),
                s.getTruePositives(),
                s.getNegatives(),
                s.getFalsePositives());
    }

    /** {@code m}'s state, as the values of a repeated double field. */
    private static List<Double> state(MonitorState m) {
        double[] v = new double[m.stateSize()];
        m.writeState(v, 0);
        return Arrays.stream(v).boxed().toList();
    }

    /**
     * Reads {@code values}, from index {@code from} on, into {@code m}: all of them and nothing
     * more, or the record is refused, naming the part ({@code what}) and why. Returns the values.
     */
    private static double[] readState(MonitorState m, List<Double> values, int from, String where, String what) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        try {
            if (m.readState(v, from) != v.length) {
                throw new IllegalArgumentException("trailing values");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    where + " has a " + what + " state of " + v.length + " values that does not read back: "
                            + e.getMessage(),
                    e);
        }
        return v;
    }

    static ByteString bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return ByteString.copyFrom(b.array());
    }

    /** Half-precision values as little-endian bytes. */
    private static ByteString halfBytes(short[] halfs) {
        ByteBuffer b = ByteBuffer.allocate(halfs.length * Short.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(halfs);
        return ByteString.copyFrom(b.array());
    }

    private static short[] halfs(ByteString bytes, String what) {
        if (bytes.size() % Short.BYTES != 0) {
            throw new IllegalArgumentException(
                    what + " has " + bytes.size() + " bytes, not a whole number of half-precision values");
        }
        short[] v = new short[bytes.size() / Short.BYTES];
        bytes.asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN)
                .asShortBuffer()
                .get(v);
        return v;
    }

    private static List<Float> floatList(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return out;
    }

    static float[] floats(ByteString bytes, String what) {
        if (bytes.size() % Float.BYTES != 0) {
            throw new IllegalArgumentException(
                    what + " has " + bytes.size() + " bytes, not a whole number of float32 values");
        }
        float[] v = new float[bytes.size() / Float.BYTES];
        bytes.asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(v);
        return v;
    }
}
