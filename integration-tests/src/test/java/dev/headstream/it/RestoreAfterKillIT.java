package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Crash and restore on the real broker: the adapter is killed with SIGKILL half-way through two
 * users' streams, a new adapter restores their training state from the adapter-state changelog,
 * continues their head versions, and ends with heads bit-identical to a replay of the whole
 * stream, as if it had never stopped.
 */
class RestoreAfterKillIT {

    private static final String TENANT = "it";
    private static final String TASK = "wake";
    private static final int REPLAY_STEPS = 4;

    @Test
    void killedAdapterRestoresStateAndContinuesBitIdentically() throws Exception {
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
                admin.ensureTopics(2);
            }
            Map<String, String> withBroker = ItSupport.crashTestProperties(bs, rehearsal, REPLAY_STEPS, "restore-it");
            List<SyntheticUser> users = pop.users();
            Map<String, Long> versionsBeforeKill = new HashMap<>();
            try (HeadFollower<Long> follower = new HeadFollower<>(bs, HeadUpdate::getVersion).start();
                    SampleSender sender = new SampleSender(bs)) {
                AdapterProcess first = AdapterProcess.start(jar, withBroker, work.resolve("adapter-1.log"))
                        .awaitReady(Duration.ofMinutes(3));
                try {
                    ItSupport.sendTrain(sender, TENANT, TASK, users, 0, 6);
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, 6);
                    users.forEach(u -> versionsBeforeKill.put(
                            headId(u), follower.current(headId(u)).orElseThrow().version()));
                } finally {
                    first.kill();
                }
                assertThat(TopicReader.readAll(bs, Topics.ADAPTER_STATE, Duration.ofSeconds(30)))
                        .isNotEmpty();

                // cold restore, held 5 s by fault injection: readiness must say DOWN (restoring) meanwhile
                Map<String, String> slowRestore = new HashMap<>(withBroker);
                slowRestore.put("headstream.fault.enabled", "true");
                slowRestore.put("headstream.fault.restore-delay-seconds", "5");
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
                    assertThat(Files.readString(second.log()))
                            .as("restored before it said ready")
                            .contains("fault injection: holding the restore")
                            .contains("restored 2 users");
                    ItSupport.sendTrain(sender, TENANT, TASK, users, 6, 12);
                    ItSupport.awaitApplied(follower, TENANT, TASK, users, 12);
                    for (SyntheticUser u : users) {
                        assertThat(follower.current(headId(u)).orElseThrow().version())
                                .as("versions of %s continue after the restart", u.id())
                                .isGreaterThan(versionsBeforeKill.get(headId(u)));
                    }
                }
            }
            ItSupport.assertHeadsEqualReplay(bs, withBroker, users.size());
        }
    }

    private static String headId(SyntheticUser u) {
        return TENANT + "/" + u.id() + "/" + TASK;
    }
}
