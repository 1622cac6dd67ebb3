package dev.headstream.core.adapt.state;

import dev.headstream.core.head.OptimizerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One user's head of a class task (multi-class or multi-label): every parameter of the head, its
 * optimizer state, the replay buffer of recent labeled examples, the version and publication
 * bookkeeping, and the prequential / holdout statistics of the start head and of the adapted head,
 * overall and per output. Mutable, not thread-safe; the engine changes it only on a {@link #copy()}.
 * The task ({@code ClassHeadTask}) does the arithmetic; this class only holds and counts.
 */
public final class ClassHeadState {

    /**
     * One remembered training example.
     *
     * @param input   the pooled input the head reads
     * @param targets per-output targets (a one-hot class for a multi-class task)
     * @param mask    labeled outputs of a multi-label example; null for a multi-class one
     * @param weight  the sample's weight
     */
    public record Example(float[] input, float[] targets, boolean[] mask, float weight) {

        public Example {
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(targets, "targets");
            if (mask != null && mask.length != targets.length) {
                throw new IllegalArgumentException("mask and targets differ in length");
            }
        }

        long bytes() {
            return 48L + 4L * input.length + 4L * targets.length + (mask == null ? 0 : mask.length);
        }
    }

    /**
     * Everything the changelog keeps of a head (see {@code ClassHeadTrainingState}).
     *
     * @param outputLabeled   per output, prequential samples labeled for it
     * @param outputCorrect   per output, of those, scored right before training
     * @param outputLossSum   per output, the sum of their log losses
     */
    public record Snapshot(
            String headId,
            long seed,
            float[] parameters,
            OptimizerState optimizer,
            List<Example> replay,
            long version,
            long samplesApplied,
            long samplesSeen,
            long publishedSamples,
            boolean changed,
            int partition,
            long firstOffset,
            long lastOffset,
            ScoreStats.Sums startPrequential,
            ScoreStats.Sums adaptedPrequential,
            ScoreStats.Sums startHoldout,
            ScoreStats.Sums adaptedHoldout,
            long[] outputLabeled,
            long[] outputCorrect,
            double[] outputLossSum,
            boolean frozen,
            double lastTrainingLoss,
            double lastPrequentialLoss,
            boolean pendingReset,
            String pendingResetReason,
            String pendingRollback) {}

    private final String headId;
    private final long seed;
    private float[] parameters;
    private OptimizerState optimizer;
    private final ArrayList<Example> replay;
    private long version;
    private long samplesApplied;
    private long samplesSeen;
    private long publishedSamples;
    private boolean changed;
    private int partition = -1;
    private long firstOffset = -1;
    private long lastOffset = -1;
    private ScoreStats startPrequential;
    private ScoreStats adaptedPrequential;
    private ScoreStats startHoldout;
    private ScoreStats adaptedHoldout;
    private final long[] outputLabeled;
    private final long[] outputCorrect;
    private final double[] outputLossSum;
    private boolean frozen;
    private double lastTrainingLoss = Double.NaN;
    private double lastPrequentialLoss = Double.NaN;
    private boolean pendingReset;
    private String pendingResetReason = "";
    private String pendingRollback;

    /**
     * A new head at the task's start.
     *
     * @param parameters the start parameters (copied)
     * @param optimizer  fresh optimizer state for them
     * @param outputs    the head's output count
     */
    public ClassHeadState(String headId, long seed, float[] parameters, OptimizerState optimizer, int outputs) {
        this.headId = Objects.requireNonNull(headId, "headId");
        this.seed = seed;
        this.parameters = parameters.clone();
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.replay = new ArrayList<>();
        this.startPrequential = new ScoreStats();
        this.adaptedPrequential = new ScoreStats();
        this.startHoldout = new ScoreStats();
        this.adaptedHoldout = new ScoreStats();
        this.outputLabeled = new long[outputs];
        this.outputCorrect = new long[outputs];
        this.outputLossSum = new double[outputs];
    }

    private ClassHeadState(ClassHeadState o) {
        this.headId = o.headId;
        this.seed = o.seed;
        this.parameters = o.parameters.clone();
        this.optimizer = o.optimizer.copy();
        this.replay = new ArrayList<>(o.replay); // examples are never changed once made
        this.version = o.version;
        this.samplesApplied = o.samplesApplied;
        this.samplesSeen = o.samplesSeen;
        this.publishedSamples = o.publishedSamples;
        this.changed = o.changed;
        this.partition = o.partition;
        this.firstOffset = o.firstOffset;
        this.lastOffset = o.lastOffset;
        this.startPrequential = o.startPrequential.copy();
        this.adaptedPrequential = o.adaptedPrequential.copy();
        this.startHoldout = o.startHoldout.copy();
        this.adaptedHoldout = o.adaptedHoldout.copy();
        this.outputLabeled = o.outputLabeled.clone();
        this.outputCorrect = o.outputCorrect.clone();
        this.outputLossSum = o.outputLossSum.clone();
        this.frozen = o.frozen;
        this.lastTrainingLoss = o.lastTrainingLoss;
        this.lastPrequentialLoss = o.lastPrequentialLoss;
        this.pendingReset = o.pendingReset;
        this.pendingResetReason = o.pendingResetReason;
        this.pendingRollback = o.pendingRollback;
    }

    /** A deep copy: training the copy leaves this state as it was. */
    public ClassHeadState copy() {
        return new ClassHeadState(this);
    }

    /** A head as the changelog kept it. */
    public static ClassHeadState restore(Snapshot s) {
        ClassHeadState h =
                new ClassHeadState(s.headId(), s.seed(), s.parameters(), s.optimizer(), s.outputLabeled().length);
        if (s.outputCorrect().length != h.outputLabeled.length || s.outputLossSum().length != h.outputLabeled.length) {
            throw new IllegalArgumentException("per-output statistics of head " + s.headId() + " differ in length");
        }
        h.replay.addAll(s.replay());
        h.version = s.version();
        h.samplesApplied = s.samplesApplied();
        h.samplesSeen = s.samplesSeen();
        h.publishedSamples = s.publishedSamples();
        h.changed = s.changed();
        h.partition = s.partition();
        h.firstOffset = s.firstOffset();
        h.lastOffset = s.lastOffset();
        h.startPrequential = ScoreStats.restore(s.startPrequential());
        h.adaptedPrequential = ScoreStats.restore(s.adaptedPrequential());
        h.startHoldout = ScoreStats.restore(s.startHoldout());
        h.adaptedHoldout = ScoreStats.restore(s.adaptedHoldout());
        System.arraycopy(s.outputLabeled(), 0, h.outputLabeled, 0, h.outputLabeled.length);
        System.arraycopy(s.outputCorrect(), 0, h.outputCorrect, 0, h.outputCorrect.length);
        System.arraycopy(s.outputLossSum(), 0, h.outputLossSum, 0, h.outputLossSum.length);
        h.frozen = s.frozen();
        h.lastTrainingLoss = s.lastTrainingLoss();
        h.lastPrequentialLoss = s.lastPrequentialLoss();
        h.pendingReset = s.pendingReset();
        h.pendingResetReason = s.pendingResetReason() == null ? "" : s.pendingResetReason();
        h.pendingRollback = s.pendingRollback();
        return h;
    }

    /** What the changelog keeps (arrays are copies). */
    public Snapshot snapshot() {
        return new Snapshot(
                headId,
                seed,
                parameters.clone(),
                optimizer.copy(),
                List.copyOf(replay),
                version,
                samplesApplied,
                samplesSeen,
                publishedSamples,
                changed,
                partition,
                firstOffset,
                lastOffset,
                startPrequential.sums(),
                adaptedPrequential.sums(),
                startHoldout.sums(),
                adaptedHoldout.sums(),
                outputLabeled.clone(),
                outputCorrect.clone(),
                outputLossSum.clone(),
                frozen,
                lastTrainingLoss,
                lastPrequentialLoss,
                pendingReset,
                pendingResetReason,
                pendingRollback);
    }

    // ---- changes (the task calls these) ----------------------------------------------------------

    /** The statistics a scored sample goes to: prequential (training split) or holdout. */
    public ScoreStats startScores(boolean holdout) {
        return holdout ? startHoldout : startPrequential;
    }

    /** See {@link #startScores}. */
    public ScoreStats adaptedScores(boolean holdout) {
        return holdout ? adaptedHoldout : adaptedPrequential;
    }

    /** Counts one prequential score of output {@code o}. */
    public void recordOutput(int o, boolean correct, double loss) {
        outputLabeled[o]++;
        if (correct) {
            outputCorrect[o]++;
        }
        outputLossSum[o] += loss;
    }

    /** A sample was scored (training or holdout). */
    public void seen() {
        samplesSeen++;
    }

    /** Adds {@code e} as the newest replay example, dropping the oldest beyond {@code capacity}. */
    public void remember(Example e, int capacity) {
        replay.add(e);
        while (replay.size() > capacity) {
            replay.remove(0);
        }
    }

    /**
     * A training sample labeled for none of this head's outputs was applied: counted, nothing else
     * (its losses are not the head's).
     */
    public void appliedWithoutLabels() {
        samplesApplied++;
    }

    /** A training sample was applied (trained on, or only counted while frozen). */
    public void applied(double prequentialLoss, double trainingLoss, boolean trained) {
        samplesApplied++;
        lastPrequentialLoss = prequentialLoss;
        lastTrainingLoss = trainingLoss;
        if (trained) {
            changed = true;
        }
    }

    /** Where the newest training sample came from. */
    public void recordProvenance(int samplesPartition, long offset) {
        if (firstOffset < 0) {
            firstOffset = offset;
        }
        lastOffset = offset;
        partition = samplesPartition;
    }

    /** Back to {@code start} with a fresh optimizer and no replay; the version owed says why. */
    public void rollBack(float[] start, OptimizerState fresh, String reason) {
        parameters = start.clone();
        optimizer = fresh;
        replay.clear();
        pendingRollback = reason;
        changed = true;
    }

    /**
     * Back to {@code start} with a fresh optimizer, no replay and no freeze; the version numbers,
     * the counts and the statistics go on (as a binary head's reset), and the next version is
     * RESET with {@code reason}.
     */
    public void reset(float[] start, OptimizerState fresh, String reason) {
        rollBack(start, fresh, null);
        pendingRollback = null;
        pendingReset = true;
        pendingResetReason = reason == null ? "" : reason;
        frozen = false;
    }

    /** Clears output {@code o}'s per-output statistics (its data was forgotten). */
    public void forgetOutputStatistics(int o) {
        outputLabeled[o] = 0;
        outputCorrect[o] = 0;
        outputLossSum[o] = 0;
    }

    public void freeze(boolean stop) {
        frozen = stop;
    }

    /**
     * Makes the next version if one is due: a RESET or ROLLED_BACK one is owed, or the head trained
     * and at least {@code every} training samples were applied since the last version.
     */
    public boolean publishIfDue(int every) {
        if (!pendingReset && pendingRollback == null && !(changed && samplesApplied - publishedSamples >= every)) {
            return false;
        }
        version++;
        changed = false;
        publishedSamples = samplesApplied;
        return true;
    }

    /** The version went out with its status: clears it. */
    public void statusSent() {
        pendingReset = false;
        pendingResetReason = "";
        pendingRollback = null;
    }

    /** See {@code HeadState#continueVersionsAfter}: the next version made is {@code lastVersion + 1}. */
    public void continueVersionsAfter(long lastVersion) {
        if (version != 0) {
            throw new IllegalStateException("head " + headId + " has made version " + version + " already");
        }
        if (lastVersion < 0) {
            throw new IllegalArgumentException("a version is >= 0, got " + lastVersion);
        }
        version = lastVersion;
    }

    // ---- reading -------------------------------------------------------------------------------

    public String headId() {
        return headId;
    }

    public long seed() {
        return seed;
    }

    /** The live parameters; the task trains them in place on a copy of the user. */
    public float[] liveParameters() {
        return parameters;
    }

    public OptimizerState liveOptimizer() {
        return optimizer;
    }

    /** The replay buffer, oldest first (a copy of the list; the examples are never changed). */
    public List<Example> replay() {
        return List.copyOf(replay);
    }

    /** Replay example {@code i}, oldest first. */
    public Example replayAt(int i) {
        return replay.get(i);
    }

    public int replaySize() {
        return replay.size();
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

    public boolean changed() {
        return changed;
    }

    public int partition() {
        return partition;
    }

    public long firstOffset() {
        return firstOffset;
    }

    public long lastOffset() {
        return lastOffset;
    }

    public ScoreStats.Sums startPrequential() {
        return startPrequential.sums();
    }

    public ScoreStats.Sums adaptedPrequential() {
        return adaptedPrequential.sums();
    }

    public ScoreStats.Sums startHoldout() {
        return startHoldout.sums();
    }

    public ScoreStats.Sums adaptedHoldout() {
        return adaptedHoldout.sums();
    }

    public int outputs() {
        return outputLabeled.length;
    }

    public long outputLabeled(int o) {
        return outputLabeled[o];
    }

    public long outputCorrect(int o) {
        return outputCorrect[o];
    }

    public double outputLossSum(int o) {
        return outputLossSum[o];
    }

    public boolean frozen() {
        return frozen;
    }

    public double lastTrainingLoss() {
        return lastTrainingLoss;
    }

    public double lastPrequentialLoss() {
        return lastPrequentialLoss;
    }

    public boolean pendingReset() {
        return pendingReset;
    }

    /** Why an owed RESET version was made (empty when none is owed or no reason was given). */
    public String pendingResetReason() {
        return pendingResetReason;
    }

    /** The reason of an owed ROLLED_BACK version, or null. */
    public String pendingRollback() {
        return pendingRollback;
    }

    /** Heap held by this state, estimated (parameters, optimizer, replay, statistics). */
    public long residentBytes() {
        long b = 256L + 4L * parameters.length * (1 + optimizer.slotCount()) + 20L * outputLabeled.length;
        for (Example e : replay) {
            b += e.bytes();
        }
        return b;
    }
}
