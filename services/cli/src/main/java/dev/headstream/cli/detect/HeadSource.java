package dev.headstream.cli.detect;

import java.util.Optional;

/**
 * Where a detector takes its head from at each scoring step: {@link #current()} is called once per
 * window from the scoring thread and must be cheap and never block.
 */
public interface HeadSource extends AutoCloseable {

    /** The head to score the next window with; empty while there is none (not yet, or erased). */
    Optional<DetectorHead> current();

    /** Where the heads come from, for the console. */
    String describe();

    @Override
    void close();
}
