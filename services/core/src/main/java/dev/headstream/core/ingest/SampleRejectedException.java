package dev.headstream.core.ingest;

import dev.headstream.schemas.v1.RejectReason;

/**
 * A sample that cannot be applied, with the reason code its reject record carries. Thrown by
 * validation before any state is touched.
 */
public final class SampleRejectedException extends IllegalArgumentException {

    private final RejectReason reason;
    private final String sampleId;

    public SampleRejectedException(RejectReason reason, String message, String sampleId) {
        super(message);
        this.reason = reason;
        this.sampleId = sampleId == null ? "" : sampleId;
    }

    public RejectReason reason() {
        return reason;
    }

    /** The sample id if it could be read, else empty. */
    public String sampleId() {
        return sampleId;
    }
}
