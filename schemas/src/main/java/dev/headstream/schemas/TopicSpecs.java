package dev.headstream.schemas;

import java.util.List;
import java.util.Map;

/**
 * The configuration every Headstream topic ({@link Topics}) must have, in one place: the test kit
 * and the tools create topics with it, the adapter checks it at start-up. Plain strings, the
 * broker's own topic-config names and values, so that this module needs no Kafka client.
 *
 * <ul>
 *   <li>{@link Topics#SAMPLES}: {@code max.message.bytes} {@value #LARGE_RECORD_BYTES} (a record
 *       over the adapter's {@code headstream.max-sample-bytes} reaches it and gets a
 *       {@code TOO_LARGE} reject instead of a producer error) and
 *       {@code message.timestamp.type=LogAppendTime}: the broker stamps each sample when it appends
 *       it, so the rate limit counts time that producers cannot set, and a replay of the log sees the
 *       same timestamps;</li>
 *   <li>{@link Topics#HEADS}, {@link Topics#ADAPTER_STATE}: compacted, {@code max.message.bytes}
 *       {@value #LARGE_RECORD_BYTES} (a head version or a user's training state is written whole,
 *       up to the adapter producer's {@code max.request.size}, which is the same 16 MiB);</li>
 *   <li>{@link Topics#METRICS}, {@link Topics#REJECTED}, {@link Topics#CONTROL}: {@code max.message.bytes}
 *       {@value #SMALL_RECORD_BYTES}. The adapter's metrics and reject records are bounded (every
 *       string copied from a consumed record is cut, see {@code dev.headstream.core.wire.Bounded}) to
 *       well under {@value #BOUNDED_RECORD_BYTES} bytes; control commands over 64 KiB are rejected
 *       {@code TOO_LARGE} by the adapter, so the topic takes larger ones to reject them with a reason.</li>
 * </ul>
 *
 * {@link Topics#SAMPLES}, {@link Topics#CONTROL} and {@link Topics#ADAPTER_STATE} are
 * co-partitioned by partition number and must have the same partition count ({@link Spec#coPartitioned()});
 * the tools create every topic with one count. Stateless.
 */
public final class TopicSpecs {

    /** Topic config: {@code delete} or {@code compact}. */
    public static final String CLEANUP_POLICY = "cleanup.policy";

    /** Topic config: the largest record batch the topic takes, in bytes. */
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";

    /** Topic config: {@code CreateTime} (the producer's timestamp) or {@code LogAppendTime} (the broker's). */
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";

    /** {@value #CLEANUP_POLICY}: keep records by time. */
    public static final String DELETE = "delete";

    /** {@value #CLEANUP_POLICY}: keep the newest record per key. */
    public static final String COMPACT = "compact";

    /** {@value #MESSAGE_TIMESTAMP_TYPE}: the broker's clock at append. */
    public static final String LOG_APPEND_TIME = "LogAppendTime";

    /** {@value #MAX_MESSAGE_BYTES} of the topics that carry samples, heads and training state. */
    public static final int LARGE_RECORD_BYTES = 16 * 1024 * 1024;

    /** {@value #MAX_MESSAGE_BYTES} of the metrics, reject and control topics (the broker's usual default). */
    public static final int SMALL_RECORD_BYTES = 1024 * 1024;

    /**
     * An upper bound, with room to spare, on one metrics or reject record of the adapter: its
     * strings are bounded (a reject's key 256 bytes, message 2,048 characters, sample id 256
     * characters), its numbers are a few dozen fields. The least {@value #MAX_MESSAGE_BYTES} the
     * adapter accepts on {@link Topics#METRICS} and {@link Topics#REJECTED}.
     */
    public static final int BOUNDED_RECORD_BYTES = 64 * 1024;

    /**
     * One topic's required settings.
     *
     * @param name          the topic
     * @param configs       topic configs to set, by the broker's names
     * @param coPartitioned whether it must have the partition count of {@link Topics#SAMPLES}
     */
    public record Spec(String name, Map<String, String> configs, boolean coPartitioned) {

        public Spec {
            configs = Map.copyOf(configs);
        }

        /** Its {@value TopicSpecs#MAX_MESSAGE_BYTES}. */
        public int maxMessageBytes() {
            return Integer.parseInt(configs.get(MAX_MESSAGE_BYTES));
        }
    }

    private static final List<Spec> ALL = List.of(
            new Spec(
                    Topics.SAMPLES,
                    Map.of(
                            CLEANUP_POLICY,
                            DELETE,
                            MAX_MESSAGE_BYTES,
                            String.valueOf(LARGE_RECORD_BYTES),
                            MESSAGE_TIMESTAMP_TYPE,
                            LOG_APPEND_TIME),
                    true),
            new Spec(Topics.HEADS, compacted(LARGE_RECORD_BYTES), false),
            new Spec(Topics.ADAPTER_STATE, compacted(LARGE_RECORD_BYTES), true),
            new Spec(Topics.METRICS, deleted(SMALL_RECORD_BYTES), false),
            new Spec(Topics.REJECTED, deleted(SMALL_RECORD_BYTES), false),
            new Spec(Topics.CONTROL, deleted(SMALL_RECORD_BYTES), true));

    private TopicSpecs() {}

    /** Every topic's spec, one per name in {@link Topics}. */
    public static List<Spec> all() {
        return ALL;
    }

    /**
     * The spec of {@code topic}.
     *
     * @throws IllegalArgumentException if it is not one of {@link Topics}
     */
    public static Spec of(String topic) {
        return ALL.stream()
                .filter(s -> s.name().equals(topic))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not a Headstream topic: " + topic));
    }

    private static Map<String, String> compacted(int maxMessageBytes) {
        return Map.of(CLEANUP_POLICY, COMPACT, MAX_MESSAGE_BYTES, String.valueOf(maxMessageBytes));
    }

    private static Map<String, String> deleted(int maxMessageBytes) {
        return Map.of(CLEANUP_POLICY, DELETE, MAX_MESSAGE_BYTES, String.valueOf(maxMessageBytes));
    }
}
