package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.wire.Bounded;
import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.audit.OutputAudit;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Poison records: two samples that make the processing of any batch holding them fail, every time
 * (fault injection: {@code headstream.fault.poison-sample-ids}), and two samples keyed {@code it/}
 * plus 600 KB and plus 1.5 MB, among the good samples of three users, all on one partition (offsets
 * follow the send order). The partition goes on within the bounded attempts and without an aborted
 * transaction; each poison gets a {@code PROCESSING_FAILED} reject with its partition and offset and
 * none of its content; each huge key gets its reject under a key cut to {@link Bounded#MAX_KEY_BYTES}
 * ({@code BAD_KEY}, its message naming the key's length, never the key); every
 * other sample is applied exactly once (output audit) and every head equals a replay of the log,
 * which skips the isolated samples as the adapter did.
 */
class PoisonRecordIT {

    private static final String TENANT = "it";
    private static final String TASK = "wake";
    private static final int REPLAY_STEPS = 2;
    private static final int CLIPS = 4;
    private static final int ATTEMPTS = 3;

    @Test
    void poisonRecordsAreIsolatedAndRejectedAndEveryOtherRecordIsAppliedOnce() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "poison-it");
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(17)
                .withUsers(3)
                .withTrain(2, 2)
                .withHoldout(0, 0)
                .withBackground(2, 4));
        Path rehearsal = ItSupport.writeReferenceSet(work, pop, TASK);
        List<SyntheticUser> users = pop.users();
        // offsets: round r sends clip r of users 0, 1, 2; a huge key goes after rounds 1 and 2:
        // 0-2, 3-5, 6 (600 KB key), 7-9, 10 (1.5 MB key), 11-13
        String poison1 = users.get(0).train().get(1).sampleId(); // offset 3
        String poison2 = users.get(2).train().get(2).sampleId(); // offset 9
        long poison1Offset = 3;
        long poison2Offset = 9;
        Map<Integer, Integer> hugeKeyAfterRound = Map.of(1, 600_000, 2, 1_500_000);
        List<Long> hugeKeyOffsets = List.of(6L, 10L);
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(1); // one partition: every user's samples on it, offsets in send order
            }
            Map<String, String> props = ItSupport.crashTestProperties(bs, rehearsal, REPLAY_STEPS, "poison-it");
            Map<String, String> poisoned = new HashMap<>(props);
            poisoned.put("headstream.fault.enabled", "true");
            poisoned.put("headstream.fault.poison-sample-ids", poison1 + "," + poison2);
            poisoned.put("headstream.poison.attempts", Integer.toString(ATTEMPTS));
            try (AdapterProcess adapter = AdapterProcess.start(
                                    ItSupport.adapterJar(), poisoned, work.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3));
                    HeadFollower<Long> follower = new HeadFollower<>(bs, HeadUpdate::getVersion).start();
                    SampleSender sender = new SampleSender(bs)) {
                for (int round = 0; round < CLIPS; round++) {
                    for (SyntheticUser u : users) {
                        SyntheticClip c = u.train().get(round);
                        sender.send(
                                SampleRecords.key(TENANT, c.userId()),
                                SampleRecords.sample(TENANT, TASK, c).toByteArray());
                    }
                    if (hugeKeyAfterRound.containsKey(round)) {
                        SyntheticClip c = users.get(1).train().get(0);
                        sender.send(
                                TENANT + "/" + "k".repeat(hugeKeyAfterRound.get(round)),
                                SampleRecords.sample(TENANT, TASK, c).toBuilder()
                                        .setSampleId("huge-key-" + round)
                                        .clearUser()
                                        .build()
                                        .toByteArray());
                    }
                }
                sender.flush();
                assertThat(sender.failed()).isZero();

                ItSupport.awaitApplied(follower, TENANT, TASK, List.of(users.get(0)), CLIPS - 1);
                ItSupport.awaitApplied(follower, TENANT, TASK, List.of(users.get(1)), CLIPS);
                ItSupport.awaitApplied(follower, TENANT, TASK, List.of(users.get(2)), CLIPS - 1);
                await().atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(
                                () -> assertThat(committed(bs, Topics.REJECTED)).hasSize(4));

                Map<Long, ConsumerRecord<byte[], byte[]>> byOffset = new TreeMap<>();
                for (ConsumerRecord<byte[], byte[]> r : committed(bs, Topics.REJECTED)) {
                    byOffset.put(Rejected.parseFrom(r.value()).getOffset(), r);
                }
                assertThat(byOffset).containsOnlyKeys(poison1Offset, 6L, poison2Offset, 10L);
                for (long offset : List.of(poison1Offset, poison2Offset)) {
                    ConsumerRecord<byte[], byte[]> r = byOffset.get(offset);
                    Rejected x = Rejected.parseFrom(r.value());
                    assertThat(x.getReason()).as("offset %d", offset).isEqualTo(RejectReason.PROCESSING_FAILED);
                    assertThat(x.getTopic()).isEqualTo(Topics.SAMPLES);
                    assertThat(x.getPartition()).isZero();
                    assertThat(x.getSampleId()).as("no content of the record").isEmpty();
                    assertThat(x.getMessage())
                            .contains("fault injection: a poisoned sample in the batch")
                            .contains(ATTEMPTS + " failed attempts")
                            .doesNotContain(poison1)
                            .doesNotContain(poison2);
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).startsWith(TENANT + "/");
                }
                for (long offset : hugeKeyOffsets) {
                    ConsumerRecord<byte[], byte[]> huge = byOffset.get(offset);
                    Rejected hugeReject = Rejected.parseFrom(huge.value());
                    assertThat(hugeReject.getReason()).as("offset %d", offset).isEqualTo(RejectReason.BAD_KEY);
                    assertThat(hugeReject.getMessage()).doesNotContain("kkkkkkkk");
                    assertThat(huge.key()).hasSize(Bounded.MAX_KEY_BYTES);
                    assertThat(huge.value().length).isLessThan(TopicSpecs.SMALL_RECORD_BYTES);
                    System.out.println("poison-record-it: the key at offset " + offset + " was rejected as "
                            + hugeReject.getReason() + ", message "
                            + hugeReject.getMessage().length()
                            + " characters");
                }

                // bounded attempts: at most ATTEMPTS failed tries per batch holding a poison, no aborted transaction
                String scrape = ItSupport.scrape(adapter);
                long isolated = byOffset.values().stream()
                        .filter(r -> parse(r.value()).getReason() == RejectReason.PROCESSING_FAILED)
                        .count();
                assertThat(ItSupport.sample(scrape, "headstream_records_isolated_total{topic=\"samples\"}"))
                        .isEqualTo((double) isolated);
                assertThat(ItSupport.sample(scrape, "headstream_records_total{outcome=\"aborted\"}"))
                        .as("no transaction aborted")
                        .isZero();
                assertThat(ItSupport.sample(scrape, "headstream_batch_retries_total"))
                        .isBetween((double) ATTEMPTS, (double) ATTEMPTS * isolated);
                HttpResponse<String> ready = adapter.readiness();
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                assertThat(ready.body())
                        .contains("\"retryingPartitions\": \"[]\"")
                        .contains("\"abortingPartitions\": \"{}\"");
                assertThat(adapter.isAlive()).isTrue();
                assertThat(Files.readString(adapter.log()))
                        .contains("isolated the record at headstream.samples-0 offset " + poison1Offset)
                        .contains("isolated the record at headstream.samples-0 offset " + poison2Offset);

                Map<String, Long> perHead = new HashMap<>();
                perHead.put(headId(users.get(0)), (long) CLIPS - 1);
                perHead.put(headId(users.get(1)), (long) CLIPS);
                perHead.put(headId(users.get(2)), (long) CLIPS - 1);
                Map<String, Long> rejects = new HashMap<>();
                byOffset.values()
                        .forEach(r -> rejects.merge(parse(r.value()).getReason().name(), 1L, Long::sum));
                OutputAudit.Result audit = OutputAudit.check(bs, perHead, rejects, Duration.ofSeconds(30));
                assertThat(audit.errors()).isEmpty();
                assertThat(audit.metricsRecords()).isEqualTo(3L * CLIPS - 2);
            }
            ItSupport.assertHeadsEqualReplay(bs, props, users.size());
        }
    }

    private static String headId(SyntheticUser u) {
        return TENANT + "/" + u.id() + "/" + TASK;
    }

    private static List<ConsumerRecord<byte[], byte[]>> committed(String bs, String topic) {
        return TopicReader.readAll(bs, topic, Duration.ofSeconds(30));
    }

    private static Rejected parse(byte[] value) {
        try {
            return Rejected.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
