package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.cli.Main;
import dev.headstream.cli.replay.HeadReplay;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The whole loop on a real broker: three synthetic users' clips in, head versions and metrics for
 * each user out, bad records rejected with their reason codes while the records after them are
 * still applied; then operator commands on headstream.control: a reset published as a RESET
 * version, an erasure as tombstones on the heads and the state changelog, a garbage command
 * rejected. The user commands {@code watch --until-samples} and {@code heads} run against the same
 * broker.
 */
class AdapterPipelineIT {

    private static final String TENANT = "it";
    private static final String TASK = "wake";

    @Test
    void threeUsersGetHeadsAndMetricsWhileBadRecordsAreRejected() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "pipeline-it");
        Path models = ItSupport.models();
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(7)
                .withUsers(3)
                .withTrain(4, 4)
                .withHoldout(2, 2)
                .withBackground(2, 4));
        Path rehearsal = ItSupport.writeReferenceSet(work, pop, TASK);
        SourceHead source = OnnxHeadImporter.importHead(models.resolve("hey_jarvis_v0.1.onnx"));

        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(4);
            }
            Map<String, String> adapterProps = Map.of(
                    "kafka.bootstrap.servers",
                    bs,
                    "headstream.models-dir",
                    models.toAbsolutePath().toString(),
                    "headstream.negative-bank.directory",
                    ItSupport.testBank().toString(),
                    "headstream.instance-id",
                    "pipeline-it",
                    "headstream.tasks.wake.rehearsal-set",
                    rehearsal.toAbsolutePath().toString(),
                    "headstream.tasks.wake.replay-steps",
                    "4");
            try (AdapterProcess adapter = AdapterProcess.start(
                                    ItSupport.adapterJar(), adapterProps, work.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3));
                    HeadFollower<HeadCodec.Decoded> follower =
                            new HeadFollower<>(bs, u -> HeadCodec.decode(u, source)).start();
                    SampleSender sender = new SampleSender(bs)) {
                List<SyntheticUser> users = pop.users();
                SyntheticUser first = users.get(0);
                // first half of every user's training clips
                for (SyntheticUser u : users) {
                    for (SyntheticClip c : u.train().subList(0, 4)) {
                        send(sender, c);
                    }
                }
                // bad records, all keyed to the first user
                String key = SampleRecords.key(TENANT, first.id());
                sender.send(key, "definitely not protobuf".getBytes(StandardCharsets.UTF_8));
                sender.send(
                        "no-slash-key",
                        SampleRecords.sample(TENANT, TASK, first.train().get(4)).toByteArray());
                sender.send(
                        key,
                        SampleRecords.sample(TENANT, TASK, first.train().get(4)).toBuilder()
                                .setAudio(
                                        SampleRecords.audio(first.train().get(4).pcm()).toBuilder()
                                                .setSampleRateHz(8000))
                                .setSampleId("bad-rate")
                                .build()
                                .toByteArray());
                sender.send(
                        key,
                        SampleRecords.sample(TENANT, TASK, first.train().get(4)).toBuilder()
                                .putLabels(
                                        "unknown-task",
                                        Label.newBuilder().setBinary(true).build())
                                .setSampleId("bad-task")
                                .build()
                                .toByteArray());
                sender.send(
                        key,
                        SampleRecords.sample(TENANT, TASK, first.train().get(0)).toByteArray());
                // the rest, applied after the bad records
                for (SyntheticUser u : users) {
                    for (SyntheticClip c : u.train().subList(4, u.train().size())) {
                        send(sender, c);
                    }
                    u.holdout().forEach(c -> send(sender, c));
                }
                sender.flush();

                // watch --until-samples returns once every user's committed head has applied its
                // training clips (the holdout clips are scored, not applied)
                int trainClips = first.train().size();
                assertThat(users).allSatisfy(u -> assertThat(u.train()).hasSize(trainClips));
                List<String> watch = new ArrayList<>(List.of(
                        "watch",
                        "--bootstrap",
                        bs,
                        "--until-samples",
                        Integer.toString(trainClips),
                        "--timeout",
                        "PT5M"));
                users.forEach(u -> watch.addAll(List.of("--head", headId(u))));
                StringWriter watchOut = new StringWriter();
                assertThat(Main.commandLine()
                                .setOut(new PrintWriter(watchOut, true))
                                .setErr(new PrintWriter(watchOut, true))
                                .execute(watch.toArray(String[]::new)))
                        .as(watchOut.toString())
                        .isZero();
                assertThat(watchOut.toString())
                        .contains("watch: every head has applied at least " + trainClips + " samples: ");

                await().atMost(Duration.ofMinutes(5))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            for (SyntheticUser u : users) {
                                assertThat(follower.current(headId(u)))
                                        .as("head of %s", u.id())
                                        .hasValueSatisfying(v -> assertThat(v.update()
                                                        .getProvenance()
                                                        .getSamplesApplied())
                                                .isEqualTo(u.train().size()));
                            }
                        });
                assertThat(follower.skipped()).isZero();

                // the bad records sit on whatever partitions their keys hash to: wait for all five
                await().atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(
                                () -> assertThat(TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30)))
                                        .hasSize(5));
                List<ConsumerRecord<byte[], byte[]>> rejected =
                        TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30));
                Map<String, RejectReason> reasons = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : rejected) {
                    Rejected x = Rejected.parseFrom(r.value());
                    assertThat(x.getTopic()).isEqualTo(Topics.SAMPLES);
                    assertThat(x.getMessage()).isNotBlank();
                    reasons.put(x.getSampleId().isEmpty() ? x.getReason().name() : x.getSampleId(), x.getReason());
                }
                assertThat(rejected).hasSize(5);
                assertThat(reasons)
                        .containsEntry("MALFORMED", RejectReason.MALFORMED)
                        .containsEntry("BAD_KEY", RejectReason.BAD_KEY)
                        .containsEntry("bad-rate", RejectReason.SHAPE_MISMATCH)
                        .containsEntry("bad-task", RejectReason.UNKNOWN_TASK)
                        .containsEntry(first.train().get(0).sampleId(), RejectReason.DUPLICATE);

                List<ConsumerRecord<byte[], byte[]>> heads =
                        TopicReader.readAll(bs, Topics.HEADS, Duration.ofSeconds(30));
                Map<String, Long> lastVersion = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : heads) {
                    HeadUpdate h = HeadUpdate.parseFrom(r.value());
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(h.getHeadId());
                    assertThat(h.getVersion()).isGreaterThan(lastVersion.getOrDefault(h.getHeadId(), 0L));
                    assertThat(h.getProvenance().getSourceHeadSha256()).isEqualTo(source.sha256());
                    assertThat(h.getThreshold()).isBetween(0f, 1f);
                    lastVersion.put(h.getHeadId(), h.getVersion());
                }
                assertThat(lastVersion)
                        .containsOnlyKeys(
                                users.stream().map(AdapterPipelineIT::headId).toList());
                // heads lists the same newest versions
                StringWriter headsOut = new StringWriter();
                assertThat(Main.commandLine()
                                .setOut(new PrintWriter(headsOut, true))
                                .setErr(new PrintWriter(headsOut, true))
                                .execute("heads", "--bootstrap", bs, "--tenant", TENANT))
                        .isZero();
                for (SyntheticUser u : users) {
                    assertThat(headsOut.toString())
                            .containsPattern("(?m)^" + headId(u) + " +[0-9]+ +ACTIVE +" + trainClips + " ");
                }

                // holdout clips follow the training clips: wait until every user's holdout was scored
                await().atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            List<ConsumerRecord<byte[], byte[]>> metrics =
                                    TopicReader.readAll(bs, Topics.METRICS, Duration.ofSeconds(30));
                            Set<String> withMetrics = new HashSet<>();
                            Map<String, AdaptationMetrics> lastMetrics = new HashMap<>();
                            for (ConsumerRecord<byte[], byte[]> r : metrics) {
                                AdaptationMetrics m = AdaptationMetrics.parseFrom(r.value());
                                withMetrics.add(m.getHeadId());
                                lastMetrics.put(m.getHeadId(), m);
                            }
                            assertThat(withMetrics).containsExactlyInAnyOrderElementsOf(lastVersion.keySet());
                            for (SyntheticUser u : users) {
                                AdaptationMetrics m = lastMetrics.get(headId(u));
                                assertThat(m.getSamplesApplied())
                                        .isEqualTo(u.train().size());
                                assertThat(m.getAdaptedPrequential().getCount())
                                        .isEqualTo(u.train().size());
                                assertThat(m.getAdaptedHoldout().getCount())
                                        .isEqualTo(u.holdout().size());
                            }
                        });
                assertThat(adapter.isAlive()).isTrue();

                // operator commands on headstream.control: reset one user, erase another, one garbage record
                SyntheticUser resetUser = users.get(1);
                SyntheticUser erasedUser = users.get(2);
                long resetFrom = lastVersion.get(headId(resetUser));
                sender.send(
                        Topics.CONTROL,
                        SampleRecords.key(TENANT, resetUser.id()),
                        control(resetUser, ControlAction.CONTROL_ACTION_RESET).toByteArray());
                sender.send(
                        Topics.CONTROL,
                        SampleRecords.key(TENANT, erasedUser.id()),
                        control(erasedUser, ControlAction.CONTROL_ACTION_ERASE).toByteArray());
                sender.send(Topics.CONTROL, SampleRecords.key(TENANT, first.id()), new byte[] {(byte) 0xff, 0x00});
                sender.flush();
                await().atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            assertThat(follower.current(headId(resetUser))).hasValueSatisfying(v -> {
                                assertThat(v.version()).isEqualTo(resetFrom + 1);
                                assertThat(v.update().getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
                                assertThat(v.update().getStatusReason()).isEqualTo("operator reset: integration test");
                                assertThat(v.update().getThreshold()).isEqualTo(0.5f);
                            });
                            assertThat(follower.current(headId(erasedUser)))
                                    .as("erased head dropped by the consumer")
                                    .isEmpty();
                        });
                List<ConsumerRecord<byte[], byte[]>> headLog =
                        TopicReader.readAll(bs, Topics.HEADS, Duration.ofSeconds(30));
                ConsumerRecord<byte[], byte[]> lastOfErased = headLog.stream()
                        .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals(headId(erasedUser)))
                        .reduce((a, b) -> b)
                        .orElseThrow();
                assertThat(lastOfErased.value())
                        .as("tombstone on headstream.heads")
                        .isNull();
                List<ConsumerRecord<byte[], byte[]>> stateLog =
                        TopicReader.readAll(bs, Topics.ADAPTER_STATE, Duration.ofSeconds(30));
                String erasedKey = SampleRecords.key(TENANT, erasedUser.id());
                List<ConsumerRecord<byte[], byte[]>> erasedState = stateLog.stream()
                        .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals(erasedKey))
                        .toList();
                assertThat(erasedState.get(erasedState.size() - 1).value())
                        .as("tombstone on the changelog")
                        .isNull();
                assertThat(erasedState)
                        .extracting(ConsumerRecord::partition)
                        .as("in the user's own partition")
                        .containsOnly(erasedState.get(0).partition());
                await().atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(
                                () -> assertThat(TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30)))
                                        .hasSize(6));
                List<Rejected> controlRejects = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r :
                        TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30))) {
                    Rejected x = Rejected.parseFrom(r.value());
                    if (x.getTopic().equals(Topics.CONTROL)) {
                        controlRejects.add(x);
                    }
                }
                assertThat(controlRejects).extracting(Rejected::getReason).containsExactly(RejectReason.MALFORMED);
                assertThat(adapter.isAlive()).isTrue();

                // replay: the untouched user is bit-identical, the reset one is not compared, the erased one is gone
                HeadReplay.Result replay =
                        HeadReplay.run(bs, EngineSpec.fromProperties(adapterProps), Duration.ofSeconds(60));
                assertThat(replay.differences()).isEmpty();
                assertThat(replay.identical()).isEqualTo(1);
                assertThat(replay.notCompared())
                        .hasSize(1)
                        .allSatisfy(n -> assertThat(n)
                                .startsWith(headId(resetUser) + ": operator command (version " + (resetFrom + 1)));
                assertThat(replay.heads()).isEqualTo(2);

                // aggregate Prometheus metrics: what committed, no per-user labels
                String scrape = ItSupport.scrape(adapter);
                scrape.lines()
                        .filter(l -> l.startsWith("headstream_"))
                        .forEach(l -> System.out.println("scrape: " + l));
                int applied = users.stream()
                        .mapToInt(u -> u.train().size() + u.holdout().size())
                        .sum();
                assertThat(ItSupport.sample(scrape, "headstream_samples_applied_total"))
                        .isEqualTo(applied);
                assertThat(ItSupport.sample(scrape, "headstream_rejects_total{reason=\"MALFORMED\"}"))
                        .isEqualTo(2);
                for (String reason : List.of("BAD_KEY", "SHAPE_MISMATCH", "UNKNOWN_TASK", "DUPLICATE")) {
                    assertThat(ItSupport.sample(scrape, "headstream_rejects_total{reason=\"" + reason + "\"}"))
                            .as(reason)
                            .isEqualTo(1);
                }
                assertThat(ItSupport.sample(scrape, "headstream_heads_published_total{status=\"HEAD_STATUS_RESET\"}"))
                        .isEqualTo(1);
                assertThat(ItSupport.sample(scrape, "headstream_users_erased_total"))
                        .isEqualTo(1);
                assertThat(ItSupport.sample(scrape, "headstream_users_resident"))
                        .isEqualTo(users.size() - 1);
                assertThat(scrape).doesNotContain(first.id());
                // embeddings made ahead of their batch (on by default): the batches took them, and the
                // replay above, which embeds in the batch, gave the same head bits
                assertThat(ItSupport.sample(scrape, "headstream_embed_ahead_total{outcome=\"used\"}"))
                        .isPositive();
            }
        }
    }

    private static Control control(SyntheticUser u, ControlAction action) {
        return Control.newBuilder()
                .setTenant(TENANT)
                .setUser(u.id())
                .setAction(action)
                .setReason("integration test")
                .build();
    }

    private static void send(SampleSender sender, SyntheticClip c) {
        sender.send(
                SampleRecords.key(TENANT, c.userId()),
                SampleRecords.sample(TENANT, TASK, c).toByteArray());
    }

    private static String headId(SyntheticUser u) {
        return TENANT + "/" + u.id() + "/" + TASK;
    }
}
