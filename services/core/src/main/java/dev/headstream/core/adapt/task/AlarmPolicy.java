package dev.headstream.core.adapt.task;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.monitor.NegativeTransferMonitor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a task's heads do when their negative-transfer test alarms ({@link AlarmAction}): roll back
 * (to the source head or the last good version), freeze, strengthen L2-SP, or go on probation, and
 * when a probation ends, release the head or extend it. Also keeps the last good version for the
 * actions that roll back to it.
 *
 * <p>Call order per head: {@link #alarmed} after a training sample whose test alarmed,
 * {@link #probationEnded} when a training sample ends a probation, {@link #keepIfGood} after each
 * version is made. Not thread-safe (it scores with the task's scorer): one per task instance.
 */
public final class AlarmPolicy {

    /**
     * The action when a task names none: {@link AlarmAction#PROBATION}. A poisoned stream keeps
     * alarming and stays at the source head, a clean user hit by a false alarm gets their adapted
     * head back after a probation instead of never, and no copy of a last good version is kept
     * per head (the measurements behind the choice: docs/transfer).
     */
    public static final AlarmAction DEFAULT_ALARM_ACTION = AlarmAction.PROBATION;

    /** First probation after a negative-transfer alarm ({@link AlarmAction#PROBATION}), in training samples. */
    public static final int PROBATION_SAMPLES = 16;
    /** Longest probation: each alarm during probation doubles it up to this. */
    public static final int PROBATION_MAX_SAMPLES = 256;
    /** Newest replayed clips a probation does not trust: what alarmed is among them. */
    public static final int PROBATION_TRUST_MARGIN = 8;
    /** L2-SP factor a {@link AlarmAction#STRONGER_L2SP} alarm multiplies in. */
    public static final float STRONGER_L2SP_FACTOR = 10f;

    private final AlarmAction action;
    private final UserHeadTraining training;
    private final ClipScorer scorer;
    /** The threshold a head rolled back to the source gets ({@link BinaryHeadTask#sourceThresholdOf}). */
    private final float sourceThreshold;

    AlarmPolicy(AlarmAction action, UserHeadTraining training, float sourceThreshold) {
        this.action = action;
        this.training = training;
        this.scorer = training.scorer();
        this.sourceThreshold = sourceThreshold;
    }

    public AlarmAction action() {
        return action;
    }

    /** The head's vector, optimizer, replay buffer, threshold and tests back to a new head's. */
    void toSource(HeadState s) {
        s.rollBackTo(training.initialTrainable(s.seed()), training.newOptimizerState(), sourceThreshold);
    }

    /** {@code s}'s negative-transfer test alarmed on its last training sample: acts as {@link #action()} says. */
    void alarmed(HeadState s) {
        if (action != AlarmAction.PUBLISH_ONLY) {
            rollBack(s);
        }
    }

    private void rollBack(HeadState s) {
        String test = s.negativeTransferAlarmTest() == NegativeTransferMonitor.Test.LOSS_RISE
                ? String.format(
                        Locale.ROOT,
                        "Page-Hinkley %.2f > %.2f on the adapted head's own loss (mean %.3f)",
                        s.lossRiseStatistic(),
                        s.lossRiseThreshold(),
                        s.lossRiseMean())
                : String.format(
                        Locale.ROOT,
                        "CUSUM %.2f > %.2f on the loss gap (window gap %+.3f)",
                        s.negativeTransferStatistic(),
                        s.negativeTransferThreshold(),
                        s.negativeTransferWindowGap());
        String reason = String.format(
                Locale.ROOT,
                "negative transfer: %s after %d samples; %s",
                test,
                s.negativeTransferSamples(),
                switch (action) {
                    case ROLLBACK -> "rolled back to the source head";
                    case FREEZE -> "rolled back to the source head and frozen";
                    case PROBATION ->
                        "rolled back to the source head; on probation for " + nextProbation(s) + " training samples";
                    case STRONGER_L2SP -> "rolled back to the source head, L2-SP x" + STRONGER_L2SP_FACTOR;
                    case ROLLBACK_LAST_GOOD, FREEZE_LAST_GOOD ->
                        (!s.hasLastGood()
                                        ? "rolled back to the source head (no good version yet)"
                                        : "rolled back to version " + s.lastGoodVersion() + ", the last good one")
                                + (action == AlarmAction.FREEZE_LAST_GOOD ? ", and frozen" : "");
                    case PUBLISH_ONLY -> throw new IllegalStateException();
                });
        boolean toLastGood = action.toLastGood() && s.hasLastGood();
        List<HeadState.Example> evidence = action == AlarmAction.PROBATION ? evidenceBeforeAlarm(s) : List.of();
        toSource(s);
        if (toLastGood) {
            s.restoreLastGood();
        }
        s.freeze(action == AlarmAction.FREEZE || action == AlarmAction.FREEZE_LAST_GOOD);
        if (action == AlarmAction.PROBATION) {
            s.startProbation(nextProbation(s), evidence);
        }
        if (action == AlarmAction.STRONGER_L2SP) {
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
     * {@link #PROBATION_TRUST_MARGIN} (the tests alarm a few samples after a label flip), oldest
     * first; with an evidence set already held, that set.
     */
    private static List<HeadState.Example> evidenceBeforeAlarm(HeadState s) {
        List<HeadState.Example> all = new ArrayList<>(s.replay());
        if (s.probationLeft() > 0 || s.trustedClips() > 0) {
            return new ArrayList<>(all.subList(0, Math.min(s.trustedClips(), all.size())));
        }
        return new ArrayList<>(all.subList(0, Math.max(0, all.size() - PROBATION_TRUST_MARGIN)));
    }

    /**
     * {@code s}'s probation is over: the head is released when it agrees with the trusted clips
     * from before the alarm at least as well as the source head does (mean log loss on them no
     * higher), or when there are none; otherwise it learned what alarmed (a stream that keeps
     * poisoning it agrees with itself, so the tests stay quiet): back to the source, probation
     * doubled, the evidence kept.
     */
    void probationEnded(HeadState s) {
        int n = 0;
        double adapted = 0;
        double source = 0;
        for (HeadState.Example ex : s.replay()) {
            if (n == s.trustedClips()) {
                break;
            }
            EmbeddingSequence e = ex.clip().decode();
            adapted += ClipScorer.logLoss(ex.positive(), MlpHead.sigmoid(scorer.maxLogit(s.liveTrainable(), e)));
            source += ClipScorer.logLoss(ex.positive(), MlpHead.sigmoid(scorer.maxLogit(null, e)));
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
        s.rolledBack(String.format(
                Locale.ROOT,
                "probation extended to %d training samples: the head"
                        + " disagrees with the %d clips from before the alarm (mean log loss %.3f, source head %.3f); rolled back"
                        + " to the source head",
                length,
                n,
                adapted / n,
                source / n));
    }

    /**
     * A version of {@code s} was just made: with an action that rolls back to the last good
     * version, keeps it as the last good version if both negative-transfer statistics are quiet
     * (gap CUSUM at 0, loss rise below half its threshold). Operator resets and rollbacks count as good.
     */
    void keepIfGood(HeadState s) {
        if (!action.toLastGood() || s.heldAtSource()) {
            return; // a held version went out as the source head: it is no version to go back to
        }
        double rise = s.lossRiseStatistic();
        boolean quiet = !s.negativeTransferAlarm()
                && s.negativeTransferStatistic() == 0
                && (Double.isNaN(rise) || rise < 0.5 * s.lossRiseThreshold());
        if (quiet) {
            s.keepAsLastGood();
        }
    }
}
