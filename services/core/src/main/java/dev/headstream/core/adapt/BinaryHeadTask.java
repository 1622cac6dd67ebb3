package dev.headstream.core.adapt;

import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.monitor.Adwin;
import dev.headstream.core.monitor.DriftMonitor;
import dev.headstream.core.monitor.MmdDriftDetector;
import dev.headstream.core.monitor.MmdReference;
import dev.headstream.core.monitor.MmdWorkspace;
import dev.headstream.core.monitor.NegativeTransferMonitor;
import dev.headstream.core.monitor.NullModel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Per-user adaptation of one binary task (a wake word) from a source head.
 *
 * <p>For each arriving sample of a user: score it with the source head and the user's adapted
 * head first (prequential; a clip's score is the maximum over its 16-frame windows, as a
 * streaming detector sees it), then, for training samples, remember the clip and take
 * {@link HeadRecipe#replaySteps()} optimizer steps. Each step's mini-batch holds the newest clip,
 * other clips from the user's replay buffer and rehearsal negatives (other speakers' speech),
 * each as a randomly time-shifted window. The loss adds L2-SP toward the source weights. Before
 * publishing, {@link #calibrate} places the user's threshold between held-aside rehearsal
 * negatives and the user's positives. The per-user vector is the top-k tail of the source MLP
 * or, with {@link HeadRecipe#loraRank()} {@code > 0}, low-rank deltas on all its frozen layers.
 *
 * <p>Randomness comes from a seed derived from the head id and the number of samples applied,
 * so the same ordered stream of a user's samples gives a bit-identical head. Not thread-safe:
 * one instance per processing thread (it owns a trainer and scratch buffers); the source head
 * and rehearsal set it reads are immutable and may be shared.
 */
public final class BinaryHeadTask {

    /**
     * How a clean user's adapted head loses on its own training stream, scored before training
     * (prequential log loss, clipped to 4): a miss (loss above 1 nat) with probability 0.043,
     * its loss then uniform in [1.8, 4] (mean 2.9); otherwise exponential with mean 0.057. Fitted
     * to the 256 first-pass clean samples of {@code ./headstream bench-transfer --seed 7} (8 users
     * whose source-head recall is below 0.5, default recipe; 2026-11-23), a population other than
     * the seed-42 users the benchmark reports on.
     */
    public static final NullModel CLEAN_PREQUENTIAL_LOSS = rnd -> rnd.nextDouble() < 0.043
            ? 1.8 + 2.2 * rnd.nextDouble() : -0.057 * Math.log(1 - rnd.nextDouble());

    /**
     * The negative-transfer tests every head runs, each calibrated (Monte-Carlo, seeded) to at
     * least 2 x 1,000 samples between false alarms on its null:
     * <ul>
     *   <li>the prequential loss gap (adapted minus source, clipped to +-4): a one-sided CUSUM
     *   with drift allowance 0.5 on a N(0, 1) null, an assumed scale;</li>
     *   <li>the loss rise: Page-Hinkley with allowance 0.5 nats on the adapted head's own loss
     *   (clipped to 4, at least 8 samples since reset) on {@link #CLEAN_PREQUENTIAL_LOSS}.</li>
     * </ul>
     * An alarm of either is published; {@link AlarmAction} says what else happens.
     */
    public static final NegativeTransferMonitor.Config NEGATIVE_TRANSFER = new NegativeTransferMonitor.Config(0.5,
            NegativeTransferMonitor.calibrate(0.5, 4.0, NullModel.gaussian(0, 1), 1_000, 2.0, 17L).threshold(), 4.0,
            50).withLossRise(NegativeTransferMonitor.LossRise.calibrate(0.5, 4.0, 8, CLEAN_PREQUENTIAL_LOSS, 1_000, 2.0,
                    19L));

    /**
     * The drift test every head runs on its training samples' clip-mean embeddings: the first 16
     * form the user's reference, then MMD^2 between the last 8 and the reference with a
     * 999-permutation test at alpha 0.001 on every sample (at most one false alarm per 1,000
     * samples in expectation). It alarms for a change of the user's audio domain (room,
     * microphone, language), which the loss tests miss while the head keeps fitting the new data.
     */
    public static final DriftMonitor.Config DRIFT = new DriftMonitor.Config(16,
            new MmdDriftDetector.Config(8, 1, 999, MmdDriftDetector.alphaFor(1, 1_000), 0x5D1F7L));

    /**
     * Most rehearsal clips whose clip means form the source reference of the domain-similarity test;
     * without a reference set, as many clip-length stretches spread evenly over the bank's training part.
     */
    public static final int DOMAIN_REFERENCE_CLIPS = 64;

    /**
     * What a head does when its negative-transfer test alarms. Every action but
     * {@link #PUBLISH_ONLY} rolls the head back (vector, threshold; fresh optimizer state, empty
     * replay buffer), resets the tests and publishes the rolled-back head as a version with status
     * ROLLED_BACK and the reason: to the source head, or for {@link #ROLLBACK_LAST_GOOD} to the last
     * good version.
     */
    public enum AlarmAction {
        /** Only publish the alarm in the metrics. */
        PUBLISH_ONLY,
        /** Roll back to the source head and keep adapting from there. */
        ROLLBACK,
        /** Roll back and stop training this head (samples are still scored). */
        FREEZE,
        /** Roll back and keep adapting with ten times the L2-SP strength after each alarm. */
        STRONGER_L2SP,
        /**
         * Roll back to the last good version and keep adapting: the newest published version whose
         * publication found both negative-transfer statistics quiet (gap CUSUM at 0, loss rise
         * below half its threshold), or the source head if there is none. Keeps a copy of that
         * version's vector and threshold per head (34,840 B for the default recipe).
         */
        ROLLBACK_LAST_GOOD,
        /** {@link #ROLLBACK_LAST_GOOD}, then stop training this head (samples are still scored). */
        FREEZE_LAST_GOOD,
        /**
         * Roll back to the source head and keep adapting from there, but publish the source head
         * (held at the source) until the head has trained on {@link #PROBATION_SAMPLES} samples
         * without another alarm; an alarm during probation rolls back again and doubles the
         * probation, up to {@link #PROBATION_MAX_SAMPLES}. A false alarm costs a clean user that
         * many samples at the source head's quality instead of freezing them for good; a stream
         * that keeps poisoning the head keeps alarming and stays at the source.
         */
        PROBATION;

        /** Whether the action rolls back to the last good version (and so keeps one). */
        public boolean toLastGood() {
            return this == ROLLBACK_LAST_GOOD || this == FREEZE_LAST_GOOD;
        }
    }

    /**
     * The adapter's action when a task does not name one: {@link AlarmAction#FREEZE}. Measured
     * (bench-transfer, 2026-11-23): label-flipped users are caught after 3.7 flipped samples and keep
     * the source head's recall, clean users see no false alarm in 25,000 samples, and it needs no
     * memory. {@link AlarmAction#FREEZE_LAST_GOOD} keeps far more recall for a poisoned user (0.94
     * against 0.24) but holds a copy of the last good vector per head, which takes the default
     * recipe over its 256 KB per user.
     */
    public static final AlarmAction DEFAULT_ALARM_ACTION = AlarmAction.PROBATION;

    /** First probation after a negative-transfer alarm ({@link AlarmAction#PROBATION}), in training samples. */
    public static final int PROBATION_SAMPLES = 16;
    /** Longest probation: each alarm during probation doubles it up to this. */
    public static final int PROBATION_MAX_SAMPLES = 256;
    /** Newest replayed clips a probation does not trust: what alarmed is among them. */
    public static final int PROBATION_TRUST_MARGIN = 8;

    /** Seconds of audio one embedding frame steps over (the backbone's 80 ms hop). */
    static final double FRAME_SECONDS = 0.08;

    private final double targetFalseAcceptsPerHour;

    /** L2-SP factor a {@link AlarmAction#STRONGER_L2SP} alarm multiplies in. */
    public static final float STRONGER_L2SP_FACTOR = 10f;

    /** Default decision threshold of an openWakeWord head. */
    public static final float SOURCE_THRESHOLD = 0.5f;

    /** What scoring one sample gave. */
    public record Scores(float source, float adapted, boolean sourceAccepted, boolean adaptedAccepted) {
    }

    private final String name;
    private final SourceHead sourceHead;
    private final UserHeadTraining training;
    private final ClipScorer scorer;
    private final HeadRecipe recipe;
    private final RehearsalSet rehearsal;
    private final AlarmAction onAlarm;
    private final int windowFloats;
    /** Scratch: one replayed window widened to float32, and a candidate hard-negative window. */
    private final float[] window;
    private final float[] candidate;
    /** Embedding dimension (input floats / window frames) and the drift test's scratch. */
    private final int embeddingDim;
    private final float[] clipMean;
    private final MmdWorkspace driftWorkspace;
    /** Clip means of the rehearsal set (the source domain), or null with fewer than 2 clips; and its test's scratch. */
    private final MmdReference domainReference;
    private final MmdWorkspace domainWorkspace;
    /** Scratch: the user's vector before an arriving sample's steps (update-rate cap). */
    private float[] before;
    /** The negative bank prepared for this task's head, or null without one; shared, read-only. */
    private final BankNegatives bank;
    private final BankTraining bankTraining;
    /** Scratch: calibration logits, and mining candidates with their logits. */
    private float[] calibrationLogits;
    private long[] candidateKeys;

    public BinaryHeadTask(String name, SourceHead sourceHead, HeadRecipe recipe, RehearsalSet rehearsal) {
        this(name, sourceHead, recipe, rehearsal, AlarmAction.PUBLISH_ONLY);
    }

    /** @param onAlarm what a head does when its negative-transfer test alarms */
    public BinaryHeadTask(String name, SourceHead sourceHead, HeadRecipe recipe, RehearsalSet rehearsal,
            AlarmAction onAlarm) {
        this(name, sourceHead, recipe, rehearsal, onAlarm, 0);
    }

    /**
     * @param onAlarm                   what a head does when its negative-transfer test alarms
     * @param targetFalseAcceptsPerHour the false-accept rate the per-user threshold is calibrated to
     *                                  on the calibration negatives; 0 = above every one of them
     */
    public BinaryHeadTask(String name, SourceHead sourceHead, HeadRecipe recipe, RehearsalSet rehearsal,
            AlarmAction onAlarm, double targetFalseAcceptsPerHour) {
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
    public BinaryHeadTask(String name, SourceHead sourceHead, HeadRecipe recipe, RehearsalSet rehearsal,
            AlarmAction onAlarm, double targetFalseAcceptsPerHour, BankNegatives bank, BankTraining bankTraining) {
        this.bank = bank;
        this.bankTraining = Objects.requireNonNull(bankTraining, "bankTraining");
        if (!(targetFalseAcceptsPerHour >= 0) || Double.isInfinite(targetFalseAcceptsPerHour)) {
            throw new IllegalArgumentException("task " + name + ": target false accepts per hour must be finite and >= 0: "
                    + targetFalseAcceptsPerHour);
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
        this.windowFloats = sourceHead.architecture().inputDim();
        this.window = new float[windowFloats];
        this.candidate = new float[windowFloats];
        this.embeddingDim = windowFloats / recipe.windowFrames();
        this.clipMean = new float[embeddingDim];
        this.driftWorkspace = DriftMonitor.workspace(DRIFT);
        List<EmbeddingSequence> clips = new ArrayList<>(rehearsal.train());
        clips.addAll(rehearsal.calibration());
        if (clips.size() < 2 && bank != null) {
            clips = bank.referenceClips(DOMAIN_REFERENCE_CLIPS, recipe.windowFrames() + 6);
        }
        int m = Math.min(DOMAIN_REFERENCE_CLIPS, clips.size());
        if (m >= 2) {
            float[] means = new float[m * embeddingDim];
            float[] one = new float[embeddingDim];
            for (int i = 0; i < m; i++) {
                clipMean(clips.get(i), one);
                System.arraycopy(one, 0, means, i * embeddingDim, embeddingDim);
            }
            this.domainReference = MmdReference.withMedianOrUnitBandwidth(means, embeddingDim);
            this.domainWorkspace = new MmdWorkspace(m, DRIFT.detector().window(), DRIFT.detector().permutations());
        } else {
            this.domainReference = null;
            this.domainWorkspace = null;
        }
    }

    /**
     * Prepares {@code bank} for heads of {@code sourceHead} trained with {@code recipe} (frames widened,
     * first-layer products computed where users share the first layer): once per process and task,
     * then shared by every instance of the task.
     */
    public static BankNegatives prepareBank(NegativeBank bank, SourceHead sourceHead,
            HeadRecipe recipe) {
        if ((long) bank.dim() * recipe.windowFrames() != sourceHead.architecture().inputDim()) {
            throw new IllegalArgumentException("negative bank " + bank.directory() + " holds embeddings of " + bank.dim()
                    + " floats; head " + sourceHead.id() + " reads " + sourceHead.architecture().inputDim()
                    + " floats in windows of " + recipe.windowFrames());
        }
        return BankNegatives.prepare(bank, UserHeadTraining.of(sourceHead, recipe).scorer(), recipe.windowFrames());
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

    /** A domain-similarity test for a head with per-head {@code seed}, or null when the task has no reference set. */
    MmdDriftDetector newDomainTest(long seed) {
        if (domainReference == null) {
            return null;
        }
        MmdDriftDetector.Config d = DRIFT.detector();
        return new MmdDriftDetector(domainReference,
                new MmdDriftDetector.Config(d.window(), 1, d.permutations(), d.alpha(), d.seed() ^ seed ^ 0xD0A1L));
    }

    public String name() {
        return name;
    }

    public SourceHead sourceHead() {
        return sourceHead;
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
        return training.publishedTail(s.heldAtSource() ? training.initialTrainable(s.seed()) : s.liveTrainable());
    }

    /** The threshold published with {@link #publishedTrainable}: the source head's while the head is held at the source. */
    public float publishedThreshold(HeadState s) {
        return s.heldAtSource() ? SOURCE_THRESHOLD : s.threshold();
    }

    public HeadRecipe recipe() {
        return recipe;
    }

    /** A new user's head: the source head's values, fresh optimizer state, the source threshold. */
    public HeadState newState(String headId) {
        long seed = seedOf(headId);
        return new HeadState(headId, seed, training.initialTrainable(seed), training.newOptimizerState(),
                SOURCE_THRESHOLD, new NegativeTransferMonitor(NEGATIVE_TRANSFER), newDriftMonitor(seed), newDomainTest(seed),
                newErrorAdwin());
    }

    /** Scores {@code e} with the source head and the user's adapted head; changes nothing. */
    public Scores score(HeadState s, EmbeddingSequence e) {
        float src = MlpHead.sigmoid(scorer.maxLogit(null, e));
        float ada = MlpHead.sigmoid(scorer.maxLogit(s.liveTrainable(), e));
        return new Scores(src, ada, src >= SOURCE_THRESHOLD, ada >= s.threshold());
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
    public Scores apply(HeadState s, EmbeddingSequence e, boolean positive, float weight, Split split,
            RehearsalReservoir online) {
        checkFits(e);
        Scores sc = score(s, e);
        if (split == Split.HOLDOUT) {
            s.recordHoldout(positive, sc.source(), sc.sourceAccepted(), sc.adapted(), sc.adaptedAccepted());
            return sc;
        }
        s.recordPrequential(positive, sc.source(), sc.sourceAccepted(), sc.adapted(), sc.adaptedAccepted());
        clipMean(e, clipMean);
        boolean alarm = s.monitorTrainingSample(clipMean, driftWorkspace, domainWorkspace, logLoss(positive, sc.adapted()),
                logLoss(positive, sc.source()), sc.adaptedAccepted() == positive ? 0 : 1);
        if (s.frozen()) {
            s.appliedWithoutTraining(logLoss(positive, sc.adapted()));
            return sc;
        }
        HeadState.Example ex = new HeadState.Example(StoredClip.of(e), positive, weight);
        s.remember(ex, recipe.replayBuffer());
        train(s, ex, online);
        s.trained();
        if (s.countProbationSample()) {
            endProbation(s);
        }
        s.recordLosses(logLoss(positive, sc.adapted()),
                logLoss(positive, MlpHead.sigmoid(scorer.maxLogit(s.liveTrainable(), e))));
        if (alarm && onAlarm != AlarmAction.PUBLISH_ONLY) {
            rollBack(s);
        }
        return sc;
    }

    /** Rolls {@code s} back to the source head after a negative-transfer alarm, as {@link #onAlarm()} says. */
    private void rollBack(HeadState s) {
        String test = s.negativeTransferAlarmTest() == NegativeTransferMonitor.Test.LOSS_RISE
                ? String.format(Locale.ROOT, "Page-Hinkley %.2f > %.2f on the adapted head's own loss (mean %.3f)",
                        s.lossRiseStatistic(), s.lossRiseThreshold(), s.lossRiseMean())
                : String.format(Locale.ROOT, "CUSUM %.2f > %.2f on the loss gap (window gap %+.3f)",
                        s.negativeTransferStatistic(), s.negativeTransferThreshold(), s.negativeTransferWindowGap());
        String reason = String.format(Locale.ROOT, "negative transfer: %s after %d samples; %s", test,
                s.negativeTransferSamples(), switch (onAlarm) {
                    case ROLLBACK -> "rolled back to the source head";
                    case FREEZE -> "rolled back to the source head and frozen";
                    case PROBATION -> "rolled back to the source head; on probation for "
                            + nextProbation(s) + " training samples";
                    case STRONGER_L2SP -> "rolled back to the source head, L2-SP x" + STRONGER_L2SP_FACTOR;
                    case ROLLBACK_LAST_GOOD, FREEZE_LAST_GOOD -> (!s.hasLastGood()
                            ? "rolled back to the source head (no good version yet)"
                            : "rolled back to version " + s.lastGoodVersion() + ", the last good one")
                            + (onAlarm == AlarmAction.FREEZE_LAST_GOOD ? ", and frozen" : "");
                    case PUBLISH_ONLY -> throw new IllegalStateException();
                });
        boolean toLastGood = onAlarm.toLastGood() && s.hasLastGood();
        List<HeadState.Example> evidence = onAlarm == AlarmAction.PROBATION ? evidenceBeforeAlarm(s) : List.of();
        toSource(s);
        if (toLastGood) {
            s.restoreLastGood();
        }
        s.freeze(onAlarm == AlarmAction.FREEZE || onAlarm == AlarmAction.FREEZE_LAST_GOOD);
        if (onAlarm == AlarmAction.PROBATION) {
            s.startProbation(nextProbation(s), evidence);
        }
        if (onAlarm == AlarmAction.STRONGER_L2SP) {
            s.scaleL2sp(STRONGER_L2SP_FACTOR);
        }
        s.rolledBack(reason);
    }

    /**
     * The probation an alarm now starts: twice the last one while on it, or within as many
     * training samples after it ended, up to the maximum; else the first length.
     */
    private static int nextProbation(HeadState s) {
        boolean recent = s.probationLeft() > 0 || (s.sinceProbation() >= 0 && s.sinceProbation() < s.probationLength());
        return recent ? Math.min(PROBATION_MAX_SAMPLES, 2 * s.probationLength()) : PROBATION_SAMPLES;
    }

    /**
     * The replayed clips that most likely came before what alarmed: all but the newest
     * {@link #PROBATION_TRUST_MARGIN} (both tests alarmed 2-8 samples after a label flip in
     * bench-transfer), oldest first; with an evidence set already held, that set.
     */
    private static List<HeadState.Example> evidenceBeforeAlarm(HeadState s) {
        List<HeadState.Example> all = new ArrayList<>(s.replay());
        if (s.probationLeft() > 0 || s.trustedClips() > 0) {
            return new ArrayList<>(all.subList(0, Math.min(s.trustedClips(), all.size())));
        }
        return new ArrayList<>(all.subList(0, Math.max(0, all.size() - PROBATION_TRUST_MARGIN)));
    }

    /**
     * Probation is over: the head is released when it agrees with the trusted clips from before
     * the alarm at least as well as the source head does (mean log loss on them no higher), or
     * when there are none; otherwise it learned what alarmed (a stream that keeps poisoning it
     * agrees with itself, so the tests stay quiet): back to the source, probation doubled, the
     * evidence kept.
     */
    private void endProbation(HeadState s) {
        int n = 0;
        double adapted = 0;
        double source = 0;
        for (HeadState.Example ex : s.replay()) {
            if (n == s.trustedClips()) {
                break;
            }
            EmbeddingSequence e = ex.clip().decode();
            adapted += logLoss(ex.positive(), MlpHead.sigmoid(scorer.maxLogit(s.liveTrainable(), e)));
            source += logLoss(ex.positive(), MlpHead.sigmoid(scorer.maxLogit(null, e)));
            n++;
        }
        if (n == 0 || adapted <= source) {
            s.releaseFromProbation();
            return;
        }
        List<HeadState.Example> evidence = new ArrayList<>(s.replay()).subList(0, n);
        int length = Math.min(PROBATION_MAX_SAMPLES, 2 * s.probationLength());
        toSource(s);
        s.startProbation(length, new ArrayList<>(evidence));
        s.rolledBack(String.format(Locale.ROOT, "probation extended to %d training samples: the head"
                + " disagrees with the %d clips from before the alarm (mean log loss %.3f, source head %.3f); rolled back"
                + " to the source head", length, n, adapted / n, source / n));
    }

    /** The head's vector, optimizer, replay buffer, threshold and tests back to a new head's. */
    private void toSource(HeadState s) {
        s.rollBackTo(training.initialTrainable(s.seed()), training.newOptimizerState(), SOURCE_THRESHOLD);
    }

    /**
     * Operator rollback (headstream.control): back to the source head, published as ROLLED_BACK
     * with {@code reason}; the head keeps adapting from there (and keeps its frozen flag).
     */
    public void operatorRollback(HeadState s, String reason) {
        toSource(s);
        s.rolledBack(reason);
    }

    /**
     * Operator reset (headstream.control): back to the source head and every per-head setting to a
     * new head's (not frozen, recipe L2-SP), published as RESET with {@code reason}. Sample counts
     * and the version go on, so consumers see a newer version.
     */
    public void operatorReset(HeadState s, String reason) {
        toSource(s);
        s.reset(reason);
    }

    /**
     * ADWIN's confidence on the adapted head's error stream: at most {@code delta} false cuts per
     * check, one check per 32 samples, so at most one false cut per 16,000 samples on a stationary
     * stream (Bifet and Gavalda's bound; a rise alarm needs the cut to go upwards as well).
     */
    public static final double ADWIN_DELTA = 0.002;
    /** ADWIN's bucket rows: windows up to 5 * (2^10 - 1) = 5,115 samples, 1,096 bytes of state. */
    public static final int ADWIN_ROWS = 10;

    /**
     * Makes {@code s} a new version if one is due: a pending rollback or reset, or at least
     * {@code every} training samples applied since the last version. Then the threshold is
     * recalibrated, the version number goes up and, for an action that rolls back to the last good
     * version, the version is kept if it is good. Returns whether a version was made; the caller
     * publishes it and then calls {@link #sent(HeadState)}.
     */
    public boolean publishIfDue(HeadState s, int every) {
        if (s.pendingRollback() == null && !(s.changed() && s.samplesApplied() - s.publishedSamples() >= every)) {
            return false;
        }
        calibrate(s);
        s.newVersion();
        keepIfGood(s);
        s.versionMade();
        return true;
    }

    /** The version {@link #publishIfDue} made went out with its status and reason: clears them. */
    public void sent(HeadState s) {
        s.statusSent();
    }

    /**
     * With an action that rolls back to the last good version,
     * keeps it as the last good version if both negative-transfer statistics are quiet (gap CUSUM
     * at 0, loss rise below half its threshold). Operator resets and rollbacks count as good.
     */
    private void keepIfGood(HeadState s) {
        if (!onAlarm.toLastGood() || s.heldAtSource()) {
            return; // a held version went out as the source head: it is no version to go back to
        }
        double rise = s.lossRiseStatistic();
        boolean quiet = !s.negativeTransferAlarm() && s.negativeTransferStatistic() == 0
                && (Double.isNaN(rise) || rise < 0.5 * s.lossRiseThreshold());
        if (quiet) {
            s.keepAsLastGood();
        }
    }

    /** A fresh ADWIN for a head's error stream. */
    Adwin newErrorAdwin() {
        return new Adwin(ADWIN_DELTA, ADWIN_ROWS);
    }

    /** A drift monitor for a head with per-head {@code seed}, over this task's embedding dimension. */
    DriftMonitor newDriftMonitor(long seed) {
        return new DriftMonitor(DRIFT, embeddingDim, seed);
    }

    /** The mean over frames of {@code e}, into {@code dst} (length {@code e.dim()}). */
    static void clipMean(EmbeddingSequence e, float[] dst) {
        float[] v = e.values();
        int dim = e.dim();
        for (int d = 0; d < dim; d++) {
            double sum = 0;
            for (int f = 0; f < e.frames(); f++) {
                sum += v[f * dim + d];
            }
            dst[d] = (float) (sum / e.frames());
        }
    }

    /** Operator freeze or unfreeze (headstream.control): a frozen head is scored but never trained. */
    public void operatorFreeze(HeadState s, boolean frozen) {
        s.freeze(frozen);
    }

    public AlarmAction onAlarm() {
        return onAlarm;
    }

    /** Binary log loss of a clip score, with the score kept inside [1e-7, 1 - 1e-7]. */
    private static double logLoss(boolean positive, double score) {
        double p = Math.min(Math.max(score, 1e-7), 1 - 1e-7);
        return positive ? -Math.log(p) : -Math.log(1 - p);
    }

    private void train(HeadState s, HeadState.Example newest, RehearsalReservoir online) {
        float[] trainable = s.liveTrainable();
        SplittableRandom rnd = new SplittableRandom(s.seed() ^ (0x9E3779B97F4A7C15L * (s.samplesApplied() + 1)));
        HeadState.Example[] buffer = s.replay().toArray(new HeadState.Example[0]);
        List<EmbeddingSequence> negatives = rehearsal.train();
        float lambda = recipe.l2spAfter(s.samplesApplied()) * s.l2spScale();
        if (recipe.maxUpdateNorm() > 0f) {
            System.arraycopy(trainable, 0, before(trainable.length), 0, trainable.length);
        }
        int fromBank = bank == null ? 0 : bankTraining.perStep();
        if (fromBank > 0) {
            mineHardNegatives(s, new SplittableRandom(s.seed() ^ (0xC2B2AE3D27D4EB4FL * (s.samplesApplied() + 1))));
        }
        int[] hardPool = s.hardPool();
        int hard = hardPool.length == 0 ? 0 : Math.round(fromBank * bankTraining.hardShare());
        for (int step = 0; step < recipe.replaySteps(); step++) {
            addWindow(s, newest.clip(), newest.positive(), newest.weight(), rnd);
            for (int i = 1; i < recipe.userWindowsPerStep() && buffer.length > 1; i++) {
                HeadState.Example ex = buffer[rnd.nextInt(buffer.length)];
                addWindow(s, ex.clip(), ex.positive(), ex.weight(), rnd);
            }
            int pool = negatives.size() + (online == null ? 0 : online.size());
            for (int i = 0; i < recipe.rehearsalPerStep() && pool > 0; i++) {
                int pick = rnd.nextInt(pool);
                addWindow(s, pick < negatives.size() ? negatives.get(pick) : online.get(pick - negatives.size()).clip(),
                        false, 1f, rnd);
            }
            for (int i = 0; i < fromBank; i++) {
                int w = i < hard ? hardPool[rnd.nextInt(hardPool.length)] : rnd.nextInt(bank.trainWindows());
                addWindow(s, bank.trainFrames(), bank.trainOffset(w), false, 1f);
            }
            training.step(trainable, s.liveOptimizer(), lambda);
        }
        if (recipe.maxUpdateNorm() > 0f) {
            capUpdate(trainable, before, recipe.maxUpdateNorm());
        }
    }

    /**
     * Refreshes the user's hard pool: scores {@link BankTraining#candidates()} random windows of the
     * bank's training part and the current pool with the user's head and keeps the
     * {@link BankTraining#pool()} highest (ties to the lower window number), highest first.
     */
    private void mineHardNegatives(HeadState s, SplittableRandom rnd) {
        int[] current = s.hardPool();
        int m = bankTraining.candidates() + current.length;
        if (candidateKeys == null || candidateKeys.length < m) {
            candidateKeys = new long[m];
        }
        int n = 0;
        for (int w : current) {
            candidateKeys[n++] = key(bank.trainLogit(scorer, s.liveTrainable(), w), w);
        }
        for (int i = 0; i < bankTraining.candidates(); i++) {
            int w = rnd.nextInt(bank.trainWindows());
            candidateKeys[n++] = key(bank.trainLogit(scorer, s.liveTrainable(), w), w);
        }
        Arrays.sort(candidateKeys, 0, n);
        int[] pool = new int[Math.min(bankTraining.pool(), n)];
        int k = 0;
        for (int i = 0; i < n && k < pool.length; i++) {
            if (i == 0 || candidateKeys[i] != candidateKeys[i - 1]) { // a window drawn twice scores the same
                pool[k++] = (int) candidateKeys[i];
            }
        }
        s.replaceHardPool(k == pool.length ? pool : Arrays.copyOf(pool, k));
    }

    /** Sorts ascending as (logit descending, window ascending): the float's order-preserving bits, inverted, then the window. */
    private static long key(float logit, int window) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ordered << 32) | (window & 0xffffffffL);
    }

    /** Scales {@code trainable - before} back to norm {@code cap} when it is longer. */
    static void capUpdate(float[] trainable, float[] before, float cap) {
        double sq = 0;
        for (int i = 0; i < trainable.length; i++) {
            double d = trainable[i] - before[i];
            sq += d * d;
        }
        double norm = Math.sqrt(sq);
        if (norm > cap) {
            float scale = (float) (cap / norm);
            for (int i = 0; i < trainable.length; i++) {
                trainable[i] = before[i] + scale * (trainable[i] - before[i]);
            }
        }
    }

    private float[] before(int length) {
        if (before == null || before.length != length) {
            before = new float[length];
        }
        return before;
    }

    /**
     * Adds a randomly shifted window of {@code c} to the batch; a negative, with
     * {@link HeadRecipe#hardNegativeWindows()} {@code > 1}, adds the highest-scoring of that many.
     */
    private void addWindow(HeadState s, dev.headstream.core.embed.EmbeddingWindows c, boolean positive, float weight,
            SplittableRandom rnd) {
        int windows = c.windows(recipe.windowFrames());
        c.window(shift(windows, rnd), recipe.windowFrames(), window);
        if (!positive && recipe.hardNegativeWindows() > 1) {
            float bestLogit = scorer.windowLogit(s.liveTrainable(), window, 0);
            for (int k = 1; k < recipe.hardNegativeWindows(); k++) {
                c.window(shift(windows, rnd), recipe.windowFrames(), candidate);
                float z = scorer.windowLogit(s.liveTrainable(), candidate, 0);
                if (z > bestLogit) {
                    System.arraycopy(candidate, 0, window, 0, window.length);
                    bestLogit = z;
                }
            }
        }
        addWindow(s, window, 0, positive, weight);
    }

    /**
     * Adds one window to the batch; with distillation its target mixes the label with the
     * source head's softened output.
     */
    private void addWindow(HeadState s, float[] input, int offset, boolean positive, float weight) {
        float target = positive ? 1f : 0f;
        if (recipe.distillation() > 0f) {
            float teacher = MlpHead.sigmoid(scorer.windowLogit(null, input, offset) / recipe.distillationTemperature());
            target = (1f - recipe.distillation()) * target + recipe.distillation() * teacher;
        }
        training.accumulate(s.liveTrainable(), input, offset, target, weight);
    }

    /** The first frame of the training window: random with time shift, else the clip's last window. */
    private int shift(int windows, SplittableRandom rnd) {
        return !recipe.timeShift() ? windows - 1 : windows == 1 ? 0 : rnd.nextInt(windows);
    }

    /**
     * Places the user's decision threshold (in logit space) between the highest-scoring negative
     * and the lowest-scoring replayed positive, at {@link HeadRecipe#thresholdPosition()}; when
     * they overlap, just above the highest negative, so other people's speech is not accepted.
     * The threshold always lies strictly above the highest negative's score, also where float
     * rounding of the sigmoid would merge the two. Never uses holdout samples.
     *
     * <p>"The highest negative" is the highest of: the user's own replayed negatives (each clip at
     * its highest window); the reference set's calibration clips; and, with a negative bank, the
     * logit a threshold must exceed so that the bank's calibration part, scored as a detector
     * scores it (every 80 ms step, {@link dev.headstream.core.detect.Detections#REFRACTORY_STEPS}
     * steps of refractory period after an activation), gives at most
     * {@code floor(target * hours)} activations. Without a bank the target counts calibration
     * clips instead, their audio at 80 ms per embedding frame.
     *
     * <p>With a bank, the head is then held at the source (published as the source head with the
     * source threshold, see {@link #publishedTrainable}) when its recall on the user's replayed
     * positives at that threshold is below {@link BankTraining#minRecall()} or below the source
     * head's recall on the same clips at {@value #SOURCE_THRESHOLD}; the state records why.
     */
    public void calibrate(HeadState s) {
        if (s.pendingRollback() != null && s.replay().isEmpty()) {
            s.releaseHold();
            return; // just rolled back: the source head keeps its own threshold until it trains again
        }
        s.releaseHold();
        calibrateThreshold(s);
        if (s.probationLeft() > 0) {
            s.holdAtSource("on probation after a negative-transfer alarm: published as the source head until "
                    + s.probationLeft() + " more training samples pass without an alarm");
        }
    }

    private void calibrateThreshold(HeadState s) {
        List<Float> pos = new ArrayList<>();
        List<Float> sourcePos = new ArrayList<>();
        List<Float> neg = new ArrayList<>();
        double negativeSeconds = 0;
        for (HeadState.Example ex : s.replay()) {
            EmbeddingSequence e = ex.clip().decode();
            float z = scorer.maxLogit(s.liveTrainable(), e);
            if (ex.positive()) {
                pos.add(z);
                sourcePos.add(scorer.maxLogit(null, e));
            } else {
                neg.add(z);
                negativeSeconds += e.frames() * FRAME_SECONDS;
            }
        }
        for (EmbeddingSequence e : rehearsal.calibration()) {
            neg.add(scorer.maxLogit(s.liveTrainable(), e));
            negativeSeconds += e.frames() * FRAME_SECONDS;
        }
        float negMax;
        if (bank != null) {
            if (calibrationLogits == null) {
                calibrationLogits = new float[bank.calibrationWindows()];
            }
            bank.calibrationLogits(scorer, s.liveTrainable(), calibrationLogits);
            int allowed = (int) Math.floor(targetFalseAcceptsPerHour * bank.calibrationHours());
            float bankMax = Detections.highestRejected(calibrationLogits,
                    bank.calibrationBounds(), allowed);
            negMax = bankMax;
            for (float z : neg) {
                negMax = Math.max(negMax, z);
            }
            if (negMax == Float.NEGATIVE_INFINITY) {
                negMax = min(calibrationLogits) - 1f;
            }
        } else {
            if (neg.isEmpty()) {
                return;
            }
            // the target rate allows this many of the calibration negatives above the threshold
            int allowed = (int) Math.min(neg.size() - 1, Math.floor(targetFalseAcceptsPerHour * negativeSeconds / 3600));
            neg.sort(Collections.reverseOrder());
            negMax = neg.get(allowed);
        }
        if (pos.isEmpty()) {
            if (bank != null) {
                s.holdAtSource("no positive sample of the user yet");
            }
            return;
        }
        float posMin = Float.POSITIVE_INFINITY;
        for (float z : pos) {
            posMin = Math.min(posMin, z);
        }
        s.calibrated(threshold(negMax, posMin, recipe.thresholdPosition()));
        if (bank != null) {
            s.recordCalibrationFalseAccepts(Detections.count(calibrationLogits,
                    bank.calibrationBounds(), logit(s.threshold())), bank.calibrationHours());
            int accepted = 0;
            for (float z : pos) {
                accepted += MlpHead.sigmoid(z) >= s.threshold() ? 1 : 0;
            }
            int sourceAccepted = 0;
            for (float z : sourcePos) {
                sourceAccepted += MlpHead.sigmoid(z) >= SOURCE_THRESHOLD ? 1 : 0;
            }
            float recall = accepted / (float) pos.size();
            if (recall < bankTraining.minRecall() || accepted < sourceAccepted) {
                s.holdAtSource(String.format(Locale.ROOT,
                    "held at the source head: at %.2f false accepts per hour (%d in %.2f h of calibration speech) the "
                            + "adapted head accepts %d of the user's %d positives, the source head %d; at least %.0f%% "
                            + "and no fewer than the source are needed",
                        targetFalseAcceptsPerHour, s.calibrationFalseAccepts(), s.calibrationHours(), accepted,
                        pos.size(), sourceAccepted, 100.0 * bankTraining.minRecall()));
            }
        }
    }

    /** {@link dev.headstream.core.detect.Detections#logitOf}: steps at or above this logit are accepted at {@code score}. */
    public static float logit(float score) {
        return Detections.logitOf(score);
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    /**
     * The decision threshold (a score in {@code (0, 1]}) between the highest negative logit and the
     * lowest positive logit, at {@code position} of the way in logit space; when they overlap,
     * half a logit above the highest negative. Always strictly above {@code sigmoid(negMax)}, also
     * where float rounding of the sigmoid would merge the two.
     */
    public static float threshold(float negMax, float posMin, float position) {
        float t = posMin > negMax ? negMax + position * (posMin - negMax) : negMax + 0.5f;
        float threshold = MlpHead.sigmoid(t);
        float highestNegative = MlpHead.sigmoid(negMax);
        return threshold > highestNegative ? threshold : Math.nextUp(highestNegative);
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
            throw new IllegalArgumentException("clip has " + frames + " embedding frames; the head needs "
                    + recipe.windowFrames());
        }
    }

    /** FNV-1a (64 bit) of the UTF-8 bytes of {@code headId}: a stable seed for a name. */
    static long seedOf(String headId) {
        byte[] b = headId.getBytes(StandardCharsets.UTF_8);
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
                + targetFalseAcceptsPerHour + " false accepts per hour]";
    }
}
