package dev.headstream.adapter.flow;

import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.core.wire.UserStateCodec;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Rejected;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Turns a processed batch into the Kafka records of its transaction: heads, metrics, rejects and state changelog. */
final class OutputRecords {

    private OutputRecords() {}

    static List<Message<byte[]>> of(BatchResult result, List<AdapterState> states, String samplesTopic, long nowMs) {
        List<Message<byte[]>> out = new ArrayList<>();
        for (Rejection r : result.rejections()) {
            Rejected rec = OutputMessages.rejected(r, samplesTopic, nowMs);
            out.add(record(Topics.REJECTED, r.source().key(), rec.toByteArray()));
        }
        for (HeadUpdate h : result.heads()) {
            out.add(record(Topics.HEADS, h.getHeadId().getBytes(StandardCharsets.UTF_8), h.toByteArray()));
        }
        for (AdaptationMetrics m : result.metrics()) {
            out.add(record(Topics.METRICS, m.getHeadId().getBytes(StandardCharsets.UTF_8), m.toByteArray()));
        }
        for (AdapterState s : states) {
            // co-partitioned by partition number with the samples topic, so the instance that owns
            // samples partition p restores its users from changelog partition p
            out.add(Message.of(s.toByteArray())
                    .addMetadata(OutgoingKafkaRecordMetadata.<byte[]>builder()
                            .withTopic(Topics.ADAPTER_STATE)
                            .withKey(UserStateCodec.recordKey(s).getBytes(StandardCharsets.UTF_8))
                            .withPartition(s.getSourcePartition())
                            .build()));
        }
        for (BatchResult.Erasure e : result.erasures()) {
            // tombstones: compaction removes the user's heads and training state from both topics
            for (String headId : e.headIds()) {
                out.add(record(Topics.HEADS, headId.getBytes(StandardCharsets.UTF_8), null));
            }
            out.add(Message.<byte[]>of(null)
                    .addMetadata(OutgoingKafkaRecordMetadata.<byte[]>builder()
                            .withTopic(Topics.ADAPTER_STATE)
                            .withKey(UserStateCodec.recordKey(e.key()).getBytes(StandardCharsets.UTF_8))
                            .withPartition(e.partition())
                            .build()));
        }
        return out;
    }

    private static Message<byte[]> record(String topic, byte[] key, byte[] value) {
        return Message.of(value)
                .addMetadata(OutgoingKafkaRecordMetadata.<byte[]>builder()
                        .withTopic(topic)
                        .withKey(key)
                        .build());
    }
}
