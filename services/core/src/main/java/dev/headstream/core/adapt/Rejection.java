package dev.headstream.core.adapt;

import dev.headstream.schemas.v1.RejectReason;

/**
 * Why one consumed record was not applied.
 *
 * @param source   the record
 * @param reason   reason code
 * @param message  human-readable detail
 * @param sampleId the sample id if it could be read, else empty
 */
public record Rejection(RawSample source, RejectReason reason, String message, String sampleId) {
}
