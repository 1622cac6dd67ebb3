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
}
