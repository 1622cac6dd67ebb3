package dev.headstream.cli.detect;

import java.util.List;
import java.util.Optional;

/**
 * Where a detector takes its head from at each scoring step: {@link #current()} is called once per
 * window from the scoring thread and must be cheap and never block. {@link #takeNotices()} and
 * {@link #failure()} are polled by the same thread between pieces of audio.
 */
public interface HeadSource extends AutoCloseable {

    /** The head to score the next window with; empty while there is none (not yet, or erased). */
    Optional<DetectorHead> current();

    /** Where the heads come from, for the console. */
    String describe();

    /**
     * What the console should hear about the heads since the last call, one line each (say, a
     * version that could not be built); never blocks. None by default.
     */
    default List<String> takeNotices() {
        return List.of();
    }

    /**
     * Why the source stopped following its heads, once it has: its head can no longer change, so a
     * detector should stop rather than score on with it. Empty while it follows (and always for a
     * fixed head).
     */
    default Optional<String> failure() {
        return Optional.empty();
    }

    @Override
    void close();
}
