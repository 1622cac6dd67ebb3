package dev.headstream.core.adapt.state;

import dev.headstream.core.embed.Float16;
import dev.headstream.core.head.OptimizerState;
import dev.headstream.core.monitor.Adwin;
import dev.headstream.core.monitor.DriftMonitor;
import dev.headstream.core.monitor.MmdDriftDetector;
import dev.headstream.core.monitor.MmdWorkspace;
import dev.headstream.core.monitor.NegativeTransferMonitor;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * One user's adapted head for one task: the trainable tail, its optimizer state, the replay
 * buffer, the calibrated threshold, provenance counters, evaluation statistics, the monitors and
 * what the task's alarm and publish policies decided. The only class that writes these fields:
 * the task changes them through the methods named for each step, and the changelog codec reads
 * and restores them whole through {@link #snapshot()} and {@link #restore}.
 *
 * <p>Mutable and not thread-safe: it is changed only on the thread processing the user's
 * partition, always on a {@link #copy()} that replaces the live state only after the batch's
 * transaction committed. The vector and optimizer are updated in place by the task's trainer
 * ({@link #liveTrainable()}, {@link #liveOptimizer()}): the hot path allocates no copy.
 */
public final class HeadState {

    /**
     * How the reason of a head reset on restore starts (its stored state no longer decoded): such a
     * reset comes from no sample and no command, so {@code replay} cannot rebuild its head. A reset
     * or rollback later in the same batch keeps it first in the version's reason ({@link #owed}).
     */
    public static final String RESTORE_RESET_REASON = "reset on restore: ";

    /** Between a reset on restore and what followed it in the same batch, in a version's reason. */
    static final String THEN = "; then ";

    /** One remembered training clip, its embedding in half precision. */
    public record Example(StoredClip clip, boolean positive, float weight) {}

    /**
     * Everything a head's changelog record holds, for the codec: {@link #snapshot()} gives it,
     * {@link #restore} rebuilds a head from it. Arrays, the optimizer and the monitors are the
     * snapshot's own (copies when taken, owned by the restored head when restored). The pending
     * reset flag is not part of it: a reset is set and published within one batch.
     *
     * @param headId                  {@code tenant/user/task}
     * @param seed                    the head's seed, from its id
     * @param trainable               the per-user vector
     * @param optimizer               its optimizer state
     * @param replay                  the replay buffer, oldest first
     * @param threshold               the calibrated decision threshold
     * @param version                 the last version made
     * @param samplesApplied          samples applied (trained on, or scored while frozen)
     * @param samplesSeen             samples scored, holdout included
     * @param publishedSamples        {@code samplesApplied} at the last version
     * @param changed                 whether the head trained since the last version
     * @param partition               samples partition of the last training sample, or -1
     * @param firstOffset             offset of the first training sample, or -1
     * @param lastOffset              offset of the last training sample, or -1
     * @param negativeSeconds         seconds of negative training audio
     * @param lastTrainingLoss        the adapted head's log loss on the last training sample after training
     * @param lastPrequentialLoss     the same before training
     * @param sourcePrequential       the source head on training samples, scored before training
     * @param adaptedPrequential      the adapted head on the same
     * @param sourceHoldout           the source head on holdout samples
     * @param adaptedHoldout          the adapted head on holdout samples
     * @param negativeTransfer        the negative-transfer test
     * @param drift                   the drift test
     * @param domain                  the domain-similarity test, or null without a reference set
     * @param errorAdwin              ADWIN on the adapted head's 0/1 error
     * @param errorRiseAlarm          whether ADWIN found the error rising
     * @param frozen                  whether training stopped
     * @param l2spScale               factor on the recipe's L2-SP strength
     * @param rollbacks               rollbacks so far
     * @param pendingRollback         the reason the next version carries as ROLLED_BACK, or null
     * @param lastGood                the last good version's vector, or null
     * @param lastGoodVersion         its version
     * @param lastGoodThreshold       its threshold
     * @param hardPool                the negative-bank windows this head scores highest, highest first
     * @param heldAtSource            whether the last calibration held the head at the source
     * @param heldReason              why; empty when not held
     * @param calibrationFalseAccepts activations on the bank's calibration part at the last threshold
     * @param calibrationHours        hours of that part
     * @param probationLeft           training samples left on probation, 0 when not on probation
     * @param probationLength         the last probation's length
     * @param sinceProbation          training samples since the last probation ended, -1 if never on one
     * @param trustedClips            the oldest replayed clips that are a probation's trusted evidence
     * @param calibrationPool         the calibration windows of the bank in the head's calibration pool,
     *                                ascending (empty: none yet)
     * @param calibrationPoolScores   their logits when they were last scored, aligned with them
     * @param calibrationSlice        the slice of the calibration part the next training sample scores
     * @param nearMissesLearned       the task's near misses this head learned since it started or was
     *                                last rolled back or reset
     * @param nearMissesSha256        the digest of the near-miss set they were counted in; empty before any
     * @param phrase                  the user's wake phrase, for a task whose phrase is per user; else empty
     */
    public record Snapshot(
            String headId,
            long seed,
            float[] trainable,
            OptimizerState optimizer,
            List<Example> replay,
            float threshold,
            long version,
            long samplesApplied,
            long samplesSeen,
            long publishedSamples,
            boolean changed,
            int partition,
            long firstOffset,
            long lastOffset,
            double negativeSeconds,
            double lastTrainingLoss,
            double lastPrequentialLoss,
            ScoreStats.Sums sourcePrequential,
            ScoreStats.Sums adaptedPrequential,
            ScoreStats.Sums sourceHoldout,
            ScoreStats.Sums adaptedHoldout,
            NegativeTransferMonitor negativeTransfer,
            DriftMonitor drift,
            MmdDriftDetector domain,
            Adwin errorAdwin,
            boolean errorRiseAlarm,
            boolean frozen,
            float l2spScale,
            int rollbacks,
            String pendingRollback,
            float[] lastGood,
            long lastGoodVersion,
            float lastGoodThreshold,
            int[] hardPool,
            boolean heldAtSource,
            String heldReason,
            int calibrationFalseAccepts,
            double calibrationHours,
            int probationLeft,
            int probationLength,
            int sinceProbation,
            int trustedClips,
            int[] calibrationPool,
            float[] calibrationPoolScores,
            int calibrationSlice,
            int nearMissesLearned,
            String nearMissesSha256,
            String phrase) {

        public Snapshot {
            replay = List.copyOf(replay);
        }
    }

    private final String headId;
    private final long seed;
    private float[] trainable;
    private OptimizerState optimizer;
    private final ArrayDeque<Example> replay;
    private float threshold;
    private long version;
    private long samplesApplied;
    private long samplesSeen;
    private int partition = -1;
    private long firstOffset = -1;
    private long lastOffset = -1;
    private boolean changed;
    private long publishedSamples;
    private double negativeSeconds;
    private double lastTrainingLoss;
    private double lastPrequentialLoss;
    private final ScoreStats sourcePrequential;
    private final ScoreStats adaptedPrequential;
    private final ScoreStats sourceHoldout;
    private final ScoreStats adaptedHoldout;
    /** Sequential test on the paired prequential loss gap (adapted minus source) of training samples. */
    private final NegativeTransferMonitor negativeTransfer;
    /** Training stopped (by an alarm action or an operator): samples are still scored, never trained on. */
    private boolean frozen;
    /** Factor on the recipe's L2-SP strength (raised by an alarm action). */
    private float l2spScale = 1f;

    private int rollbacks;
    /** Reason of a rollback the next publication must carry as ROLLED_BACK, or null. */
    private String pendingRollback;
    /**
     * An operator reset the next publication must carry as RESET, with {@link #pendingRollback} as
     * its reason. Set and published within one batch, so never persisted.
     */
    private boolean pendingReset;
    /** Whether the user's audio domain moved away from their first samples (MMD test on clip-mean embeddings). */
    private final DriftMonitor drift;
    /** MMD test of the user's recent clip means against the task's source reference set; null without one. */
    private final MmdDriftDetector domain;
    /** The last good version's vector and threshold; null when the alarm action keeps none, or before the first. */
    private float[] lastGood;

    private long lastGoodVersion;
    private float lastGoodThreshold;
    /** ADWIN on the adapted head's 0/1 prequential error (training samples). */
    private final Adwin errorAdwin;
    /** Whether an ADWIN cut found the error rising; latched until the head goes back to the source. */
    private boolean errorRiseAlarm;
    /** Negative-bank training windows this head scores highest, highest first (its hard pool). */
    private int[] hardPool = new int[0];
    /** The calibration windows in the head's calibration pool, ascending, packed ({@link WindowSet}). */
    private byte[] calibrationPool = new byte[0];
    /** Their logits when last scored, float16, aligned with them. */
    private short[] calibrationPoolScores = new short[0];
    /** The slice of the bank's calibration part the next calibration scores besides the pool. */
    private int calibrationSlice;
    /** Whether the last calibration held the head at the source, and why. */
    private boolean heldAtSource;

    private String heldReason = "";
    /** Training samples left on probation after a negative-transfer alarm (0 = not on probation), and its length. */
    private int probationLeft;

    private int nearMissesLearned;
    /** The digest of the near-miss set {@link #nearMissesLearned} counts; empty before the first. */
    private String nearMissesSha256 = "";
    /** The user's wake phrase, for a task whose phrase is per user ("" until a sample names one). */
    private String phrase = "";

    private int probationLength;
    /** Training samples since the last probation ended (-1: never on probation). */
    private int sinceProbation = -1;
    /** The oldest replayed clips that are a probation's trusted evidence (from before its alarm). */
    private int trusted;
    /** Activations on the bank's calibration part at the last calibrated threshold, and its hours. */
    private int calibrationFalseAccepts;

    private double calibrationHours;

    /** A new head: the given vector, optimizer state, threshold and fresh monitors; nothing applied yet. */
    public HeadState(
            String headId,
            long seed,
            float[] trainable,
            OptimizerState optimizer,
            float threshold,
            NegativeTransferMonitor negativeTransfer,
            DriftMonitor drift,
            MmdDriftDetector domain,
            Adwin errorAdwin) {
        this.errorAdwin = errorAdwin;
        this.drift = drift;
        this.domain = domain;
        this.headId = headId;
        this.seed = seed;
        this.trainable = trainable;
        this.optimizer = optimizer;
        this.replay = new ArrayDeque<>();
        this.threshold = threshold;
        this.sourcePrequential = new ScoreStats();
        this.adaptedPrequential = new ScoreStats();
        this.sourceHoldout = new ScoreStats();
        this.adaptedHoldout = new ScoreStats();
        this.negativeTransfer = negativeTransfer;
    }

    private HeadState(HeadState o) {
        this.headId = o.headId;
        this.seed = o.seed;
        this.trainable = o.trainable.clone();
        this.optimizer = o.optimizer.copy();
        this.replay = new ArrayDeque<>(o.replay);
        this.threshold = o.threshold;
        this.version = o.version;
        this.samplesApplied = o.samplesApplied;
        this.samplesSeen = o.samplesSeen;
        this.partition = o.partition;
        this.firstOffset = o.firstOffset;
        this.lastOffset = o.lastOffset;
        this.changed = o.changed;
        this.publishedSamples = o.publishedSamples;
        this.negativeSeconds = o.negativeSeconds;
        this.lastTrainingLoss = o.lastTrainingLoss;
        this.lastPrequentialLoss = o.lastPrequentialLoss;
        this.sourcePrequential = o.sourcePrequential.copy();
        this.adaptedPrequential = o.adaptedPrequential.copy();
        this.sourceHoldout = o.sourceHoldout.copy();
        this.adaptedHoldout = o.adaptedHoldout.copy();
        this.negativeTransfer = o.negativeTransfer.copy();
        this.drift = o.drift.copy();
        this.domain = o.domain == null ? null : o.domain.copy();
        this.errorAdwin = o.errorAdwin.copy();
        this.errorRiseAlarm = o.errorRiseAlarm;
        this.hardPool = o.hardPool.clone();
        this.calibrationPool = o.calibrationPool.clone();
        this.calibrationPoolScores = o.calibrationPoolScores.clone();
        this.calibrationSlice = o.calibrationSlice;
        this.heldAtSource = o.heldAtSource;
        this.probationLeft = o.probationLeft;
        this.probationLength = o.probationLength;
        this.sinceProbation = o.sinceProbation;
        this.trusted = o.trusted;
        this.heldReason = o.heldReason;
        this.calibrationFalseAccepts = o.calibrationFalseAccepts;
        this.calibrationHours = o.calibrationHours;
        this.lastGood = o.lastGood == null ? null : o.lastGood.clone();
        this.lastGoodVersion = o.lastGoodVersion;
        this.lastGoodThreshold = o.lastGoodThreshold;
        this.frozen = o.frozen;
        this.l2spScale = o.l2spScale;
        this.rollbacks = o.rollbacks;
        this.pendingRollback = o.pendingRollback;
        this.pendingReset = o.pendingReset;
        this.nearMissesLearned = o.nearMissesLearned;
        this.nearMissesSha256 = o.nearMissesSha256;
        this.phrase = o.phrase;
    }

    /** An independent deep copy (replayed embeddings are immutable and shared). */
    public HeadState copy() {
        return new HeadState(this);
    }

    // ---- changelog ----------------------------------------------------------------------------

    /** Everything the changelog keeps of this head, as copies. */
    public Snapshot snapshot() {
        return new Snapshot(
                headId,
                seed,
                trainable.clone(),
                optimizer.copy(),
                List.copyOf(replay),
                threshold,
                version,
                samplesApplied,
                samplesSeen,
                publishedSamples,
                changed,
                partition,
                firstOffset,
                lastOffset,
                negativeSeconds,
                lastTrainingLoss,
                lastPrequentialLoss,
                sourcePrequential.sums(),
                adaptedPrequential.sums(),
                sourceHoldout.sums(),
                adaptedHoldout.sums(),
                negativeTransfer.copy(),
                drift.copy(),
                domain == null ? null : domain.copy(),
                errorAdwin.copy(),
                errorRiseAlarm,
                frozen,
                l2spScale,
                rollbacks,
                pendingRollback,
                lastGood == null ? null : lastGood.clone(),
                lastGoodVersion,
                lastGoodThreshold,
                hardPool.clone(),
                heldAtSource,
                heldReason,
                calibrationFalseAccepts,
                calibrationHours,
                probationLeft,
                probationLength,
                sinceProbation,
                trusted,
                WindowSet.unpack(calibrationPool),
                calibrationPoolScores(),
                calibrationSlice,
                nearMissesLearned,
                nearMissesSha256,
                phrase);
    }

    /** The head {@code s} describes; it takes ownership of the snapshot's arrays, optimizer and monitors. */
    public static HeadState restore(Snapshot s) {
        return new HeadState(s);
    }

    private HeadState(Snapshot s) {
        this.headId = s.headId();
        this.seed = s.seed();
        this.trainable = s.trainable();
        this.optimizer = s.optimizer();
        this.replay = new ArrayDeque<>(s.replay());
        this.threshold = s.threshold();
        this.version = s.version();
        this.samplesApplied = s.samplesApplied();
        this.samplesSeen = s.samplesSeen();
        this.publishedSamples = s.publishedSamples();
        this.changed = s.changed();
        this.partition = s.partition();
        this.firstOffset = s.firstOffset();
        this.lastOffset = s.lastOffset();
        this.negativeSeconds = s.negativeSeconds();
        this.lastTrainingLoss = s.lastTrainingLoss();
        this.lastPrequentialLoss = s.lastPrequentialLoss();
        this.sourcePrequential = ScoreStats.restore(s.sourcePrequential());
        this.adaptedPrequential = ScoreStats.restore(s.adaptedPrequential());
        this.sourceHoldout = ScoreStats.restore(s.sourceHoldout());
        this.adaptedHoldout = ScoreStats.restore(s.adaptedHoldout());
        this.negativeTransfer = s.negativeTransfer();
        this.drift = s.drift();
        this.domain = s.domain();
        this.errorAdwin = s.errorAdwin();
        this.errorRiseAlarm = s.errorRiseAlarm();
        this.frozen = s.frozen();
        this.l2spScale = s.l2spScale();
        this.rollbacks = s.rollbacks();
        this.pendingRollback = s.pendingRollback();
        this.lastGood = s.lastGood();
        this.lastGoodVersion = s.lastGoodVersion();
        this.lastGoodThreshold = s.lastGoodThreshold();
        this.hardPool = s.hardPool();
        this.heldAtSource = s.heldAtSource();
        this.heldReason = s.heldReason();
        this.calibrationFalseAccepts = s.calibrationFalseAccepts();
        this.calibrationHours = s.calibrationHours();
        this.probationLeft = s.probationLeft();
        this.probationLength = s.probationLength();
        this.sinceProbation = s.sinceProbation();
        this.trusted = s.trustedClips();
        setCalibrationPool(s.calibrationPool(), s.calibrationPoolScores());
        this.calibrationSlice = s.calibrationSlice();
        this.nearMissesLearned = s.nearMissesLearned();
        this.nearMissesSha256 = s.nearMissesSha256();
        this.phrase = s.phrase();
    }

    // ---- applying a sample --------------------------------------------------------------------

    /** A holdout sample was scored: counts it and adds the two heads' scores to the holdout statistics. */
    public void recordHoldout(
            boolean positive, float source, boolean sourceAccepted, float adapted, boolean adaptedAccepted) {
        samplesSeen++;
        sourceHoldout.add(positive, source, sourceAccepted);
        adaptedHoldout.add(positive, adapted, adaptedAccepted);
    }

    /** A training sample was scored before training: counts it and adds the scores to the prequential statistics. */
    public void recordPrequential(
            boolean positive, float source, boolean sourceAccepted, float adapted, boolean adaptedAccepted) {
        samplesSeen++;
        sourcePrequential.add(positive, source, sourceAccepted);
        adaptedPrequential.add(positive, adapted, adaptedAccepted);
    }

    /**
     * Feeds one training sample to the monitors: its clip mean to the drift and domain tests
     * ({@code domainWorkspace} unused without a domain test), its two log losses to the
     * negative-transfer test and the adapted head's error (0 or 1) to ADWIN, latching a rise.
     *
     * @return whether the negative-transfer test alarms
     */
    public boolean monitorTrainingSample(
            float[] clipMean,
            MmdWorkspace driftWorkspace,
            MmdWorkspace domainWorkspace,
            double adaptedLoss,
            double sourceLoss,
            double adaptedError) {
        drift.input(clipMean, 0, driftWorkspace);
        if (domain != null) {
            domain.input(clipMean, 0, domainWorkspace);
        }
        boolean alarm = negativeTransfer.input(adaptedLoss, sourceLoss);
        if (errorAdwin.input(adaptedError) && errorAdwin.lastChangeWasIncrease()) {
            errorRiseAlarm = true;
        }
        return alarm;
    }

    /** A sample applied to a frozen head: counted, scored, not trained on. */
    public void appliedWithoutTraining(double prequentialLoss) {
        samplesApplied++;
        lastPrequentialLoss = prequentialLoss;
    }

    /**
     * Appends {@code example} to the replay buffer, then drops the oldest clips that are not a
     * probation's trusted evidence (the oldest clips when there is none) until at most
     * {@code capacity} remain.
     */
    public void remember(Example example, int capacity) {
        replay.addLast(example);
        while (replay.size() > capacity) {
            evictOldest();
        }
    }

    private void evictOldest() {
        if (trusted == 0 || trusted >= replay.size()) {
            replay.removeFirst();
            trusted = Math.max(0, trusted - 1);
            return;
        }
        Iterator<Example> it = replay.iterator();
        for (int i = 0; i <= trusted; i++) {
            it.next();
        }
        it.remove();
    }

    /**
     * The trainer took its steps on one of the task's near misses (not a sample of the user's: not
     * counted in {@link #samplesApplied()}); marks the head changed since its last version.
     */
    public void learnedNearMiss() {
        nearMissesLearned++;
        changed = true;
    }

    /** The task's near misses this head learned since it started or was last rolled back or reset. */
    public int nearMissesLearned() {
        return nearMissesLearned;
    }

    /** The digest of the near-miss set {@link #nearMissesLearned()} counts ({@code NearMissSet.sha256}); empty before any. */
    public String nearMissesSha256() {
        return nearMissesSha256;
    }

    /**
     * The head's near misses are {@code sha256}'s from now on: if they were another set's, it has
     * learned none of them yet.
     */
    public void countNearMissesOf(String sha256) {
        if (!sha256.equals(nearMissesSha256)) {
            nearMissesSha256 = sha256;
            nearMissesLearned = 0;
        }
    }

    /** The user's wake phrase, for a task whose phrase is per user; else empty. */
    public String phrase() {
        return phrase;
    }

    /** The user named {@code newPhrase}: the head's near misses are its, from the first. */
    public void phrase(String newPhrase) {
        phrase = Objects.requireNonNull(newPhrase, "newPhrase");
        nearMissesSha256 = "";
        nearMissesLearned = 0;
        changed = true;
    }

    /** The trainer took its steps on the newest sample: counts it and marks the head changed since its last version. */
    public void trained() {
        samplesApplied++;
        changed = true;
    }

    /** The losses of the last training sample: before training on it, and after. */
    public void recordLosses(double prequentialLoss, double trainingLoss) {
        lastPrequentialLoss = prequentialLoss;
        lastTrainingLoss = trainingLoss;
    }

    /** Replaces the hard pool (negative-bank windows, highest-scoring first). */
    public void replaceHardPool(int[] windows) {
        hardPool = windows;
    }

    /**
     * Replaces the calibration pool: its windows (any order, distinct), their logits (aligned, kept
     * in float16), and the slice the next training sample scores.
     */
    public void replaceCalibrationPool(int[] windows, float[] scores, int nextSlice) {
        setCalibrationPool(windows, scores);
        calibrationSlice = nextSlice;
    }

    private void setCalibrationPool(int[] windows, float[] scores) {
        if (windows.length != scores.length) {
            throw new IllegalArgumentException(
                    "calibration pool of " + windows.length + " windows with " + scores.length + " scores");
        }
        int[] order = ascendingOrder(windows);
        int[] sorted = new int[windows.length];
        short[] half = new short[windows.length];
        for (int i = 0; i < order.length; i++) {
            sorted[i] = windows[order[i]];
            half[i] = Float16.fromFloat(scores[order[i]]);
        }
        calibrationPool = WindowSet.pack(sorted);
        calibrationPoolScores = half;
    }

    /** The places of {@code windows} in ascending order of window (the calibrator passes them ascending already). */
    private static int[] ascendingOrder(int[] windows) {
        int[] order = new int[windows.length];
        boolean ascending = true;
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            ascending &= i == 0 || windows[i - 1] <= windows[i];
        }
        if (!ascending) {
            order = java.util.stream.IntStream.range(0, windows.length)
                    .boxed()
                    .sorted(java.util.Comparator.comparingInt(i -> windows[i]))
                    .mapToInt(Integer::intValue)
                    .toArray();
        }
        return order;
    }

    private void clearCalibrationPool() {
        calibrationPool = new byte[0];
        calibrationPoolScores = new short[0];
        calibrationSlice = 0;
    }

    /** Where the last training sample came from; the first one's offset is kept as well. */
    public void recordProvenance(int samplesPartition, long offset) {
        if (firstOffset < 0) {
            firstOffset = offset;
        }
        lastOffset = offset;
        partition = samplesPartition;
    }

    /** Adds the length of a negative training clip (the false-accept rate's denominator). */
    public void addNegativeSeconds(double seconds) {
        negativeSeconds += seconds;
    }

    // ---- rollback, probation, operator commands -----------------------------------------------

    /**
     * Puts the head back to {@code vector} with {@code freshOptimizer} and {@code newThreshold}:
     * the replay buffer emptied, the negative-transfer test and ADWIN reset, the error-rise alarm
     * cleared; the head counts as changed.
     */
    public void rollBackTo(float[] vector, OptimizerState freshOptimizer, float newThreshold) {
        // the pool holds the steps the rejected head scored highest: start again from the source's
        clearCalibrationPool();
        trainable = vector;
        optimizer = freshOptimizer;
        replay.clear();
        // the near misses left with the replay buffer: the head learns them again from the first
        nearMissesLearned = 0;
        threshold = newThreshold;
        negativeTransfer.reset();
        errorAdwin.reset();
        errorRiseAlarm = false;
        changed = true;
    }

    /** Replaces the vector and threshold by a copy of the last good version's. */
    public void restoreLastGood() {
        trainable = lastGood.clone();
        threshold = lastGoodThreshold;
    }

    /** The head was rolled back: counts it; the next version carries {@code reason} as ROLLED_BACK. */
    public void rolledBack(String reason) {
        rollbacks++;
        pendingRollback = owed(reason);
    }

    /**
     * The reason the version owed now carries: {@code reason}, after the reset on restore still
     * owed, if one is ({@link #RESTORE_RESET_REASON}), so that a version that resets on restore
     * always says so, whatever else happened to the head before its batch ended.
     */
    private String owed(String reason) {
        if (pendingRollback == null || !pendingRollback.startsWith(RESTORE_RESET_REASON) || reason == null) {
            return reason;
        }
        int then = pendingRollback.indexOf(THEN);
        return (then < 0 ? pendingRollback : pendingRollback.substring(0, then)) + THEN + reason;
    }

    /** Stops or resumes training (samples are scored either way). */
    public void freeze(boolean stop) {
        frozen = stop;
    }

    /** Multiplies the L2-SP factor by {@code factor}. */
    public void scaleL2sp(float factor) {
        l2spScale *= factor;
    }

    /**
     * Puts the head on probation for {@code length} training samples with {@code evidence} back in
     * its (emptied) replay buffer as the trusted clips.
     */
    public void startProbation(int length, List<Example> evidence) {
        probationLength = length;
        probationLeft = length;
        sinceProbation = 0;
        replay.clear();
        nearMissesLearned = 0;
        replay.addAll(evidence);
        trusted = evidence.size();
    }

    /**
     * Counts a training sample against the probation: one fewer left while on it, else one more
     * since the last one ended.
     *
     * @return whether this sample ended the probation
     */
    public boolean countProbationSample() {
        if (probationLeft > 0 && --probationLeft == 0) {
            return true;
        } else if (probationLeft == 0 && sinceProbation >= 0) {
            sinceProbation++;
        }
        return false;
    }

    /** The probation ended and the head is released: its evidence becomes ordinary replay. */
    public void releaseFromProbation() {
        trusted = 0;
        sinceProbation = 0;
    }

    /**
     * An operator reset (after {@link #rollBackTo} the source): every per-head setting back to a
     * new head's (no probation, empty hard pool, drift test restarted, not frozen, L2-SP factor 1,
     * no last good version: a later rollback to the last good one must not bring back the head the
     * reset threw away); the next version carries {@code reason} as RESET. Sample counts and the
     * version go on.
     */
    public void reset(String reason) {
        lastGood = null;
        lastGoodVersion = 0;
        lastGoodThreshold = 0f;
        probationLeft = 0;
        probationLength = 0;
        sinceProbation = -1;
        trusted = 0;
        hardPool = new int[0];
        clearCalibrationPool();
        drift.reset();
        frozen = false;
        l2spScale = 1f;
        pendingRollback = owed(reason);
        pendingReset = true;
    }

    // ---- calibration and versions -------------------------------------------------------------

    /** Sets the calibrated decision threshold. */
    public void calibrated(float newThreshold) {
        threshold = newThreshold;
    }

    /** Activations at the calibrated threshold on the negative bank's calibration part of {@code hours}. */
    public void recordCalibrationFalseAccepts(int activations, double hours) {
        calibrationFalseAccepts = activations;
        calibrationHours = hours;
    }

    /** Publishes the head as the source head (it keeps training), for {@code reason}. */
    public void holdAtSource(String reason) {
        heldAtSource = true;
        heldReason = reason;
    }

    /** Publishes the adapted head (no longer held at the source). */
    public void releaseHold() {
        heldAtSource = false;
        heldReason = "";
    }

    /** Makes the next version: the version number goes up. */
    public void newVersion() {
        version++;
    }

    /**
     * Continues the version numbers of an earlier state of this head that was lost (it did not
     * decode on restore): the next version made is {@code lastVersion + 1}, so consumers that hold
     * an older version take it. Only on a head that has made no version yet.
     *
     * @throws IllegalStateException    if the head has made a version
     * @throws IllegalArgumentException if {@code lastVersion} is negative
     */
    public void continueVersionsAfter(long lastVersion) {
        if (version != 0) {
            throw new IllegalStateException("head " + headId + " has made version " + version + " already");
        }
        if (lastVersion < 0) {
            throw new IllegalArgumentException("a version is >= 0, got " + lastVersion);
        }
        version = lastVersion;
    }

    /** Keeps a copy of the vector and threshold as the last good version, this version. */
    public void keepAsLastGood() {
        if (lastGood == null || lastGood.length != trainable.length) {
            lastGood = trainable.clone();
        } else {
            System.arraycopy(trainable, 0, lastGood, 0, trainable.length);
        }
        lastGoodVersion = version;
        lastGoodThreshold = threshold;
    }

    /** The version was made: nothing changed since, at this many samples applied. */
    public void versionMade() {
        changed = false;
        publishedSamples = samplesApplied;
    }

    /** The version went out with its status and reason: clears them. */
    public void statusSent() {
        pendingRollback = null;
        pendingReset = false;
    }

    // ---- reading ------------------------------------------------------------------------------

    public String headId() {
        return headId;
    }

    public long seed() {
        return seed;
    }

    /** A copy of the per-user vector. */
    public float[] trainable() {
        return trainable.clone();
    }

    /** The per-user vector itself, for the task's trainer and scorer: updated in place, never kept. */
    public float[] liveTrainable() {
        return trainable;
    }

    /** The optimizer state itself, for the task's trainer: updated in place, never kept. */
    public OptimizerState liveOptimizer() {
        return optimizer;
    }

    /** The replay buffer, oldest first (a read-only view). */
    public Collection<Example> replay() {
        return Collections.unmodifiableCollection(replay);
    }

    /** The newest replayed clip, or null when the buffer is empty. */
    public Example newestReplayed() {
        return replay.peekLast();
    }

    public float threshold() {
        return threshold;
    }

    public long version() {
        return version;
    }

    public long samplesApplied() {
        return samplesApplied;
    }

    public long samplesSeen() {
        return samplesSeen;
    }

    /** {@link #samplesApplied()} at the last version. */
    public long publishedSamples() {
        return publishedSamples;
    }

    /** Whether the head trained (or was rolled back) since its last version. */
    public boolean changed() {
        return changed;
    }

    /** Samples partition of the last training sample, or -1. */
    public int partition() {
        return partition;
    }

    /** Offset of the first training sample, or -1. */
    public long firstOffset() {
        return firstOffset;
    }

    /** Offset of the last training sample, or -1. */
    public long lastOffset() {
        return lastOffset;
    }

    /** Seconds of negative training audio applied. */
    public double negativeSeconds() {
        return negativeSeconds;
    }

    /** The adapted head's log loss on the last training sample, scored before training on it. */
    public double lastPrequentialLoss() {
        return lastPrequentialLoss;
    }

    /** The adapted head's log loss on the last training sample after training on it. */
    public double lastTrainingLoss() {
        return lastTrainingLoss;
    }

    /** The source head's statistics on training samples, scored before training. */
    public ScoreStats.Sums sourcePrequential() {
        return sourcePrequential.sums();
    }

    /** The adapted head's statistics on training samples, scored before training. */
    public ScoreStats.Sums adaptedPrequential() {
        return adaptedPrequential.sums();
    }

    public ScoreStats.Sums sourceHoldout() {
        return sourceHoldout.sums();
    }

    public ScoreStats.Sums adaptedHoldout() {
        return adaptedHoldout.sums();
    }

    /** The negative-transfer test's CUSUM statistic now. */
    public double negativeTransferStatistic() {
        return negativeTransfer.statistic();
    }

    /** The negative-transfer test's alarm threshold. */
    public double negativeTransferThreshold() {
        return negativeTransfer.threshold();
    }

    /** Whether the negative-transfer test (either of its statistics) is alarmed. */
    public boolean negativeTransferAlarm() {
        return negativeTransfer.alarm();
    }

    /** Which of the negative-transfer statistics alarmed. */
    public NegativeTransferMonitor.Test negativeTransferAlarmTest() {
        return negativeTransfer.alarmTest();
    }

    /** The mean loss gap (adapted minus source) over the test's window. */
    public double negativeTransferWindowGap() {
        return negativeTransfer.windowGap();
    }

    /** Samples the negative-transfer test has seen since its last reset. */
    public long negativeTransferSamples() {
        return negativeTransfer.samples();
    }

    /** The loss-rise test's Page-Hinkley statistic now (NaN when the task runs without it). */
    public double lossRiseStatistic() {
        return negativeTransfer.lossRiseStatistic();
    }

    /** The loss-rise test's threshold (NaN when the task runs without it). */
    public double lossRiseThreshold() {
        return negativeTransfer.lossRiseThreshold();
    }

    /** The loss-rise test's running mean of the adapted head's loss. */
    public double lossRiseMean() {
        return negativeTransfer.lossRiseMean();
    }

    public boolean lossRiseAlarm() {
        return negativeTransfer.lossRiseAlarm();
    }

    /** The last clipped prequential loss gap (adapted minus source). */
    public double lastLossGap() {
        return negativeTransfer.lastGap();
    }

    /** ADWIN's window on the adapted head's error: length, error rate (NaN when empty), rise alarm. */
    public long adwinWidth() {
        return errorAdwin.width();
    }

    public double adwinErrorRate() {
        return errorAdwin.mean();
    }

    public boolean errorRiseAlarm() {
        return errorRiseAlarm;
    }

    /** The drift test: whether this user's input moved away from their first samples. */
    public boolean driftAlarm() {
        return drift.alarm();
    }

    /** The drift test's last MMD^2 (NaN before its first test). */
    public double driftStatistic() {
        return drift.statistic();
    }

    /** The drift test's last permutation critical value (NaN before its first test). */
    public double driftThreshold() {
        return drift.threshold();
    }

    /** Samples after the drift reference up to the drift alarm (1-based), or -1. */
    public long driftAlarmSample() {
        return drift.alarmSample();
    }

    /** MMD^2 of the user's last clip means vs the source reference set (NaN before the first test or without one). */
    public double domainMmd2() {
        return domain == null ? Double.NaN : domain.lastMmd2();
    }

    /** The domain-similarity test's last p-value (NaN before the first test or without a reference set). */
    public double domainPValue() {
        return domain == null ? Double.NaN : domain.lastPValue();
    }

    /** Whether training stopped (an alarm action or an operator froze the head). */
    public boolean frozen() {
        return frozen;
    }

    /** Factor on the recipe's L2-SP strength. */
    public float l2spScale() {
        return l2spScale;
    }

    public int rollbacks() {
        return rollbacks;
    }

    /** The reason the next version carries as ROLLED_BACK (or RESET), or null. */
    public String pendingRollback() {
        return pendingRollback;
    }

    /** Whether the next version carries RESET. */
    public boolean pendingReset() {
        return pendingReset;
    }

    /** Whether a last good version is kept. */
    public boolean hasLastGood() {
        return lastGood != null;
    }

    /** The last good version's number (0 when none is kept). */
    public long lastGoodVersion() {
        return lastGoodVersion;
    }

    /** The hard pool itself (negative-bank windows, highest-scoring first): read, never change. */
    public int[] hardPool() {
        return hardPool;
    }

    /** The calibration pool (calibration windows of the bank), ascending; a new array. */
    public int[] calibrationPool() {
        return WindowSet.unpack(calibrationPool);
    }

    /** The pool's logits when last scored (float16 precision), aligned with {@link #calibrationPool()}; a new array. */
    public float[] calibrationPoolScores() {
        float[] out = new float[calibrationPoolScores.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float16.toFloat(calibrationPoolScores[i]);
        }
        return out;
    }

    /** The slice of the bank's calibration part the next calibration scores besides the pool. */
    public int calibrationSlice() {
        return calibrationSlice;
    }

    /** Training samples left on probation after a negative-transfer alarm; 0 when not on probation. */
    public int probationLeft() {
        return probationLeft;
    }

    /** The last probation's length in training samples (0: none yet). */
    public int probationLength() {
        return probationLength;
    }

    /** Training samples since the last probation ended; -1 if the head was never on probation. */
    public int sinceProbation() {
        return sinceProbation;
    }

    /** The oldest replayed clips that are a probation's trusted evidence. */
    public int trustedClips() {
        return trusted;
    }

    /** Whether the head is published as the source head (the last calibration held it there). */
    public boolean heldAtSource() {
        return heldAtSource;
    }

    /** Why the head is held at the source; empty when it is not. */
    public String heldReason() {
        return heldReason;
    }

    /** Activations on the negative bank's calibration part at the threshold of the last calibration. */
    public int calibrationFalseAccepts() {
        return calibrationFalseAccepts;
    }

    /** Hours of the negative bank's calibration part (0 without a bank). */
    public double calibrationHours() {
        return calibrationHours;
    }

    /**
     * Bytes this state holds per user beyond shared data: tail, optimizer moments, replay embeddings,
     * monitor state, the hard pool and the calibration pool of bank windows.
     */
    public long residentBytes() {
        return (1L + optimizer.slotCount()) * trainable.length * Float.BYTES
                + replayBytes()
                + (long) negativeTransfer.stateSize() * Double.BYTES
                + drift.residentBytes()
                + (domain == null ? 0 : domain.residentBytes())
                + (long) errorAdwin.stateSize() * Double.BYTES
                + (lastGood == null ? 0 : (long) lastGood.length * Float.BYTES + Long.BYTES + Float.BYTES)
                + (long) hardPool.length * Integer.BYTES
                + calibrationPool.length
                + (long) calibrationPoolScores.length * Short.BYTES;
    }

    /** The per-user vector's share of {@link #residentBytes()}. */
    public long trainableBytes() {
        return (long) trainable.length * Float.BYTES;
    }

    /** The optimizer moments' share of {@link #residentBytes()}. */
    public long optimizerBytes() {
        return (long) optimizer.slotCount() * trainable.length * Float.BYTES;
    }

    /** The replay buffer's share of {@link #residentBytes()}: the remembered clips' embeddings. */
    public long replayBytes() {
        long bytes = 0;
        for (Example e : replay) {
            bytes += e.clip().bytes();
        }
        return bytes;
    }
}
