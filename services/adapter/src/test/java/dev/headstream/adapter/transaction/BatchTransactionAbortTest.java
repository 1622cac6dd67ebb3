package dev.headstream.adapter.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.adapter.Channels;
import dev.headstream.adapter.EmbeddedKafkaResource;
import dev.headstream.adapter.flow.IncomingBatch;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.CompositeException;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A batch's transaction that fails and is aborted, run through {@link BatchTransaction#run} against
 * a real broker, on batches the application's own consumer delivers ({@link DeliveredBatches}, in
 * place of the adaptation flow) and with the application's transactional producer: the outcome is
 * not committed, the group's committed offset stays where it was, a {@code read_committed} reader
 * sees none of the batch's records, and the batch, consumed again, commits on the same producer.
 *
 * <p>The commit that fails with an abortable error is the group coordinator refusing the
 * transaction's offsets because the consumer is no longer a member of the group (as after a session
 * timeout; here an admin removes it while the batch is processed): the producer's
 * {@code sendOffsetsToTransaction} fails with {@link CommitFailedException}, SmallRye logs the failed
 * commit, aborts, and reports the transaction done; only {@link CommitEvidence} (no commit time was
 * added) and {@link CommitCheck} (the offsets do not show) tell that nothing committed. The
 * consumer's heartbeats are slowed down (once a minute) so that it cannot learn of its removal
 * before the commit, which would make SmallRye refuse to send the offsets itself rather than the
 * coordinator refusing them; the test then has it rejoin at once.
 *
 * <p>A record over its topic's {@code max.message.bytes} does not reach the commit: its send fails
 * (RecordTooLargeException, abortable), SmallRye aborts and fails the transaction, and the outcome
 * is {@link TransactionOutcome.Aborted}.
 */
@QuarkusTest
@TestProfile(BatchTransactionAbortTest.BatchesToTheTest.class)
@WithTestResource(EmbeddedKafkaResource.class)
class BatchTransactionAbortTest {

