package dev.headstream.core.monitor;

/**
 * A sequential change detector on a stream of real values, in the style of MOA's
 * {@code ChangeDetector}.
 *
 * <p>Lifecycle: {@code input(x)} once per observation in stream order; after each input read
 * {@link #statistic()}, {@link #threshold()} and {@link #alarm()}; when an alarm has been acted
 * on (rollback, re-baseline) call {@link #reset()}, which returns the detector to its
 * freshly-constructed state. {@link #input(double)} allocates nothing.
 *
 * <p>Not thread-safe; use {@link #copy()} to work on a private copy.
 */
public interface ChangeDetector extends MonitorState {

    /**
     * Feeds one observation.
     *
     * @return true when this observation signals a change: for threshold detectors the first
     *     crossing since the last reset, for ADWIN every window cut
     * @throws IllegalArgumentException when {@code x} is not finite
     */
    boolean input(double x);

    /** True from the first signalled change until {@link #reset()}. */
    boolean alarm();

    /** The test statistic after the last input. */
    double statistic();

    /** The value the statistic is compared with. */
    double threshold();

    /** Observations since construction or the last {@link #reset()}. */
    long samples();

    /** The 1-based observation index (since reset) of the first alarm, or -1. */
    long alarmSample();

    /** Forgets everything seen, keeping the configuration. */
    void reset();

    /** An independent deep copy. */
    ChangeDetector copy();
}
