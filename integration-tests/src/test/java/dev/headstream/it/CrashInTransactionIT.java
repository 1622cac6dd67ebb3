package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.audit.OutputAudit;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Fault (4): the adapter dies between sending a batch's records and committing its transaction
 * (fault injection halts the JVM inside the transaction once the records had time to reach the
 * broker). A new instance with the same transactional id aborts the dangling transaction, consumes
 * the batch again and commits it once: read_committed consumers see every head version and every
 * metrics record exactly once, the aborted copies only show under read_uncommitted, and the heads
 * equal a replay bit for bit.
 */
class CrashInTransactionIT {

    private static final String TENANT = "it";
    private static final String TASK = "wake";
    private static final int REPLAY_STEPS = 2;
    private static final int CLIPS = 8;
    /** The samples record whose batch crashes: the last one sent (offsets 0-7 first, then 8-15). */
    private static final long HALT_AT_OFFSET = 2L * CLIPS - 1;

    @Test
    void aDanglingTransactionIsAbortedAndItsBatchCommittedOnce() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "crash-it");
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(13)
                .withUsers(2)
                .withTrain(4, 4)
                .withHoldout(0, 0)
                .withBackground(2, 4));
        Path rehearsal = ItSupport.writeReferenceSet(work, pop, TASK);
        List<SyntheticUser> users = pop.users();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(1); // one partition: offsets follow the send order
            }
            Map<String, String> props = ItSupport.crashTestProperties(bs, rehearsal, REPLAY_STEPS, "crash-it");
            try (HeadFollower<Long> follower = new HeadFollower<>(bs, HeadUpdate::getVersion).start();
                    SampleSender sender = new SampleSender(bs)) {
                Map<String, String> crashing = new HashMap<>(props);
                crashing.put("headstream.fault.enabled", "true");
                crashing.put("headstream.fault.halt-in-transaction-at-offset", Long.toString(HALT_AT_OFFSET));
                AdapterProcess first = AdapterProcess.start(
                                ItSupport.adapterJar(), crashing, work.resolve("adapter-1.log"))
                        .awaitReady(Duration.ofMinutes(3));
                try {
                    ItSupport.sendTrain(sender, TENANT, TASK, users, 0, 4); // offsets 0-7
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, 4);
                    ItSupport.sendTrain(
                            sender, TENANT, TASK, users, 4, CLIPS); // offsets 8-15; the batch holding offset 15 halts
                    assertThat(first.awaitExit(Duration.ofMinutes(2)))
                            .as("halted in the transaction")
                            .isEqualTo(137);
                    assertThat(first.logContains("fault injection: halting inside the transaction"))
                            .as("halted by fault injection")
                            .isTrue();
                } finally {
                    first.kill();
                }
                try (AdapterProcess second = AdapterProcess.start(
                                ItSupport.adapterJar(), props, work.resolve("adapter-2.log"))
                        .awaitReady(Duration.ofMinutes(3))) {
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, CLIPS);
                    assertThat(second.isAlive()).isTrue();
                }
            }
            List<ConsumerRecord<byte[], byte[]>> committedHeads =
                    TopicReader.readAll(bs, Topics.HEADS, Duration.ofSeconds(30));
            List<ConsumerRecord<byte[], byte[]>> allHeads =
                    TopicReader.readAll(bs, Topics.HEADS, Duration.ofSeconds(30), false);
            assertThat(allHeads.size())
                    .as("the crashed batch's heads reached the broker, in the aborted transaction")
                    .isGreaterThan(committedHeads.size());
            // every head version once and in order, exactly one metrics record per sample, no reject
            OutputAudit.Result audit =
                    OutputAudit.check(bs, ItSupport.samplesPerHead(TENANT, TASK, users, CLIPS), Duration.ofSeconds(30));
            assertThat(audit.errors()).isEmpty();
            assertThat(audit.metricsRecords()).isEqualTo((long) users.size() * CLIPS);
            ItSupport.assertHeadsEqualReplay(bs, props, users.size());
        }
    }
}
