package dev.headstream.core.adapt.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.detect.ClassHeadScorer;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.FrontEndFrames;
import dev.headstream.core.embed.MelCepstrumPooling;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.FloatTensor;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A class task that pools the front end's frames ({@code pooling=mel-cepstrum}) in the engine. The
 * test backbone passes a {@code [20, 32]} tensor through as both the embeddings and the 32-band
 * front-end frames. Each class is a "voice": a spectral envelope of its own (one DCT basis shape
 * on top of the level), under per-frame level changes and noise that every voice shares, so the
 * frames' means across bands do not tell the voices apart and their cepstra do.
 */
class MelPoolingEngineTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final String WHO = "who";
    private static final int FRAMES = 20;
    private static final int BINS = 32;
    static final ClassRecipe RECIPE = new ClassRecipe(
            TaskKind.Type.MULTI_CLASS,
            List.of("ann", "bob", "cat"),
            11,
            ClassRecipe.DEFAULT_HIDDEN,
            ClassRecipe.DEFAULT_LEARNING_RATE,
            ClassRecipe.DEFAULT_L2SP,
            ClassRecipe.DEFAULT_MAX_GRADIENT_NORM,
            ClassRecipe.DEFAULT_STEPS,
            ClassRecipe.DEFAULT_BATCH,
            ClassRecipe.DEFAULT_REPLAY_BUFFER,
            ClipPooling.MEL_CEPSTRUM);

    static AdaptationEngine engine(Backbone backbone, int workers) {
        return new AdaptationEngine(
                backbone,
                new SampleDecoder(1 << 16, backbone, Map.of(WHO, RECIPE.taskKind())),
                Map.of(),
                Map.of(WHO, new ClassHeadTask(WHO, RECIPE, BINS)),
                64,
                1,
                AdaptationEngine.OnlineRehearsal.OFF,
                RateLimit.OFF,
                AdaptationEngine.UNBOUNDED,
                workers);
    }

    static Backbone withFrontEnd() {
        return new TensorBackbone("pass-through", "1".repeat(64), FRAMES, BINS, true);
    }

    /** Frames of voice {@code c}: level 4 +- 0.5 per frame, DCT shape {@code c + 2} of amplitude 1.5, noise 0.2. */
    static float[] voice(int c, SplittableRandom random) {
        float[] v = new float[FRAMES * BINS];
        for (int f = 0; f < FRAMES; f++) {
            double level = 4 + random.nextDouble(-0.5, 0.5);
            for (int n = 0; n < BINS; n++) {
                double shape = 1.5 * Math.cos(Math.PI * (c + 2) * (n + 0.5) / BINS);
                v[f * BINS + n] = (float) (level + shape + random.nextGaussian() * 0.2);
            }
        }
        return v;
    }

    private static RawSample sample(long offset, String user, String id, float[] frames, int c, Split split) {
        FloatTensor.Builder t = FloatTensor.newBuilder().addShape(FRAMES).addShape(BINS);
        for (float x : frames) {
            t.addValues(x);
        }
        String[] tu = user.split("/");
        Sample s = Sample.newBuilder()
                .setSampleId(id)
                .setTenant(tu[0])
                .setUser(tu[1])
                .setTensor(t)
                .putLabels(WHO, Label.newBuilder().setClassIndex(c).build())
                .setSplit(split)
                .build();
        return new RawSample(0, offset, user.getBytes(StandardCharsets.UTF_8), s.toByteArray());
    }

    /** Sample i is voice i % 3; every tenth a holdout. */
    static List<RawSample> stream(String user, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<RawSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(sample(
                    i,
                    user,
                    user + "-" + i,
                    voice(i % 3, random),
                    i % 3,
                    i % 10 == 9 ? Split.SPLIT_HOLDOUT : Split.SPLIT_TRAIN));
        }
        return out;
    }

    private static BatchResult run(AdaptationEngine e, List<RawSample> batch) {
        BatchResult r = e.process(batch, NOW);
        e.commit(r);
        return r;
    }

    @Test
    void aMelCepstrumHeadLearnsTheVoicesAndAConsumerScoresItAsTheAdapter() {
        AdaptationEngine e = engine(withFrontEnd(), 2);
        List<AdaptationMetrics> metrics = new ArrayList<>();
        List<HeadUpdate> heads = new ArrayList<>();
        List<RawSample> samples = stream("home/a", 90, 1);
        for (int i = 0; i < samples.size(); i += 10) {
            BatchResult r = run(e, samples.subList(i, i + 10));
            assertThat(r.rejections()).isEmpty();
            metrics.addAll(r.metrics());
            heads.addAll(r.heads());
        }
        AdaptationMetrics last = metrics.get(metrics.size() - 1);
        assertThat(last.getSourcePrequential().getAccuracy()).isLessThan(0.4);
        assertThat(last.getAdaptedHoldout().getCount()).isEqualTo(9);
        assertThat(last.getAdaptedHoldout().getAccuracy()).isGreaterThan(0.85);

        HeadUpdate newest = heads.get(heads.size() - 1);
        assertThat(newest.getSpec().getPooling()).isEqualTo(MelCepstrumPooling.NAME);
        assertThat(newest.getSpec().getInputShapeList()).containsExactly(MelCepstrumPooling.WIDTH);
        ClassHeadScorer scorer = HeadCodec.decodeClass(newest).scorer();
        assertThat(scorer.pooling()).isEqualTo(ClipPooling.MEL_CEPSTRUM);
        ClassHeadTask task = e.classTasks().get(WHO);
        ClassHeadState state = e.user(UserKey.parse("home/a")).classHeads().get(WHO);
        SplittableRandom random = new SplittableRandom(99);
        for (int c = 0; c < 3; c++) {
            float[] v = voice(c, random);
            EmbeddingSequence clip =
                    new EmbeddingSequence(FRAMES, BINS, v).withFrontEnd(new FrontEndFrames(FRAMES, BINS, v));
            assertThat(scorer.probabilities(clip))
                    .as("voice %d", c)
                    .containsExactly(task.probabilities(state.liveParameters(), clip));
            assertThat(scorer.top(clip).label()).isEqualTo(RECIPE.labels().get(c));
        }
    }

    @Test
    void theSameStreamsGiveTheSameBitsOnOneWorkerOneSampleAtATimeAsOnTwoInBatches() {
        // two households, their samples interleaved: on two workers they train at the same time
        List<RawSample> b = stream("home/b", 30, 2);
        List<RawSample> c = stream("home/c", 30, 3);
        List<RawSample> both = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            both.add(b.get(i));
            both.add(c.get(i));
        }
        AdaptationEngine one = engine(withFrontEnd(), 1);
        for (RawSample s : both) {
            run(one, List.of(s));
        }
        AdaptationEngine two = engine(withFrontEnd(), 2);
        run(two, both.subList(0, 33));
        run(two, both.subList(33, 60));
        for (String user : List.of("home/b", "home/c")) {
            assertThat(two.user(UserKey.parse(user)).classHeads().get(WHO).liveParameters())
                    .as(user)
                    .isEqualTo(
                            one.user(UserKey.parse(user)).classHeads().get(WHO).liveParameters());
        }
    }

    @Test
    void aMelCepstrumHeadRestoresFromItsStateRecordAndTrainsOnBitForBit() {
        List<RawSample> samples = stream("home/d", 40, 4);
        AdaptationEngine straight = engine(withFrontEnd(), 2);
        run(straight, samples);
        AdaptationEngine first = engine(withFrontEnd(), 2);
        BatchResult r = run(first, samples.subList(0, 17));
        AdapterState record = first.stateRecords(r).get(0);
        AdaptationEngine restored = engine(withFrontEnd(), 2);
        restored.restore(record);
        ClassHeadState back =
                restored.user(UserKey.parse("home/d")).classHeads().get(WHO);
        // restored as stored: the replay buffer of 76-value examples is read back, not reset
        assertThat(back.liveParameters())
                .isEqualTo(first.user(UserKey.parse("home/d"))
                        .classHeads()
                        .get(WHO)
                        .liveParameters());
        assertThat(back.samplesApplied()).isEqualTo(16); // 17 samples, one of them (the tenth) a holdout
        run(restored, samples.subList(17, 40));
        ClassHeadState a = straight.user(UserKey.parse("home/d")).classHeads().get(WHO);
        ClassHeadState b = restored.user(UserKey.parse("home/d")).classHeads().get(WHO);
        assertThat(b.liveParameters()).isEqualTo(a.liveParameters());
        assertThat(b.liveOptimizer().sameAs(a.liveOptimizer())).isTrue();
    }

    @Test
    void aSilentClipIsRejectedNamingWhyAndTheRestOfTheBatchApplies() {
        AdaptationEngine e = engine(withFrontEnd(), 2);
        float[] silent = new float[FRAMES * BINS];
        java.util.Arrays.fill(silent, -8f);
        List<RawSample> batch = new ArrayList<>(stream("home/e", 3, 5));
        batch.add(sample(3, "home/e", "home/e-silent", silent, 0, Split.SPLIT_TRAIN));
        BatchResult r = run(e, batch);
        assertThat(r.rejections()).hasSize(1);
        assertThat(r.rejections().get(0).reason()).isEqualTo(dev.headstream.schemas.v1.RejectReason.SHAPE_MISMATCH);
        assertThat(r.rejections().get(0).message())
                .isEqualTo("task 'who': pooling mel-cepstrum needs speech, and the clip is silent: its loudest frame is"
                        + " at -8.00, not above -7.0 (the front end's floor is -8, 100 dB below full scale)");
        assertThat(e.user(UserKey.parse("home/e")).classHeads().get(WHO).samplesApplied())
                .isEqualTo(3);
    }

    @Test
    void aBackboneWithoutTheFrontEndIsRefusedAtConstruction() {
        Backbone plain = new TensorBackbone("pass-through", "1".repeat(64), FRAMES, BINS);
        assertThatThrownBy(() -> engine(plain, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("task 'who' pools mel-cepstrum, which reads the front end's mel frames; the backbone has"
                        + " no such front end (use the wake-word audio backbone, or pooling mean-std)");
    }
}
