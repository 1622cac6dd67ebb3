package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.ingest.KeyPartitioner;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A flood of new user ids against an adapter with a small bound on resident users and a small
 * heap: the first users to arrive on each partition become resident and are applied, every later
 * new id gets a retryable {@code CAPACITY} reject (counted by the adapter's metric), resident
 * users keep training, and the instance stays alive. A restart with a lower bound restores no more
 * users than it allows, becomes ready, reports the users it left out, refuses their samples
 * {@code CAPACITY} as it does new ids, and the restored users go on where they were. Every
 * published head equals a replay of the log.
 */
class ResidentCapIT {

    private static final String TENANT = "it";
    private static final String TASK = "wake";
    private static final int PARTITIONS = 2;
    private static final int BOUND = 20;
    private static final int RESTART_BOUND = 12;
    private static final int FLOOD = 120;
    private static final int LATE = 5;
    private static final String HEAP = "-Xmx256m";
    private static final String CAPACITY_METRIC = "headstream_rejects_total{reason=\"CAPACITY\"}";

    @Test
    void newUsersBeyondTheBoundGetCapacityAndTheInstanceSurvivesARestart() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "resident-cap-it");
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(5)
                .withUsers(1)
                .withTrain(4, 4)
                .withHoldout(0, 0)
                .withBackground(2, 4));
        Path rehearsal = ItSupport.writeReferenceSet(work, pop, TASK);
        List<SyntheticClip> clips = pop.users().get(0).train();

        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(PARTITIONS);
            }
            Map<String, String> props = ItSupport.crashTestProperties(bs, rehearsal, 1, "resident-cap-it");
            props.put("headstream.max-resident-users", Integer.toString(BOUND));
            List<String> flood = new ArrayList<>();
            for (int i = 0; i < FLOOD; i++) {
                flood.add(String.format(Locale.ROOT, "flood-%03d", i));
            }
            Set<String> resident;
            try (HeadFollower<HeadUpdate> follower = new HeadFollower<>(bs, u -> u).start();
                    SampleSender sender = new SampleSender(bs)) {
                try (AdapterProcess adapter = AdapterProcess.start(
                                ItSupport.adapterJar(), props, List.of(HEAP), work.resolve("adapter-1.log"))
                        .awaitReady(Duration.ofMinutes(3))) {
                    for (int i = 0; i < FLOOD; i++) {
                        send(sender, flood.get(i), clips.get(i % clips.size()), "first");
                    }
                    sender.flush();
                    await().atMost(Duration.ofMinutes(3))
                            .pollInterval(Duration.ofMillis(500))
                            .untilAsserted(
                                    () -> assertThat(capacityRejected(bs)).hasSize(FLOOD - BOUND));
                    await().atMost(Duration.ofMinutes(1))
                            .pollInterval(Duration.ofMillis(500))
                            .untilAsserted(() -> assertThat(users(follower)).hasSize(BOUND));
                    resident = users(follower);
                    Set<String> refused = capacityRejected(bs).stream()
                            .map(ResidentCapIT::userOfSampleId)
                            .collect(Collectors.toCollection(TreeSet::new));
                    assertThat(refused).doesNotContainAnyElementsOf(resident);
                    assertThat(refused.size() + resident.size()).isEqualTo(FLOOD);
                    // no eviction: on each partition the resident users are the first to arrive
                    for (int p = 0; p < PARTITIONS; p++) {
                        int part = p;
                        List<String> arrival = flood.stream()
                                .filter(u -> partitionOf(u) == part)
                                .toList();
                        long admitted =
                                arrival.stream().filter(resident::contains).count();
                        assertThat(arrival.subList(0, (int) admitted))
                                .as("partition %d: resident users are a prefix of its arrivals", p)
                                .allMatch(resident::contains);
                    }
                    for (String u : resident) {
                        assertThat(samplesApplied(follower, u)).isEqualTo(1);
                    }

                    // resident users keep training at the bound; late new ids are refused too
                    List<String> again = resident.stream().limit(LATE).toList();
                    for (String u : again) {
                        send(sender, u, clips.get((flood.indexOf(u) + 1) % clips.size()), "second");
                    }
                    for (int i = 0; i < LATE; i++) {
                        send(sender, "late-" + i, clips.get(i), "first");
                    }
                    sender.flush();
                    await().atMost(Duration.ofMinutes(2))
                            .pollInterval(Duration.ofMillis(500))
                            .untilAsserted(() -> {
                                for (String u : again) {
                                    assertThat(samplesApplied(follower, u))
                                            .as("resident %s", u)
                                            .isEqualTo(2);
                                }
                                assertThat(capacityRejected(bs)).hasSize(FLOOD - BOUND + LATE);
                            });
                    String scrape = ItSupport.scrape(adapter);
                    assertThat(ItSupport.sample(scrape, CAPACITY_METRIC))
                            .as("CAPACITY rejects counted")
                            .isEqualTo(FLOOD - BOUND + LATE);
                    reportHeap("after the flood", scrape);
                    assertThat(adapter.isAlive()).isTrue();
                    assertThat(Files.readString(adapter.log())).doesNotContain("OutOfMemoryError");
                }

                // restart with a lower bound: more users are stored than it may hold
                Map<String, String> lower = new HashMap<>(props);
                lower.put("headstream.max-resident-users", Integer.toString(RESTART_BOUND));
                try (AdapterProcess adapter = AdapterProcess.start(
                                ItSupport.adapterJar(), lower, List.of(HEAP), work.resolve("adapter-2.log"))
                        .awaitReady(Duration.ofMinutes(3))) {
                    String ready = adapter.readiness().body();
                    System.out.println("resident-cap-it: readiness after the restart " + ready);
                    assertThat(readinessNumber(ready, "users")).isEqualTo(RESTART_BOUND);
                    assertThat(readinessNumber(ready, "restore.notResident")).isEqualTo(BOUND - RESTART_BOUND);

                    Map<String, Long> before = new HashMap<>();
                    Map<String, Long> versions = new HashMap<>();
                    for (String u : resident) {
                        before.put(u, samplesApplied(follower, u));
                        versions.put(
                                u, follower.current(headId(u)).orElseThrow().version());
                        send(sender, u, clips.get((flood.indexOf(u) + 2) % clips.size()), "third");
                    }
                    for (int i = 0; i < LATE; i++) {
                        send(sender, "after-restart-" + i, clips.get(i), "first");
                    }
                    sender.flush();
                    int refusedBefore = FLOOD - BOUND + LATE;
                    int refusedNow = BOUND - RESTART_BOUND + LATE;
                    await().atMost(Duration.ofMinutes(2))
                            .pollInterval(Duration.ofMillis(500))
                            .untilAsserted(() -> {
                                assertThat(capacityRejected(bs)).hasSize(refusedBefore + refusedNow);
                                assertThat(resident.stream()
                                                .filter(u -> samplesApplied(follower, u) == before.get(u) + 1)
                                                .count())
                                        .as("restored users applied")
                                        .isEqualTo(RESTART_BOUND);
                            });
                    Set<String> refusedAfter = capacityRejected(bs).stream()
                            .filter(id -> id.endsWith("/third") || id.startsWith("after-restart-"))
                            .map(ResidentCapIT::userOfSampleId)
                            .collect(Collectors.toCollection(TreeSet::new));
                    for (String u : resident) {
                        boolean trained = samplesApplied(follower, u) == before.get(u) + 1;
                        assertThat(trained)
                                .as("%s: either restored and trained, or left out and refused", u)
                                .isNotEqualTo(refusedAfter.contains(u));
                        if (trained) {
                            assertThat(follower.current(headId(u)).orElseThrow().version())
                                    .as("versions of %s continue", u)
                                    .isEqualTo(versions.get(u) + 1);
                        }
                    }
                    for (int i = 0; i < LATE; i++) {
                        assertThat(refusedAfter).contains("after-restart-" + i);
                        assertThat(follower.current(headId("after-restart-" + i)))
                                .isEmpty();
                    }
                    String scrape = ItSupport.scrape(adapter);
                    assertThat(ItSupport.sample(scrape, CAPACITY_METRIC)).isEqualTo(refusedNow);
                    reportHeap("after the restart", scrape);
                    assertThat(adapter.isAlive()).isTrue();
                    assertThat(Files.readString(adapter.log())).doesNotContain("OutOfMemoryError");
                    assertThat(adapter.readiness().statusCode()).isEqualTo(200);
                }
            }
            // the refused samples changed nothing: every published head equals the replay of the log
            ItSupport.assertHeadsEqualReplay(bs, props, BOUND);
        }
    }

    private static void send(SampleSender sender, String user, SyntheticClip clip, String tag) {
        Sample s = SampleRecords.sample(TENANT, TASK, clip).toBuilder()
                .setUser(user)
                .setSampleId(user + "/" + tag)
                .build();
        sender.send(SampleRecords.key(TENANT, user), s.toByteArray());
    }

    /** The sample ids of the {@code CAPACITY} rejects committed so far. */
    private static List<String> capacityRejected(String bs) throws Exception {
        List<String> ids = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30))) {
            Rejected x = Rejected.parseFrom(r.value());
            assertThat(x.getReason())
                    .as("only CAPACITY rejects: %s", x.getMessage())
                    .isEqualTo(RejectReason.CAPACITY);
            ids.add(x.getSampleId());
        }
        return ids;
    }

    private static String userOfSampleId(String sampleId) {
        return sampleId.substring(0, sampleId.indexOf('/'));
    }

    /** Users with a head. */
    private static Set<String> users(HeadFollower<HeadUpdate> follower) {
        return follower.snapshot().values().stream()
                .map(v -> v.update().getUser())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static long samplesApplied(HeadFollower<HeadUpdate> follower, String user) {
        return follower.current(headId(user))
                .map(v -> v.update().getProvenance().getSamplesApplied())
                .orElse(0L);
    }

    private static String headId(String user) {
        return TENANT + "/" + user + "/" + TASK;
    }

    private static int partitionOf(String user) {
        return KeyPartitioner.partition(SampleRecords.key(TENANT, user).getBytes(StandardCharsets.UTF_8), PARTITIONS);
    }

    /** Prints the heap in use (a report, not an assertion: it depends on when the collector ran). */
    private static void reportHeap(String when, String scrape) {
        double used = 0;
        double max = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{area=\"heap\"")) {
                used += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("jvm_memory_max_bytes{area=\"heap\"")) {
                double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                max += Math.max(0, v);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "resident-cap-it: heap %s: %.0f MB used of %.0f MB (%s)%n",
                when,
                used / 1e6,
                max / 1e6,
                HEAP);
    }

    /** A number in the readiness check's data, e.g. {@code "users": 12}. */
    private static long readinessNumber(String body, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(\\d+)")
                .matcher(body);
        assertThat(m.find()).as("readiness data has %s: %s", name, body).isTrue();
        return Long.parseLong(m.group(1));
    }
}
