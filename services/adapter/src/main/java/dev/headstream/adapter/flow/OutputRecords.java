package dev.headstream.adapter.flow;

import dev.headstream.adapter.topic.RecordLimits;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.wire.Bounded;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.core.wire.UserStateCodec;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Rejected;
import io.smallrye.reactive.messaging.OutgoingMessageMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Turns a processed batch into the Kafka records of its transaction: heads, metrics, rejects and
 * state changelog. A reject record's key is the consumed record's key, cut to
 * {@link Bounded#MAX_KEY_BYTES} ({@link Bounded#key}). Every record is checked against its topic's
 * size limit ({@link RecordLimits}) before the transaction starts: a record over it would fail the
 * whole transaction, each time the batch is consumed again. Stateless.
 */
final class OutputRecords {

    private OutputRecords() {}

    /**
     * The records of {@code result}'s transaction.
     *
     * @throws OutputTooLargeException for the first record that does not fit its topic, naming the
     *                                 consumed record it came from when there is one
     */
    static List<Message<byte[]>> of(
            BatchResult result, List<AdapterState> states, String samplesTopic, long nowMs, RecordLimits limits) {
        List<Message<byte[]>> out = of(result, states, samplesTopic, nowMs);
        for (int i = 0; i < result.rejections().size(); i++) {
            check(out.get(i), limits, result.rejections().get(i).source());
        }
        for (int i = result.rejections().size(); i < out.size(); i++) {
            check(out.get(i), limits, null);
        }
        return out;
    }

    /** The records of {@code result}'s transaction, rejects first, unchecked. */
    static List<Message<byte[]>> of(BatchResult result, List<AdapterState> states, String samplesTopic, long nowMs) {
        List<Message<byte[]>> out = new ArrayList<>();
        for (Rejection r : result.rejections()) {
            Rejected rec = OutputMessages.rejected(r, samplesTopic, nowMs);
            out.add(record(Topics.REJECTED, Bounded.key(r.source().key()), rec.toByteArray()));
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
            // the sink leaves the record's offset in OutgoingMessageMetadata: the state store's checkpoint
            out.add(Message.of(s.toByteArray())
                    .addMetadata(OutgoingKafkaRecordMetadata.<byte[]>builder()
                            .withTopic(Topics.ADAPTER_STATE)
                            .withKey(UserStateCodec.recordKey(s).getBytes(StandardCharsets.UTF_8))
                            .withPartition(s.getSourcePartition())
                            .build())
                    .addMetadata(new OutgoingMessageMetadata<RecordMetadata>()));
        }
        for (BatchResult.Erasure e : result.erasures()) {
            // tombstones: compaction removes the user's heads and training state from both topics
            for (String headId : e.headIds()) {
                out.add(record(Topics.HEADS, headId.getBytes(StandardCharsets.UTF_8), null));
            }
            for (int partition : e.partitions()) {
                out.add(Message.<byte[]>of(null)
                        .addMetadata(OutgoingKafkaRecordMetadata.<byte[]>builder()
                                .withTopic(Topics.ADAPTER_STATE)
                                .withKey(UserStateCodec.recordKey(e.key()).getBytes(StandardCharsets.UTF_8))
                                .withPartition(partition)
                                .build())
                        .addMetadata(new OutgoingMessageMetadata<RecordMetadata>()));
            }
        }
        return out;
    }

    /**
     * The bytes of key, value and headers of {@code record}.
     */
    static long size(Message<byte[]> record) {
        OutgoingKafkaRecordMetadata<?> meta = metadata(record);
        Object key = meta.getKey();
        long bytes = (key instanceof byte[] k ? k.length : 0)
                + (record.getPayload() == null ? 0 : record.getPayload().length);
        if (meta.getHeaders() != null) {
            for (Header h : meta.getHeaders()) {
                bytes += h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length);
            }
        }
        return bytes;
    }

    private static void check(Message<byte[]> record, RecordLimits limits, RawSample source) {
        String topic = metadata(record).getTopic();
        long bytes = size(record);
        int limit = limits.limit(topic);
        if (bytes > limit) {
            throw new OutputTooLargeException(topic, bytes, limit, source);
        }
    }

    @SuppressWarnings("unchecked")
    private static OutgoingKafkaRecordMetadata<?> metadata(Message<byte[]> record) {
        return record.getMetadata(OutgoingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("an output record without its topic"));
    }

    private static Message<byte[]> record(String topic, byte[] key, byte[] value) {
        return Message.of(value)
                .addMetadata(OutgoingKafkaRecordMetadata.<byte[]>builder()
                        .withTopic(topic)
                        .withKey(key)
                        .build());
    }
}
