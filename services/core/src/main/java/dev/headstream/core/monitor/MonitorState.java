package dev.headstream.core.monitor;

/**
 * The mutable state of a monitor as a flat {@code double[]} segment, for the adapter-state
 * changelog. The configuration (window sizes, thresholds) is not part of the state: a state is
 * read back into a monitor constructed with the same configuration.
 *
 * <p>Call order: {@link #stateSize()}, then {@link #writeState(double[], int)} into an array with
 * at least that many free slots; restore with {@link #readState(double[], int)} on a fresh monitor
 * of the same configuration. Counts are stored as doubles and are exact below 2^53.
 */
public interface MonitorState {

    /** Number of doubles {@link #writeState} writes; fixed for a given configuration. */
    int stateSize();

    /** Writes the state at {@code offset}; returns the offset after it. */
    int writeState(double[] dst, int offset);

    /**
     * Replaces the state with the one at {@code offset}; returns the offset after it.
     *
     * @throws IllegalArgumentException when the segment is inconsistent with this configuration
     */
    int readState(double[] src, int offset);
}
