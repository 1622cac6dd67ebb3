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
import dev.headstream.core.head.InputTransform;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.TensorBlob;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A class task with a frozen input transform in front of its head ({@code input-transform}): the
 * transform is the head's first layer, never trains, travels in every published version and is
 * not part of a user's state. Voices as in {@link MelPoolingEngineTest}; the transform is a fixed
 * random rotation-and-scale of the 76 pooled values.
 */
class InputTransformEngineTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final String WHO = "who";
    private static final int FRAMES = 20;
    private static final int BINS = 32;
    private static final int W = MelCepstrumPooling.WIDTH;
    /** {@link MelPoolingEngineTest}'s recipe through a transform. */
    private static final ClassRecipe RECIPE =
            MelPoolingEngineTest.RECIPE.withInputTransform(Optional.of(Path.of("t.hsit")));

    private static final InputTransform TRANSFORM = transform(5);

    /** A random map of the 76 values to 76, with a bias: W_ki ~ N(0, 1 / 76) * (1 + k / 76). */
    private static InputTransform transform(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[W * W];
        float[] b = new float[W];
        for (int k = 0; k < W; k++) {
            for (int i = 0; i < W; i++) {
                w[k * W + i] = (float) (r.nextGaussian() / Math.sqrt(W) * (1 + k / (double) W));
            }
            b[k] = (float) r.nextGaussian();
        }
        return InputTransform.of(ClipPooling.MEL_CEPSTRUM, W, W, w, b, "random test transform " + seed);
    }

    private static AdaptationEngine engine(int workers) {
        return engine(workers, new ClassHeadTask(WHO, RECIPE, BINS, TRANSFORM));
    }

    private static AdaptationEngine engine(int workers, ClassHeadTask task) {
        Backbone backbone = new TensorBackbone("pass-through", "1".repeat(64), FRAMES, BINS, true);
        return new AdaptationEngine(
                backbone,
                new SampleDecoder(1 << 16, backbone, Map.of(WHO, RECIPE.taskKind())),
                Map.of(),
                Map.of(WHO, task),
                64,
                1,
                AdaptationEngine.OnlineRehearsal.OFF,
                RateLimit.OFF,
                AdaptationEngine.UNBOUNDED,
                workers);
    }

    private static BatchResult run(AdaptationEngine e, List<RawSample> batch) {
        BatchResult r = e.process(batch, NOW);
        e.commit(r);
        return r;
    }

    private static float[] floats(TensorBlob b) {
        ByteBuffer bytes = b.getFloat32Le().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(out);
        return out;
    }

    private static TensorBlob blob(HeadUpdate h, String name) {
        return h.getTrainableList().stream()
                .filter(b -> b.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no tensor " + name + " in " + h.getHeadId()));
    }

    @Test
    void theTransformIsAFrozenFirstLayerThatEveryVersionCarriesAndNoStateHolds() {
        AdaptationEngine e = engine(2);
        List<HeadUpdate> heads = new ArrayList<>();
        List<AdaptationMetrics> metrics = new ArrayList<>();
        List<RawSample> samples = MelPoolingEngineTest.stream("home/a", 90, 1);
        for (int i = 0; i < samples.size(); i += 10) {
            BatchResult r = run(e, samples.subList(i, i + 10));
            assertThat(r.rejections()).isEmpty();
            heads.addAll(r.heads());
            metrics.addAll(r.metrics());
        }
        assertThat(heads).hasSizeGreaterThan(5);
        for (HeadUpdate h : heads) {
            // layer 0 is the transform, bit for bit, in every version; the three layers above it train
            assertThat(floats(blob(h, "layers.0.weight"))).isEqualTo(TRANSFORM.weights());
            assertThat(floats(blob(h, "layers.0.bias"))).isEqualTo(TRANSFORM.bias());
            assertThat(h.getSpec().getLayers(0).getType()).isEqualTo("dense");
            assertThat(h.getSpec().getTrainableTopLayers()).isEqualTo(3);
        }
        ClassHeadTask task = e.classTasks().get(WHO);
        ClassHeadState state = e.user(UserKey.parse("home/a")).classHeads().get(WHO);
        assertThat(state.liveParameters())
                .as("a user's state holds the layers that train, not the transform")
                .hasSize(task.architecture().parameterCount() - (W * W + W));
        assertThat(task.toString())
                .contains("through input transform 76 -> 76 of mel-cepstrum (sha256 " + TRANSFORM.sha256() + ")");
        assertThat(e.stateFingerprint()).contains(TRANSFORM.sha256());

        AdaptationMetrics last = metrics.get(metrics.size() - 1);
        assertThat(last.getAdaptedHoldout().getCount()).isEqualTo(9);
        assertThat(last.getAdaptedHoldout().getAccuracy()).isGreaterThan(0.85);

        // a consumer rebuilds the whole head from the newest version alone and scores as the adapter
        ClassHeadScorer scorer =
                HeadCodec.decodeClass(heads.get(heads.size() - 1)).scorer();
        SplittableRandom random = new SplittableRandom(99);
        for (int c = 0; c < 3; c++) {
            float[] v = MelPoolingEngineTest.voice(c, random);
            EmbeddingSequence clip =
                    new EmbeddingSequence(FRAMES, BINS, v).withFrontEnd(new FrontEndFrames(FRAMES, BINS, v));
            assertThat(scorer.probabilities(clip))
                    .as("voice %d", c)
                    .containsExactly(task.probabilities(state.liveParameters(), clip));
            assertThat(scorer.top(clip).label()).isEqualTo(RECIPE.labels().get(c));
        }
    }

    @Test
    void theTransformChangesWhatTheHeadComputesAndItsStart() {
        ClassRecipe plain = recipe(RECIPE.hidden(), Optional.empty()).withInputTransform(Optional.empty());
        ClassHeadTask with = new ClassHeadTask(WHO, RECIPE, BINS, TRANSFORM);
        ClassHeadTask other = new ClassHeadTask(WHO, RECIPE, BINS, transform(6));
        ClassHeadTask without = new ClassHeadTask(WHO, plain, BINS);
        assertThat(List.of(with.startSha256(), other.startSha256(), without.startSha256()))
                .doesNotHaveDuplicates();
        // the layers above the transform start as a head without one does
        assertThat(with.startTrainable()).isEqualTo(without.startTrainable());
        assertThat(with.publishedParameters(with.startTrainable())).isEqualTo(with.startParameters());
        assertThat(without.trainableTopLayers()).isEqualTo(3);
        assertThat(with.trainableTopLayers()).isEqualTo(3);
        assertThat(with.architecture().parameterisedLayerCount()).isEqualTo(4);
    }

    @Test
    void aHeadWithATransformRestoresFromItsStateRecordAndTrainsOnBitForBit() {
        List<RawSample> samples = MelPoolingEngineTest.stream("home/d", 40, 4);
        AdaptationEngine straight = engine(2);
        run(straight, samples);
        AdaptationEngine first = engine(2);
        BatchResult r = run(first, samples.subList(0, 17));
        AdapterState record = first.stateRecords(r).get(0);
        AdaptationEngine restored = engine(2);
        restored.restore(record);
        run(restored, samples.subList(17, 40));
        ClassHeadState a = straight.user(UserKey.parse("home/d")).classHeads().get(WHO);
        ClassHeadState b = restored.user(UserKey.parse("home/d")).classHeads().get(WHO);
        assertThat(b.samplesApplied()).isEqualTo(a.samplesApplied()).isEqualTo(36);
        assertThat(b.liveParameters()).isEqualTo(a.liveParameters());
        assertThat(b.liveOptimizer().sameAs(a.liveOptimizer())).isTrue();
    }

    @Test
    void aTransformThatDoesNotFitTheTaskIsRefusedNamingBoth() {
        InputTransform meanStd =
                InputTransform.of(ClipPooling.MEAN_STD, W, W, TRANSFORM.weights(), TRANSFORM.bias(), "reads mean-std");
        assertThatThrownBy(() -> new ClassHeadTask(WHO, RECIPE, BINS, meanStd))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reads mean-std vectors of 76 values; the task pools mel-cepstrum vectors of 76");
        assertThatThrownBy(() -> new ClassHeadTask(WHO, RECIPE, BINS, null))
                .hasMessageContaining("the recipe names input transform t.hsit but none was given");
        assertThatThrownBy(() -> new ClassHeadTask(WHO, RECIPE.withInputTransform(Optional.empty()), BINS, TRANSFORM))
                .hasMessageContaining("the recipe names no input transform but one was given");
        // the three-argument constructor reads no file: a recipe that names one is refused
        assertThatThrownBy(() -> new ClassHeadTask(WHO, RECIPE, BINS))
                .hasMessageContaining("the recipe names input transform t.hsit but none was given");
        // a pinned SHA-256 that is not the transform's
        ClassRecipe pinned = recipe(RECIPE.hidden(), Optional.of(transform(6).sha256()));
        assertThatThrownBy(() -> new ClassHeadTask(WHO, pinned, BINS, TRANSFORM))
                .hasMessageContaining("the input transform's SHA-256 is " + TRANSFORM.sha256()
                        + ", and input-transform-sha256 pins " + transform(6).sha256());
        assertThat(new ClassHeadTask(WHO, pinned, BINS, transform(6)).inputTransform())
                .contains(transform(6));
    }

    /** {@link #RECIPE} with another {@code hidden} and pin. */
    private static ClassRecipe recipe(int hidden, Optional<String> pin) {
        ClassRecipe r = RECIPE.withHidden(hidden);
        return new ClassRecipe(
                r.kind(),
                r.labels(),
                r.startSeed(),
                r.hidden(),
                r.learningRate(),
                r.l2sp(),
                r.maxGradientNorm(),
                r.steps(),
                r.batch(),
                r.replayBuffer(),
                r.pooling(),
                r.inputTransform(),
                pin);
    }

    @Test
    void aLinearHeadThroughTheTransformLearnsAndResetRollbackAndForgetKeepTheTransform() {
        ClassHeadTask task = new ClassHeadTask(WHO, recipe(0, Optional.empty()), BINS, TRANSFORM);
        assertThat(task.architecture().layers())
                .extracting(Object::getClass)
                .extracting(Class::getSimpleName)
                .containsExactly("Dense", "LayerNorm", "Dense");
        assertThat(task.trainableTopLayers()).isEqualTo(2);
        AdaptationEngine e = engine(2, task);
        List<AdaptationMetrics> metrics = new ArrayList<>();
        List<RawSample> samples = MelPoolingEngineTest.stream("home/l", 60, 7);
        for (int i = 0; i < samples.size(); i += 10) {
            metrics.addAll(run(e, samples.subList(i, i + 10)).metrics());
        }
        assertThat(metrics.get(metrics.size() - 1).getAdaptedHoldout().getAccuracy())
                .isGreaterThan(0.8);
        ClassHeadState trained = e.user(UserKey.parse("home/l")).classHeads().get(WHO);
        assertThat(trained.liveParameters()).hasSize(task.architecture().parameterCount() - (W * W + W));
        assertThat(trained.liveParameters()).isNotEqualTo(task.startTrainable());

        ClassHeadState forgot = trained.copy();
        task.forgetOutput(forgot, 1, "member removed");
        assertThat(forgot.liveParameters()).hasSize(trained.liveParameters().length);
        float[] afterForget = task.publishedParameters(forgot);
        assertThat(java.util.Arrays.copyOf(afterForget, W * W + W))
                .as("the transform after forget-output")
                .isEqualTo(java.util.Arrays.copyOf(task.startParameters(), W * W + W));

        ClassHeadState reset = trained.copy();
        task.operatorReset(reset, "operator");
        assertThat(task.publishedParameters(reset)).isEqualTo(task.startParameters());
        ClassHeadState rolledBack = trained.copy();
        task.operatorRollback(rolledBack, "operator");
        assertThat(task.publishedParameters(rolledBack)).isEqualTo(task.startParameters());
    }

    @Test
    void aStateRecordWrittenThroughOneTransformRestoresAsAResetUnderAnother() {
        AdaptationEngine first = engine(2);
        BatchResult r = run(first, MelPoolingEngineTest.stream("home/r", 20, 8));
        AdapterState record = first.stateRecords(r).get(0);
        AdaptationEngine other = engine(2, new ClassHeadTask(WHO, RECIPE, BINS, transform(6)));
        assertThat(other.restore(UserKey.parse("home/r"), 0, record)).isEqualTo(AdaptationEngine.Restored.RESET);
        ClassHeadState back = other.user(UserKey.parse("home/r")).classHeads().get(WHO);
        assertThat(back.liveParameters()).isEqualTo(other.classTasks().get(WHO).startTrainable());
        // and the same transform restores it as it was
        AdaptationEngine same = engine(2);
        assertThat(same.restore(UserKey.parse("home/r"), 0, record)).isNotEqualTo(AdaptationEngine.Restored.RESET);
        assertThat(same.user(UserKey.parse("home/r")).classHeads().get(WHO).liveParameters())
                .isEqualTo(first.user(UserKey.parse("home/r"))
                        .classHeads()
                        .get(WHO)
                        .liveParameters());
    }
}
