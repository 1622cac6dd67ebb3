package dev.headstream.core.adapt.task;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.StoredClip;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Split;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Per-user adaptation of one binary task (a wake word) from a source head.
 *
 * <p>For each arriving sample of a user: score it with the source head and the user's adapted
 * head first (prequential; a clip's score is the maximum over its 16-frame windows, as a
 * streaming detector sees it), then, for training samples, feed the head's tests
 * ({@link HeadMonitors}), remember the clip and train on it ({@link ReplayTrainer}); when the
 * negative-transfer test alarms, the {@link AlarmPolicy} acts. When a version is due, the
 * {@link PublishPolicy} recalibrates the threshold ({@link ThresholdCalibrator}) and decides what
 * is published. The per-user vector is the top-k tail of the source MLP or, with
 * {@link HeadRecipe#loraRank()} {@code > 0}, low-rank deltas on all its frozen layers
 * ({@link UserHeadTraining}).
 *
 * <p>Randomness comes from a seed derived from the head id and the number of samples applied,
 * so the same ordered stream of a user's samples gives a bit-identical head. Not thread-safe:
 * one instance per processing thread (it owns a trainer and scratch buffers); the source head
 * and rehearsal set it reads are immutable and may be shared.
 */
public final class BinaryHeadTask {

    /** Default decision threshold of an openWakeWord head. */
    public static final float SOURCE_THRESHOLD = 0.5f;

    /**
     * The threshold of a task whose source is a fresh start ({@link SourceHead#fresh()}) wherever a
     * pre-trained source would have {@link #SOURCE_THRESHOLD}: above every sigmoid output, so it
     * accepts nothing: no detector yet. A new user's head, a head rolled back or reset to the source,
     * and every version held at the source carry it, and the source head's scores never count as
     * accepted.
     */
    public static final float NO_DETECTOR_THRESHOLD = 2f;

    /**
     * How the reason of a reset by a user's new wake phrase starts ({@link #adoptPhrase}): such a
     * reset comes from a sample, not from an operator, so a replay of the samples makes it too.
     */
    public static final String NEW_PHRASE_REASON = "new wake phrase '";

    /** What scoring one sample gave. */
    public record Scores(float source, float adapted, boolean sourceAccepted, boolean adaptedAccepted) {}

    private final String name;
    private final SourceHead sourceHead;
    private final UserHeadTraining training;
    private final ClipScorer scorer;
    private final HeadRecipe recipe;
    private final RehearsalSet rehearsal;
    private final int windowFloats;
    /** The negative bank prepared for this task's head, or null without one; shared, read-only. */
    private final BankNegatives bank;

    private final BankTraining bankTraining;
    private final double targetFalseAcceptsPerHour;
    private final HeadMonitors monitors;
    private final ReplayTrainer trainer;
    /** First-layer products of recently scored clips' windows (this instance's thread only). */
    private final ClipBases clipBases;

    private final AlarmPolicy alarms;
    private final PublishPolicy publishing;
    private final AlarmAction onAlarm;
    /** The task's near-miss negatives (shared, read-only); {@link NearMissSet#none()} without a phrase. */
    private NearMissSet nearMisses = NearMissSet.none();
    /**
     * For a task whose phrase each user names ({@code phrase=per-user}): the near misses of any
     * phrase (shared, thread-safe); null for every other task.
     */
    private NearMissLibrary phrases;
    /** {@link #SOURCE_THRESHOLD}, or {@link #NO_DETECTOR_THRESHOLD} for a fresh start. */
    private final float sourceThreshold;

    public BinaryHeadTask(String name, SourceHead sourceHead, HeadRecipe recipe, RehearsalSet rehearsal) {
        this(name, sourceHead, recipe, rehearsal, AlarmAction.PUBLISH_ONLY);
    }

    /** @param onAlarm what a head does when its negative-transfer test alarms */
    public BinaryHeadTask(
            String name, SourceHead sourceHead, HeadRecipe recipe, RehearsalSet rehearsal, AlarmAction onAlarm) {
        this(name, sourceHead, recipe, rehearsal, onAlarm, 0);
    }

    /**
     * @param onAlarm                   what a head does when its negative-transfer test alarms
     * @param targetFalseAcceptsPerHour the false-accept rate the per-user threshold is calibrated to
     *                                  on the calibration negatives; 0 = above every one of them
     */
    public BinaryHeadTask(
            String name,
            SourceHead sourceHead,
            HeadRecipe recipe,
            RehearsalSet rehearsal,
            AlarmAction onAlarm,
            double targetFalseAcceptsPerHour) {
        this(name, sourceHead, recipe, rehearsal, onAlarm, targetFalseAcceptsPerHour, null, BankTraining.defaults());
    }

    /**
     * @param onAlarm                   what a head does when its negative-transfer test alarms
     * @param targetFalseAcceptsPerHour the false-accept rate the per-user threshold is calibrated to:
     *                                  with a bank, activations per hour on its calibration part scored
     *                                  every 80 ms with the refractory period; without one, on the
     *                                  calibration clips
     * @param bank                      the negative bank prepared for this head ({@link #prepareBank}), or null
     * @param bankTraining              how users train and publish against {@code bank}
     */
    public BinaryHeadTask(
            String name,
            SourceHead sourceHead,
            HeadRecipe recipe,
            RehearsalSet rehearsal,
            AlarmAction onAlarm,
            double targetFalseAcceptsPerHour,
            BankNegatives bank,
            BankTraining bankTraining) {
        this.bank = bank;
        this.bankTraining = Objects.requireNonNull(bankTraining, "bankTraining");
        if (!(targetFalseAcceptsPerHour >= 0) || Double.isInfinite(targetFalseAcceptsPerHour)) {
            throw new IllegalArgumentException("task " + name
                    + ": target false accepts per hour must be finite and >= 0: " + targetFalseAcceptsPerHour);
        }
        this.targetFalseAcceptsPerHour = targetFalseAcceptsPerHour;
        this.onAlarm = Objects.requireNonNull(onAlarm, "onAlarm");
        int layers = sourceHead.architecture().parameterisedLayerCount();
        if (recipe.loraRank() == 0 && recipe.trainableTopLayers() > layers) {
            throw new IllegalArgumentException("task " + name + ": trainable-top-layers " + recipe.trainableTopLayers()
                    + " exceeds the " + layers + " parameterised layers of source head " + sourceHead.id());
        }
        this.name = name;
        this.sourceHead = sourceHead;
        this.training = UserHeadTraining.of(sourceHead, recipe);
        this.scorer = training.scorer();
        this.recipe = recipe;
        this.rehearsal = rehearsal;
        this.sourceThreshold = sourceThresholdOf(sourceHead);
        this.windowFloats = sourceHead.architecture().inputDim();
        this.monitors = new HeadMonitors(windowFloats / recipe.windowFrames(), rehearsal, bank, recipe.windowFrames());
        this.clipBases = new ClipBases(scorer, recipe.windowFrames(), ClipBases.DEFAULT_BUDGET_FLOATS);
        this.trainer = new ReplayTrainer(training, recipe, rehearsal, bank, bankTraining, windowFloats, clipBases);
        this.alarms = new AlarmPolicy(onAlarm, training, sourceThreshold);
        this.publishing = new PublishPolicy(
                new ThresholdCalibrator(
                        scorer,
                        rehearsal,
                        bank,
                        targetFalseAcceptsPerHour,
                        recipe.thresholdPosition(),
                        bankTraining.calibrationPool(),
                        bankTraining.calibrationSlices(),
                        clipBases,
                        sourceThreshold),
                alarms,
                training,
                bank != null,
                bankTraining,
                targetFalseAcceptsPerHour,
                !sourceHead.fresh());
    }

    /**
     * Another instance of this task for another thread: the same configuration and the same shared,
     * read-only parts (source head, reference set, prepared bank), its own trainer and scratch
     * buffers. Both compute the same bits for the same head.
     */
    /**
     * Drops the first-layer products this instance keeps of clips (called by the engine at the
     * start of every batch, when no worker runs): nothing of a user's clips is kept here beyond the
     * batch that used them.
     */
    public void startBatch() {
        clipBases.clear();
        if (phrases != null) {
            phrases.startBatch();
        }
    }

    /** Clips whose first-layer products this instance keeps now (for tests). */
    int keptClips() {
        return clipBases.size();
    }

    public BinaryHeadTask copyForThread() {
        BinaryHeadTask t = sameConfiguration();
        t.nearMisses = nearMisses; // checked when this task took them
        t.phrases = phrases;
        return t;
    }

    /**
     * This task with a wake phrase per user: each user's samples name it ({@link #adoptPhrase}), and
     * a head learns the near misses {@code library} gives for its user's phrase, as
     * {@link #withNearMisses} heads learn the task's. A new instance with the same configuration
     * and shared parts.
     */
    public BinaryHeadTask withPhrasePerUser(NearMissLibrary library) {
        BinaryHeadTask t = sameConfiguration();
        t.phrases = Objects.requireNonNull(library, "library");
        return t;
    }

    /** A new instance with this one's configuration and shared parts, its own trainer and scratch buffers, and no near misses. */
    private BinaryHeadTask sameConfiguration() {
        return new BinaryHeadTask(
                name, sourceHead, recipe, rehearsal, onAlarm, targetFalseAcceptsPerHour, bank, bankTraining);
    }

    /** Whether each user names this task's wake phrase in their samples. */
    public boolean phrasePerUser() {
        return phrases != null;
    }

    /**
     * The near misses head {@code s} learns: the task's, or for a phrase per user its user's phrase's
     * (none before the user named one). May synthesize them the first time a phrase is asked for.
     *
     * @throws NearMissesUnavailableException if the user's phrase's near misses cannot be made
     * @throws NearMissesBusyException        if they are not made yet and this batch may make no more
     */
    public NearMissSet nearMissesOf(HeadState s) {
        if (phrases == null || s.phrase().isEmpty()) {
            return nearMisses;
        }
        NearMissSet set;
        try {
            set = of(s.phrase());
            set.clips().forEach(this::checkFits);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new NearMissesUnavailableException(
                    "the near misses of wake phrase '" + s.phrase() + "' could not be made: " + e.getMessage(), e);
        }
        return set;
    }

    /**
     * {@code phrase}'s near misses from the library, asked a second time when the speech tools
     * failed the first (a failure of the tools is not remembered: a passing one, such as a process
     * that could not start under load, then costs no sample). A second failure is the caller's: the
     * sample is rejected, so a partition never waits on the tools.
     */
    private NearMissSet of(String phrase) {
        try {
            return phrases.of(phrase);
        } catch (IllegalStateException first) {
            try {
                return phrases.of(phrase);
            } catch (IllegalStateException second) {
                second.addSuppressed(first);
                throw new IllegalStateException("twice: " + second.getMessage(), second);
            }
        }
    }

    /**
     * The wake phrase a sample of a task with a phrase per user names for head {@code s}
     * ({@code phrase}, as {@code WakePhrase.ofUser} keeps it). A training sample names it: the head's
     * first phrase is kept; another phrase than the head's is a new wake word, so the head goes back
     * to its start first, published as RESET with the reason (the old phrase's clips would teach the
     * new detector the wrong word, and no rollback may bring the old detector back). Either way the
     * new phrase's near misses are made here, so a phrase that has none is refused before the head
     * takes it. An empty phrase or the head's own changes nothing.
     *
     * @return whether the head was reset
     * @throws PhraseRefusedException         for a holdout sample naming another phrase than the head's,
     *                                        or a new phrase for a frozen head (an operator or an alarm
     *                                        stopped its training: it could not learn the new word)
     * @throws NearMissesUnavailableException if the new phrase's near misses cannot be made
     */
    public boolean adoptPhrase(HeadState s, String phrase, Split split) {
        if (phrases == null || phrase.isEmpty() || phrase.equals(s.phrase())) {
            return false;
        }
        if (split == Split.HOLDOUT) {
            throw new PhraseRefusedException("a holdout sample names wake phrase '" + phrase + "' but the head "
                    + (s.phrase().isEmpty() ? "has none yet" : "detects '" + s.phrase() + "'")
                    + ": a phrase is named on training samples");
        }
        if (s.frozen()) {
            throw new PhraseRefusedException(
                    "the head is frozen (its training stopped), so it cannot learn wake phrase '" + phrase
                            + "'; unfreeze it (headstream.control) before naming a new phrase");
        }
        boolean reset = !s.phrase().isEmpty();
        String old = s.phrase();
        s.phrase(phrase);
        // made (or found) now: a phrase without near misses is refused before the head changes
        NearMissSet set = nearMissesOf(s);
        if (reset) {
            operatorReset(s, NEW_PHRASE_REASON + phrase + "' (was '" + old + "')");
        }
        s.countNearMissesOf(set.isEmpty() ? "" : set.sha256());
        return reset;
    }

    /**
     * This task learning {@code set} as near-miss negatives ({@link NearMissSet}): a new instance
     * with the same configuration and shared parts.
     *
     * @throws IllegalArgumentException if a near-miss clip does not fit the head
     */
    public BinaryHeadTask withNearMisses(NearMissSet set) {
        set.clips().forEach(this::checkFits);
        BinaryHeadTask t = sameConfiguration();
        t.nearMisses = Objects.requireNonNull(set, "set");
        return t;
    }

    /** The near-miss negatives every head of this task learns. */
    public NearMissSet nearMisses() {
        return nearMisses;
    }

    /**
     * Prepares {@code bank} for heads of {@code sourceHead} trained with {@code recipe} (frames widened,
     * first-layer products computed where users share the first layer): once per process and task,
     * then shared by every instance of the task.
     */
    public static BankNegatives prepareBank(NegativeBank bank, SourceHead sourceHead, HeadRecipe recipe) {
        if ((long) bank.dim() * recipe.windowFrames()
                != sourceHead.architecture().inputDim()) {
            throw new IllegalArgumentException(
                    "negative bank " + bank.directory() + " holds embeddings of " + bank.dim()
                            + " floats; head " + sourceHead.id() + " reads "
                            + sourceHead.architecture().inputDim()
                            + " floats in windows of " + recipe.windowFrames());
        }
        return BankNegatives.prepare(
                bank, UserHeadTraining.of(sourceHead, recipe).scorer(), recipe.windowFrames());
    }

    /**
     * The threshold at which {@code sourceHead} accepts: {@link #SOURCE_THRESHOLD} for a pre-trained
     * head, {@link #NO_DETECTOR_THRESHOLD} (nothing) for a fresh start.
     */
    public static float sourceThresholdOf(SourceHead sourceHead) {
        return sourceHead.fresh() ? NO_DETECTOR_THRESHOLD : SOURCE_THRESHOLD;
    }

    /** This task's {@link #sourceThresholdOf source threshold}. */
    public float sourceThreshold() {
        return sourceThreshold;
    }

    /** A scorer of the per-user heads {@code recipe} trains from {@code sourceHead} (LoRA or top-k), for evaluation. */
    public static ClipScorer scorerFor(SourceHead sourceHead, HeadRecipe recipe) {
        return UserHeadTraining.of(sourceHead, recipe).scorer();
    }

    /** The negative bank this task trains and calibrates against, or null. */
    public BankNegatives bank() {
        return bank;
    }

    public BankTraining bankTraining() {
        return bankTraining;
    }

    public double targetFalseAcceptsPerHour() {
        return targetFalseAcceptsPerHour;
    }

    public String name() {
        return name;
    }

    public SourceHead sourceHead() {
        return sourceHead;
    }

    public HeadRecipe recipe() {
        return recipe;
    }

    /** What a head does when its negative-transfer test alarms. */
    public AlarmAction onAlarm() {
        return alarms.action();
    }

    /** The tests every head of this task runs; builds a head's monitors (also for the changelog codec). */
    public HeadMonitors monitors() {
        return monitors;
    }

    /**
     * The head users' adapted heads are published as; with {@link #publishedTrainable} it scores
     * like the user's head (for LoRA, the merged all-layers head).
     */
    public MlpHead head() {
        return training.publishedHead();
    }

    /** The user's tail of {@link #head()}: a copy of the trainable tail, or the merged LoRA weights. */
    public float[] publishedTrainable(HeadState s) {
        return publishing.publishedTrainable(s);
    }

    /**
     * The LoRA head whose per-user vectors this task trains (its head versions carry the vector,
     * not merged layers), or null when the task trains a top-k tail.
     */
    public LoraMlpHead loraHead() {
        return training.lora();
    }

    /**
     * The user's per-user vector as published: the LoRA vector (a copy), or the initial one while
     * the head is held at the source; for a top-k task the same as {@link #publishedTrainable}.
     */
    public float[] publishedVector(HeadState s) {
        return training.lora() == null ? publishedTrainable(s) : publishing.publishedVector(s);
    }

    /** The threshold published with {@link #publishedTrainable}: the source head's while the head is held at the source. */
    public float publishedThreshold(HeadState s) {
        return publishing.publishedThreshold(s);
    }

    /**
     * A new user's head: the source head's values, fresh optimizer state, the source threshold (for a
     * fresh start {@link #NO_DETECTOR_THRESHOLD}: it accepts nothing until calibrated).
     */
    public HeadState newState(String headId) {
        long seed = seedOf(headId);
        return new HeadState(
                headId,
                seed,
                training.initialTrainable(seed),
                training.newOptimizerState(),
                sourceThreshold,
                monitors.newNegativeTransfer(),
                monitors.newDriftMonitor(seed),
                monitors.newDomainTest(seed),
                monitors.newErrorAdwin());
    }

    /** Scores {@code e} with the source head and the user's adapted head; changes nothing. */
    public Scores score(HeadState s, EmbeddingSequence e) {
        float src = MlpHead.sigmoid(clipBases.maxLogitOfArriving(scorer, null, e));
        float ada = MlpHead.sigmoid(clipBases.maxLogitOfArriving(scorer, s.liveTrainable(), e));
        return new Scores(src, ada, src >= sourceThreshold, ada >= s.threshold());
    }

    /**
     * Applies one labeled sample: prequential scoring into the statistics of its split, then,
     * for {@link Split#TRAIN}, replay training.
     */
    public Scores apply(HeadState s, EmbeddingSequence e, boolean positive, float weight, Split split) {
        return apply(s, e, positive, weight, split, null);
    }

    /**
     * {@link #apply(HeadState, EmbeddingSequence, boolean, float, Split)} with rehearsal negatives
     * drawn uniformly from the reference set and {@code online} together ({@code null}: the
     * reference set alone).
     */
    public Scores apply(
            HeadState s, EmbeddingSequence e, boolean positive, float weight, Split split, RehearsalReservoir online) {
        checkFits(e);
        if (split == Split.TRAIN && positive && weight > 0f && !s.frozen()) {
            learnNearMisses(s, online);
        }
        Scores sc = score(s, e);
        if (split == Split.HOLDOUT) {
            s.recordHoldout(positive, sc.source(), sc.sourceAccepted(), sc.adapted(), sc.adaptedAccepted());
            return sc;
        }
        s.recordPrequential(positive, sc.source(), sc.sourceAccepted(), sc.adapted(), sc.adaptedAccepted());
        double adaptedLoss = ClipScorer.logLoss(positive, sc.adapted());
        // a fresh start is no baseline: its loss gap is 0, so only the head's own loss rise can alarm
        boolean alarm = monitors.observe(
                s,
                e,
                adaptedLoss,
                sourceHead.fresh() ? adaptedLoss : ClipScorer.logLoss(positive, sc.source()),
                sc.adaptedAccepted() == positive ? 0 : 1);
        if (s.frozen()) {
            s.appliedWithoutTraining(ClipScorer.logLoss(positive, sc.adapted()));
            return sc;
        }
        HeadState.Example ex = new HeadState.Example(StoredClip.of(e), positive, weight);
        s.remember(ex, recipe.replayBuffer());
        trainer.train(s, ex, online);
        s.trained();
        if (s.countProbationSample()) {
            alarms.probationEnded(s);
        }
        s.recordLosses(
                ClipScorer.logLoss(positive, sc.adapted()),
                ClipScorer.logLoss(
                        positive, MlpHead.sigmoid(clipBases.maxLogitOfArriving(scorer, s.liveTrainable(), e))));
        if (alarm) {
            alarms.alarmed(s);
        }
        // the calibration pool moves with each training sample, never with a publication, so that
        // thresholds do not depend on how samples were batched
        publishing.advanceCalibration(s);
        return sc;
    }

    /**
     * Before a training positive (of positive weight, to a head that trains): the next
     * {@value NearMissSet#PER_POSITIVE} of the task's near misses the head has not learned yet
     * ({@link HeadState#nearMissesLearned()}, back to 0 after a rollback or reset), each remembered
     * and trained on as a negative, without prequential scores or monitors and not counted as an
     * applied sample: they are not the user's samples.
     */
    private void learnNearMisses(HeadState s, RehearsalReservoir online) {
        if (phrases != null
                && !s.nearMissesSha256().isEmpty()
                && s.nearMissesLearned() >= phrases.nearMissesPerPhrase()) {
            // every near miss of the user's phrase learned: the set is not needed again
            return;
        }
        NearMissSet set = nearMissesOf(s);
        if (set.isEmpty()) {
            return;
        }
        s.countNearMissesOf(set.sha256());
        int from = s.nearMissesLearned();
        int to = Math.min(set.size(), from + NearMissSet.PER_POSITIVE);
        for (int i = from; i < to; i++) {
            HeadState.Example ex =
                    new HeadState.Example(StoredClip.of(set.clips().get(i)), false, 1f);
            s.remember(ex, recipe.replayBuffer());
            trainer.train(s, ex, online);
            s.learnedNearMiss();
            publishing.advanceCalibration(s);
        }
    }

    /**
     * Operator rollback (headstream.control): back to the source head, published as ROLLED_BACK
     * with {@code reason}; the head keeps adapting from there (and keeps its frozen flag).
     */
    public void operatorRollback(HeadState s, String reason) {
        alarms.toSource(s);
        s.rolledBack(reason);
    }

    /**
     * Operator reset (headstream.control): back to the source head and every per-head setting to a
     * new head's (not frozen, recipe L2-SP), published as RESET with {@code reason}. Sample counts
     * and the version go on, so consumers see a newer version.
     */
    public void operatorReset(HeadState s, String reason) {
        alarms.toSource(s);
        s.reset(reason);
    }

    /** Operator freeze or unfreeze (headstream.control): a frozen head is scored but never trained. */
    public void operatorFreeze(HeadState s, boolean frozen) {
        s.freeze(frozen);
    }

    /** {@link PublishPolicy#publishIfDue}. */
    public boolean publishIfDue(HeadState s, int every) {
        return publishing.publishIfDue(s, every);
    }

    /** {@link PublishPolicy#sent}. */
    public void sent(HeadState s) {
        publishing.sent(s);
    }

    /** {@link PublishPolicy#calibrate}: the threshold recalibrated, the hold at the source decided. */
    public void calibrate(HeadState s) {
        publishing.calibrate(s);
    }

    /**
     * Checks that this task's head can score {@code e}: frames of the head's width and at least
     * one whole window.
     *
     * @throws IllegalArgumentException naming the mismatch
     */
    public void checkFits(EmbeddingSequence e) {
        checkFits(e.frames(), e.dim());
    }

    /** {@link #checkFits(EmbeddingSequence)} for a clip of {@code frames} x {@code dim}. */
    public void checkFits(int frames, int dim) {
        if ((long) dim * recipe.windowFrames() != windowFloats) {
            throw new IllegalArgumentException("head " + sourceHead.id() + " reads " + windowFloats
                    + " floats; embeddings of " + dim + " x " + recipe.windowFrames() + " do not match");
        }
        if (frames < recipe.windowFrames()) {
            throw new IllegalArgumentException(
                    "clip has " + frames + " embedding frames; the head needs " + recipe.windowFrames());
        }
    }

    /** FNV-1a (64 bit) of the UTF-8 bytes of {@code name}: a stable seed for a name (a head id). */
    public static long seedOf(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        long h = 0xcbf29ce484222325L;
        for (byte x : b) {
            h = (h ^ (x & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    @Override
    public String toString() {
        return "BinaryHeadTask[" + name + ", source=" + sourceHead.id() + ", " + recipe + ", rehearsal="
                + rehearsal.train().size() + "+" + rehearsal.calibration().size()
                + (bank == null ? ", no negative bank" : ", " + bank + ", " + bankTraining) + ", target "
                + targetFalseAcceptsPerHour + " false accepts per hour"
                + (nearMisses.isEmpty() ? "" : ", " + nearMisses)
                + (phrases == null ? "" : ", a wake phrase per user") + "]";
    }
}
