package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.client.HeadFollower;
import dev.headstream.client.TopicReader;
import dev.headstream.core.ingest.KeyPartitioner;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.FloatTensor;
import dev.headstream.schemas.v1.HeadTrainingState;
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
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Well-formed hostile records, each at or past a limit, among the good records of several users,
 * against the adapter as a child process on a real broker:
 *
 * <ul>
 *   <li>keys at the limits (64-character tenant and user: applied; a 65-character user and a 600 KB
 *       key: {@code BAD_KEY}), sample ids of 256 (applied), 257 and 100,000 characters
 *       ({@code MALFORMED}, not echoed), a 600 KB payload tenant ({@code TENANT_MISMATCH}), huge
 *       declared tensor shapes, 1,000 labels, NaN / negative / infinite / huge weights, a record on
 *       another partition than its key's ({@code WRONG_PARTITION}): each rejected with its reason in
 *       a small reject record, and the good records after them on every partition applied;</li>
 *   <li>producer timestamps stepped an hour forward per record, and one ten years ahead followed by
 *       one in 1970, on a rate-limited user: the samples topic stamps log-append times, so the
 *       applied counts are what the limit allows by broker time (the stepping refills nothing, the
 *       far-future record starves nothing);</li>
 *   <li>a forged head and forged training state of a victim under another user's keys, then a
 *       restart: the follower keeps the victim's real head, the restore skips the forged state and
 *       says so, and the victim goes on training from its real state.</li>
 * </ul>
 *
 * At the end every head equals a replay of the samples log bit for bit, and the adapter is alive.
 */
class HostileCorpusIT {

    private static final String TENANT = "it";
    private static final String TASK = "wake";
    private static final int PARTITIONS = 4;
    /** One token a second, ten back to back: more than any good user here sends within a phase. */
    private static final RateLimit LIMIT = new RateLimit(60, 10);

    private static final int BEFORE = 3;
    private static final int AFTER_HOSTILE = 2;
    private static final int AFTER_RESTART = 2;
    private static final int STEPPED = 16;
    private static final int CLOCK_FIRST = 8;
    private static final int CLOCK_SECOND = 6;
    /** What a reject record may weigh, value or key: the hostile records below are up to 600 KB. */
    private static final int SMALL = 8 * 1024;

    private static final String LONG_TENANT = "T".repeat(64);
    private static final String LONG_USER = "u".repeat(64);
    private static final long YEAR_MS = 365L * 24 * 3600 * 1000;

