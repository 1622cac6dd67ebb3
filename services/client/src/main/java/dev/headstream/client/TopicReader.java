package dev.headstream.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic as it stands now, committed records only unless asked otherwise (for reports and tests). */
public final class TopicReader {

    private TopicReader() {}

    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrapServers, String topic, Duration timeout) {
        return readAll(KafkaConnection.plain(bootstrapServers), topic, timeout);
    }

    /** {@link #readAll(String, String, Duration)} on a cluster that may need authentication. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaConnection kafka, String topic, Duration timeout) {
        return readAll(kafka, topic, timeout, true);
    }

    /** {@link #readAll(String, String, Duration)}; {@code committedOnly} false also returns records of aborted transactions. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            String bootstrapServers, String topic, Duration timeout, boolean committedOnly) {
        return readAll(KafkaConnection.plain(bootstrapServers), topic, timeout, committedOnly);
    }

    /** {@link #readAll(String, String, Duration, boolean)} on a cluster that may need authentication. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            KafkaConnection kafka, String topic, Duration timeout, boolean committedOnly) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        forEach(kafka, topic, timeout, committedOnly, out::add);
        return out;
    }

    /**
     * Hands every record of {@code topic}, from the beginning to the end offsets at the start, to
     * {@code action} without keeping them: for topics too large to hold (a long run's head
     * versions, about 0.85 MB each).
     */
    public static void forEach(
            String bootstrapServers,
            String topic,
            Duration timeout,
            boolean committedOnly,
            Consumer<ConsumerRecord<byte[], byte[]>> action) {
        forEach(KafkaConnection.plain(bootstrapServers), topic, timeout, committedOnly, action);
    }

    /** {@link #forEach(String, String, Duration, boolean, Consumer)} on a cluster that may need authentication. */
    public static void forEach(
            KafkaConnection kafka,
            String topic,
            Duration timeout,
            boolean committedOnly,
            Consumer<ConsumerRecord<byte[], byte[]>> action) {
        Properties p = kafka.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // reading must never create the topic with the broker's defaults
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, timeout).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading " + topic);
                }
                c.poll(Duration.ofMillis(200)).forEach(action);
            }
        }
    }
}
