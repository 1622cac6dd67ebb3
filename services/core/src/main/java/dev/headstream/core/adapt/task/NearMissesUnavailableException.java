package dev.headstream.core.adapt.task;

/**
 * A head needed the near misses of its user's phrase and they cannot be made: the phrase has none
 * that can be spoken, or they do not fit the head. The sample that needed them is not applied (the
 * engine rejects it {@code PROCESSING_FAILED} with this message, and a replay skips it). A failure of
 * the speech tools is {@link NearMissesFailedException} instead.
 */
public final class NearMissesUnavailableException extends RuntimeException {

    public NearMissesUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
