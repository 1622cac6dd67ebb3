package dev.headstream.adapter;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Asks the group coordinator whether a batch's offsets were committed. SmallRye's
 * {@code withTransactionAndAck} completes normally when a commit fails but the abort after it
 * succeeds, and swallows some failures after nacking, so the processor checks the committed offsets
 * itself before it makes a batch's state live.
 */
@ApplicationScoped
public class CommitCheck {

    private final Admin admin;
    private final String group;

    public CommitCheck(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "mp.messaging.incoming.samples.group.id") String group) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.admin = Admin.create(p);
        this.group = group;
    }

    /** Whether every partition's committed offset is at least {@code next} (the offset after the batch's last record). */
    boolean committed(Map<TopicPartition, Long> next, Duration timeout) throws Exception {
        // requireStable: offsets of a transaction still being completed are waited for, not read as absent
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group,
                new org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions().requireStable(true))
                .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
