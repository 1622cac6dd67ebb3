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
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;

/**
 * A consumed batch in the engine's terms: the {@code headstream.samples} records and the
 * {@code headstream.control} records, each in consumption order, and per partition the offset of
 * the batch's first record and the offset after its last (what its transaction commits).
 *
 * @param samples      records of {@code headstream.samples}
 * @param controls     records of {@code headstream.control}
 * @param nextOffsets  per topic partition, the offset after the batch's last record
 * @param startOffsets per topic partition, the offset of the batch's first record
 */
public record IncomingBatch(
        List<RawSample> samples,
        List<RawSample> controls,
        Map<TopicPartition, Long> nextOffsets,
        Map<TopicPartition, Long> startOffsets) {

    public IncomingBatch {
        samples = List.copyOf(samples);
        controls = List.copyOf(controls);
        nextOffsets = Map.copyOf(nextOffsets);
        startOffsets = Map.copyOf(startOffsets);
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
                    RawSample.brokerTime(
                            meta.getTimestamp() == null
                                    ? -1
                                    : meta.getTimestamp().toEpochMilli(),
                            meta.getTimestampType() == TimestampType.LOG_APPEND_TIME));
        }
        return b.build();
    }

    /** Records in the batch, samples and control commands. */
    public int records() {
        return samples.size() + controls.size();
    }

    /** The partition numbers of the batch's {@code headstream.samples} records. */
    public Set<Integer> samplesPartitions() {
        return partitionsOf(Topics.SAMPLES);
    }

    /** The partition numbers of the batch's {@code headstream.control} records. */
    public Set<Integer> controlPartitions() {
        return partitionsOf(Topics.CONTROL);
    }

    private Set<Integer> partitionsOf(String topic) {
        Set<Integer> out = new TreeSet<>();
        startOffsets.keySet().stream().filter(tp -> topic.equals(tp.topic())).forEach(tp -> out.add(tp.partition()));
        return out;
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
        private final Map<TopicPartition, Long> start = new HashMap<>();

        /** Adds one consumed record; {@code timestampMs} -1 = none. */
        Builder add(String topic, int partition, long offset, byte[] key, byte[] value, long timestampMs) {
            next.merge(new TopicPartition(topic, partition), offset + 1, Math::max);
            start.merge(new TopicPartition(topic, partition), offset, Math::min);
            RawSample rec = new RawSample(partition, offset, key, value, timestampMs);
            (Topics.CONTROL.equals(topic) ? controls : samples).add(rec);
            return this;
        }

        IncomingBatch build() {
            return new IncomingBatch(samples, controls, next, start);
        }
    }
}
