package dev.headstream.client;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
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
 * <p>What it follows ({@link Selection}): every head, or only the heads of given tenants, users
 * or head ids. Records of other keys are dropped by their key before they are parsed, so memory
 * holds only the selected heads; when the selection is head ids only, the follower reads only the
 * partitions those keys hash to (Kafka's default partitioner, which the adapter uses for this
 * topic). A status of {@code RESET} or {@code ROLLED_BACK} is a newer version like any other and
 * is taken; {@link Listener} hears of every swap and removal.
 *
 * <p>Readiness: at start the follower notes the end of every partition it reads (its high
 * watermark: open transactions included); it is {@linkplain #caughtUp() caught up} once it has
 * read past those ends, that is, it holds every head committed before it started, and every head
 * of a transaction that was open then and has since committed (a transaction open at start delays
 * readiness until it ends, at most the producer's transaction timeout).
 *
 * <p>Failures: the follower never creates the topic (it waits for it), and a failed request to the
 * broker (away, timing out) is retried with a backoff from {@value #FIRST_BACKOFF_MS} ms doubling to
 * {@value #MAX_BACKOFF_MS} ms, from where the consumer stood ({@link #retries()},
 * {@link #failure()}). Only an {@link Error} stops it; {@link #alive()} then turns false.
 *
 * <p>Lifecycle: construct (or {@link #builder}) -> {@link #start()} (spawns one polling thread) -> {@link #current}
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

    /** First wait after a failed request to the broker; it doubles up to {@link #MAX_BACKOFF_MS}. */
    static final long FIRST_BACKOFF_MS = 500;

    static final long MAX_BACKOFF_MS = 30_000;

    /** A built head with the fields consumers decide on. */
    public record Versioned<T>(String headId, long version, HeadUpdate update, T head) {}

    /**
     * Hears of every change of the followed heads, on the polling thread, after the change is
     * visible through {@link #current}. Must return quickly and not throw (a throw is logged).
     */
    public interface Listener<T> {
        /** {@code current} replaced {@code previous} (null when the key had no head). */
        default void swapped(Versioned<T> previous, Versioned<T> current) {}

        /** A tombstone removed {@code previous}, the head held for {@code headId}. */
        default void removed(String headId, Versioned<T> previous) {}
    }

    /**
     * Which heads to follow: a head id {@code <tenant>/<user>/<task>} is followed when the
     * selection is empty (everything), or its tenant, its {@code <tenant>/<user>} or the head id
     * itself is listed.
     */
    public record Selection(Set<String> tenants, Set<String> users, Set<String> heads) {

        /** Every head. */
        public static final Selection ALL = new Selection(Set.of(), Set.of(), Set.of());

        public Selection {
            tenants = Set.copyOf(tenants);
            users = Set.copyOf(users);
            heads = Set.copyOf(heads);
            for (String u : users) {
                if (u.split("/", -1).length != 2) {
                    throw new IllegalArgumentException("a user is '<tenant>/<user>', was '" + HeadKeys.shown(u) + "'");
                }
            }
            for (String h : heads) {
                if (h.split("/", -1).length != 3) {
                    throw new IllegalArgumentException(
                            "a head id is '<tenant>/<user>/<task>', was '" + HeadKeys.shown(h) + "'");
                }
            }
        }

        /** Whether everything is followed. */
        public boolean all() {
            return tenants.isEmpty() && users.isEmpty() && heads.isEmpty();
        }

        /** Whether the head under record key {@code key} is followed. */
        public boolean follows(String key) {
            if (all() || heads.contains(key)) {
                return true;
            }
            int first = key.indexOf('/');
            int last = key.lastIndexOf('/');
            if (first <= 0 || last <= first) {
                return false;
            }
            return tenants.contains(key.substring(0, first)) || users.contains(key.substring(0, last));
        }

        /**
         * The partitions of a topic of {@code partitions} partitions that can hold a followed head:
         * all of them unless only head ids are selected.
         */
        Set<Integer> partitions(int partitions) {
            Set<Integer> out = new TreeSet<>();
            if (!tenants.isEmpty() || !users.isEmpty() || heads.isEmpty()) {
                for (int p = 0; p < partitions; p++) {
                    out.add(p);
                }
                return out;
            }
            for (String h : heads) {
                out.add(partitionOf(h, partitions));
            }
            return out;
        }
    }

    /** The partition Kafka's default partitioner gives {@code key} in a topic of {@code partitions}. */
    static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Function<HeadUpdate, T> builder;
    private final Map<String, Versioned<T>> heads = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();
    private final AtomicLong unselected = new AtomicLong();
    private final Selection selection;
    private final Listener<T> listener;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final AtomicLong retries = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    /** The high watermarks of the given partitions, for {@link #caughtUp()}. */
    private final Function<List<TopicPartition>, Map<TopicPartition, Long>> logEnds;

    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean dead;
    private volatile Throwable failure;
    /** Per partition read, the end offset noted at start; emptied as partitions reach it. */
    private Map<TopicPartition, Long> catchUpEnds;

    /** Follows every head on {@code bootstrapServers}. */
    public HeadFollower(String bootstrapServers, Function<HeadUpdate, T> builder) {
        this(
                consumer(bootstrapServers, new Properties()),
                builder,
                Selection.ALL,
                new Listener<>() {},
                highWatermarks(bootstrapServers, new Properties()));
    }

    /**
     * A follower reading from {@code consumer} (a {@code MockConsumer} in tests), which it owns and
     * closes; the consumer's own end offsets stand for the high watermarks.
     */
    HeadFollower(Consumer<byte[], byte[]> consumer, Function<HeadUpdate, T> builder) {
        this(consumer, builder, Selection.ALL, new Listener<>() {});
    }

    HeadFollower(
            Consumer<byte[], byte[]> consumer,
            Function<HeadUpdate, T> builder,
            Selection selection,
            Listener<T> listener) {
        this(consumer, builder, selection, listener, parts -> consumer.endOffsets(parts, Duration.ofSeconds(30)));
    }

    HeadFollower(
            Consumer<byte[], byte[]> consumer,
            Function<HeadUpdate, T> builder,
            Selection selection,
            Listener<T> listener,
            Function<List<TopicPartition>, Map<TopicPartition, Long>> logEnds) {
        this.logEnds = Objects.requireNonNull(logEnds, "logEnds");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.builder = Objects.requireNonNull(builder, "builder");
        this.selection = Objects.requireNonNull(selection, "selection");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.thread = new Thread(this::run, "headstream-head-follower");
        this.thread.setDaemon(true);
    }

    /** A builder of a follower of {@code bootstrapServers} that makes each head with {@code builder}. */
    public static <T> Builder<T> builder(String bootstrapServers, Function<HeadUpdate, T> builder) {
        return new Builder<>(bootstrapServers, builder);
    }

    /** {@link #builder(String, Function)} for a cluster that may need authentication: its security settings are consumer properties. */
    public static <T> Builder<T> builder(KafkaConnection kafka, Function<HeadUpdate, T> builder) {
        Builder<T> b = new Builder<>(kafka.bootstrapServers(), builder);
        kafka.security().forEach(b::consumerProperty);
        return b;
    }

    /** Builds a {@link HeadFollower}; by default it follows everything and tells no one. */
    public static final class Builder<T> {
        private final String bootstrapServers;
        private final Function<HeadUpdate, T> headBuilder;
        private final Set<String> tenants = new TreeSet<>();
        private final Set<String> users = new TreeSet<>();
        private final Set<String> heads = new TreeSet<>();
        private final Properties properties = new Properties();
        private Listener<T> listener = new Listener<>() {};

        private Builder(String bootstrapServers, Function<HeadUpdate, T> headBuilder) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            this.headBuilder = Objects.requireNonNull(headBuilder, "builder");
        }

        /** Also follows every head of these tenants. */
        public Builder<T> tenants(Collection<String> tenants) {
            this.tenants.addAll(tenants);
            return this;
        }

        /** Also follows every head of these users, each {@code <tenant>/<user>}. */
        public Builder<T> users(Collection<String> users) {
            this.users.addAll(users);
            return this;
        }

        /** Also follows these heads, each {@code <tenant>/<user>/<task>}. */
        public Builder<T> heads(Collection<String> heads) {
            this.heads.addAll(heads);
            return this;
        }

        /** Tells {@code listener} of every swap and removal. */
        public Builder<T> listener(Listener<T> listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Extra Kafka consumer properties (security settings, client id); they cannot change
         * the isolation level, auto commit or the deserializers.
         */
        public Builder<T> consumerProperty(String key, Object value) {
            properties.put(key, value);
            return this;
        }

        /** The follower, not yet started. */
        public HeadFollower<T> build() {
            return new HeadFollower<>(
                    consumer(bootstrapServers, properties),
                    headBuilder,
                    new Selection(tenants, users, heads),
                    listener,
                    highWatermarks(bootstrapServers, properties));
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers, Properties extra) {
        return new KafkaConsumer<>(
                consumerProperties(bootstrapServers, extra), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The high watermarks of partitions, read by a short-lived {@code read_uncommitted} consumer
     * (a {@code read_committed} consumer's end offsets stop at the first open transaction).
     */
    private static Function<List<TopicPartition>, Map<TopicPartition, Long>> highWatermarks(
            String bootstrapServers, Properties extra) {
        return parts -> {
            Properties p = consumerProperties(bootstrapServers, extra);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
            try (KafkaConsumer<byte[], byte[]> c =
                    new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                return c.endOffsets(parts, Duration.ofSeconds(30));
            }
        };
    }

    static Properties consumerProperties(String bootstrapServers, Properties extra) {
        Properties p = new Properties();
        p.putAll(extra);
        // reading must never create the topic with the broker's defaults (not compacted)
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
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

    /** What this follower follows. */
    public Selection selection() {
        return selection;
    }

    /**
     * Whether the follower has read every record committed before it started: from then on it
     * holds every selected head that exists (and follows new versions as they commit).
     */
    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    /**
     * Waits until {@link #caughtUp()}, at most {@code timeout}.
     *
     * @return whether it caught up in time
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Whether the polling thread is running (started, not closed, not stopped by an error). A
     * follower that is not alive no longer changes its heads.
     */
    public boolean alive() {
        return thread.isAlive() && !dead;
    }

    /** The last failure: a broker request that failed (retried) or the error that stopped it. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Failed polls or requests retried so far (the broker away, timeouts). */
    public long retries() {
        return retries.get();
    }

    /** Records dropped by their key because the selection does not follow it. */
    public long unselected() {
        return unselected.get();
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
        long backoffMs = FIRST_BACKOFF_MS;
        try {
            while (running) {
                try {
                    if (catchUpEnds == null) {
                        if (!assign()) {
                            continue;
                        }
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        apply(r);
                    }
                    checkCaughtUp();
                    backoffMs = FIRST_BACKOFF_MS;
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                } catch (RuntimeException e) {
                    // a broker away, a metadata or offsets request timing out: back off and go on
                    // from where the consumer stands; nothing applied so far is lost
                    if (!running) {
                        break;
                    }
                    failure = e;
                    long n = retries.incrementAndGet();
                    if (n <= LOGGED_INDIVIDUALLY || n % LOG_EVERY == 0) {
                        LOG.warn(
                                "head follower: {}; retrying in {} ms ({} retries so far)",
                                HeadKeys.shown(e.toString()),
                                backoffMs,
                                n);
                    }
                    pause(backoffMs);
                    backoffMs = Math.min(MAX_BACKOFF_MS, 2 * backoffMs);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // an Error (or a wakeup while running) ends the follower: say so, do not hide it
            failure = e;
            dead = true;
            LOG.error("head follower stopped: {}", e.toString(), e);
            if (e instanceof Error error) {
                throw error;
            }
        } finally {
            dead = true;
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Sleeps {@code ms}, in short slices so that {@link #close()} does not wait for it. */
    private void pause(long ms) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000;
        while (running && System.nanoTime() < end) {
            Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        }
    }

    /**
     * Assigns the selected partitions of the heads topic, from the beginning, and notes where
     * catching up ends: the high watermark of each partition (where the log ends, open
     * transactions included), so that {@link #caughtUp()} also waits for a transaction that was
     * open at start and commits a head after it. False while the topic does not exist yet.
     */
    private boolean assign() throws InterruptedException {
        // the topic may not exist yet: wait for it (this consumer never creates it)
        List<PartitionInfo> infos = consumer.partitionsFor(Topics.HEADS, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            pause(500);
            return false;
        }
        List<TopicPartition> parts = selection.partitions(infos.size()).stream()
                .map(p -> new TopicPartition(Topics.HEADS, p))
                .toList();
        Map<TopicPartition, Long> ends = new HashMap<>(logEnds.apply(parts));
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        catchUpEnds = ends;
        checkCaughtUp();
        return true;
    }

    /** Counts the follower caught up once every partition's position reached its end noted at start. */
    private void checkCaughtUp() {
        if (catchUpEnds == null || caughtUp.getCount() == 0) {
            return;
        }
        catchUpEnds.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        if (catchUpEnds.isEmpty()) {
            caughtUp.countDown();
        }
    }

    /** Files one record of the heads topic; called on the polling thread (directly in tests). */
    void apply(ConsumerRecord<byte[], byte[]> r) {
        received.incrementAndGet();
        String key = HeadKeys.key(r);
        if (key != null && !selection.follows(key)) {
            unselected.incrementAndGet();
            return;
        }
        if (r.value() == null) {
            if (key == null) {
                warn(foreign, "skipping a tombstone without a key", r);
            } else {
                Versioned<T> gone = heads.remove(key);
                if (gone != null) {
                    tell(() -> listener.removed(key, gone));
                }
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
        Versioned<T> now = new Versioned<>(key, u.getVersion(), u, head);
        heads.put(key, now);
        tell(() -> listener.swapped(old, now));
    }

    private void tell(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("a head follower listener failed: {}", HeadKeys.shown(e.toString()), e);
        }
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
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        running = false;
        if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
            // never started: the consumer is ours to close here
            consumer.close(Duration.ofSeconds(5));
            return;
        }
        consumer.wakeup();
        try {
            // the polling thread closes the consumer on its way out (a consumer is single-threaded)
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn(
                    "head follower: the polling thread did not stop within 15 s; it is a daemon and stops with the JVM");
        }
    }
}