    /** The application without its adaptation flow: the test takes the consumed batches. */
    public static class BatchesToTheTest implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.arc.exclude-types",
                    "dev.headstream.adapter.flow.SampleProcessor",
                    DeliveredBatches.ENABLED,
                    "true",
                    // the first heartbeat after a join comes a minute later: the test's removal of the
                    // member is not noticed before the batch's commit (the test ends well within it)
                    "mp.messaging.incoming.samples.heartbeat.interval.ms",
                    "60000",
                    "mp.messaging.incoming.samples.session.timeout.ms",
                    "180000");
        }
    }

    private static final String SMALL = "batch-transaction.small";
    private static final int SMALL_LIMIT = 1024;
    private static final TopicPartition SAMPLES_0 = new TopicPartition(Topics.SAMPLES, 0);
    private static final Duration WITHIN = Duration.ofSeconds(30);
    /** SmallRye's Kafka connector's log category. */
    private static final String SMALLRYE_KAFKA = "io.smallrye.reactive.messaging.kafka";
    /** SmallRye's log line for a commit that failed and which it aborts. */
    private static final String COMMIT_FAILED = "SRMSG18284";

    @Inject
    BatchTransaction transaction;

    @Inject
    DeliveredBatches batches;

    @Inject
    CommitEvidence evidence;

    @Inject
    KafkaClientService clients;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "mp.messaging.incoming.samples.group.id")
    String group;

    private Admin admin;
    private final List<LogRecord> commitFailures = new CopyOnWriteArrayList<>();
    private final Handler commitFailureLog = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getMessage() != null && r.getMessage().contains(COMMIT_FAILED)) {
                commitFailures.add(r);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void connect() {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        Logger.getLogger(SMALLRYE_KAFKA).addHandler(commitFailureLog);
    }

    @AfterEach
    void close() {
        Logger.getLogger(SMALLRYE_KAFKA).removeHandler(commitFailureLog);
        admin.close();
    }

    @Test
    void aCommitTheCoordinatorRefusesIsAbortedAndNotCountedAsCommitted() throws Exception {
        String out = "batch-transaction.refused";
        admin.createTopics(List.of(new NewTopic(out, 1, (short) 1))).all().get();
        FirstBatch start = firstBatch();
        long committedBefore = start.committedBefore();
        DeliveredBatches.Delivered first = start.delivered();
        IncomingBatch in = start.in();
        Producer<?, ?> producer = start.producer();

        // the coordinator forgets the member that consumed the batch: it refuses the batch's offsets
        admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions())
                .all()
                .get();
        // (its next heartbeat, which would tell it, is a minute after its join: see the profile)
        assertThat(generation()).as("the consumer has not noticed yet").isEqualTo(generation(first.batch()));
        double commitTime = evidence.commitTimeTotal();
        assertThat(commitTime).as("the producer's commit-time sum").isNotNaN();
        TransactionOutcome refused = run(first, out, "refused");

        assertThat(commitFailures)
                .as("SmallRye's log of the failed commit it aborted")
                .singleElement()
                .satisfies(r -> assertThat(r.getThrown()).isInstanceOf(CommitFailedException.class));
        assertThat(evidence.commitTimeTotal())
                .as("the producer's commit-time sum (no commit returned normally)")
                .isEqualTo(commitTime);
        assertThat(refused)
                .as("a commit that failed, aborted and reported done by SmallRye")
                .isInstanceOf(TransactionOutcome.SilentlyAborted.class);
        assertThat(committedOffset()).as("the group's committed offset").isEqualTo(committedBefore);
        assertThat(values(out, false))
                .as("the batch's records reached the log")
                .containsExactly("refused-0", "refused-1");
        assertThat(values(out, true)).as("records a read_committed reader sees").isEmpty();

        // the consumer learns of its removal at its next heartbeat (a minute away here): have it rejoin now
        clients.getConsumer(Channels.SAMPLES)
                .runOnPollingThread(c -> {
                    c.enforceRebalance("the test removed the member");
                    return null;
                })
                .await()
                .atMost(WITHIN);
        first.release();
        DeliveredBatches.Delivered again = batches.next(WITHIN);
        assertThat(generation(again.batch())).isGreaterThan(generation(first.batch()));
        assertConsumedAgainAndCommitted(in, again, out, "refused", producer);
        assertThat(commitFailures).hasSize(1);
    }

    @Test
    void aRecordOverItsTopicsLimitFailsTheTransactionBeforeItsCommit() throws Exception {
        String out = "batch-transaction.too-large";
        admin.createTopics(List.of(
                        new NewTopic(out, 1, (short) 1),
                        new NewTopic(SMALL, 1, (short) 1)
                                .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(SMALL_LIMIT)))))
                .all()
                .get();
        FirstBatch start = firstBatch();
        long committedBefore = start.committedBefore();
        DeliveredBatches.Delivered first = start.delivered();
        IncomingBatch in = start.in();
        Producer<?, ?> producer = start.producer();

        List<Message<byte[]>> records = new ArrayList<>(records(out, "too-large"));
        records.add(Message.of(new byte[4 * SMALL_LIMIT])
                .addMetadata(OutgoingKafkaRecordMetadata.<byte[]>builder()
                        .withTopic(SMALL)
                        .withKey("huge".getBytes(StandardCharsets.UTF_8))
                        .build()));
        TransactionOutcome failed = transaction
                .run(first.batch(), records, in.sampleOffsets(), in.nextOffsets(), () -> false)
                .await()
                .atMost(Duration.ofSeconds(60));

        assertThat(failed).isInstanceOf(TransactionOutcome.Aborted.class);
        assertThat(causes(((TransactionOutcome.Aborted) failed).cause()))
                .anyMatch(RecordTooLargeException.class::isInstance);
        assertThat(commitFailures).as("no commit attempted").isEmpty();
        assertThat(committedOffset()).as("the group's committed offset").isEqualTo(committedBefore);
        assertThat(values(out, true)).as("records a read_committed reader sees").isEmpty();

        // SmallRye rewound the consumer to the committed offsets after the abort: the batch comes again
        first.release();
        DeliveredBatches.Delivered again = batches.next(WITHIN);
        assertConsumedAgainAndCommitted(in, again, out, "too-large", producer);
        assertThat(commitFailures).isEmpty();
    }

    /**
     * {@code again} holds the failed batch {@code in} from its start; its transaction commits, on the
     * producer that failed, with its offsets and records, and none of the failed batch's records show.
     */
    private void assertConsumedAgainAndCommitted(
            IncomingBatch in,
            DeliveredBatches.Delivered again,
            String out,
            String failedPrefix,
            Producer<?, ?> producer)
            throws Exception {
        IncomingBatch redelivered = IncomingBatch.of(again.batch());
        assertThat(redelivered.startOffsets()).isEqualTo(in.startOffsets());
        assertThat(redelivered.nextOffsets().get(SAMPLES_0))
                .isGreaterThanOrEqualTo(in.nextOffsets().get(SAMPLES_0));
        TransactionOutcome committed = run(again, out, "committed");
        again.release();

        assertThat(producer()).as("the same producer").isSameAs(producer);
        assertThat(committed).isEqualTo(new TransactionOutcome.Committed(true));
        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(committedOffset())
                        .as("the group's committed offset")
                        .isEqualTo(redelivered.nextOffsets().get(SAMPLES_0)));
        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(values(out, true)).containsExactly("committed-0", "committed-1"));
        assertThat(values(out, true)).noneMatch(v -> v.startsWith(failedPrefix));
    }

    /** Runs {@code delivered}'s transaction with two records to {@code out}, {@code prefix}-0 and -1. */
    private TransactionOutcome run(DeliveredBatches.Delivered delivered, String out, String prefix) {
        IncomingBatch in = IncomingBatch.of(delivered.batch());
        return transaction
                .run(delivered.batch(), records(out, prefix), in.sampleOffsets(), in.nextOffsets(), () -> false)
                .await()
                .atMost(Duration.ofSeconds(60));
    }

    private static List<Message<byte[]>> records(String topic, String prefix) {
        List<Message<byte[]>> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            byte[] value = (prefix + "-" + i).getBytes(StandardCharsets.UTF_8);
            out.add(Message.of(value)
                    .addMetadata(OutgoingKafkaRecordMetadata.<byte[]>builder()
                            .withTopic(topic)
                            .withKey(value)
                            .build()));
        }
        return out;
    }

    /**
     * The group's committed offset before, the batch delivered and read, and the transactional producer.
     */
    private record FirstBatch(
            long committedBefore, DeliveredBatches.Delivered delivered, IncomingBatch in, Producer<?, ?> producer) {}

    /** Sends 3 samples and takes their batch, which starts at the group's committed offset. */
    private FirstBatch firstBatch() throws Exception {
        long committedBefore = committedOffset();
        sendSamples(3);
        DeliveredBatches.Delivered first = batches.next(WITHIN);
        IncomingBatch in = IncomingBatch.of(first.batch());
        assertThat(in.startOffsets()).containsEntry(SAMPLES_0, Math.max(committedBefore, 0));
        return new FirstBatch(committedBefore, first, in, producer());
    }

    /** Sends {@code n} records to {@code headstream.samples} partition 0, in one producer batch (one fetch). */
    private void sendSamples(int n) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 60_000);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(Topics.SAMPLES, 0, new byte[] {1}, new byte[] {(byte) i}));
            }
            producer.flush();
        }
    }

    /** The group's committed offset of {@code headstream.samples} partition 0, -1 when none. */
    private long committedOffset() throws Exception {
        OffsetAndMetadata o = admin.listConsumerGroupOffsets(
                        group, new ListConsumerGroupOffsetsOptions().requireStable(true))
                .partitionsToOffsetAndMetadata()
                .get()
                .get(SAMPLES_0);
        return o == null ? -1 : o.offset();
    }

    private List<String> values(String topic, boolean committedOnly) {
        return TopicReader.readAll(bootstrap, topic, Duration.ofSeconds(10), committedOnly).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList();
    }

    private Producer<?, ?> producer() {
        return clients.getProducer(Channels.OUT).unwrap();
    }

    private int generation() {
        return clients.getConsumer(Channels.SAMPLES)
                .consumerGroupMetadata()
                .await()
                .atMost(WITHIN)
                .generationId();
    }

    private static int generation(KafkaRecordBatch<byte[], byte[]> batch) {
        return batch.getMetadata(IncomingKafkaRecordBatchMetadata.class)
                .orElseThrow()
                .getConsumerGroupGenerationId();
    }

    /** {@code t}, its causes and, for a Mutiny {@link CompositeException}, each of its members. */
    private static List<Throwable> causes(Throwable t) {
        List<Throwable> out = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause()) {
            out.add(c);
            if (c instanceof CompositeException composite) {
                composite.getCauses().forEach(m -> out.addAll(causes(m)));
            }
        }
        return out;
    }
}
