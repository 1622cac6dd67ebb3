package dev.headstream.adapter.flow;

import dev.headstream.core.adapt.engine.EmbeddingsAhead;
import dev.headstream.schemas.Topics;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Hands every {@code headstream.samples} record the samples consumer polls to the engine's
 * {@link EmbeddingsAhead}, on the polling thread, so that its embedding is made while earlier
 * batches train and commit; the batch that applies the record then takes it instead of embedding
 * it. Records pass through unchanged, and nothing waits here for an embedding. Kafka makes this
 * class from {@code mp.messaging.incoming.samples.interceptor.classes}, outside CDI, so the engine's
 * producer names the target ({@link #use}); with none (off, or not started) records only pass.
 */
public final class EmbedAheadInterceptor implements ConsumerInterceptor<byte[], byte[]> {

    /**
     * Records held ahead at most: far more than SmallRye's queue of polled records holds with the
     * adapter's settings (twice {@code max.poll.records}, 64), so that none is dropped before its batch
     * takes it.
     */
    public static final int CAPACITY = 1024;

    /**
     * Bytes of records (keys and values) held ahead at most: 64 MiB, about 800 clips of 2.5 s
     * (records a batch never takes, rejected or rewound, are dropped first when it is reached).
     */
    public static final long MAX_BYTES = 64L * 1024 * 1024;

    private static volatile EmbeddingsAhead target;

    /** Where polled records go from now on; null: nowhere. */
    public static void use(EmbeddingsAhead ahead) {
        target = ahead;
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        EmbeddingsAhead ahead = target;
        if (ahead != null) {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (Topics.SAMPLES.equals(r.topic())) {
                    ahead.offer(r.partition(), r.offset(), r.key(), r.value());
                }
            }
        }
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
}
