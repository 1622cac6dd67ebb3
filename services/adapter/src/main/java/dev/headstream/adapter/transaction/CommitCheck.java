package dev.headstream.adapter.transaction;

import dev.headstream.adapter.KafkaClientSettings;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Asks the group coordinator whether a batch's offsets were committed. SmallRye's
 * {@code withTransactionAndAck} completes normally when a commit fails but the abort after it
 * succeeds, and swallows some failures after nacking, so {@link BatchTransaction} checks the
 * committed offsets itself before a batch's state may go live. Owns its admin client and the
 * bounded retry of {@link #awaitCommitted}.
 */
@ApplicationScoped
public class CommitCheck {

    /** How long {@link #awaitCommitted} asks again for offsets that do not show yet. */
    static final Duration PATIENCE = Duration.ofSeconds(10);

    private static final Duration RETRY_EVERY = Duration.ofMillis(100);

    /** The admin client's wait before asking again for offsets the coordinator reports unstable. */
    static final int RETRY_BACKOFF_MS = 5;

    private static final Logger LOG = Logger.getLogger(CommitCheck.class);

    private final Admin admin;
    private final String group;
    /** How long the last {@link #awaitCommitted} took (one batch at a time). */
    private volatile long lastNanos;

    public CommitCheck(
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "mp.messaging.incoming.samples.group.id") String group) {
        Properties p = KafkaClientSettings.client(bootstrap);
        // right after each commit the coordinator reports the offsets unstable for a moment, and the
        // admin client asks again after its retry backoff (100 ms by default): every batch waited
        // that long before the next one started
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, RETRY_BACKOFF_MS);
        this.admin = Admin.create(p);
        this.group = group;
    }

    /**
     * Whether the coordinator shows the batch's offsets committed. The offsets of a transaction
     * become readable a moment after the commit returns (when the coordinator has written its
     * markers), so a missing offset is asked for again for up to {@link #PATIENCE} before it counts
     * as not committed; at once if {@code revoked} says a rebalance took the partitions meanwhile
     * (their next owner restores from the changelog either way, so waiting gains nothing).
     *
     * @param next    per partition, the offset after the batch's last record
     * @param revoked whether a rebalance took the batch's partitions
     */
    public boolean awaitCommitted(Map<TopicPartition, Long> next, BooleanSupplier revoked) {
        long start = System.nanoTime();
        try {
            return poll(next, revoked);
        } finally {
            lastNanos = System.nanoTime() - start;
        }
    }

    /** Nanoseconds the last {@link #awaitCommitted} took, 0 when none ran since the last call. */
    public long takeLastNanos() {
        long n = lastNanos;
        lastNanos = 0;
        return n;
    }

    private boolean poll(Map<TopicPartition, Long> next, BooleanSupplier revoked) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try {
                if (committed(next, PATIENCE)) {
                    return true;
                }
            } catch (Exception e) {
                LOG.warnf("cannot read the committed offsets yet: %s", e.toString());
            }
            if (System.nanoTime() > deadline || revoked.getAsBoolean()) {
                return false;
            }
            try {
                Thread.sleep(RETRY_EVERY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Whether every partition's committed offset is at least {@code next} (the offset after the batch's last record). */
    boolean committed(Map<TopicPartition, Long> next, Duration timeout) throws Exception {
        // requireStable: offsets of a transaction still being completed are waited for, not read as absent
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                        group, new ListConsumerGroupOffsetsOptions().requireStable(true))
                .partitionsToOffsetAndMetadata()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return covers(committed, next);
    }

    /** Whether {@code committed} holds, for every partition of {@code next}, an offset at least as far. */
    static boolean covers(Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, Long> next) {
        for (Map.Entry<TopicPartition, Long> e : next.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            if (c == null || c.offset() < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @PreDestroy
    void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
