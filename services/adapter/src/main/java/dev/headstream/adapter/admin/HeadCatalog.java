package dev.headstream.adapter.admin;

import dev.headstream.adapter.HeadstreamConfig;
import dev.headstream.adapter.KafkaClientSettings;
import dev.headstream.schemas.Topics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The admin API's and the dashboard's view of every head: a thread that follows
 * {@code headstream.heads} and {@code headstream.metrics} from their beginning ({@code
 * read_committed}, every partition, no consumer group) into a {@link CatalogState}, and tells
 * listeners which head changed. Reads only; what it shows lags the adapter's commits by a poll.
 *
 * <p>Lifecycle: started at application start when {@code headstream.admin.catalog} is on (the
 * default), stopped at shutdown. Its Kafka client authenticates as the admin API's commands do
 * (the keys under {@code headstream.admin.kafka.}, an operator's, else the adapter's {@code kafka.}
 * block: the adapter's own role may not read heads or metrics). A failure
 * (the broker away, topics missing) is logged and retried every few seconds; the catalog then
 * keeps what it had.
 */
@ApplicationScoped
public class HeadCatalog {

    private static final Logger LOG = Logger.getLogger(HeadCatalog.class);
    private static final Duration RETRY = Duration.ofSeconds(3);

    @Inject
    HeadstreamConfig config;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    private volatile CatalogState state;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean running;
    private volatile boolean caughtUp;
    /** Why the last attempt to follow the topics failed, while it has not read since; null otherwise. */
    private volatile String failure;

    private Thread thread;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    /** Where the catalog has read to, per partition, so that a retry neither rereads nor doubles a curve. */
    private final Map<TopicPartition, Long> positions = new HashMap<>();

    private boolean warnedFull;

    @Inject
    MeterRegistry registry;

    void start(@Observes StartupEvent event) {
        HeadstreamConfig.Admin admin = config.admin();
        state = new CatalogState(admin.historyVersions(), admin.curvePoints(), admin.maxHeads());
        Gauge.builder("headstream.admin.catalog.heads", this, c -> c.state().size())
                .description("heads the admin catalog keeps")
                .register(registry);
        FunctionCounter.builder(
                        "headstream.admin.catalog.dropped", this, c -> c.state().droppedOverCapacity())
                .description("records of heads the admin catalog dropped because it keeps headstream.admin.max-heads"
                        + " already: the admin API and the dashboard miss those heads")
                .register(registry);
        FunctionCounter.builder(
                        "headstream.admin.catalog.skipped",
                        this,
                        c -> c.state().skippedForeign() + c.state().skippedUnreadable())
                .description("heads and metrics records the admin catalog skipped: unreadable, or naming another head"
                        + " than their key")
                .register(registry);
        if (!admin.catalog()) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "headstream-admin-catalog");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Whether the catalog follows the topics ({@code headstream.admin.catalog}). */
    public boolean enabled() {
        return config.admin().catalog();
    }

    /** Whether the catalog has read both topics up to where they ended when it started. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /**
     * Why the catalog cannot follow the topics now (for example a {@code TopicAuthorizationException}
     * when its credentials may not read them), or null while it can.
     */
    public String failure() {
        return failure;
    }

    /** What the catalog knows now. */
    public CatalogState state() {
        return state;
    }

    /** Tells {@code listener} (on the catalog's thread; it must not block) the id of each head that changes. */
    public void listen(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Stops telling {@code listener}. */
    public void unlisten(Consumer<String> listener) {
        listeners.remove(listener);
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c =
                    new KafkaConsumer<>(properties(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer = c;
                follow(c);
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warnf(
                        "admin catalog: cannot follow %s and %s (%s); trying again in %s",
                        Topics.HEADS, Topics.METRICS, e.toString(), RETRY);
                pause();
            } finally {
                consumer = null;
            }
        }
    }

    private void follow(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : List.of(Topics.HEADS, Topics.METRICS)) {
            List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " has no partitions");
            }
            infos.forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
        }
        c.assign(parts);
        for (TopicPartition tp : parts) {
            Long at = positions.get(tp);
            if (at == null) {
                c.seekToBeginning(List.of(tp));
            } else {
                c.seek(tp, at);
            }
        }
        Map<TopicPartition, Long> ends = c.endOffsets(parts, Duration.ofSeconds(30));
        while (running) {
            ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(500));
            failure = null;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
                Optional<String> changed = r.topic().equals(Topics.HEADS)
                        ? state.acceptHead(key, r.value())
                        : state.acceptMetrics(key, r.value());
                changed.ifPresent(this::tell);
            }
            for (TopicPartition tp : records.partitions()) {
                positions.put(tp, c.position(tp));
            }
            if (!caughtUp && parts.stream().allMatch(tp -> c.position(tp) >= ends.get(tp))) {
                caughtUp = true;
                int dropped = state.dropUnlisted();
                LOG.infof(
                        "admin catalog caught up: %d heads (dropped the metrics of %d erased heads)",
                        state.size(), dropped);
            }
            if (!warnedFull && state.droppedOverCapacity() > 0) {
                warnedFull = true;
                LOG.warnf(
                        "admin catalog full: it keeps %d heads (headstream.admin.max-heads) and drops further heads'"
                                + " records; the admin API and the dashboard miss them (headstream_admin_catalog_dropped_total)",
                        config.admin().maxHeads());
            }
        }
    }

    private void tell(String headId) {
        for (Consumer<String> l : listeners) {
            try {
                l.accept(headId);
            } catch (RuntimeException e) {
                LOG.debugf("admin catalog listener failed: %s", e.toString());
            }
        }
    }

    private Properties properties() {
        // the admin API's credentials (an operator's, who may read heads and metrics), not the adapter's
        Properties p = KafkaClientSettings.client(bootstrap, KafkaClientSettings.ADMIN_PREFIX);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "headstream-admin-catalog");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        return p;
    }

    private void pause() {
        try {
            Thread.sleep(RETRY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
