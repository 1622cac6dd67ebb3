package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault (6): an instance frozen (SIGSTOP) inside a batch's transaction, past the session timeout,
 * becomes a zombie: a second instance (another transactional id) takes the partition over and
 * applies the batch. While the zombie is frozen, its open transaction holds back read_committed
 * readers of the output topics until the broker aborts it (transaction.timeout.ms, 60 s by
 * default), so the survivor's heads become visible only then. When the zombie resumes (SIGCONT)
 * its commit is refused and it exits with code 3 instead of keeping partitions with a dead
 * producer: either the refusal names a fenced producer (the broker aborted the transaction
 * first), or the producer is left stuck after a commit refused for an old group generation, and
 * the transaction watchdog ({@code headstream.transaction-stuck-exit-seconds}, 30 s here) exits.
 * The survivor takes the partition back and goes on.
 * read_committed consumers see every head version once, and the heads equal a replay.
 */
class ZombieIT {

    private static final String TENANT = "it";
    private static final String TASK = "wake";
    private static final int REPLAY_STEPS = 2;
    private static final int CLIPS = 6;
    private static final long PAUSE_AT_OFFSET = 2L * CLIPS - 1;

    @Test
    void aResumedZombieCommitsNothing() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "zombie-it");
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
                admin.ensureTopics(1);
            }
            Map<String, String> zombieProps = ItSupport.crashTestProperties(bs, rehearsal, REPLAY_STEPS, "zombie-a");
            zombieProps.put("headstream.fault.enabled", "true");
            zombieProps.put("headstream.fault.pause-in-transaction-at-offset", Long.toString(PAUSE_AT_OFFSET));
            zombieProps.put("headstream.fault.pause-seconds", "5");
            zombieProps.put("headstream.transaction-stuck-exit-seconds", "30");
            Map<String, String> takeoverProps = ItSupport.crashTestProperties(bs, rehearsal, REPLAY_STEPS, "zombie-b");
            try (HeadFollower<Long> follower = new HeadFollower<>(bs, HeadUpdate::getVersion).start();
                    SampleSender sender = new SampleSender(bs);
                    AdapterProcess zombie = AdapterProcess.start(
                                    ItSupport.adapterJar(), zombieProps, work.resolve("adapter-a.log"))
                            .awaitReady(Duration.ofMinutes(3))) {
                ItSupport.sendTrain(sender, TENANT, TASK, users, 0, 4);
                ItSupport.awaitApplied(follower, TENANT, TASK, users, 4);
                ItSupport.sendTrain(sender, TENANT, TASK, users, 4, CLIPS);
                await().atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> zombie.tail().contains("fault injection: pausing"));
                signal("STOP", zombie.pid());
                try (AdapterProcess takeover = AdapterProcess.start(
                                ItSupport.adapterJar(), takeoverProps, work.resolve("adapter-b.log"))
                        .awaitReady(Duration.ofMinutes(3))) {
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, CLIPS);
                    signal("CONT", zombie.pid());
                    // the zombie's pause ran out while it was stopped: its commit is refused, in one of
                    // two ways. (a) The refusal is a fenced producer, which can surface only when its sends
                    // give up, up to the broker's transaction.timeout.ms (60 s) after it resumes, or a
                    // producer stuck after the refusal, which the 30 s watchdog ends: it exits with 3.
                    // (b) The coordinator refuses the old generation's offsets at once
                    // (CommitFailedException), the transaction aborts cleanly and the instance rejoins
                    // as an ordinary member with nothing committed (seen once, in a full verify run; the
                    // adapter before the restructuring did not exit on such an abort either). Both commit
                    // nothing: the audit and the replay below check that.
                    long resumed = System.nanoTime();
                    await().atMost(Duration.ofMinutes(3))
                            .pollInterval(Duration.ofMillis(500))
                            .until(() -> !zombie.isAlive()
                                    || System.nanoTime() - resumed
                                                    > Duration.ofSeconds(75).toNanos()
                                            && Files.readString(zombie.log()).contains("CommitFailedException"));
                    String zombieLog = Files.readString(zombie.log());
                    if (zombie.isAlive()) {
                        assertThat(zombieLog)
                                .as("a zombie still running aborted its refused commit cleanly")
                                .contains("CommitFailedException")
                                .contains("Aborting transaction")
                                .doesNotContain("was fenced");
                    } else {
                        assertThat(zombie.awaitExit(Duration.ZERO))
                                .as("refused zombie exits")
                                .isEqualTo(3);
                        // the fencing error may arrive as ProducerFencedException or nested in aborted
                        // sends (Mutiny CompositeException); the adapter recognises both and says so, once,
                        // in the whole log: the shutdown that follows can log hundreds of failed sends
                        assertThat(zombieLog)
                                .containsAnyOf(
                                        "the transactional producer was fenced",
                                        "did not finish committing or aborting within 30 s");
                    }
                    // the survivor owns the partition again and keeps adapting
                    ItSupport.sendTrain(sender, TENANT, TASK, users, CLIPS, CLIPS + 2);
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, CLIPS + 2);
                    assertThat(takeover.isAlive()).isTrue();
                }
            }
            // every head version once and in order, exactly one metrics record per sample, no reject
            OutputAudit.Result audit = OutputAudit.check(
                    bs, ItSupport.samplesPerHead(TENANT, TASK, users, CLIPS + 2), Duration.ofSeconds(30));
            assertThat(audit.errors()).isEmpty();
            assertThat(audit.metricsRecords()).isEqualTo((long) users.size() * (CLIPS + 2));
            ItSupport.assertHeadsEqualReplay(bs, takeoverProps, users.size());
        }
    }

    private static void signal(String name, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                .inheritIO()
                .start();
        assertThat(p.waitFor()).as("kill -%s %d", name, pid).isZero();
    }
}
