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
 * Fault (6): an instance frozen (SIGSTOP) inside a batch's transaction, once that transaction's
 * records are on the broker, past the session timeout, becomes a zombie: a second instance (another
 * transactional id) takes the partition over and applies the batch. While the zombie is frozen, its
 * open transaction holds back read_committed readers of the output topics until the broker aborts
 * it (transaction.timeout.ms, 60 s by default), so the survivor's heads become visible only then.
 * When the zombie resumes (SIGCONT) its commit is refused: it exits with code 3 (a fenced producer,
 * or a producer stuck after the refusal that the transaction watchdog,
 * {@code headstream.transaction-stuck-exit-seconds} = 30 s here, ends), or it aborts cleanly and
 * rejoins the group as an ordinary member. What the test holds, whichever way: nothing is committed
 * after the resume, the survivor runs on and applies the next samples once, read_committed
 * consumers see every head version and metrics record once (the zombie's aborted records only under
 * read_uncommitted), and the heads equal a replay. The exit reason is looked for in the whole log.
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
            // long enough to see the open transaction's records on the broker before the stop, shorter
            // than the stop (the takeover alone outlasts it): the zombie resumes with its pause over
            zombieProps.put("headstream.fault.pause-seconds", "20");
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
                        .until(() -> zombie.logContains("fault injection: pausing"));
                // the paused batch's output is on the broker, in the zombie's open transaction
                await().atMost(Duration.ofSeconds(15))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> committed(bs, Topics.METRICS, false) > committed(bs, Topics.METRICS, true));
                signal("STOP", zombie.pid());
                try (AdapterProcess takeover = AdapterProcess.start(
                                ItSupport.adapterJar(), takeoverProps, work.resolve("adapter-b.log"))
                        .awaitReady(Duration.ofMinutes(3))) {
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, CLIPS);
                    long headsBeforeResume = committed(bs, Topics.HEADS, true);
                    long metricsBeforeResume = committed(bs, Topics.METRICS, true);
                    assertThat(metricsBeforeResume).isEqualTo((long) users.size() * CLIPS);
                    signal("CONT", zombie.pid());
                    // the zombie's pause ran out while it was stopped: its commit is refused, in one of
                    // two ways. (a) The refusal is a fenced producer, which can surface only when its sends
                    // give up, up to the broker's transaction.timeout.ms (60 s) after it resumes, or a
                    // producer stuck after the refusal, which the 30 s watchdog ends: it exits with 3.
                    // (b) The coordinator refuses the old generation's offsets at once
                    // (CommitFailedException), the transaction aborts cleanly and the instance rejoins
                    // as an ordinary member with nothing committed. Either way the whole log (a shutdown
                    // logs hundreds of lines of failed sends after the reason) says which.
                    long resumed = System.nanoTime();
                    await().atMost(Duration.ofMinutes(3))
                            .pollInterval(Duration.ofMillis(500))
                            .until(() -> !zombie.isAlive()
                                    || System.nanoTime() - resumed
                                                    > Duration.ofSeconds(75).toNanos()
                                            && zombie.logContains("CommitFailedException"));
                    boolean exited = !zombie.isAlive();
                    if (exited) {
                        assertThat(zombie.awaitExit(Duration.ZERO))
                                .as("a refused zombie exits with 3")
                                .isEqualTo(3);
                        // the fencing error may arrive as ProducerFencedException or nested in aborted
                        // sends (Mutiny CompositeException); the adapter recognises both and says so once
                        assertThat(zombie.logText())
                                .containsAnyOf(
                                        "the transactional producer was fenced",
                                        "did not finish committing or aborting within 30 s");
                    } else {
                        assertThat(zombie.logText())
                                .as("a zombie still running aborted its refused commit cleanly")
                                .contains("CommitFailedException")
                                .contains("Aborting transaction")
                                .doesNotContain("was fenced");
                    }
                    assertThat(committed(bs, Topics.HEADS, true))
                            .as("no head version committed by the resumed zombie")
                            .isEqualTo(headsBeforeResume);
                    assertThat(committed(bs, Topics.METRICS, true))
                            .as("no metrics record committed by the resumed zombie")
                            .isEqualTo(metricsBeforeResume);
                    // the survivor owns the partition again (or shares the group with a zombie that
                    // rejoined) and keeps adapting
                    double appliedBefore = applied(takeover) + (exited ? 0 : applied(zombie));
                    ItSupport.sendTrain(sender, TENANT, TASK, users, CLIPS, CLIPS + 2);
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, CLIPS + 2);
                    assertThat(takeover.isAlive()).as("the survivor runs on").isTrue();
                    double appliedAfter = applied(takeover) + (exited ? 0 : applied(zombie));
                    assertThat(appliedAfter - appliedBefore)
                            .as(
                                    "the last samples applied once, by the survivor%s",
                                    exited ? "" : " or the rejoined member")
                            .isEqualTo(2.0 * users.size());
                }
            }
            // every head version once and in order, exactly one metrics record per sample, no reject:
            // the zombie's transaction, whose records are on the broker, is never visible
            OutputAudit.Result audit = OutputAudit.check(
                    bs, ItSupport.samplesPerHead(TENANT, TASK, users, CLIPS + 2), Duration.ofSeconds(30));
            assertThat(audit.errors()).isEmpty();
            assertThat(audit.metricsRecords()).isEqualTo((long) users.size() * (CLIPS + 2));
            assertThat(committed(bs, Topics.METRICS, false))
                    .as("the zombie's aborted records are in the log, under read_uncommitted only")
                    .isGreaterThan(audit.metricsRecords());
            ItSupport.assertHeadsEqualReplay(bs, takeoverProps, users.size());
        }
    }

    /** Records on {@code topic} as a {@code read_committed} ({@code committedOnly}) or read_uncommitted consumer sees them. */
    private static long committed(String bs, String topic, boolean committedOnly) {
        return TopicReader.readAll(bs, topic, Duration.ofSeconds(30), committedOnly)
                .size();
    }

    /** Samples {@code adapter} applied in batches it committed ({@code headstream_samples_applied_total}). */
    private static double applied(AdapterProcess adapter) throws Exception {
        return ItSupport.sample(ItSupport.scrape(adapter), "headstream_samples_applied_total");
    }

    private static void signal(String name, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                .inheritIO()
                .start();
        assertThat(p.waitFor()).as("kill -%s %d", name, pid).isZero();
    }
}
