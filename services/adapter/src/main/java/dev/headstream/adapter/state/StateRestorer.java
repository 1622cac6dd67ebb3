package dev.headstream.adapter.state;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.adapter.fault.FaultInjector;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdapterState;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Restores per-user training state when the adapter is assigned partitions of
 * {@code headstream.samples}: for each assigned partition number it reads the same partition of
 * the compacted {@code headstream.adapter-state} changelog to its end ({@link ChangelogReader}) and
 * installs the newest record of every user (a tombstone erases the user). This runs on the Kafka
 * polling thread inside the rebalance, so no sample of the partition is delivered before its state
 * is restored; {@link RestoreProgress} tracks it for readiness (DOWN from start until the first
 * assignment is restored, and while any later one is). On revocation the partition's users are
 * dropped from memory. Wired by
 * {@code mp.messaging.incoming.samples.consumer-rebalance-listener.name=headstream-state-restore}.
 */
@ApplicationScoped
@Identifier(StateRestorer.NAME)
public class StateRestorer implements KafkaConsumerRebalanceListener {

    public static final String NAME = "headstream-state-restore";

    private static final Logger LOG = Logger.getLogger(StateRestorer.class);

    @Inject
    AdaptationEngine engine;

    @Inject
    ChangelogReader changelog;

    @Inject
    RestoreProgress progress;

    @Inject
    FaultInjector faults;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        // the consumer also reads headstream.control; its partition p comes with samples partition p
        // (range assignor) and holds no state of its own
        List<TopicPartition> partitions = samplesPartitions(assigned);
        List<Integer> numbers =
                partitions.stream().map(TopicPartition::partition).sorted().toList();
        progress.started(numbers);
        try {
            if (numbers.isEmpty()) {
                return;
            }
            long t0 = System.nanoTime();
            faults.beforeRestore(numbers);
            // Committed offsets first, changelog second: a transaction that commits in between only
            // makes the restored state newer than the position, never older; the engine skips the
            // samples the state already holds. Reading them the other way round could lose a batch.
            Map<TopicPartition, OffsetAndMetadata> committed =
                    consumer.committed(new HashSet<>(partitions), Duration.ofSeconds(30));
            Installed installed = install(changelog.newest(numbers));
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                if (c != null) {
                    consumer.seek(tp, c.offset());
                }
            }
            LOG.infof(
                    "restored %d users (%d erased) for samples partitions %s in %.1f s",
                    installed.restored(), installed.erased(), numbers, (System.nanoTime() - t0) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restoring", e);
        } finally {
            progress.finished(numbers);
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

    private record Installed(int restored, int erased) {}

    /** Installs the newest changelog value of every user: a tombstone erases the user. */
    private Installed install(Map<String, byte[]> newest) {
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
                LOG.errorf(
                        "cannot restore the state of %s from %s: %s",
                        e.getKey(), Topics.ADAPTER_STATE, ex.getMessage());
            }
        }
        return new Installed(restored, erased);
    }

    private static List<TopicPartition> samplesPartitions(Collection<TopicPartition> partitions) {
        return partitions.stream()
                .filter(tp -> Topics.SAMPLES.equals(tp.topic()))
                .toList();
    }
}
