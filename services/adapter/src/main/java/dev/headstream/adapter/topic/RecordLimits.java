package dev.headstream.adapter.topic;

import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import java.util.HashMap;
import java.util.Map;

/**
 * The largest output record, in bytes, that each topic takes from the adapter: the topic's
 * {@code max.message.bytes} and the producer's {@code max.request.size}, whichever is smaller,
 * less {@link #RECORD_OVERHEAD_BYTES} for the record batch around it. An output record over it would
 * fail its batch's whole transaction, so the flow checks every record before the transaction starts.
 *
 * @param maxMessageBytes per topic, its {@code max.message.bytes}
 * @param maxRequestSize  the adapter producer's {@code max.request.size}
 */
public record RecordLimits(Map<String, Integer> maxMessageBytes, int maxRequestSize) {

    /**
     * Room for what Kafka adds around a record's key, value and headers: the record batch header
     * (61 bytes in format v2) and the record's own length, offset and timestamp fields, with margin.
     */
    public static final int RECORD_OVERHEAD_BYTES = 512;

    public RecordLimits {
        maxMessageBytes = Map.copyOf(maxMessageBytes);
        if (maxRequestSize < 1) {
            throw new IllegalArgumentException("max.request.size must be at least 1: " + maxRequestSize);
        }
    }

    /** The limits {@link TopicSpecs} sets on every topic, with the producer's {@code maxRequestSize}. */
    public static RecordLimits ofSpecs(int maxRequestSize) {
        Map<String, Integer> bytes = new HashMap<>();
        TopicSpecs.all().forEach(s -> bytes.put(s.name(), s.maxMessageBytes()));
        return new RecordLimits(bytes, maxRequestSize);
    }

    /**
     * The most bytes of key, value and headers together that one record for {@code topic} may have.
     *
     * @throws IllegalArgumentException for a topic this knows nothing about
     */
    public int limit(String topic) {
        Integer topicLimit = maxMessageBytes.get(topic);
        if (topicLimit == null) {
            throw new IllegalArgumentException("no record size limit known for topic " + topic + "; known: "
                    + maxMessageBytes.keySet() + " (" + Topics.class.getSimpleName() + ")");
        }
        return Math.min(topicLimit, maxRequestSize) - RECORD_OVERHEAD_BYTES;
    }
}
