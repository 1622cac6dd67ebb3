package dev.headstream.core.adapt.task;

/**
 * The near misses of any wake phrase, for a task whose phrase each user names in their samples
 * ({@code phrase=per-user}): a head asks for its user's phrase's set when it first learns one of them.
 * The set of a phrase must depend on the phrase alone (and the tools that make it), never on when or
 * by whom it was asked for, so that the same ordered samples give the same head. Implementations
 * are thread-safe: every worker's copy of the task shares one library.
 */
@FunctionalInterface
public interface NearMissLibrary {

    /**
     * The near misses of {@code phrase} (a user's phrase as a head keeps it).
     *
     * @throws IllegalArgumentException if the phrase has no near miss that can be spoken
     * @throws IllegalStateException    if they cannot be made now (a tool failed)
     */
    NearMissSet of(String phrase);

    /**
     * How many near misses every phrase's set holds, when the library knows it: a head that has
     * learned this many of its set's needs the set no more, and is not made to ask for it (and so
     * to have it made again after it left the cache). {@link Integer#MAX_VALUE} when unknown.
     */
    default int nearMissesPerPhrase() {
        return Integer.MAX_VALUE;
    }

    /** A new batch starts (called when no worker runs): a library that limits its work per batch starts counting again. */
    default void startBatch() {}
}
