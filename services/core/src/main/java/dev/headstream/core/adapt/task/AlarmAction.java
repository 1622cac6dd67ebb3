package dev.headstream.core.adapt.task;

/**
 * What a head does when its negative-transfer test alarms ({@link AlarmPolicy} carries it out).
 * Every action but {@link #PUBLISH_ONLY} rolls the head back (vector, threshold; fresh optimizer
 * state, empty replay buffer), resets the tests and publishes the rolled-back head as a version
 * with status ROLLED_BACK and the reason: to the source head, or for {@link #ROLLBACK_LAST_GOOD}
 * to the last good version.
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
     * version's vector and threshold per head.
     */
    ROLLBACK_LAST_GOOD,
    /** {@link #ROLLBACK_LAST_GOOD}, then stop training this head (samples are still scored). */
    FREEZE_LAST_GOOD,
    /**
     * Roll back to the source head and keep adapting from there, but publish the source head
     * (held at the source) until the head has trained on {@link AlarmPolicy#PROBATION_SAMPLES}
     * samples without another alarm; an alarm during probation rolls back again and doubles the
     * probation, up to {@link AlarmPolicy#PROBATION_MAX_SAMPLES}. A false alarm costs a clean user
     * that many samples at the source head's quality instead of freezing them for good; a stream
     * that keeps poisoning the head keeps alarming and stays at the source.
     */
    PROBATION;

    /** Whether the action rolls back to the last good version (and so keeps one). */
    public boolean toLastGood() {
        return this == ROLLBACK_LAST_GOOD || this == FREEZE_LAST_GOOD;
    }
}
