package dev.headstream.adapter;

import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdapterState;
import com.google.protobuf.InvalidProtocolBufferException;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Restores per-user training state when the adapter is assigned partitions of
 * {@code headstream.samples}: for each assigned partition number it reads the same partition of
 * the compacted {@code headstream.adapter-state} changelog to its end ({@code read_committed}) and
 * installs the newest record of every user (a tombstone erases the user). This runs on the Kafka
 * polling thread inside the rebalance, so no sample of the partition is delivered before its state
 * is restored; {@link #restoring()} and {@link #assignedOnce()} are what readiness reports (DOWN
 * from start until the first assignment is restored, and while any later one is). On revocation the
 * partition's users are dropped from memory. Wired by
 * {@code mp.messaging.incoming.samples.consumer-rebalance-listener.name=headstream-state-restore}.
 */
@ApplicationScoped
@Identifier(StateRestorer.NAME)
public class StateRestorer implements KafkaConsumerRebalanceListener {

    public static final String NAME = "headstream-state-restore";

    private static final Logger LOG = Logger.getLogger(StateRestorer.class);

    @Inject
    AdaptationEngine engine;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    HeadstreamConfig config;

    private final Set<Integer> restoring = ConcurrentHashMap.newKeySet();
    private volatile boolean assigned;

    /**
     * Whether the consumer has had its first assignment (possibly empty) and restored it: before
     * that, the instance does not know which users it serves, so it is not ready.
     */
    public boolean assignedOnce() {
        return assigned;
    }

    /** Samples partitions whose state is being restored right now. */
    public Set<Integer> restoring() {
        return Set.copyOf(restoring);
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        // the consumer also reads headstream.control; its partition p comes with samples partition p
        // (range assignor) and holds no state of its own
        List<TopicPartition> partitions = samplesPartitions(assigned);
        if (partitions.isEmpty()) {
            this.assigned = true;
            return;
        }
        partitions.forEach(tp -> restoring.add(tp.partition()));
        try {
            long t0 = System.nanoTime();
            int delay = config.fault().restoreDelaySeconds();
            if (delay > 0) {
                LOG.warnf("fault injection: holding the restore of samples partitions %s for %d s",
                        partitions.stream().map(TopicPartition::partition).sorted().toList(), delay);
                Thread.sleep(delay * 1000L);
            }
            // Committed offsets first, changelog second: a transaction that commits in between only
            // makes the restored state newer than the position, never older; the engine skips the
            // samples the state already holds. Reading them the other way round could lose a batch.
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions),
                    Duration.ofSeconds(30));
            Map<String, byte[]> newest = readChangelog(partitions.stream().map(TopicPartition::partition).toList());
            int restored = 0;
            int erased = 0;
            for (Map.Entry<String, byte[]> e : newest.entrySet()) {
                if (e.getValue() == null) {
                    engine.forget(UserKey.parse(e.getKey()));
                    erased++;
                    continue;
                }
                try {
                    engine.restore(AdapterState.parseFrom(e.getValue()));
                    restored++;
                } catch (InvalidProtocolBufferException | IllegalArgumentException ex) {
                    // the user then starts from the source head: visible in the log, not silent
                    LOG.errorf("cannot restore the state of %s from %s: %s", e.getKey(), Topics.ADAPTER_STATE,
                            ex.getMessage());
                }
            }
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                if (c != null) {
                    consumer.seek(tp, c.offset());
                }
            }
            LOG.infof("restored %d users (%d erased) for samples partitions %s in %.1f s", restored, erased,
                    partitions.stream().map(TopicPartition::partition).sorted().toList(),
                    (System.nanoTime() - t0) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restoring", e);
        } finally {
            this.assigned = true;
            partitions.forEach(tp -> restoring.remove(tp.partition()));
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        for (TopicPartition tp : samplesPartitions(revoked)) {
            int dropped = engine.forgetPartition(tp.partition());
            LOG.infof("samples partition %d revoked: dropped %d users from memory", tp.partition(), dropped);
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        onPartitionsRevoked(consumer, partitions);
    }

    private static List<TopicPartition> samplesPartitions(Collection<TopicPartition> partitions) {
        return partitions.stream().filter(tp -> Topics.SAMPLES.equals(tp.topic())).toList();
    }

    private Map<String, byte[]> readChangelog(List<Integer> partitionNumbers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 32 * 1024 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        Map<String, byte[]> newest = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = partitionNumbers.stream()
                    .map(n -> new TopicPartition(Topics.ADAPTER_STATE, n)).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    newest.put(new String(r.key(), StandardCharsets.UTF_8), r.value());
                }
            }
        }
        return newest;
    }
}
