package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.audit.OutputAudit;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * Crash and restore on the real broker: the adapter is killed with SIGKILL half-way through two
 * users' streams, inside a batch's open transaction (fault injection pauses that batch after its
 * records were handed to the transaction; the test waits until they are on the broker, then kills).
 * A new adapter with the same transactional id aborts the dangling transaction, restores the users'
 * training state from the adapter-state changelog (readiness DOWN until then), consumes the aborted
 * batch again and continues their head versions. The output audit then holds exactly once: every
 * sample applied once, head versions 1, 2, 3, ... with no gap or repeat, nothing of the aborted
 * transaction visible to read_committed readers (its records exist only under read_uncommitted);
 * and the heads are bit-identical to a replay of the whole stream, as if it had never stopped.
 */
class RestoreAfterKillIT {

    private static final String TENANT = "it";
    private static final String TASK = "wake";
    private static final int REPLAY_STEPS = 4;
    private static final int PARTITIONS = 2;
    /** Clips per user applied before the kill, and where the killed transaction's batch begins. */
    private static final int BEFORE_KILL = 6;
    /** Clips per user sent while the adapter hangs in the transaction it is killed in. */
    private static final int IN_KILLED_TRANSACTION = 9;

    private static final int CLIPS = 12;

    @Test
    void adapterKilledInsideAnOpenTransactionRestoresAndCommitsEverySampleOnce() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "restore-it");
        Path jar = ItSupport.adapterJar();
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(11)
                .withUsers(2)
                .withTrain(6, 6)
                .withHoldout(0, 0)
                .withBackground(2, 4));
        Path rehearsal = ItSupport.writeReferenceSet(work, pop, TASK);
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(PARTITIONS);
                // the audit checks every head version ever committed: hold off the log cleaner
                admin.setConfig(
                        Topics.HEADS,
                        TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG,
                        Long.toString(Duration.ofDays(1).toMillis()));
            }
            Map<String, String> withBroker = ItSupport.crashTestProperties(bs, rehearsal, REPLAY_STEPS, "restore-it");
            List<SyntheticUser> users = pop.users();
            long hangAt = firstOffsetAfter(users, BEFORE_KILL);
            Map<String, String> hanging = new HashMap<>(withBroker);
            hanging.put("headstream.fault.enabled", "true");
            hanging.put("headstream.fault.pause-in-transaction-at-offset", Long.toString(hangAt));
            hanging.put("headstream.fault.pause-seconds", "600"); // killed long before
            Map<String, Long> versionsBeforeKill = new HashMap<>();
            try (HeadFollower<Long> follower = new HeadFollower<>(bs, HeadUpdate::getVersion).start();
                    SampleSender sender = new SampleSender(bs)) {
                AdapterProcess first = AdapterProcess.start(jar, hanging, work.resolve("adapter-1.log"))
                        .awaitReady(Duration.ofMinutes(3));
                try {
                    ItSupport.sendTrain(sender, TENANT, TASK, users, 0, BEFORE_KILL);
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, BEFORE_KILL);
                    users.forEach(u -> versionsBeforeKill.put(
                            headId(u), follower.current(headId(u)).orElseThrow().version()));
                    ItSupport.sendTrain(sender, TENANT, TASK, users, BEFORE_KILL, IN_KILLED_TRANSACTION);
                    await().atMost(Duration.ofMinutes(2))
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> first.logContains("fault injection: pausing"));
                    // the hanging batch's heads and metrics are on the broker, in its open transaction
                    await().atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(500))
                            .until(() -> records(bs, Topics.HEADS, false) > records(bs, Topics.HEADS, true)
                                    && records(bs, Topics.METRICS, false) > records(bs, Topics.METRICS, true));
                    assertThat(first.isAlive())
                            .as("still hanging in the transaction")
                            .isTrue();
                } finally {
                    first.kill(); // SIGKILL: no shutdown, no abort
                }
                assertThat(first.awaitExit(Duration.ZERO))
                        .as("killed by SIGKILL")
                        .isEqualTo(137);
                assertThat(TopicReader.readAll(bs, Topics.ADAPTER_STATE, Duration.ofSeconds(30)))
                        .isNotEmpty();

                // cold restore, held 10 s by fault injection: readiness must say DOWN (restoring) meanwhile.
                // The restore outlasts max.poll.interval.ms (3 s here): it runs off the polling thread, so
                // the consumer keeps its place in the group and restores once; a restore on the polling
                // thread would be dropped from the group mid-restore and start again on every rejoin
                Map<String, String> slowRestore = new HashMap<>(withBroker);
                slowRestore.put("headstream.fault.enabled", "true");
                slowRestore.put("headstream.fault.restore-delay-seconds", "10");
                slowRestore.put("mp.messaging.incoming.samples.max.poll.interval.ms", "3000");
                try (AdapterProcess second = AdapterProcess.start(jar, slowRestore, work.resolve("adapter-2.log"))) {
                    boolean sawRestoringDown = false;
                    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                    while (true) {
                        assertThat(System.nanoTime())
                                .as("ready within 3 minutes")
                                .isLessThan(deadline);
                        assertThat(second.isAlive()).isTrue();
                        HttpResponse<String> r;
                        try {
                            r = second.readiness();
                        } catch (IOException notListeningYet) {
                            Thread.sleep(200);
                            continue;
                        }
                        if (r.statusCode() == 200) {
                            break;
                        }
                        assertThat(r.statusCode()).as("DOWN before ready").isEqualTo(503);
                        sawRestoringDown |= r.body().matches("(?s).*\"restoringPartitions\"\\s*:\\s*\"\\[\\d.*");
                        Thread.sleep(200);
                    }
                    assertThat(sawRestoringDown)
                            .as("readiness reported DOWN while partitions were restoring")
                            .isTrue();
                    assertThat(second.logText())
                            .as("restored before it said ready")
                            .contains("fault injection: holding the restore")
                            .contains("restored 2 users");
                    // the aborted batch is consumed again, then the rest of the stream
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, IN_KILLED_TRANSACTION);
                    ItSupport.sendTrain(sender, TENANT, TASK, users, IN_KILLED_TRANSACTION, CLIPS);
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, CLIPS);
                    assertThat(second.logText().split("fault injection: holding the restore", -1))
                            .as("one restore: the consumer stayed in the group through it")
                            .hasSize(2);
                    for (SyntheticUser u : users) {
                        assertThat(follower.current(headId(u)).orElseThrow().version())
                                .as("versions of %s continue after the restart", u.id())
                                .isGreaterThan(versionsBeforeKill.get(headId(u)));
                    }
                    assertThat(second.isAlive()).isTrue();
                }
                assertThat(follower.foreign()).isZero();
            }
            // every sample applied once (one metrics record each), every head's versions contiguous,
            // no reject; the killed transaction's records exist but only under read_uncommitted
            OutputAudit.Result audit =
                    OutputAudit.check(bs, ItSupport.samplesPerHead(TENANT, TASK, users, CLIPS), Duration.ofSeconds(30));
            assertThat(audit.errors()).isEmpty();
            assertThat(audit.foreign()).isZero();
            assertThat(audit.metricsRecords()).isEqualTo((long) users.size() * CLIPS);
            assertThat(records(bs, Topics.METRICS, false))
                    .as("the killed transaction's metrics are in the log, aborted")
                    .isGreaterThan(audit.metricsRecords());
            assertThat(records(bs, Topics.HEADS, false))
                    .as("the killed transaction's heads are in the log, aborted")
                    .isGreaterThan(audit.headRecords());
            ItSupport.assertHeadsEqualReplay(bs, withBroker, users.size());
        }
    }

    /**
     * The first samples offset no partition reaches while every user's first {@code clips} clips are
     * sent (keys partitioned as the producer's default partitioner does, murmur2 of the key): the
     * offset of the first later record on the fullest partition. Fault injection matches offsets on
     * any partition, so this one is in no earlier batch.
     */
    private static long firstOffsetAfter(List<SyntheticUser> users, int clips) {
        long[] perPartition = new long[PARTITIONS];
        for (SyntheticUser u : users) {
            byte[] key = SampleRecords.key(TENANT, u.id()).getBytes(StandardCharsets.UTF_8);
            perPartition[Utils.toPositive(Utils.murmur2(key)) % PARTITIONS] += clips;
        }
        return Arrays.stream(perPartition).max().orElseThrow();
    }

    /** Records on {@code topic} as a read_committed ({@code committedOnly}) or read_uncommitted consumer sees them. */
    private static long records(String bs, String topic, boolean committedOnly) {
        return TopicReader.readAll(bs, topic, Duration.ofSeconds(30), committedOnly)
                .size();
    }

    private static String headId(SyntheticUser u) {
        return TENANT + "/" + u.id() + "/" + TASK;
    }
}
