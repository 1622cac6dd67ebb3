package dev.headstream.adapter.flow;

import dev.headstream.core.ingest.RawSample;

/**
 * An output record that would not fit its topic ({@code max.message.bytes}) or the producer's
 * request ({@code max.request.size}): sent, it would fail its batch's whole transaction, every time
 * the batch is consumed again. Thrown before the transaction starts, and attributed to the consumed
 * record it came from when there is one (a reject record's), so that {@link PoisonIsolation} can
 * reject that record instead of the batch.
 */
public final class OutputTooLargeException extends IllegalStateException {

    private final transient RawSample source;

    /**
     * @param topic  the output record's topic
     * @param bytes  its key, value and headers in bytes
     * @param limit  the most its topic takes ({@link dev.headstream.adapter.topic.RecordLimits#limit})
     * @param source the consumed record it came from, or null when it is not one record's (a head version, a
     *               user's state)
     */
    OutputTooLargeException(String topic, long bytes, int limit, RawSample source) {
        super("an output record for " + topic + " would have " + bytes + " bytes of key, value and headers; the"
                + " topic and the producer take at most " + limit
                + (source == null ? "" : " (it is the output of the record at offset " + source.offset() + ")"));
        this.source = source;
    }

    /** The consumed record whose output this is, or null when it is not one record's. */
    public RawSample source() {
        return source;
    }
}
