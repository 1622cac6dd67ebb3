package dev.headstream.adapter.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.testkit.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@link CommitEvidence} relies on, against a real broker and the Kafka client the adapter
 * ships: the transactional producer's {@code txn-commit-time-ns-total} grows when a commit returns
 * normally, and not when a transaction is aborted or its commit fails (here: a fenced producer).
 */
class CommitEvidenceTest {

    private static final String TOPIC = "commit-evidence";

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void broker() throws Exception {
        Path target = Files.createDirectories(Path.of("target"));
        kafka = EmbeddedKafka.builder(Files.createTempDirectory(target, "commit-evidence-kafka"))
                .start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Producer<byte[], byte[]> producer(String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        Producer<byte[], byte[]> producer = new KafkaProducer<>(p);
        producer.initTransactions();
        return producer;
    }

    private static double total(Producer<byte[], byte[]> producer) {
        Metric m = CommitEvidence.find(producer.metrics());
        assertThat(m)
                .as("%s %s", CommitEvidence.GROUP, CommitEvidence.COMMIT_TIME)
                .isNotNull();
        return ((Number) m.metricValue()).doubleValue();
    }

    private static void send(Producer<byte[], byte[]> producer) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(TOPIC, new byte[] {1}, new byte[] {2}));
    }

    @Test
    void theSumGrowsOnlyWhenACommitReturnsNormally() {
        try (Producer<byte[], byte[]> producer = producer("evidence-a")) {
            double start = total(producer);
            send(producer);
            producer.commitTransaction();
            double afterCommit = total(producer);
            assertThat(CommitEvidence.grew(start, afterCommit)).isTrue();

            send(producer);
            producer.abortTransaction();
            assertThat(CommitEvidence.grew(afterCommit, total(producer)))
                    .as("an abort")
                    .isFalse();

            send(producer);
            producer.flush();
            double beforeFencing = total(producer);
            try (Producer<byte[], byte[]> usurper = producer("evidence-a")) {
                assertThatThrownBy(producer::commitTransaction).isInstanceOf(KafkaException.class);
                assertThat(CommitEvidence.grew(beforeFencing, total(producer)))
                        .as("a commit that failed")
                        .isFalse();
                usurper.beginTransaction();
                usurper.commitTransaction();
            }
        }
    }

    @Test
    void aMissingOrUnreadableSumProvesNothing() {
        assertThat(CommitEvidence.grew(Double.NaN, 5.0)).isFalse();
        assertThat(CommitEvidence.grew(5.0, Double.NaN)).isFalse();
        assertThat(CommitEvidence.grew(5.0, 5.0)).isFalse();
        assertThat(CommitEvidence.find(Map.of())).isNull();
    }
}
