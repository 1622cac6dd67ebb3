package dev.headstream.core.adapt.task;

import dev.headstream.core.adapt.state.HeadState;
import java.util.Locale;

/**
 * When a task's heads make a new version and what it publishes. A version is due with a pending
 * rollback or reset, or once enough training samples were applied since the last one; making it
 * recalibrates the threshold ({@link ThresholdCalibrator}) and decides whether the head is held at
 * the source: published as the source head with the source threshold (it keeps training) while on
 * probation after an alarm, or, with a negative bank, while its recall on the user's replayed
 * positives at the calibrated threshold is below {@link BankTraining#minRecall()} or below the
 * source head's recall on the same clips at {@value BinaryHeadTask#SOURCE_THRESHOLD}. The state
 * records why. For a fresh start ({@link dev.headstream.core.head.SourceHead#fresh()}) the source
 * head is no detector: a held version carries {@link BinaryHeadTask#NO_DETECTOR_THRESHOLD} (it
 * accepts nothing) and the source's recall is not compared, only the minimum recall.
 *
 * <p>Call order per head: {@link #publishIfDue}; when it made a version, publish
 * {@link #publishedTrainable} and {@link #publishedThreshold}, then {@link #sent}. Not thread-safe:
 * one per task instance.
 */
public final class PublishPolicy {

    private final ThresholdCalibrator calibrator;
    private final AlarmPolicy alarms;
    private final UserHeadTraining training;
    /** Whether the task has a negative bank: only then does {@link BankTraining#minRecall()} hold heads. */
    private final boolean withBank;

    private final BankTraining bankTraining;
    private final double targetFalseAcceptsPerHour;
    /** Whether the source head is a pre-trained detector (false for a fresh start). */
    private final boolean sourceIsDetector;

    PublishPolicy(
            ThresholdCalibrator calibrator,
            AlarmPolicy alarms,
            UserHeadTraining training,
            boolean withBank,
            BankTraining bankTraining,
            double targetFalseAcceptsPerHour,
            boolean sourceIsDetector) {
        this.sourceIsDetector = sourceIsDetector;
        this.calibrator = calibrator;
        this.alarms = alarms;
        this.training = training;
        this.withBank = withBank;
        this.bankTraining = bankTraining;
        this.targetFalseAcceptsPerHour = targetFalseAcceptsPerHour;
    }

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
        alarms.keepIfGood(s);
        s.versionMade();
        return true;
    }

    /** The version {@link #publishIfDue} made went out with its status and reason: clears them. */
    public void sent(HeadState s) {
        s.statusSent();
    }

    /** Recalibrates {@code s}'s threshold and decides whether it is held at the source (see the class comment). */
    public void calibrate(HeadState s) {
        if (s.pendingRollback() != null && s.replay().isEmpty()) {
            s.releaseHold();
            return; // just rolled back: the source head keeps its own threshold until it trains again
        }
        s.releaseHold();
        ThresholdCalibrator.Calibration c = calibrator.calibrate(s);
        if (c.outcome() == ThresholdCalibrator.Outcome.NO_POSITIVES && withBank) {
            s.holdAtSource("no positive sample of the user yet");
        } else if (c.outcome() == ThresholdCalibrator.Outcome.PLACED) {
            s.calibrated(c.threshold());
            if (withBank) {
                s.recordCalibrationFalseAccepts(c.falseAccepts(), c.hours());
                float recall = c.accepted() / (float) c.positives();
                if (!sourceIsDetector && recall < bankTraining.minRecall()) {
                    s.holdAtSource(String.format(
                            Locale.ROOT,
                            "held: no trusted detector (a fresh start, so its version accepts nothing): at %.2f false accepts per hour (%d in %.2f h of"
                                    + " calibration speech) the head accepts %d of the user's %d positives; at least"
                                    + " %.0f%% are needed",
                            targetFalseAcceptsPerHour,
                            s.calibrationFalseAccepts(),
                            s.calibrationHours(),
                            c.accepted(),
                            c.positives(),
                            100.0 * bankTraining.minRecall()));
                } else if (sourceIsDetector
                        && (recall < bankTraining.minRecall() || c.accepted() < c.sourceAccepted())) {
                    s.holdAtSource(String.format(
                            Locale.ROOT,
                            "held at the source head: at %.2f false accepts per"
                                    + " hour (%d in %.2f h of calibration speech) the adapted head accepts %d of the user's %d"
                                    + " positives, the source head %d; at least %.0f%% and no fewer than the source are needed",
                            targetFalseAcceptsPerHour,
                            s.calibrationFalseAccepts(),
                            s.calibrationHours(),
                            c.accepted(),
                            c.positives(),
                            c.sourceAccepted(),
                            100.0 * bankTraining.minRecall()));
                }
            }
        }
        if (s.probationLeft() > 0) {
            s.holdAtSource("on probation after a negative-transfer alarm: published as the source head"
                    + (sourceIsDetector ? "" : " (a fresh start: accepting nothing)") + " until "
                    + s.probationLeft() + " more training samples pass without an alarm");
        }
    }

    /** The user's tail of the task's published head: a copy of the trainable tail, or the merged LoRA weights. */
    public float[] publishedTrainable(HeadState s) {
        return training.publishedTail(s.heldAtSource() ? training.initialTrainable(s.seed()) : s.liveTrainable());
    }

    /** After a training sample of {@code s}: moves its calibration pool ({@link ThresholdCalibrator#advance}). */
    void advanceCalibration(HeadState s) {
        calibrator.advance(s);
    }

    /** The user's per-user vector as published: a copy of the live one, or the initial one while held at the source. */
    public float[] publishedVector(HeadState s) {
        return s.heldAtSource()
                ? training.initialTrainable(s.seed())
                : s.liveTrainable().clone();
    }

    /**
     * The threshold published with {@link #publishedTrainable}: the source head's while the head is
     * held at the source ({@link BinaryHeadTask#NO_DETECTOR_THRESHOLD} for a fresh start).
     */
    public float publishedThreshold(HeadState s) {
        return s.heldAtSource() ? calibrator.sourceThreshold() : s.threshold();
    }
}
