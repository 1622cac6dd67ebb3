package dev.headstream.adapter.flow;

import dev.headstream.core.ingest.RawSample;
import dev.headstream.schemas.Topics;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumed batch in the engine's terms: the {@code headstream.samples} records and the
 * {@code headstream.control} records, each in consumption order, and per partition the offset after
 * the batch's last record (what its transaction commits).
 *
 * @param samples     records of {@code headstream.samples}
 * @param controls    records of {@code headstream.control}
 * @param nextOffsets per topic partition, the offset after the batch's last record
 */
public record IncomingBatch(List<RawSample> samples, List<RawSample> controls, Map<TopicPartition, Long> nextOffsets) {

    public IncomingBatch {
        samples = List.copyOf(samples);
        controls = List.copyOf(controls);
        nextOffsets = Map.copyOf(nextOffsets);
    }

    /** Reads a batch as SmallRye delivers it. */
    public static IncomingBatch of(KafkaRecordBatch<byte[], byte[]> batch) {
        Builder b = new Builder();
        for (KafkaRecord<byte[], byte[]> r : batch) {
            IncomingKafkaRecordMetadata<?, ?> meta = r.getMetadata(IncomingKafkaRecordMetadata.class)
                    .orElseThrow(() -> new IllegalStateException("batch record without Kafka metadata"));
            b.add(
                    r.getTopic(),
                    meta.getPartition(),
                    meta.getOffset(),
                    r.getKey(),
                    r.getPayload(),
                    meta.getTimestamp() == null ? -1 : meta.getTimestamp().toEpochMilli());
        }
        return b.build();
    }

    /** Records in the batch, samples and control commands. */
    public int records() {
        return samples.size() + controls.size();
    }

    /** The offsets of the batch's samples records. */
    public List<Long> sampleOffsets() {
        return samples.stream().map(RawSample::offset).toList();
    }

    /** Collects a batch record by record; not thread-safe. */
    static final class Builder {
        private final List<RawSample> samples = new ArrayList<>();
        private final List<RawSample> controls = new ArrayList<>();
        private final Map<TopicPartition, Long> next = new HashMap<>();

        /** Adds one consumed record; {@code timestampMs} -1 = none. */
        Builder add(String topic, int partition, long offset, byte[] key, byte[] value, long timestampMs) {
            next.merge(new TopicPartition(topic, partition), offset + 1, Math::max);
            RawSample rec = new RawSample(partition, offset, key, value, timestampMs);
            (Topics.CONTROL.equals(topic) ? controls : samples).add(rec);
            return this;
        }

        IncomingBatch build() {
            return new IncomingBatch(samples, controls, next);
        }
    }
}
