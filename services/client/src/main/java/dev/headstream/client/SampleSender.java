package dev.headstream.client;

import dev.headstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends sample records to {@code headstream.samples} (or control commands to
 * {@code headstream.control}) with an idempotent producer (acks=all), so a
 * retry never duplicates a record. Not thread-safe; close with {@link #close()} (bounded).
 */
public final class SampleSender implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private Future<RecordMetadata> last;
    /** The topics sent to since the last {@link #flush}, for its error. */
    private final Set<String> topics = new LinkedHashSet<>();

    private long sent;
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

    public SampleSender(String bootstrapServers) {
        this(KafkaConnection.plain(bootstrapServers));
    }

    /** Sends to a cluster that may need authentication ({@link KafkaConnection}). */
    public SampleSender(KafkaConnection kafka) {
        this(kafka, new Properties());
    }

    /** With producer settings over the defaults (tests: a short {@code max.block.ms}). */
    SampleSender(String bootstrapServers, Properties overrides) {
        this(KafkaConnection.plain(bootstrapServers), overrides);
    }

    private SampleSender(KafkaConnection kafka, Properties overrides) {
        Properties p = kafka.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        p.putAll(overrides);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends raw bytes under {@code key} (null allowed, to exercise validation). */
    public void send(String key, byte[] value) {
        send(Topics.SAMPLES, key, value);
    }

    /** Sends raw bytes under {@code key} to {@code topic} (e.g. {@link Topics#CONTROL} commands). */
    public void send(String topic, String key, byte[] value) {
        send(topic, key, value, null);
    }

    /** {@link #send(String, String, byte[])} with the record's timestamp set ({@code null}: the producer's clock). */
    public void send(String topic, String key, byte[] value, Long timestampMs) {
        last = producer.send(
                new ProducerRecord<>(
                        topic, null, timestampMs, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value),
                (meta, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, error);
                    }
                });
        topics.add(topic);
        sent++;
    }

    /** Sends that the producer gave up on (e.g. the broker was away longer than the delivery timeout). */
    public long failed() {
        return failed.get();
    }

    /** The first send failure, if any. */
    public Optional<Exception> firstFailure() {
        return Optional.ofNullable(firstFailure.get());
    }

    private String topicNames() {
        return String.join(", ", topics);
    }

    /**
     * Waits until everything sent so far is acknowledged; a failure names the topics sent to since
     * the last flush ({@code sending records to headstream.control failed: ...}) and keeps the cause.
     */
    public void flush() {
        producer.flush();
        if (last != null) {
            try {
                last.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while flushing records to " + topicNames(), e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(
                        "sending records to " + topicNames() + " failed: "
                                + e.getCause().getMessage(),
                        e.getCause());
            }
            topics.clear();
        }
    }

    public long sent() {
        return sent;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
