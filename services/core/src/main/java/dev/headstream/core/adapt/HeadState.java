package dev.headstream.core.adapt;

import dev.headstream.core.head.OptimizerState;
import dev.headstream.core.monitor.Adwin;
import dev.headstream.core.monitor.DriftMonitor;
import dev.headstream.core.monitor.MmdDriftDetector;
import dev.headstream.core.monitor.NegativeTransferMonitor;
import java.util.ArrayDeque;

/**
 * One user's adapted head for one task: the trainable tail, its optimizer state, the replay
 * buffer, the calibrated threshold, provenance counters and evaluation statistics.
 *
 * <p>Mutable and not thread-safe: it is changed only by {@link BinaryHeadTask} on the thread
 * processing the user's partition, always on a {@link #copy()} that replaces the live state only
 * after the batch's transaction committed.
 */
public final class HeadState {

    /** One remembered training clip, its embedding in half precision. */
    public record Example(StoredClip clip, boolean positive, float weight) {
    }

    final String headId;
    final long seed;
    float[] trainable;
    OptimizerState optimizer;
    final ArrayDeque<Example> replay;
    float threshold;
    long version;
    long samplesApplied;
    long samplesSeen;
    int partition = -1;
    long firstOffset = -1;
    long lastOffset = -1;
    boolean changed;
    long publishedSamples;
    double negativeSeconds;
    double lastTrainingLoss;
    double lastPrequentialLoss;
    final ScoreStats sourcePrequential;
    final ScoreStats adaptedPrequential;
    final ScoreStats sourceHoldout;
    final ScoreStats adaptedHoldout;
    /** Sequential test on the paired prequential loss gap (adapted minus source) of training samples. */
    final NegativeTransferMonitor negativeTransfer;
    /** Training stopped by a FREEZE action: samples are still scored, never trained on. */
    boolean frozen;
    /** Factor on the recipe's L2-SP strength (raised by STRONGER_L2SP actions). */
    float l2spScale = 1f;
    /** Rollbacks so far. */
    int rollbacks;
    /** Reason of a rollback the next publication must carry as ROLLED_BACK, or null. */
    String pendingRollback;
    /**
     * An operator reset (headstream.control) the next publication must carry as RESET, with
     * {@link #pendingRollback} as its reason. Set and published within one batch, so never persisted.
     */
    boolean pendingReset;

    /** Whether the user's audio domain moved away from their first samples (MMD test on clip-mean embeddings). */
    final DriftMonitor drift;
    /** MMD test of the user's recent clip means against the task's source reference set; null without one. */
    final MmdDriftDetector domain;
    /**
     * The last good version's vector and threshold ({@link BinaryHeadTask.AlarmAction#ROLLBACK_LAST_GOOD}
     * only; null otherwise or before the first good version).
     */
    float[] lastGood;
    long lastGoodVersion;
    float lastGoodThreshold;
    /** ADWIN on the adapted head's 0/1 prequential error (training samples). */
    final Adwin errorAdwin;
    /** Whether an ADWIN cut found the error rising; latched until the head goes back to the source. */
    boolean errorRiseAlarm;
    /** Negative-bank training windows this head scores highest, highest first (its hard pool). */
    int[] hardPool = new int[0];
    /**
     * Whether the last calibration held the head at the source: it is then published as the source
     * head (with {@link #heldReason}) while it keeps training.
     */
    boolean heldAtSource;
    String heldReason = "";
    /** Training samples left on probation after a negative-transfer alarm (0 = not on probation), and its length. */
    int probationLeft;
    int probationLength;
    /** Training samples since the last probation ended (-1: never on probation). */
    int sinceProbation = -1;
    /** The oldest replayed clips that are a probation's trusted evidence (from before its alarm). */
    int trusted;
    /** Activations on the bank's calibration part at the last calibrated threshold, and its hours. */
    int calibrationFalseAccepts;
    double calibrationHours;

    HeadState(String headId, long seed, float[] trainable, OptimizerState optimizer, float threshold,
            NegativeTransferMonitor negativeTransfer, DriftMonitor drift, MmdDriftDetector domain, Adwin errorAdwin) {
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
    }

    /** The negative-transfer test's CUSUM statistic now. */
    public double negativeTransferStatistic() {
        return negativeTransfer.statistic();
    }

    /** The negative-transfer test's alarm threshold. */
    public double negativeTransferThreshold() {
        return negativeTransfer.threshold();
    }

    /** The loss-rise test's Page-Hinkley statistic now (NaN when the task runs without it). */
    public double lossRiseStatistic() {
        return negativeTransfer.lossRiseStatistic();
    }

    /** The loss-rise test's threshold (NaN when the task runs without it). */
    public double lossRiseThreshold() {
        return negativeTransfer.lossRiseThreshold();
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

    /** The adapted head's log loss on the last training sample, scored before training on it. */
    public double lastPrequentialLoss() {
        return lastPrequentialLoss;
    }

    /** The last clipped prequential loss gap (adapted minus source). */
    public double lastLossGap() {
        return negativeTransfer.lastGap();
    }

    /** Whether a FREEZE action stopped this head's training. */
    public boolean frozen() {
        return frozen;
    }

    public int rollbacks() {
        return rollbacks;
    }

    /** Training samples left on probation after a negative-transfer alarm; 0 when not on probation. */
    public int probationLeft() {
        return probationLeft;
    }

    /** Whether the head is published as the source head (see {@link BinaryHeadTask#calibrate}). */
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

    /** An independent deep copy (replayed embeddings are immutable and shared). */
    public HeadState copy() {
        return new HeadState(this);
    }

    public String headId() {
        return headId;
    }

    public long version() {
        return version;
    }

    public long samplesApplied() {
        return samplesApplied;
    }

    public float threshold() {
        return threshold;
    }

    /** A copy of the trainable tail. */
    public float[] trainable() {
        return trainable.clone();
    }

    /**
     * Bytes this state holds per user beyond shared data: tail, optimizer moments, replay embeddings,
     * monitor state, the hard pool of bank windows.
     */
    public long residentBytes() {
        return (1L + optimizer.slotCount()) * trainable.length * Float.BYTES + replayBytes()
                + (long) negativeTransfer.stateSize() * Double.BYTES + drift.residentBytes()
                + (domain == null ? 0 : domain.residentBytes()) + (long) errorAdwin.stateSize() * Double.BYTES
                + (lastGood == null ? 0 : (long) lastGood.length * Float.BYTES + Long.BYTES + Float.BYTES)
                + (long) hardPool.length * Integer.BYTES;
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
