package dev.headstream.core.adapt.task;

/**
 * The speech tools failed while making the near misses a head needs (espeak-ng or sox exited with
 * an error, timed out or could not start): not the sample's fault, and perhaps over the next time.
 * The engine does not reject the sample; the exception leaves {@code process}, so the adapter tries
 * the batch again after a wait, and only a sample whose near misses keep failing is isolated and
 * rejected {@code PROCESSING_FAILED} (see the adapter's {@code PoisonIsolation}). A phrase that has
 * no near miss at all is {@link NearMissesUnavailableException} instead: that one does not pass.
 */
public final class NearMissesFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NearMissesFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
