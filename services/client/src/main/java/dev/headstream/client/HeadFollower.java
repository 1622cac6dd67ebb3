package dev.headstream.client;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted {@code headstream.heads} topic and keeps the newest head of every head
 * id ({@code <tenant>/<user>/<task>}), hot-swapped atomically: readers always see a whole head,
 * the old one until the new one is built. Reads only committed records ({@code read_committed}),
 * from the beginning of the topic, so a new follower first catches up on every live head.
 * A tombstone (erased head) removes the head.
 *
 * <p>Lifecycle: construct -> {@link #start()} (spawns one polling thread) -> {@link #current}
 * from any thread -> {@link #close()} (idempotent, bounded). {@code T} is what the caller builds
 * from a {@link HeadUpdate}, e.g. a scorer; the builder runs on the polling thread, and a head
 * it cannot build (say, an unknown source head) is skipped with a warning and counted.
 *
 * @param <T> the caller's head type
 */
public final class HeadFollower<T> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HeadFollower.class);

    /** A built head with the fields consumers decide on. */
    public record Versioned<T>(String headId, long version, HeadUpdate update, T head) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Function<HeadUpdate, T> builder;
    private final Map<String, Versioned<T>> heads = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    public HeadFollower(String bootstrapServers, Function<HeadUpdate, T> builder) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.builder = builder;
        this.thread = new Thread(this::run, "headstream-head-follower");
        this.thread.setDaemon(true);
    }

    public HeadFollower<T> start() {
        thread.start();
        return this;
    }

    /** The newest head for {@code headId}, if any. */
    public Optional<Versioned<T>> current(String headId) {
        return Optional.ofNullable(heads.get(headId));
    }

    /** An immutable snapshot of all current heads. */
    public Map<String, Versioned<T>> snapshot() {
        return Map.copyOf(heads);
    }

    /** Head records received so far (including superseded versions and tombstones). */
    public long received() {
        return received.get();
    }

    /** Head records that could not be decoded or built. */
    public long skipped() {
        return skipped.get();
    }

    private void run() {
        try {
            List<TopicPartition> parts = List.of();
            while (running && parts.isEmpty()) {
                // the topic may not exist yet: wait for it instead of failing
                parts = consumer.partitionsFor(Topics.HEADS, Duration.ofSeconds(30)).stream()
                        .map(pi -> new TopicPartition(pi.topic(), pi.partition()))
                        .toList();
                if (parts.isEmpty()) {
                    Thread.sleep(500);
                }
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    apply(r);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("head follower stopped: {}", e.toString(), e);
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        received.incrementAndGet();
        String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) {
            heads.remove(key);
            return;
        }
        try {
            HeadUpdate u = HeadUpdate.parseFrom(r.value());
            Versioned<T> old = heads.get(u.getHeadId());
            if (old != null && old.version() >= u.getVersion()) {
                return;
            }
            heads.put(u.getHeadId(), new Versioned<>(u.getHeadId(), u.getVersion(), u, builder.apply(u)));
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            // one head that cannot be built must not stop the others from being followed
            skipped.incrementAndGet();
            LOG.warn(
                    "skipping head record {} at {}-{}@{}: {}",
                    key,
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
