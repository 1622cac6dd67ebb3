package dev.headstream.adapter.flow;

import dev.headstream.core.adapt.state.UserStore;
import dev.headstream.schemas.Topics;
import io.smallrye.reactive.messaging.OutgoingMessageMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Where a committed batch's changelog records landed, per {@code headstream.adapter-state}
 * partition, from the {@link RecordMetadata} the Kafka sink leaves on each sent record
 * ({@link OutgoingMessageMetadata}, which {@link OutputRecords} attaches to every changelog record).
 * The state store's checkpoint moves to the end of a span ({@link UserStore#apply}). A partition
 * where the batch's records are not one run of consecutive offsets (another writer's record among
 * them) has no span. Stateless.
 */
final class ChangelogSpans {

    private ChangelogSpans() {}

    /**
     * The spans of {@code records}' changelog records, by partition; empty when any changelog record
     * carries no offset (then no checkpoint moves: the restore after a restart reads further back).
     */
    static Map<Integer, UserStore.ChangelogSpan> of(List<Message<byte[]>> records) {
        Map<Integer, long[]> bounds = new HashMap<>();
        for (Message<byte[]> m : records) {
            Optional<OutgoingKafkaRecordMetadata> kafka = m.getMetadata(OutgoingKafkaRecordMetadata.class);
            if (kafka.isEmpty() || !Topics.ADAPTER_STATE.equals(kafka.get().getTopic())) {
                continue;
            }
            Optional<OutgoingMessageMetadata> sent = m.getMetadata(OutgoingMessageMetadata.class);
            if (sent.isEmpty() || !(sent.get().getResult() instanceof RecordMetadata r) || !r.hasOffset()) {
                return Map.of();
            }
            long[] b = bounds.computeIfAbsent(r.partition(), p -> new long[] {Long.MAX_VALUE, -1, 0});
            b[0] = Math.min(b[0], r.offset());
            b[1] = Math.max(b[1], r.offset() + 1);
            b[2]++;
        }
        Map<Integer, UserStore.ChangelogSpan> out = new HashMap<>();
        bounds.forEach((p, b) -> {
            // only a run of this batch's records alone: a record of another writer among them (a tombstone
            // another instance wrote to this partition meanwhile) is not in the store
            if (b[1] - b[0] == b[2]) {
                out.put(p, new UserStore.ChangelogSpan(b[0], b[1]));
            }
        });
        return out;
    }
}
