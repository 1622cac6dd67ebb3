package dev.headstream.adapter.state;

import dev.headstream.schemas.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads partitions of the compacted {@code headstream.adapter-state} changelog from the beginning
 * to their end ({@code read_committed}) with a consumer of its own, closed after each read.
 */
@ApplicationScoped
public class ChangelogReader {

    /**
     * The newest record of one key in one changelog partition.
     *
     * @param partition the changelog partition (the samples partition of the same number)
     * @param offset    the record's offset in it
     * @param key       the record key as UTF-8 text ({@code "<tenant>/<user>"} when the adapter wrote
     *                  it), or null for a record without a key
     * @param value     the record value, or null for a tombstone (the user was erased)
     */
    public record Entry(int partition, long offset, String key, byte[] value) {}

    /** Which key of which partition: the unit compaction keeps one record of. */
    private record PartitionKey(int partition, String key) {}

    /**
     * The newest record of every key of every partition among the records {@linkplain #add added}
     * in offset order per partition: what compaction keeps. Not thread-safe.
     */
    static final class Newest {

        private final Map<PartitionKey, Entry> newest = new LinkedHashMap<>();

        /** Takes {@code r}, which replaces an earlier record of its key in its partition. */
        void add(ConsumerRecord<byte[], byte[]> r) {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            newest.put(new PartitionKey(r.partition(), key), new Entry(r.partition(), r.offset(), key, r.value()));
        }

        /** In partition order and, within a partition, in the order the keys first appeared. */
        List<Entry> entries() {
            List<Entry> out = new ArrayList<>(newest.values());
            out.sort(Comparator.comparingInt(Entry::partition));
            return out;
        }
    }

    private final String bootstrapServers;

    public ChangelogReader(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * The newest record of every key in each of the given changelog partitions (what compaction
     * keeps), in partition order and, within a partition, in the order the keys first appear. The
     * same key in two partitions gives two entries.
     */
    public List<Entry> newest(List<Integer> partitionNumbers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 32 * 1024 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        Newest newest = new Newest();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = partitionNumbers.stream()
                    .map(n -> new TopicPartition(Topics.ADAPTER_STATE, n))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    newest.add(r);
                }
            }
        }
        return newest.entries();
    }
}
