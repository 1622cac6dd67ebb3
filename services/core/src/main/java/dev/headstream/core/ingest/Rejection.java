package dev.headstream.core.ingest;

import dev.headstream.schemas.v1.RejectReason;

/**
 * Why one consumed record was not applied.
 *
 * @param source   the record
 * @param reason   reason code
 * @param message  human-readable detail
 * @param sampleId the sample id if it could be read, else empty
 * @param topic    the topic the record came from; null for the samples topic
 */
public record Rejection(RawSample source, RejectReason reason, String message, String sampleId, String topic) {

    /** A rejected sample (from the samples topic). */
    public Rejection(RawSample source, RejectReason reason, String message, String sampleId) {
        this(source, reason, message, sampleId, null);
    }
}
