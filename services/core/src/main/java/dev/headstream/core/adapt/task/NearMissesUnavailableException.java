package dev.headstream.core.adapt.task;

/**
 * A head needed the near misses of its user's phrase and they could not be made: the phrase has
 * none that can be spoken, or the speech tools failed. The sample that needed them is not applied
 * (the engine rejects it {@code PROCESSING_FAILED} with this message, and a replay skips it).
 */
public final class NearMissesUnavailableException extends RuntimeException {

    public NearMissesUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
