package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.adapt.task.NearMissSet;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.runtime.assembly.NearMissCache;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.MultiEngineSynth;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.tools.bench.OwnWordBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A wake phrase per user through the real broker, the real adapter and openWakeWord's real backbone:
 * one fresh-start task ({@code phrase=per-user}) whose users name their own phrases in their samples.
 * Each head learns the near misses of its user's phrase, which the adapter synthesizes when a head
 * first needs them (the same clips this machine makes of that phrase); a user who names another
 * phrase gets a RESET version and the new phrase's near misses; a sample with an unusable phrase is
 * rejected with the reason; and a replay rebuilds every head bit for bit.
 */
class PhrasePerUserIT {

    private static final String TENANT = "it";
    private static final String TASK = "own";
    private static final int NEAR_MISSES = 6;
    private static final int CLIPS = 3;

    /** A user, the phrase their first clips say, and the phrase their last clip names (the same, or a new one). */
    private record User(String name, String phrase, String lastPhrase, OwnWordBench.OwnUser own) {}

    @Test
    void eachUserNamesTheirPhraseAndTheirHeadLearnsItsNearMisses() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "phrase-per-user-it");
        CachingSynthesizer synth = new CachingSynthesizer(MultiEngineSynth.defaults(), Path.of("target/synth-cache"));
        OwnWordBench.OwnUser nova = OwnWordBench.users("okay nova", 1, CLIPS + 1, 1, 41, synth, line -> {})
                .get(0);
        OwnWordBench.OwnUser sunny = OwnWordBench.users("hello sunny", 1, CLIPS + 1, 1, 42, synth, line -> {})
                .get(0);
        List<User> users = List.of(
                new User("nova", "okay nova", "okay nova", nova),
                new User("sunny", "hello sunny", "hello sunny", sunny),
                // names "okay nova" in its first clips, then a new phrase
                new User("mover", "okay nova", "hey marble", nova));
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(2);
            }
            Map<String, String> props = new HashMap<>(Map.of(
                    "kafka.bootstrap.servers",
                    bs,
                    "headstream.models-dir",
                    ItSupport.models().toAbsolutePath().toString(),
                    "headstream.instance-id",
                    "phrase-per-user-it",
                    "headstream.negative-bank.directory",
                    ItSupport.testBank().toString(),
                    "headstream.tasks." + TASK + ".source-head",
                    "fresh:7",
                    "headstream.tasks." + TASK + ".phrase",
                    "per-user",
                    "headstream.tasks." + TASK + ".near-misses",
                    String.valueOf(NEAR_MISSES),
                    // all three phrases may come in one batch: let it make them all (2 by default)
                    "headstream.new-phrases-per-batch",
                    "3"));
            List<HeadUpdate> versions = new CopyOnWriteArrayList<>();
            try (HeadFollower<HeadUpdate> follower = ItSupport.recordingFollower(bs, versions);
                    SampleSender sender = new SampleSender(bs);
                    AdapterProcess adapter = AdapterProcess.start(
                                    ItSupport.adapterJar(), props, work.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3))) {
                assertThat(Files.readString(adapter.log()))
                        .as("nothing synthesized at start-up")
                        .doesNotContain("near misses of");
                for (int i = 0; i <= CLIPS; i++) {
                    for (User u : users) {
                        String phrase = i < CLIPS ? (i == 0 ? u.phrase().toUpperCase() : "") : u.lastPhrase();
                        sender.send(
                                SampleRecords.key(TENANT, u.name()),
                                sample(u, u.own().enrolment().get(i), "s" + i, phrase)
                                        .toByteArray());
                    }
                }
                // a phrase espeak-ng cannot be given, and a phrase for a task that takes none (the
                // default wake task, from hey_jarvis)
                sender.send(
                        SampleRecords.key(TENANT, "nova"),
                        sample(users.get(0), nova.enrolment().get(0), "bad-1", "okay nova!")
                                .toByteArray());
                sender.send(
                        SampleRecords.key(TENANT, "nova"),
                        sample(users.get(0), nova.enrolment().get(0), "bad-2", "okay nova").toBuilder()
                                .clearLabels()
                                .putLabels(
                                        "wake",
                                        Label.newBuilder().setBinary(true).build())
                                .build()
                                .toByteArray());
                sender.flush();
                Awaitility.await()
                        .atMost(Duration.ofMinutes(4))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            for (User u : users) {
                                assertThat(follower.current(headId(u)))
                                        .hasValueSatisfying(v -> assertThat(v.update()
                                                        .getProvenance()
                                                        .getSamplesApplied())
                                                .isEqualTo(CLIPS + 1));
                            }
                        });
                assertThat(Files.readString(adapter.log()))
                        .contains("task " + TASK + ": " + NEAR_MISSES + " near misses of 'okay nova' (")
                        .contains("near misses of 'hello sunny' (")
                        .contains("near misses of 'hey marble' (");
                assertThat(adapter.isAlive()).isTrue();
            }

            // the near misses this machine makes of each phrase with the task's keys
            Map<String, NearMissSet> expected = new HashMap<>();
            try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(ItSupport.models())) {
                NearMissCache made = EngineAssembly.phrasesPerUser(
                        TASK,
                        EngineSpec.fromProperties(props)
                                .tasks()
                                .get(TASK)
                                .nearMisses()
                                .orElseThrow(),
                        backbone);
                for (String p : List.of("okay nova", "hello sunny", "hey marble")) {
                    expected.put(p, made.of(p));
                }
            }
            Map<String, List<HeadUpdate>> byHead = new HashMap<>();
            versions.forEach(v -> byHead.computeIfAbsent(v.getHeadId(), k -> new ArrayList<>())
                    .add(v));
            for (User u : users) {
                List<HeadUpdate> l = byHead.get(headId(u));
                HeadUpdate newest = l.get(l.size() - 1);
                assertThat(newest.getProvenance().getPhrase()).isEqualTo(u.lastPhrase());
                assertThat(newest.getProvenance().getNearMissesSha256())
                        .isEqualTo(expected.get(u.lastPhrase()).sha256());
                assertThat(l)
                        .extracting(HeadUpdate::getVersion)
                        .as("versions in order")
                        .isSorted()
                        .doesNotHaveDuplicates();
            }
            assertThat(expected.get("okay nova").sha256())
                    .isNotEqualTo(expected.get("hello sunny").sha256());
            HeadUpdate nova4 = last(byHead, "nova");
            assertThat(nova4.getProvenance().getNearMissesLearned())
                    .isEqualTo(Math.min(NEAR_MISSES, NearMissSet.PER_POSITIVE * (CLIPS + 1)));
            assertThat(nova4.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);
            List<HeadUpdate> mover = byHead.get(TENANT + "/mover/" + TASK);
            HeadUpdate reset = mover.stream()
                    .filter(v -> v.getStatus() == HeadStatus.HEAD_STATUS_RESET)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no RESET version of the mover: " + mover));
            assertThat(reset.getStatusReason()).isEqualTo("new wake phrase 'hey marble' (was 'okay nova')");
            assertThat(reset.getProvenance().getPhrase()).isEqualTo("hey marble");
            assertThat(reset.getProvenance().getNearMissesLearned())
                    .as("the new phrase's first two")
                    .isEqualTo(NearMissSet.PER_POSITIVE);

            List<Rejected> rejected = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(10))) {
                rejected.add(parse(r.value()));
            }
            assertThat(rejected).extracting(Rejected::getSampleId).containsExactlyInAnyOrder("bad-1", "bad-2");
            assertThat(rejected).allSatisfy(r -> assertThat(r.getReason()).isEqualTo(RejectReason.MALFORMED));
            assertThat(rejected)
                    .anySatisfy(r -> assertThat(r.getMessage()).contains("phrase must be English words"))
                    .anySatisfy(r -> assertThat(r.getMessage()).contains("labels no task whose phrase is per user"));
            ItSupport.assertHeadsEqualReplay(bs, props, users.size());
        }
    }

    private static HeadUpdate last(Map<String, List<HeadUpdate>> byHead, String user) {
        List<HeadUpdate> l = byHead.get(TENANT + "/" + user + "/" + TASK);
        return l.get(l.size() - 1);
    }

    private static String headId(User u) {
        return TENANT + "/" + u.name() + "/" + TASK;
    }

    private static Sample sample(User u, SyntheticClip c, String id, String phrase) {
        return Sample.newBuilder()
                .setSampleId(id)
                .setTenant(TENANT)
                .setUser(u.name())
                .setAudio(SampleRecords.audio(c.pcm()))
                .putLabels(TASK, Label.newBuilder().setBinary(true).build())
                .setSplit(Split.SPLIT_TRAIN)
                .setPhrase(phrase)
                .build();
    }

    private static Rejected parse(byte[] value) {
        try {
            return Rejected.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
