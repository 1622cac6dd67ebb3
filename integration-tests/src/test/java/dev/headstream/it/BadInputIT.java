package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.cli.replay.HeadReplay;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Hostile input against the adapter as a child process on a real broker: a corpus with every
 * reject reason plus 100 records of seeded random bytes, all keyed to one user between two runs of
 * that user's good clips; a user over the rate limit; the same user id in two tenants. Every bad
 * record is rejected with its reason, the good records after them are applied, and every head
 * equals a replay of the log bit for bit (so no bad record changed a head).
 */
class BadInputIT {

    private static final String TENANT = "it";
    private static final String OTHER_TENANT = "other";
    private static final String TASK = "wake";
    private static final int MAX_SAMPLE_BYTES = 150_000;
    private static final int FUZZED = 100;
    private static final RateLimit LIMIT = new RateLimit(60, 20);
    private static final int SPAM = 23;

    @Test
    void everyBadRecordIsRejectedWithItsReasonAndNoHeadChanges() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "bad-input-it");
        Path models = ItSupport.models();
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(5)
                .withUsers(1)
                .withTrain(4, 4)
                .withHoldout(1, 1)
                .withBackground(2, 4));
        Path rehearsal = ItSupport.writeReferenceSet(work, pop, TASK);
        List<SyntheticClip> clips = pop.users().get(0).train();
        String user = pop.users().get(0).id();
        String key = SampleRecords.key(TENANT, user);

        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(2);
            }
            Map<String, String> adapterProps = Map.of(
                    "kafka.bootstrap.servers",
                    bs,
                    "headstream.models-dir",
                    models.toAbsolutePath().toString(),
                    "headstream.negative-bank.directory",
                    ItSupport.testBank().toString(),
                    "headstream.instance-id",
                    "bad-input-it",
                    "headstream.max-sample-bytes",
                    Integer.toString(MAX_SAMPLE_BYTES),
                    "headstream.rate-limit.samples-per-minute",
                    Double.toString(LIMIT.perMinute()),
                    "headstream.rate-limit.burst",
                    Double.toString(LIMIT.burst()),
                    "headstream.tasks.wake.rehearsal-set",
                    rehearsal.toAbsolutePath().toString(),
                    "headstream.tasks.wake.replay-steps",
                    "2");
            try (AdapterProcess adapter = AdapterProcess.start(
                                    ItSupport.adapterJar(), adapterProps, work.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3));
                    HeadFollower<HeadUpdate> follower = new HeadFollower<>(bs, u -> u).start();
                    SampleSender sender = new SampleSender(bs)) {
                // good clips of the user, and the same user id in another tenant
                for (SyntheticClip c : clips.subList(0, 4)) {
                    sender.send(key, SampleRecords.sample(TENANT, TASK, c).toByteArray());
                    sender.send(
                            SampleRecords.key(OTHER_TENANT, user),
                            SampleRecords.sample(OTHER_TENANT, TASK, c).toByteArray());
                }
                Sample good = SampleRecords.sample(TENANT, TASK, clips.get(4));
                Map<String, RejectReason> expected = new HashMap<>();
                sendBad(sender, expected, key, "MALFORMED", RejectReason.MALFORMED, "not a protobuf at all".getBytes());
                sendBad(sender, expected, "no-slash", "BAD_KEY", RejectReason.BAD_KEY, good.toByteArray());
                sendBad(sender, expected, key, "TOO_LARGE", RejectReason.TOO_LARGE, new byte[MAX_SAMPLE_BYTES + 1]);
                sendBad(
                        sender,
                        expected,
                        key,
                        "x-tenant",
                        RejectReason.TENANT_MISMATCH,
                        good.toBuilder()
                                .setSampleId("x-tenant")
                                .setTenant(OTHER_TENANT)
                                .build()
                                .toByteArray());
                sendBad(
                        sender,
                        expected,
                        key,
                        "x-shape",
                        RejectReason.SHAPE_MISMATCH,
                        good.toBuilder()
                                .setSampleId("x-shape")
                                .setAudio(good.getAudio().toBuilder().setSampleRateHz(8_000))
                                .build()
                                .toByteArray());
                sendBad(
                        sender,
                        expected,
                        key,
                        "x-nan",
                        RejectReason.NON_FINITE,
                        good.toBuilder()
                                .setSampleId("x-nan")
                                .setWeight(Float.NaN)
                                .build()
                                .toByteArray());
                sendBad(
                        sender,
                        expected,
                        key,
                        "x-task",
                        RejectReason.UNKNOWN_TASK,
                        good.toBuilder()
                                .setSampleId("x-task")
                                .putLabels(
                                        "no-such-task",
                                        Label.newBuilder().setBinary(true).build())
                                .build()
                                .toByteArray());
                sendBad(
                        sender,
                        expected,
                        key,
                        "x-weight",
                        RejectReason.LABEL_RANGE,
                        good.toBuilder()
                                .setSampleId("x-weight")
                                .setWeight(1_000f)
                                .build()
                                .toByteArray());
                sendBad(
                        sender,
                        expected,
                        key,
                        clips.get(0).sampleId(),
                        RejectReason.DUPLICATE,
                        SampleRecords.sample(TENANT, TASK, clips.get(0)).toByteArray());
                SplittableRandom rnd = new SplittableRandom(20261123L);
                for (int i = 0; i < FUZZED; i++) {
                    byte[] junk = new byte[1 + rnd.nextInt(2_000)];
                    for (int j = 0; j < junk.length; j++) {
                        junk[j] = (byte) rnd.nextInt(256);
                    }
                    sender.send(key, junk);
                }
                // a user sending 23 samples within one millisecond of record time: 20 fit the burst
                long t = System.currentTimeMillis();
                for (int i = 0; i < SPAM; i++) {
                    Sample s = SampleRecords.sample(TENANT, TASK, clips.get(i % clips.size())).toBuilder()
                            .setUser("spammer")
                            .setSampleId("spam-" + i)
                            .build();
                    sender.send(Topics.SAMPLES, SampleRecords.key(TENANT, "spammer"), s.toByteArray(), t);
                }
                // the rest of the user's good clips, after all of it
                for (SyntheticClip c : clips.subList(4, clips.size())) {
                    sender.send(key, SampleRecords.sample(TENANT, TASK, c).toByteArray());
                }
                sender.flush();

                String head = TENANT + "/" + user + "/" + TASK;
                await().atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            assertThat(follower.current(head))
                                    .hasValueSatisfying(v -> assertThat(
                                                    v.update().getProvenance().getSamplesApplied())
                                            .isEqualTo(clips.size()));
                            assertThat(follower.current(TENANT + "/spammer/" + TASK))
                                    .hasValueSatisfying(v -> assertThat(
                                                    v.update().getProvenance().getSamplesApplied())
                                            .isEqualTo((long) LIMIT.burst()));
                            assertThat(follower.current(OTHER_TENANT + "/" + user + "/" + TASK))
                                    .hasValueSatisfying(v -> assertThat(
                                                    v.update().getProvenance().getSamplesApplied())
                                            .isEqualTo(4));
                        });
                int spamRejected = SPAM - (int) LIMIT.burst();
                int total = expected.size() + FUZZED + spamRejected;
                await().atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(
                                () -> assertThat(TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30)))
                                        .hasSize(total));
                Map<String, RejectReason> named = new HashMap<>();
                Map<RejectReason, Integer> byReason = new EnumMap<>(RejectReason.class);
                for (ConsumerRecord<byte[], byte[]> r :
                        TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30))) {
                    Rejected x = Rejected.parseFrom(r.value());
                    assertThat(x.getTopic()).isEqualTo(Topics.SAMPLES);
                    assertThat(x.getMessage()).isNotBlank();
                    byReason.merge(x.getReason(), 1, Integer::sum);
                    String id = x.getSampleId().isEmpty() ? x.getReason().name() : x.getSampleId();
                    if (expected.containsKey(id)) {
                        named.put(id, x.getReason());
                    }
                }
                assertThat(named).isEqualTo(expected);
                assertThat(byReason.get(RejectReason.RATE_LIMITED)).isEqualTo(spamRejected);
                assertThat(byReason.values().stream()
                                .mapToInt(Integer::intValue)
                                .sum())
                        .isEqualTo(total);
                System.out.println("bad-input-it: rejects by reason " + byReason);

                HeadUpdate mine = follower.current(head).orElseThrow().update();
                HeadUpdate theirs = follower.current(OTHER_TENANT + "/" + user + "/" + TASK)
                        .orElseThrow()
                        .update();
                assertThat(mine.getTenant()).isEqualTo(TENANT);
                assertThat(theirs.getTenant()).isEqualTo(OTHER_TENANT);
                assertThat(mine.getProvenance().getSeed())
                        .as("per-tenant seed")
                        .isNotEqualTo(theirs.getProvenance().getSeed());
                assertThat(mine.getTrainableList())
                        .as("two tenants' users are two heads")
                        .isNotEqualTo(theirs.getTrainableList());
                assertThat(adapter.isAlive()).isTrue();
            }
            // every head as a replay of the log rebuilds it: no rejected record changed one
            HeadReplay.Result replay =
                    HeadReplay.run(bs, EngineSpec.fromProperties(adapterProps), Duration.ofSeconds(60));
            assertThat(replay.differences()).isEmpty();
            assertThat(replay.identical()).isEqualTo(3);
        }
    }

    private static void sendBad(
            SampleSender sender,
            Map<String, RejectReason> expected,
            String key,
            String id,
            RejectReason reason,
            byte[] value) {
        sender.send(key, value);
        expected.put(id, reason);
    }
}
