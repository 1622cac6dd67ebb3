package dev.headstream.core.adapt.task;

/**
 * A head needed the near misses of a phrase that are not made yet, and this batch already made as
 * many phrases' near misses as the instance allows per batch (each takes about a second and a half
 * of the batch). The engine rejects the sample {@code CAPACITY} ("send it again later"); a replay
 * skips it, as every {@code CAPACITY} rejection.
 */
public final class NearMissesBusyException extends RuntimeException {

    public NearMissesBusyException(String message) {
        super(message);
    }
}
