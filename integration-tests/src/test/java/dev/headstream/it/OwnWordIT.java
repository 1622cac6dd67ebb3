package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.NearMissSet;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.onnx.SourceHeads;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
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
 * A user's own wake word through the real broker, the real adapter and openWakeWord's real backbone:
 * a binary task that starts fresh ({@code source-head=fresh:7}) with a wake phrase, so that the adapter
 * synthesizes the phrase's near misses at start-up. Users enroll with positives only. Every version
 * names the fresh start, which a consumer rebuilds from the models dir alone; a held version accepts
 * nothing; every head has learned two near misses before each of its positives (as many as there
 * are); the metrics count the user's samples only; and a replay rebuilds every head bit for bit.
 */
class OwnWordIT {

    private static final String TENANT = "it";
    private static final String TASK = "own";
    private static final String PHRASE = "okay nova";
    private static final int NEAR_MISSES = 6;
    private static final int CLIPS = 5;

    @Test
    void freshStartHeadsLearnTheServicesNearMissesAndReplayBitForBit() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "own-word-it");
        List<OwnWordBench.OwnUser> users = OwnWordBench.users(
                PHRASE,
                2,
                CLIPS,
                1,
                41,
                new CachingSynthesizer(MultiEngineSynth.defaults(), Path.of("target/synth-cache")),
                line -> {});
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
                    "own-word-it",
                    "headstream.negative-bank.directory",
                    ItSupport.testBank().toString(),
                    "headstream.tasks.wake.source-head",
                    "none",
                    "headstream.tasks." + TASK + ".source-head",
                    "fresh:7",
                    "headstream.tasks." + TASK + ".phrase",
                    PHRASE,
                    "headstream.tasks." + TASK + ".near-misses",
                    String.valueOf(NEAR_MISSES)));
            List<HeadUpdate> versions = new CopyOnWriteArrayList<>();
            try (HeadFollower<HeadUpdate> follower = ItSupport.recordingFollower(bs, versions);
                    SampleSender sender = new SampleSender(bs);
                    AdapterProcess adapter = AdapterProcess.start(
                                    ItSupport.adapterJar(), props, work.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3))) {
                for (int i = 0; i < CLIPS; i++) {
                    for (OwnWordBench.OwnUser u : users) {
                        sender.send(
                                SampleRecords.key(TENANT, user(u)),
                                sample(u, u.enrolment().get(i)).toByteArray());
                    }
                }
                sender.flush();
                Awaitility.await()
                        .atMost(Duration.ofMinutes(4))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            for (OwnWordBench.OwnUser u : users) {
                                assertThat(follower.current(headId(u)))
                                        .hasValueSatisfying(v -> assertThat(v.update()
                                                        .getProvenance()
                                                        .getSamplesApplied())
                                                .isEqualTo(CLIPS));
                            }
                        });
                assertThat(Files.readString(adapter.log()))
                        .contains("task " + TASK + ": " + NEAR_MISSES + " near misses of '" + PHRASE + "' (")
                        .contains("synthesized and embedded");
                assertThat(adapter.isAlive()).isTrue();
            }

            SourceHead fresh = SourceHeads.resolve(
                            versions.get(0).getProvenance().getSourceHeadId(), ItSupport.models())
                    .head();
            assertThat(fresh.id()).isEqualTo("fresh:7:hey_jarvis_v0.1");
            Map<String, List<HeadUpdate>> byHead = new HashMap<>();
            for (HeadUpdate v : versions) {
                byHead.computeIfAbsent(v.getHeadId(), k -> new ArrayList<>()).add(v);
                assertThat(v.getProvenance().getSourceHeadSha256()).isEqualTo(fresh.sha256());
                if (v.getHeldAtSource()) {
                    assertThat(v.getThreshold())
                            .as("a held fresh head accepts nothing")
                            .isEqualTo(BinaryHeadTask.NO_DETECTOR_THRESHOLD);
                } else {
                    assertThat(v.getThreshold()).isBetween(0f, 1f);
                }
                // a consumer decodes every version against the start it rebuilt
                assertThat(HeadCodec.decode(v, fresh).trainable()).isNotEmpty();
            }
            assertThat(byHead).hasSize(users.size());
            // the near misses the adapter synthesized are the ones this machine makes of the same keys,
            // and two were learned before each positive while they lasted
            NearMissSet expected;
            try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(ItSupport.models())) {
                expected = EngineAssembly.nearMisses(
                        TASK,
                        EngineSpec.fromProperties(props)
                                .tasks()
                                .get(TASK)
                                .nearMisses()
                                .orElseThrow(),
                        backbone);
            }
            for (OwnWordBench.OwnUser u : users) {
                List<HeadUpdate> l = byHead.get(headId(u));
                HeadUpdate newest = l.get(l.size() - 1);
                assertThat(newest.getProvenance().getNearMissesSha256()).isEqualTo(expected.sha256());
                assertThat(newest.getProvenance().getNearMissesLearned())
                        .isEqualTo(Math.min(NEAR_MISSES, NearMissSet.PER_POSITIVE * CLIPS));
                for (HeadUpdate v : l) {
                    assertThat(v.getProvenance().getNearMissesLearned())
                            .as(
                                    "v%d: two before each of its %d positives",
                                    v.getVersion(), v.getProvenance().getSamplesApplied())
                            .isEqualTo(Math.min(
                                    NEAR_MISSES,
                                    NearMissSet.PER_POSITIVE * v.getProvenance().getSamplesApplied()));
                }
            }
            for (List<HeadUpdate> l : byHead.values()) {
                assertThat(l)
                        .extracting(HeadUpdate::getVersion)
                        .as("one version per sample, in order")
                        .isSorted()
                        .doesNotHaveDuplicates();
            }

            Map<String, Long> seen = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bs, Topics.METRICS, Duration.ofSeconds(10))) {
                AdaptationMetrics m = parse(r.value());
                seen.merge(m.getHeadId(), m.getSamplesSeen(), Math::max);
            }
            for (OwnWordBench.OwnUser u : users) {
                assertThat(seen.get(headId(u)))
                        .as("the user's own samples only")
                        .isEqualTo(CLIPS);
            }
            ItSupport.assertHeadsEqualReplay(bs, props, users.size());
        }
    }

    private static String user(OwnWordBench.OwnUser u) {
        return "u-" + u.speaker().id();
    }

    private static String headId(OwnWordBench.OwnUser u) {
        return TENANT + "/" + user(u) + "/" + TASK;
    }

    private static Sample sample(OwnWordBench.OwnUser u, SyntheticClip c) {
        return Sample.newBuilder()
                .setSampleId(c.sampleId())
                .setTenant(TENANT)
                .setUser(user(u))
                .setAudio(SampleRecords.audio(c.pcm()))
                .putLabels(TASK, Label.newBuilder().setBinary(true).build())
                .setSplit(Split.SPLIT_TRAIN)
                .build();
    }

    private static AdaptationMetrics parse(byte[] value) {
        try {
            return AdaptationMetrics.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