    @Test
    void everyHostileRecordGetsItsReasonAndNoPartitionStallsNorFollowerIsFooled() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "hostile-corpus-it");
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(5)
                .withUsers(PARTITIONS)
                .withTrain(4, 4)
                .withHoldout(0, 0)
                .withBackground(2, 4));
        Path rehearsal = ItSupport.writeReferenceSet(work, pop, TASK);
        // one good user per partition, so that every partition has good records behind hostile ones
        List<String> good = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            good.add(userOnPartition("good" + p + "-", p));
        }
        String victim = good.get(0);
        Map<String, List<SyntheticClip>> clips = new HashMap<>();
        for (int i = 0; i < PARTITIONS; i++) {
            clips.put(good.get(i), pop.users().get(i).train());
        }
        List<SyntheticClip> spare = pop.users().get(0).train();

        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(PARTITIONS);
            }
            Map<String, String> props = ItSupport.crashTestProperties(bs, rehearsal, 2, "hostile-corpus-it");
            props.put("headstream.rate-limit.samples-per-minute", Double.toString(LIMIT.perMinute()));
            props.put("headstream.rate-limit.burst", Double.toString(LIMIT.burst()));
            Map<String, Long> expectedApplied = new LinkedHashMap<>();
            Map<String, RejectReason> expectedRejects = new HashMap<>(); // by "partition@offset"
            long victimVersion;
            long forgedVersion;
            int forgedStates;
            long stepperAllowed;

            try (Producer out = new Producer(bs);
                    HeadFollower<HeadUpdate> follower = new HeadFollower<>(bs, u -> u).start()) {
                try (AdapterProcess adapter = AdapterProcess.start(
                                ItSupport.adapterJar(), props, work.resolve("adapter-1.log"))
                        .awaitReady(Duration.ofMinutes(3))) {
                    // good records first
                    for (int i = 0; i < BEFORE; i++) {
                        for (String u : good) {
                            out.sample(u, sample(TENANT, u, clips.get(u).get(i)));
                        }
                    }
                    // keys at the limits: 64-character tenant and user, one of its ids 256 characters
                    out.send(
                            Topics.SAMPLES,
                            null,
                            null,
                            LONG_TENANT + "/" + LONG_USER,
                            sample(LONG_TENANT, LONG_USER, spare.get(0)).toByteArray());
                    out.send(
                            Topics.SAMPLES,
                            null,
                            null,
                            LONG_TENANT + "/" + LONG_USER,
                            sample(LONG_TENANT, LONG_USER, spare.get(1)).toBuilder()
                                    .setSampleId("i".repeat(256))
                                    .build()
                                    .toByteArray());
                    expectedApplied.put(LONG_TENANT + "/" + LONG_USER + "/" + TASK, 2L);

                    // the hostile corpus, spread over the good users' keys (so over every partition)
                    Sample base = sample(TENANT, good.get(0), spare.get(2)).toBuilder()
                            .setSampleId("hostile")
                            .build();
                    List<Hostile> corpus = List.of(
                            new Hostile(
                                    "65-character user",
                                    RejectReason.BAD_KEY,
                                    TENANT + "/" + "u".repeat(65),
                                    base.toBuilder().clearUser().build()),
                            new Hostile("600 KB key", RejectReason.BAD_KEY, "t/" + "k".repeat(600_000), base),
                            new Hostile(
                                    "257-character sample id",
                                    RejectReason.MALFORMED,
                                    null,
                                    base.toBuilder()
                                            .setSampleId("s".repeat(257))
                                            .build()),
                            new Hostile(
                                    "100,000-character sample id",
                                    RejectReason.MALFORMED,
                                    null,
                                    base.toBuilder()
                                            .setSampleId("s".repeat(100_000))
                                            .build()),
                            new Hostile(
                                    "600 KB payload tenant",
                                    RejectReason.TENANT_MISMATCH,
                                    null,
                                    base.toBuilder()
                                            .setSampleId("tenant-600k")
                                            .setTenant("x".repeat(600_000))
                                            .build()),
                            new Hostile(
                                    "shape [2^62, 2^62, 2^62] without values",
                                    RejectReason.SHAPE_MISMATCH,
                                    null,
                                    base.toBuilder()
                                            .setSampleId("shape-huge")
                                            .setTensor(FloatTensor.newBuilder()
                                                    .addShape(1L << 62)
                                                    .addShape(1L << 62)
                                                    .addShape(1L << 62))
                                            .build()),
                            new Hostile(
                                    "shape of 100,000 dimensions",
                                    RejectReason.SHAPE_MISMATCH,
                                    null,
                                    base.toBuilder()
                                            .setSampleId("shape-rank")
                                            .setTensor(FloatTensor.newBuilder()
                                                    .addAllShape(Collections.nCopies(100_000, 1_000_000_000L))
                                                    .addValues(1f))
                                            .build()),
                            new Hostile("1,000 tasks", RejectReason.UNKNOWN_TASK, null, manyTasks(base, 1_000)),
                            new Hostile(
                                    "NaN weight",
                                    RejectReason.NON_FINITE,
                                    null,
                                    base.toBuilder()
                                            .setSampleId("w-nan")
                                            .setWeight(Float.NaN)
                                            .build()),
                            new Hostile(
                                    "negative weight",
                                    RejectReason.NON_FINITE,
                                    null,
                                    base.toBuilder()
                                            .setSampleId("w-neg")
                                            .setWeight(-1f)
                                            .build()),
                            new Hostile(
                                    "infinite weight",
                                    RejectReason.NON_FINITE,
                                    null,
                                    base.toBuilder()
                                            .setSampleId("w-inf")
                                            .setWeight(Float.POSITIVE_INFINITY)
                                            .build()),
                            new Hostile(
                                    "huge weight",
                                    RejectReason.LABEL_RANGE,
                                    null,
                                    base.toBuilder()
                                            .setSampleId("w-huge")
                                            .setWeight(1e30f)
                                            .build()));
                    List<Future<RecordMetadata>> hostileSent = new ArrayList<>();
                    for (int i = 0; i < corpus.size(); i++) {
                        Hostile h = corpus.get(i);
                        String u = good.get(i % PARTITIONS);
                        String key = h.key() != null ? h.key() : SampleRecords.key(TENANT, u);
                        Sample value = h.key() != null
                                ? h.value()
                                : h.value().toBuilder().setUser(u).build();
                        hostileSent.add(out.send(Topics.SAMPLES, null, null, key, value.toByteArray()));
                    }
                    // a good sample of a good user, on the partition after its key's
                    String misplaced = good.get(1);
                    int wrongPartition = (partitionOf(SampleRecords.key(TENANT, misplaced)) + 1) % PARTITIONS;
                    Future<RecordMetadata> misplacedSent = out.send(
                            Topics.SAMPLES,
                            wrongPartition,
                            null,
                            SampleRecords.key(TENANT, misplaced),
                            sample(TENANT, misplaced, spare.get(3)).toBuilder()
                                    .setSampleId("misplaced")
                                    .build()
                                    .toByteArray());

                    // producer timestamps that would refill a bucket (an hour later each) or starve one
                    long now = System.currentTimeMillis();
                    for (int i = 0; i < STEPPED; i++) {
                        out.send(
                                Topics.SAMPLES,
                                null,
                                now + i * 3_600_000L,
                                SampleRecords.key(TENANT, "stepper"),
                                sample(TENANT, "stepper", spare.get(i % spare.size())).toBuilder()
                                        .setSampleId("step-" + i)
                                        .build()
                                        .toByteArray());
                    }
                    for (int i = 0; i < CLOCK_FIRST; i++) {
                        long t = i == 0 ? now + 10 * YEAR_MS : i == 1 ? 1_000L : now;
                        out.send(
                                Topics.SAMPLES,
                                null,
                                t,
                                SampleRecords.key(TENANT, "clock"),
                                sample(TENANT, "clock", spare.get(i % spare.size())).toBuilder()
                                        .setSampleId("clock-" + i)
                                        .build()
                                        .toByteArray());
                    }
                    // good records after all of it, on every partition
                    for (int i = BEFORE; i < BEFORE + AFTER_HOSTILE; i++) {
                        for (String u : good) {
                            out.sample(u, sample(TENANT, u, clips.get(u).get(i)));
                        }
                    }
                    out.flush();
                    for (int i = 0; i < corpus.size(); i++) {
                        expectedRejects.put(
                                at(hostileSent.get(i).get()), corpus.get(i).reason());
                    }
                    RecordMetadata m = misplacedSent.get();
                    assertThat(m.partition()).isEqualTo(wrongPartition);
                    expectedRejects.put(at(m), RejectReason.WRONG_PARTITION);
                    good.forEach(u -> expectedApplied.put(headId(u), (long) (BEFORE + AFTER_HOSTILE)));

                    // the rate-limited users: the counts the limit allows by the broker's timestamps
                    stepperAllowed = allowedByLog(bs, "stepper");
                    long clockAllowed = allowedByLog(bs, "clock");
                    assertThat(stepperAllowed)
                            .as("producer timestamps an hour apart refill nothing")
                            .isLessThan(STEPPED);
                    assertThat(clockAllowed).isEqualTo(CLOCK_FIRST);
                    expectedApplied.put(headId("stepper"), stepperAllowed);
                    expectedApplied.put(headId("clock"), clockAllowed);

                    awaitApplied(follower, expectedApplied);
                    assertThat(adapter.isAlive()).isTrue();

                    // forge the victim's head and training state under mallory's keys
                    HeadUpdate real =
                            follower.current(headId(victim)).orElseThrow().update();
                    victimVersion = real.getVersion();
                    forgedVersion = victimVersion + 1_000_000;
                    HeadUpdate forgedHead = real.toBuilder()
                            .setVersion(forgedVersion)
                            .setThreshold(0f)
                            .build();
                    out.send(Topics.HEADS, null, null, headId("mallory"), forgedHead.toByteArray());
                    AdapterState realState = newestState(bs, SampleRecords.key(TENANT, victim));
                    AdapterState.Builder forged = realState.toBuilder()
                            .setLastAppliedOffset(Long.MAX_VALUE / 2)
                            .clearRecentSampleIds()
                            .clearRecentSampleFingerprints();
                    for (int i = 0; i < forged.getHeadsCount(); i++) {
                        HeadTrainingState h = forged.getHeads(i);
                        forged.setHeads(
                                i,
                                h.toBuilder()
                                        .setVersion(h.getVersion() + 1_000_000)
                                        .setSamplesApplied(h.getSamplesApplied() + 1_000_000)
                                        .setPublishedSamples(h.getPublishedSamples() + 1_000_000));
                    }
                    String malloryKey = SampleRecords.key(TENANT, "mallory");
                    int victimPartition = partitionOf(SampleRecords.key(TENANT, victim));
                    // one forged record per partition it lands on (the restore keeps a key's newest)
                    forgedStates = partitionOf(malloryKey) == victimPartition ? 1 : 2;
                    // once on mallory's own partition, once on the victim's
                    out.send(
                            Topics.ADAPTER_STATE,
                            null,
                            null,
                            malloryKey,
                            forged.build().toByteArray());
                    out.send(
                            Topics.ADAPTER_STATE,
                            victimPartition,
                            null,
                            malloryKey,
                            forged.build().toByteArray());
                    out.flush();
                    await().atMost(Duration.ofSeconds(30))
                            .untilAsserted(() -> assertThat(follower.foreign())
                                    .as("the follower saw and skipped the forged head")
                                    .isEqualTo(1));
                    assertThat(follower.current(headId(victim)).orElseThrow().version())
                            .as("the follower keeps the victim's real head")
                            .isEqualTo(victimVersion);
                    assertThat(follower.current(headId("mallory"))).isEmpty();
                }

                // restart: the new instance restores from the changelog, forged records and all
                try (AdapterProcess adapter = AdapterProcess.start(
                                ItSupport.adapterJar(), props, work.resolve("adapter-2.log"))
                        .awaitReady(Duration.ofMinutes(3))) {
                    HttpResponse<String> ready = adapter.readiness();
                    System.out.println("hostile-corpus-it: readiness after the restart " + ready.body());
                    assertThat(readinessNumber(ready.body(), "restore.forgedSkipped"))
                            .as("the forged state records are reported skipped")
                            .isEqualTo(forgedStates);
                    assertThat(readinessNumber(ready.body(), "restore.resets")).isZero();

                    // the victim (and everyone) goes on from the real state; the far-future record
                    // starved nobody: the clock user's next samples, stamped 1970, are admitted
                    int from = BEFORE + AFTER_HOSTILE;
                    for (int i = from; i < from + AFTER_RESTART; i++) {
                        for (String u : good) {
                            out.sample(u, sample(TENANT, u, clips.get(u).get(i)));
                        }
                    }
                    for (int i = 0; i < CLOCK_SECOND; i++) {
                        out.send(
                                Topics.SAMPLES,
                                null,
                                1_000L + i,
                                SampleRecords.key(TENANT, "clock"),
                                sample(TENANT, "clock", spare.get((CLOCK_FIRST + i) % spare.size())).toBuilder()
                                        .setSampleId("clock-" + (CLOCK_FIRST + i))
                                        .build()
                                        .toByteArray());
                    }
                    out.flush();
                    long clockAllowed = allowedByLog(bs, "clock");
                    assertThat(clockAllowed)
                            .as("a far-future producer timestamp does not starve the user")
                            .isEqualTo(CLOCK_FIRST + CLOCK_SECOND);
                    expectedApplied.put(headId("clock"), clockAllowed);
                    good.forEach(u -> expectedApplied.put(headId(u), (long) (from + AFTER_RESTART)));
                    awaitApplied(follower, expectedApplied);

                    HeadFollower.Versioned<HeadUpdate> after =
                            follower.current(headId(victim)).orElseThrow();
                    assertThat(after.version())
                            .as("the victim's versions continue from its real state")
                            .isGreaterThan(victimVersion)
                            .isLessThanOrEqualTo(victimVersion + AFTER_RESTART);
                    assertThat(after.update().getHeadId()).isEqualTo(headId(victim));
                    assertThat(follower.current(headId("mallory"))).isEmpty();

                    // every reject: its reason, small, the long values not echoed
                    List<ConsumerRecord<byte[], byte[]>> rejects =
                            TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30));
                    Map<String, RejectReason> got = new HashMap<>();
                    Map<RejectReason, Integer> byReason = new EnumMap<>(RejectReason.class);
                    for (ConsumerRecord<byte[], byte[]> r : rejects) {
                        assertThat(r.serializedValueSize())
                                .as("reject value size")
                                .isLessThan(SMALL);
                        assertThat(r.serializedKeySize()).as("reject key size").isLessThan(SMALL);
                        Rejected x = Rejected.parseFrom(r.value());
                        assertThat(x.getTopic()).isEqualTo(Topics.SAMPLES);
                        assertThat(x.getMessage())
                                .isNotBlank()
                                .doesNotContain("s".repeat(257))
                                .doesNotContain("x".repeat(300))
                                .doesNotContain("k".repeat(300));
                        assertThat(x.getSampleId().length()).isLessThanOrEqualTo(256);
                        byReason.merge(x.getReason(), 1, Integer::sum);
                        if (x.getReason() != RejectReason.RATE_LIMITED) {
                            got.put(x.getPartition() + "@" + x.getOffset(), x.getReason());
                        }
                        if (x.getReason() == RejectReason.MALFORMED) {
                            assertThat(x.getSampleId())
                                    .as("an id over the limit is not echoed")
                                    .isEmpty();
                        }
                    }
                    System.out.println("hostile-corpus-it: rejects by reason " + byReason);
                    assertThat(got).isEqualTo(expectedRejects);
                    assertThat(byReason.getOrDefault(RejectReason.RATE_LIMITED, 0))
                            .isEqualTo(STEPPED - (int) stepperAllowed);
                    assertThat(adapter.isAlive()).isTrue();
                    assertThat(adapter.readiness().statusCode()).isEqualTo(200);
                }
                // no follower fooled: the victim's head is the real lineage, never the forged version
                assertThat(follower.snapshot().values())
                        .allSatisfy(v -> assertThat(v.version()).isLessThan(forgedVersion));
            }
            ItSupport.assertHeadsEqualReplay(bs, props, expectedApplied.size());
        }
    }

    /** A hostile record: what it is, the reason it must get, its key (null: a good user's) and value. */
    private record Hostile(String what, RejectReason reason, String key, Sample value) {}

    /** The first {@code prefix<n>} whose key {@code it/prefix<n>} belongs on {@code partition}. */
    private static String userOnPartition(String prefix, int partition) {
        for (int n = 0; ; n++) {
            if (partitionOf(SampleRecords.key(TENANT, prefix + n)) == partition) {
                return prefix + n;
            }
        }
    }

    private static int partitionOf(String key) {
        return KeyPartitioner.partition(key.getBytes(StandardCharsets.UTF_8), PARTITIONS);
    }

    private static String headId(String user) {
        return TENANT + "/" + user + "/" + TASK;
    }

    private static String at(RecordMetadata m) {
        return m.partition() + "@" + m.offset();
    }

    private static Sample sample(String tenant, String user, SyntheticClip c) {
        return SampleRecords.sample(tenant, TASK, c).toBuilder()
                .setTenant(tenant)
                .setUser(user)
                .build();
    }

    private static Sample manyTasks(Sample base, int tasks) {
        Sample.Builder b = base.toBuilder().setSampleId("many-tasks");
        for (int i = 0; i < tasks; i++) {
            b.putLabels(
                    String.format(Locale.ROOT, "task-%04d", i),
                    Label.newBuilder().setBinary(i % 2 == 0).build());
        }
        return b.build();
    }

    /**
     * The samples of {@code user} the rate limit admits, counted over the timestamps the samples
     * log holds for them (all log-append times: the producer's are gone).
     */
    private static long allowedByLog(String bs, String user) {
        byte[] key = SampleRecords.key(TENANT, user).getBytes(StandardCharsets.UTF_8);
        List<ConsumerRecord<byte[], byte[]>> mine = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bs, Topics.SAMPLES, Duration.ofSeconds(30))) {
            if (r.key() != null && Arrays.equals(r.key(), key)) {
                mine.add(r);
            }
        }
        mine.sort(Comparator.comparingLong(ConsumerRecord::offset));
        RateLimit.Bucket bucket = RateLimit.Bucket.EMPTY;
        long admitted = 0;
        for (ConsumerRecord<byte[], byte[]> r : mine) {
            assertThat(r.timestampType()).as("samples stamped by the broker").isEqualTo(TimestampType.LOG_APPEND_TIME);
            RateLimit.Admission a = LIMIT.take(bucket, r.timestamp());
            bucket = a.bucket();
            admitted += a.admitted() ? 1 : 0;
        }
        return admitted;
    }

    private static AdapterState newestState(String bs, String key) throws Exception {
        AdapterState newest = null;
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bs, Topics.ADAPTER_STATE, Duration.ofSeconds(30))) {
            if (r.key() != null && Arrays.equals(r.key(), k) && r.value() != null) {
                newest = AdapterState.parseFrom(r.value());
            }
        }
        assertThat(newest).as("state record of %s", key).isNotNull();
        return newest;
    }

    private static void awaitApplied(HeadFollower<HeadUpdate> follower, Map<String, Long> applied) {
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    for (Map.Entry<String, Long> e : applied.entrySet()) {
                        assertThat(follower.current(e.getKey()))
                                .as("head %s", e.getKey())
                                .hasValueSatisfying(v -> assertThat(
                                                v.update().getProvenance().getSamplesApplied())
                                        .isEqualTo(e.getValue()));
                    }
                });
    }

    /** A number in the readiness check's data, e.g. {@code "restore.forgedSkipped": 2}. */
    private static long readinessNumber(String body, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(\\d+)")
                .matcher(body);
        assertThat(m.find()).as("readiness data has %s: %s", name, body).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** A plain producer: explicit partitions and timestamps, and the heads and state topics. */
    private static final class Producer implements AutoCloseable {

        private final KafkaProducer<byte[], byte[]> producer;
        private final List<Future<RecordMetadata>> pending = new ArrayList<>();

        Producer(String bs) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        }

        Future<RecordMetadata> send(String topic, Integer partition, Long timestampMs, String key, byte[] value) {
            Future<RecordMetadata> f = producer.send(
                    new ProducerRecord<>(topic, partition, timestampMs, key.getBytes(StandardCharsets.UTF_8), value));
            pending.add(f);
            return f;
        }

        void sample(String user, Sample s) {
            send(Topics.SAMPLES, null, null, SampleRecords.key(TENANT, user), s.toByteArray());
        }

        /** Waits until everything sent is acknowledged; fails on the first send that failed. */
        void flush() throws InterruptedException, ExecutionException {
            producer.flush();
            for (Future<RecordMetadata> f : pending) {
                f.get();
            }
            pending.clear();
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
