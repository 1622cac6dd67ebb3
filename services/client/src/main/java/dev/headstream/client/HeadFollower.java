package dev.headstream.client;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
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
 *
 * <p>The record key, not the payload, says whose head a record is ({@link HeadKeys}): a record is
 * filed under its key, a record whose payload names another head (head id, tenant, user or task
 * differing from the key) is skipped and counted ({@link #foreign()}), and a tombstone (erased
 * head) removes the head of its key. Per key the version only goes up: a version at or below the
 * one held is ignored (a reset or rollback publishes a newer version, never an older one); after
 * a tombstone the key starts afresh.
 *
 * <p>Lifecycle: construct -> {@link #start()} (spawns one polling thread) -> {@link #current}
 * from any thread -> {@link #close()} (idempotent, bounded). {@code T} is what the caller builds
 * from a {@link HeadUpdate}, e.g. a scorer; the builder runs on the polling thread, and a head
 * it cannot build (say, an unknown source head) is skipped with a warning and counted. Warnings
 * are bounded: keys and messages cut short, the first {@value #LOGGED_INDIVIDUALLY} of each kind
 * logged one by one, then one line per {@value #LOG_EVERY}.
 *
 * @param <T> the caller's head type
 */
public final class HeadFollower<T> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HeadFollower.class);

    /** Skipped records of each kind logged one by one before the log thins out. */
    static final int LOGGED_INDIVIDUALLY = 10;

    /** After the first {@link #LOGGED_INDIVIDUALLY}, one warning per this many skipped records of a kind. */
    static final int LOG_EVERY = 1000;

    /** A built head with the fields consumers decide on. */
    public record Versioned<T>(String headId, long version, HeadUpdate update, T head) {}

    private final Consumer<byte[], byte[]> consumer;
    private final Function<HeadUpdate, T> builder;
    private final Map<String, Versioned<T>> heads = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    public HeadFollower(String bootstrapServers, Function<HeadUpdate, T> builder) {
        this(
                new KafkaConsumer<>(
                        consumerProperties(bootstrapServers), new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                builder);
    }

    /** A follower reading from {@code consumer} (a {@code MockConsumer} in tests), which it owns and closes. */
    HeadFollower(Consumer<byte[], byte[]> consumer, Function<HeadUpdate, T> builder) {
        this.consumer = consumer;
        this.builder = builder;
        this.thread = new Thread(this::run, "headstream-head-follower");
        this.thread.setDaemon(true);
    }

    private static Properties consumerProperties(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        return p;
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

    /**
     * Head records skipped because their payload names another head than their record key (or
     * they have no key): forged, or written by something that is not the adapter.
     */
    public long foreign() {
        return foreign.get();
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

    /** Files one record of the heads topic; called on the polling thread (directly in tests). */
    void apply(ConsumerRecord<byte[], byte[]> r) {
        received.incrementAndGet();
        String key = HeadKeys.key(r);
        if (r.value() == null) {
            if (key == null) {
                warn(foreign, "skipping a tombstone without a key", r);
            } else {
                heads.remove(key);
            }
            return;
        }
        HeadUpdate u;
        try {
            u = HeadUpdate.parseFrom(r.value());
        } catch (InvalidProtocolBufferException e) {
            warn(skipped, "skipping an unreadable head record: " + HeadKeys.shown(e.getMessage()), r);
            return;
        }
        Optional<String> mismatch = HeadKeys.mismatch(key, u);
        if (mismatch.isPresent()) {
            warn(foreign, "skipping a head record whose payload names another head: " + mismatch.get(), r);
            return;
        }
        Versioned<T> old = heads.get(key);
        if (old != null && old.version() >= u.getVersion()) {
            return;
        }
        T head;
        try {
            head = builder.apply(u);
        } catch (RuntimeException e) {
            // one head that cannot be built must not stop the others from being followed
            warn(skipped, "skipping a head record that cannot be built: " + HeadKeys.shown(e.toString()), r);
            return;
        }
        heads.put(key, new Versioned<>(key, u.getVersion(), u, head));
    }

    /** Counts a skipped record in {@code counter} and logs it, bounded (see the class comment). */
    private static void warn(AtomicLong counter, String what, ConsumerRecord<byte[], byte[]> r) {
        long n = counter.incrementAndGet();
        if (n <= LOGGED_INDIVIDUALLY || n % LOG_EVERY == 0) {
            LOG.warn(
                    "{} (key '{}' at {}-{}@{}; {} of this kind so far{})",
                    what,
                    HeadKeys.shown(HeadKeys.key(r)),
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    n,
                    n == LOGGED_INDIVIDUALLY ? ", from now on one line per " + LOG_EVERY : "");
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
