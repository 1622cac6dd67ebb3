package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.head.TaskArchitecture;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.MultiHot;
import dev.headstream.schemas.v1.OutputScore;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A multi-label task through the real broker, the real adapter and openWakeWord's real backbone,
 * with partial labels: samples label different subsets of the outputs {@code wake} (the clip ends
 * with "hey jarvis"), {@code noisy} (white noise was mixed in) and {@code music} (never labeled).
 * Every head's newest version says all its training samples were applied; the never-labeled output
 * kept the start head's weights bit for bit while the labeled ones moved; the newest metrics record
 * counts exactly the labels each output got; the adapted head beats the start head on held-out
 * clips; the output is exactly once; and a replay from the samples topic rebuilds every head bit
 * for bit.
 */
class MultiLabelPartialIT {

    private static final String TENANT = "it";
    private static final String TASK = "traits";
    private static final List<String> LABELS = List.of("wake", "noisy", "music");
    private static final int TRAIN = 16;
    private static final int HOLDOUT = 8;

    /** Clip {@code i} of a user is noisy when bit 1 of i is set: independent of its wake label. */
    private static boolean noisy(int i) {
        return (i & 2) != 0;
    }

    /** The clip with white noise (std 1500 of int16 full scale) mixed in, from a seed of the clip. */
    private static short[] withNoise(short[] pcm, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        short[] out = new short[pcm.length];
        for (int i = 0; i < pcm.length; i++) {
            double v = pcm[i] + r.nextGaussian() * 1500;
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(v)));
        }
        return out;
    }

    /**
     * Training sample {@code i}: labels "wake" only (i % 3 == 0), "noisy" only (i % 3 == 1) or both
     * (i % 3 == 2); a holdout sample labels both. "music" is never labeled.
     */
    private static Sample sample(SyntheticClip c, int i, boolean holdout) {
        boolean labelWake = holdout || i % 3 != 1;
        boolean labelNoisy = holdout || i % 3 != 0;
        short[] pcm = noisy(i) ? withNoise(c.pcm(), c.sampleId().hashCode()) : c.pcm();
        MultiHot hot = MultiHot.newBuilder()
                .addTargets(c.positive() ? 1f : 0f)
                .addTargets(noisy(i) ? 1f : 0f)
                .addTargets(0f)
                .addMask(labelWake)
                .addMask(labelNoisy)
                .addMask(false)
                .build();
        return Sample.newBuilder()
                .setSampleId(c.sampleId())
                .setTenant(TENANT)
                .setUser(c.userId())
                .setAudio(SampleRecords.audio(pcm))
                .putLabels(TASK, Label.newBuilder().setMultiHot(hot).build())
                .setSplit(holdout ? Split.SPLIT_HOLDOUT : Split.SPLIT_TRAIN)
                .build();
    }

    private static long labeled(boolean wake, int n) {
        long count = 0;
        for (int i = 0; i < n; i++) {
            count += wake ? (i % 3 != 1 ? 1 : 0) : (i % 3 != 0 ? 1 : 0);
        }
        return count;
    }

    /** The top Dense layer's weight row and bias of output {@code o}. */
    private static float[] outputRow(TaskArchitecture a, float[] p, int o) {
        int top = a.layers().size() - 1;
        int at = a.parameterOffset(top);
        int in = a.layers().get(top).inputDim();
        int outs = a.layers().get(top).outputDim();
        float[] row = Arrays.copyOfRange(p, at + o * in, at + (o + 1) * in + 1);
        row[in] = p[at + outs * in + o];
        return row;
    }

    @Test
    void partialLabelsTrainTheLabeledOutputsAndTheHeadsAndMetricsComeOutRight() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "multi-label-it");
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(31)
                .withUsers(2)
                .withTrain(TRAIN / 2, TRAIN / 2)
                .withHoldout(HOLDOUT / 2, HOLDOUT / 2)
                .withBackground(0, 0));
        List<SyntheticUser> users = pop.users();
        ClassRecipe recipe = ClassRecipe.defaults(TaskKind.Type.MULTI_LABEL, LABELS, 5);
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
                    "multi-label-it",
                    "headstream.negative-bank.enabled",
                    "false",
                    "headstream.tasks.wake.source-head",
                    "none",
                    "headstream.tasks." + TASK + ".kind",
                    "multi-label",
                    "headstream.tasks." + TASK + ".labels",
                    String.join(",", LABELS),
                    "headstream.tasks." + TASK + ".start",
                    recipe.start()));
            try (HeadFollower<HeadCodec.DecodedClass> follower =
                            new HeadFollower<>(bs, HeadCodec::decodeClass).start();
                    SampleSender sender = new SampleSender(bs);
                    AdapterProcess adapter = AdapterProcess.start(
                                    ItSupport.adapterJar(), props, work.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3))) {
                for (int i = 0; i < TRAIN; i++) {
                    for (SyntheticUser u : users) {
                        sender.send(
                                SampleRecords.key(TENANT, u.id()),
                                sample(u.train().get(i), i, false).toByteArray());
                    }
                }
                for (int i = 0; i < HOLDOUT; i++) {
                    for (SyntheticUser u : users) {
                        sender.send(
                                SampleRecords.key(TENANT, u.id()),
                                sample(u.holdout().get(i), i, true).toByteArray());
                    }
                }
                sender.flush();
                Awaitility.await()
                        .atMost(Duration.ofMinutes(4))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            for (SyntheticUser u : users) {
                                assertThat(follower.current(TENANT + "/" + u.id() + "/" + TASK))
                                        .hasValueSatisfying(v -> assertThat(v.update()
                                                        .getProvenance()
                                                        .getSamplesApplied())
                                                .isEqualTo(TRAIN));
                            }
                        });
                // the holdout samples follow the training ones on each user's partition: wait for
                // every metrics record (one per sample) before reading the newest
                Awaitility.await()
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> TopicReader.readAll(bs, Topics.METRICS, Duration.ofSeconds(10))
                                        .size()
                                == users.size() * (TRAIN + HOLDOUT));
                assertThat(adapter.isAlive()).isTrue();

                float[] start = new ClassHeadTask(TASK, recipe, 96).startParameters();
                for (SyntheticUser u : users) {
                    HeadFollower.Versioned<HeadCodec.DecodedClass> head =
                            follower.current(TENANT + "/" + u.id() + "/" + TASK).orElseThrow();
                    assertThat(head.update().getSpec().getOutputLabelsList()).isEqualTo(LABELS);
                    assertThat(head.update().getProvenance().getSourceHeadId()).isEqualTo("fresh:5");
                    TaskArchitecture a = head.head().architecture();
                    float[] p = head.head().parameters();
                    assertThat(outputRow(a, p, 2)).as("never-labeled music").isEqualTo(outputRow(a, start, 2));
                    assertThat(outputRow(a, p, 0)).as("wake").isNotEqualTo(outputRow(a, start, 0));
                    assertThat(outputRow(a, p, 1)).as("noisy").isNotEqualTo(outputRow(a, start, 1));
                }
            }
            // exactly once: per head, metrics records for samples 1..24 in order, versions 1..n in order
            Map<String, AdaptationMetrics> newest = new HashMap<>();
            Map<String, List<Long>> seen = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bs, Topics.METRICS, Duration.ofSeconds(30))) {
                AdaptationMetrics m = parse(r.value(), AdaptationMetrics::parseFrom);
                seen.computeIfAbsent(m.getHeadId(), k -> new ArrayList<>()).add(m.getSamplesSeen());
                newest.put(m.getHeadId(), m);
            }
            Map<String, List<Long>> versions = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bs, Topics.HEADS, Duration.ofSeconds(30))) {
                HeadUpdate h = parse(r.value(), HeadUpdate::parseFrom);
                versions.computeIfAbsent(h.getHeadId(), k -> new ArrayList<>()).add(h.getVersion());
            }
            assertThat(newest).hasSize(users.size());
            assertThat(versions).hasSize(users.size());
            for (List<Long> v : versions.values()) {
                assertThat(v)
                        .isEqualTo(LongStream.rangeClosed(1, v.size()).boxed().toList());
            }
            for (List<Long> n : seen.values()) {
                assertThat(n)
                        .isEqualTo(LongStream.rangeClosed(1, TRAIN + HOLDOUT)
                                .boxed()
                                .toList());
            }
            for (AdaptationMetrics m : newest.values()) {
                assertThat(m.getSamplesSeen()).isEqualTo(TRAIN + HOLDOUT);
                assertThat(m.getSamplesApplied()).isEqualTo(TRAIN);
                assertThat(m.getOutputsList()).extracting(OutputScore::getLabel).isEqualTo(LABELS);
                assertThat(m.getOutputsList())
                        .extracting(OutputScore::getLabeled)
                        .containsExactly(labeled(true, TRAIN), labeled(false, TRAIN), 0L);
                // held out: both outputs labeled; the start head says 0.5 everywhere
                assertThat(m.getAdaptedHoldout().getCount()).isEqualTo(HOLDOUT);
                assertThat(m.getSourceHoldout().getMeanLoss()).isCloseTo(2 * Math.log(2), within(1e-4));
                assertThat(m.getAdaptedHoldout().getMeanLoss())
                        .as("%s adapted holdout loss below the start head's", m.getHeadId())
                        .isLessThan(m.getSourceHoldout().getMeanLoss());
            }
            assertThat(TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(10)))
                    .isEmpty();
            ItSupport.assertHeadsEqualReplay(bs, props, users.size());
        }
    }

    private interface Parser<T> {
        T parse(byte[] value) throws InvalidProtocolBufferException;
    }

    private static <T> T parse(byte[] value, Parser<T> parser) {
        try {
            return parser.parse(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
