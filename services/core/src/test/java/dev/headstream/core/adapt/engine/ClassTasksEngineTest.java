package dev.headstream.core.adapt.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.MeanStdPooling;
import dev.headstream.core.head.TaskArchitecture;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.FloatTensor;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.MultiHot;
import dev.headstream.schemas.v1.OutputScore;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Class tasks (multi-class and multi-label) in the engine: partial labels train only the labeled
 * outputs, the heads learn, versions and metrics come out per head, state restores bit for bit at
 * any batch boundary, controls act on class heads, erasure tombstones them, and wrong labels are
 * rejected. The backbone passes a {@code [3, 4]} tensor through as three embedding frames; the
 * samples' frames are drawn around a per-class centre, so the pooled means separate the classes.
 */
class ClassTasksEngineTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final String TRAITS = "traits";
    private static final String WHO = "who";
    private static final int FRAMES = 3;
    private static final int DIM = 4;

    private static final ClassRecipe TRAITS_RECIPE =
            ClassRecipe.defaults(TaskKind.Type.MULTI_LABEL, List.of("loud", "high", "never"), 7);
    private static final ClassRecipe WHO_RECIPE =
            ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, List.of("ann", "bob", "cat"), 11);

    private static AdaptationEngine engine(int workers) {
        Map<String, ClassRecipe> recipes = new LinkedHashMap<>();
        recipes.put(TRAITS, TRAITS_RECIPE);
        recipes.put(WHO, WHO_RECIPE);
        return classEngine(recipes, workers);
    }

    /** An engine of the class tasks {@code recipes} (no binary task) on [3, 4] tensors. */
    private static AdaptationEngine classEngine(Map<String, ClassRecipe> recipes, int workers) {
        Backbone backbone = new TensorBackbone("pass-through", "1".repeat(64), FRAMES, DIM);
        Map<String, TaskKind> kinds = new LinkedHashMap<>();
        Map<String, ClassHeadTask> tasks = new LinkedHashMap<>();
        recipes.forEach((name, r) -> {
            kinds.put(name, r.taskKind());
            tasks.put(name, new ClassHeadTask(name, r, DIM));
        });
        return new AdaptationEngine(
                backbone,
                new SampleDecoder(1 << 16, backbone, kinds),
                Map.of(),
                tasks,
                64,
                1,
                AdaptationEngine.OnlineRehearsal.OFF,
                RateLimit.OFF,
                AdaptationEngine.UNBOUNDED,
                workers);
    }

    /** Frames around the centre of class {@code c}: dimension {@code c} high, noise elsewhere. */
    private static float[] frames(int c, SplittableRandom random) {
        float[] v = new float[FRAMES * DIM];
        for (int f = 0; f < FRAMES; f++) {
            for (int d = 0; d < DIM; d++) {
                v[f * DIM + d] = (float) ((d == c ? 2.0 : 0.0) + random.nextGaussian() * 0.3);
            }
        }
        return v;
    }

    private static RawSample raw(long offset, String user, Sample.Builder s) {
        String[] tu = user.split("/");
        s.setTenant(tu[0]).setUser(tu[1]);
        return new RawSample(
                0, offset, user.getBytes(StandardCharsets.UTF_8), s.build().toByteArray());
    }

    private static Sample.Builder tensor(String id, float[] values) {
        return Sample.newBuilder()
                .setSampleId(id)
                .setTensor(
                        FloatTensor.newBuilder().addShape(FRAMES).addShape(DIM).addAllValues(floats(values)));
    }

    private static List<Float> floats(float[] v) {
        List<Float> out = new ArrayList<>();
        for (float x : v) {
            out.add(x);
        }
        return out;
    }

    /**
     * A stream for one user: sample i has class {@code i % 3}; "who" is labeled with that class;
     * "traits" labels "loud" (class 0) on even samples and "high" (class 1) on odd ones, never
     * "never"; every tenth sample is a holdout.
     */
    private static List<RawSample> stream(String user, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<RawSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            boolean even = i % 2 == 0;
            MultiHot.Builder m = MultiHot.newBuilder()
                    .addTargets(even && c == 0 ? 1f : 0f)
                    .addTargets(!even && c == 1 ? 1f : 0f)
                    .addTargets(0f)
                    .addMask(even)
                    .addMask(!even)
                    .addMask(false);
            Sample.Builder s = tensor(user + "-" + i, frames(c, random))
                    .putLabels(WHO, Label.newBuilder().setClassIndex(c).build())
                    .putLabels(TRAITS, Label.newBuilder().setMultiHot(m).build())
                    .setSplit(i % 10 == 9 ? Split.SPLIT_HOLDOUT : Split.SPLIT_TRAIN);
            out.add(raw(i, user, s));
        }
        return out;
    }

    private static BatchResult control(AdaptationEngine e, long offset, String user, ControlAction action) {
        BatchResult r = e.process(List.of(), List.of(TinyEngine.control(0, offset, user, action)), NOW);
        e.commit(r);
        return r;
    }

    private static BatchResult run(AdaptationEngine e, List<RawSample> batch) {
        BatchResult r = e.process(batch, NOW);
        e.commit(r);
        return r;
    }

    /** The last Dense layer's weight row and bias of output {@code o}, from a class head's parameters. */
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
    void partialLabelsTrainOnlyTheLabeledOutputsAndTheHeadsLearn() {
        AdaptationEngine e = engine(2);
        List<RawSample> samples = stream("acme/ann", 90, 1);
        List<AdaptationMetrics> metrics = new ArrayList<>();
        List<HeadUpdate> heads = new ArrayList<>();
        for (int i = 0; i < samples.size(); i += 10) {
            BatchResult r = run(e, samples.subList(i, i + 10));
            assertThat(r.rejections()).isEmpty();
            metrics.addAll(r.metrics());
            heads.addAll(r.heads());
        }
        ClassHeadTask traits = e.classTasks().get(TRAITS);
        ClassHeadState t = e.user(UserKey.parse("acme/ann")).classHeads().get(TRAITS);
        float[] start = traits.startParameters();
        TaskArchitecture a = traits.architecture();
        // "never" was never labeled: its output row and bias are the start's, bit for bit
        assertThat(outputRow(a, t.liveParameters(), 2)).isEqualTo(outputRow(a, start, 2));
        assertThat(outputRow(a, t.liveParameters(), 0)).isNotEqualTo(outputRow(a, start, 0));
        assertThat(outputRow(a, t.liveParameters(), 1)).isNotEqualTo(outputRow(a, start, 1));

        AdaptationMetrics last = metrics.stream()
                .filter(m -> m.getTask().equals(TRAITS))
                .reduce((x, y) -> y)
                .orElseThrow();
        // 81 training samples: 45 even (labeled "loud"), 36 odd (labeled "high": the 9 holdouts are odd),
        // none "never"
        assertThat(last.getOutputsList())
                .extracting(OutputScore::getLabel, OutputScore::getLabeled)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("loud", 45L),
                        org.assertj.core.groups.Tuple.tuple("high", 36L),
                        org.assertj.core.groups.Tuple.tuple("never", 0L));
        assertThat(last.getSamplesApplied()).isEqualTo(81);
        assertThat(last.getSamplesSeen()).isEqualTo(90);
        assertThat(last.getAdaptedHoldout().getCount()).isEqualTo(9);

        AdaptationMetrics who = metrics.stream()
                .filter(m -> m.getTask().equals(WHO))
                .reduce((x, y) -> y)
                .orElseThrow();
        // the start head ranks every class alike (class 0 first: about a third right); the adapted
        // head learned the three centres, test-then-train and on the holdout samples
        assertThat(who.getSourcePrequential().getAccuracy()).isLessThan(0.4);
        assertThat(who.getAdaptedPrequential().getAccuracy()).isGreaterThan(0.8);
        assertThat(who.getAdaptedHoldout().getAccuracy()).isGreaterThan(0.85);
        assertThat(who.getAdaptedPrequential().getMeanLoss())
                .isLessThan(who.getSourcePrequential().getMeanLoss());

        // one version per batch per head, numbered 1..9; the published parameters are the state's
        List<HeadUpdate> whoVersions =
                heads.stream().filter(h -> h.getTask().equals(WHO)).toList();
        assertThat(whoVersions).extracting(HeadUpdate::getVersion).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        HeadUpdate newest = whoVersions.get(8);
        assertThat(newest.getSpec().getOutput()).isEqualTo("softmax");
        assertThat(newest.getSpec().getOutputLabelsList()).containsExactly("ann", "bob", "cat");
        assertThat(newest.getSpec().getPooling()).isEqualTo(MeanStdPooling.NAME);
        assertThat(newest.getProvenance().getSourceHeadId()).isEqualTo("fresh:11");
        HeadCodec.DecodedClass d = HeadCodec.decodeClass(newest);
        assertThat(d.parameters())
                .isEqualTo(
                        e.user(UserKey.parse("acme/ann")).classHeads().get(WHO).liveParameters());
        assertThat(HeadCodec.decodeClass(heads.stream()
                                .filter(h -> h.getTask().equals(TRAITS))
                                .reduce((x, y) -> y)
                                .orElseThrow())
                        .architecture()
                        .output()
                        .outputs())
                .isEqualTo(3);
    }

    @Test
    void theSameStreamGivesTheSameBitsAtAnyBatchingWorkersAndRestore() {
        List<RawSample> samples = stream("acme/bob", 40, 2);
        AdaptationEngine one = engine(1);
        for (RawSample s : samples) {
            run(one, List.of(s));
        }
        AdaptationEngine other = engine(2);
        BatchResult first = run(other, samples.subList(0, 17));
        AdapterState record = other.stateRecords(first).get(0);
        AdaptationEngine restored = engine(2);
        restored.restore(record);
        run(restored, samples.subList(17, 40));
        for (String task : List.of(TRAITS, WHO)) {
            ClassHeadState a = one.user(UserKey.parse("acme/bob")).classHeads().get(task);
            ClassHeadState b =
                    restored.user(UserKey.parse("acme/bob")).classHeads().get(task);
            assertThat(b.liveParameters()).isEqualTo(a.liveParameters());
            assertThat(b.liveOptimizer().sameAs(a.liveOptimizer())).isTrue();
            assertThat(b.samplesApplied()).isEqualTo(a.samplesApplied());
            assertThat(b.adaptedPrequential()).isEqualTo(a.adaptedPrequential());
        }
        // the record round-trips exactly
        AdaptationEngine again = engine(1);
        again.restore(record);
        assertThat(again.stateCodec().encode(again.user(UserKey.parse("acme/bob"))))
                .isEqualTo(record);
    }

    @Test
    void controlsResetRollBackAndFreezeClassHeadsAndErasureTombstonesThem() {
        AdaptationEngine e = engine(1);
        List<RawSample> samples = stream("acme/cat", 20, 3);
        run(e, samples.subList(0, 10));
        ClassHeadTask who = e.classTasks().get(WHO);

        BatchResult frozen = control(e, 100, "acme/cat", ControlAction.CONTROL_ACTION_FREEZE);
        assertThat(frozen.rejections()).isEmpty();
        float[] before = e.user(UserKey.parse("acme/cat"))
                .classHeads()
                .get(WHO)
                .liveParameters()
                .clone();
        BatchResult whileFrozen = run(e, samples.subList(10, 12));
        assertThat(whileFrozen.heads()).isEmpty(); // scored, not trained: nothing to publish
        assertThat(e.user(UserKey.parse("acme/cat")).classHeads().get(WHO).liveParameters())
                .isEqualTo(before);

        BatchResult rolledBack = control(e, 101, "acme/cat", ControlAction.CONTROL_ACTION_ROLLBACK);
        assertThat(rolledBack.heads())
                .extracting(HeadUpdate::getTask, HeadUpdate::getStatus)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(TRAITS, HeadStatus.HEAD_STATUS_ROLLED_BACK),
                        org.assertj.core.groups.Tuple.tuple(WHO, HeadStatus.HEAD_STATUS_ROLLED_BACK));
        HeadUpdate whoBack = rolledBack.heads().stream()
                .filter(h -> h.getTask().equals(WHO))
                .findFirst()
                .orElseThrow();
        assertThat(HeadCodec.decodeClass(whoBack).parameters()).isEqualTo(who.startParameters());
        assertThat(e.user(UserKey.parse("acme/cat")).classHeads().get(WHO).frozen())
                .isTrue();

        BatchResult reset = control(e, 102, "acme/cat", ControlAction.CONTROL_ACTION_RESET);
        assertThat(reset.heads()).extracting(HeadUpdate::getStatus).containsOnly(HeadStatus.HEAD_STATUS_RESET);
        ClassHeadState afterReset =
                e.user(UserKey.parse("acme/cat")).classHeads().get(WHO);
        assertThat(afterReset.frozen()).isFalse();
        // back at the start; counts and statistics go on, as a binary head's do
        assertThat(afterReset.liveParameters()).isEqualTo(who.startParameters());
        assertThat(afterReset.replaySize()).isZero();
        assertThat(afterReset.adaptedPrequential().count()).isEqualTo(11);
        long versionAfterReset = afterReset.version();
        BatchResult trained = run(e, samples.subList(12, 14));
        assertThat(trained.heads())
                .filteredOn(h -> h.getTask().equals(WHO))
                .extracting(HeadUpdate::getVersion)
                .containsExactly(versionAfterReset + 1);

        BatchResult erased = control(e, 103, "acme/cat", ControlAction.CONTROL_ACTION_ERASE);
        assertThat(erased.erasures()).hasSize(1);
        assertThat(erased.erasures().get(0).headIds()).containsExactly("acme/cat/traits", "acme/cat/who");
        assertThat(e.user(UserKey.parse("acme/cat"))).isNull();
    }

    @Test
    void wrongLabelsAreRejectedAndTheHeadsAreUntouched() {
        AdaptationEngine e = engine(1);
        SplittableRandom random = new SplittableRandom(4);
        BatchResult r = run(
                e,
                List.of(
                        raw(
                                0,
                                "acme/dan",
                                tensor("d-0", frames(0, random))
                                        .putLabels(
                                                WHO,
                                                Label.newBuilder()
                                                        .setClassIndex(3)
                                                        .build())),
                        raw(
                                1,
                                "acme/dan",
                                tensor("d-1", frames(0, random))
                                        .putLabels(
                                                TRAITS,
                                                Label.newBuilder()
                                                        .setClassIndex(0)
                                                        .build())),
                        raw(
                                2,
                                "acme/dan",
                                tensor("d-2", frames(0, random))
                                        .putLabels(
                                                TRAITS,
                                                Label.newBuilder()
                                                        .setMultiHot(MultiHot.newBuilder()
                                                                .addTargets(1f)
                                                                .addMask(true))
                                                        .build())),
                        raw(
                                3,
                                "acme/dan",
                                tensor("d-3", frames(0, random))
                                        .putLabels(
                                                WHO,
                                                Label.newBuilder()
                                                        .setBinary(true)
                                                        .build()))));
        assertThat(r.rejections())
                .extracting(x -> x.reason())
                .containsOnly(RejectReason.LABEL_RANGE)
                .hasSize(4);
        assertThat(r.heads()).isEmpty();
        assertThat(e.user(UserKey.parse("acme/dan"))).isNull();
    }

    /** The record of {@code user} after training {@code samples} on a one-worker engine. */
    private static AdapterState recordAfter(List<RawSample> samples) {
        AdaptationEngine e = engine(1);
        BatchResult r = run(e, samples);
        return e.stateRecords(r).get(0);
    }

    @Test
    void aForgedReplayExampleResetsTheHeadAndLeavesTheThreadClean() {
        List<RawSample> ann = stream("acme/ann", 12, 5);
        AdapterState record = recordAfter(ann.subList(0, 8));
        assertThat(record.getFormatVersion()).isEqualTo(2);
        int who = record.getClassHeadsList().stream()
                .map(h -> h.getTask())
                .toList()
                .indexOf(WHO);
        dev.headstream.schemas.v1.ClassHeadTrainingState h = record.getClassHeads(who);
        AdapterState forged = record.toBuilder()
                .setClassHeads(
                        who,
                        h.toBuilder()
                                .setReplay(
                                        0,
                                        h.getReplay(0).toBuilder()
                                                .setTargets(0, 0f)
                                                .setTargets(1, 0f)
                                                .setTargets(2, 0f)))
                .build();
        List<RawSample> bob = stream("acme/bob", 10, 6);
        AdaptationEngine clean = engine(1);
        run(clean, bob);

        AdaptationEngine e = engine(1);
        assertThat(e.restore(UserKey.parse("acme/ann"), 0, forged)).isEqualTo(AdaptationEngine.Restored.RESET);
        BatchResult r = run(e, ann.subList(8, 12));
        assertThat(r.rejections()).isEmpty();
        // the forged head starts again (RESET, its versions going on); the other class head decoded and is kept
        HeadUpdate reset = r.heads().stream()
                .filter(x -> x.getTask().equals(WHO))
                .findFirst()
                .orElseThrow();
        assertThat(reset.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        assertThat(reset.getVersion()).isEqualTo(h.getVersion() + 1);
        assertThat(reset.getStatusReason()).isNotEmpty();
        ClassHeadState kept = e.user(UserKey.parse("acme/ann")).classHeads().get(TRAITS);
        assertThat(kept.samplesApplied()).isGreaterThan(8);
        run(e, bob);
        for (String task : List.of(TRAITS, WHO)) {
            assertThat(e.user(UserKey.parse("acme/bob")).classHeads().get(task).liveParameters())
                    .isEqualTo(clean.user(UserKey.parse("acme/bob"))
                            .classHeads()
                            .get(task)
                            .liveParameters());
        }
    }

    @Test
    void aRecordOfOtherLabelsIsNotReadAsThisTasks() {
        AdapterState record = recordAfter(stream("acme/ann", 6, 7));
        ClassRecipe swapped = ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, List.of("bob", "ann", "cat"), 11);
        Map<String, ClassRecipe> recipes = new LinkedHashMap<>();
        recipes.put(TRAITS, TRAITS_RECIPE);
        recipes.put(WHO, swapped);
        AdaptationEngine e = classEngine(recipes, 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> e.restore(record))
                .hasMessageContaining("was trained as multi-class [ann, bob, cat]");
        assertThat(e.restore(UserKey.parse("acme/ann"), 0, record)).isEqualTo(AdaptationEngine.Restored.RESET);
        assertThat(e.user(UserKey.parse("acme/ann")).classHeads().get(WHO).pendingReset())
                .isTrue();
        assertThat(e.user(UserKey.parse("acme/ann")).classHeads().get(TRAITS).pendingReset())
                .isFalse();
    }

    @Test
    void manyUsersOnManyWorkersGiveTheSameBitsAsOne() {
        List<RawSample> all = new ArrayList<>();
        for (int u = 0; u < 6; u++) {
            all.addAll(stream("acme/u" + u, 12, 20 + u));
        }
        // interleave users as a partition would hold them
        List<RawSample> interleaved = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            for (int u = 0; u < 6; u++) {
                RawSample r = all.get(u * 12 + i);
                interleaved.add(new RawSample(0, interleaved.size(), r.key(), r.value()));
            }
        }
        AdaptationEngine one = engine(1);
        AdaptationEngine three = engine(3);
        List<HeadUpdate> a = new ArrayList<>();
        List<HeadUpdate> b = new ArrayList<>();
        for (int i = 0; i < interleaved.size(); i += 18) {
            a.addAll(run(one, interleaved.subList(i, i + 18)).heads());
            b.addAll(run(three, interleaved.subList(i, i + 18)).heads());
        }
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).toBuilder().clearCreatedTimeMs().build())
                    .isEqualTo(a.get(i).toBuilder().clearCreatedTimeMs().build());
        }
    }

    @Test
    void anOperatorResetSaysWhyAndReplayStepsZeroPublishesNothing() {
        AdaptationEngine e = engine(1);
        run(e, stream("acme/eve", 4, 8));
        BatchResult reset = control(e, 50, "acme/eve", ControlAction.CONTROL_ACTION_RESET);
        assertThat(reset.heads()).extracting(HeadUpdate::getStatusReason).containsOnly("operator reset: test");

        ClassRecipe still = new ClassRecipe(TaskKind.Type.MULTI_CLASS, List.of("a", "b"), 1, 8, 1e-3f, 0f, 5f, 0, 4, 8);
        AdaptationEngine quiet = classEngine(Map.of(WHO, still), 1);
        SplittableRandom random = new SplittableRandom(9);
        BatchResult r = run(
                quiet,
                List.of(raw(
                        0,
                        "acme/eve",
                        tensor("e-0", frames(0, random))
                                .putLabels(
                                        WHO, Label.newBuilder().setClassIndex(1).build()))));
        assertThat(r.rejections()).isEmpty();
        assertThat(r.metrics()).hasSize(1);
        assertThat(r.heads()).isEmpty();
    }

    @Test
    void oneSampleTrainsABinaryAndAClassHeadOnOneBackbonePass() {
        Backbone backbone = new TensorBackbone("pass-through", "1".repeat(64), 1, 2);
        ClassRecipe sides = ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, List.of("left", "right"), 3);
        AdaptationEngine e = new AdaptationEngine(
                backbone,
                new SampleDecoder(
                        1 << 16, backbone, Map.of(TinyEngine.TASK, TaskKind.binary(), "side", sides.taskKind())),
                Map.of(TinyEngine.TASK, TinyEngine.task(TinyEngine.SOURCE.sha256())),
                Map.of("side", new ClassHeadTask("side", sides, 2)),
                64,
                1,
                AdaptationEngine.OnlineRehearsal.OFF,
                RateLimit.OFF,
                AdaptationEngine.UNBOUNDED,
                1);
        List<RawSample> batch = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            float z = i % 2 == 0 ? 4f : -4f;
            batch.add(raw(
                    i,
                    "acme/fay",
                    Sample.newBuilder()
                            .setSampleId("f-" + i)
                            .setTensor(FloatTensor.newBuilder()
                                    .addShape(1)
                                    .addShape(2)
                                    .addValues(z)
                                    .addValues(0f))
                            .putLabels(
                                    TinyEngine.TASK,
                                    Label.newBuilder().setBinary(z > 0).build())
                            .putLabels(
                                    "side",
                                    Label.newBuilder()
                                            .setClassIndex(z > 0 ? 1 : 0)
                                            .build())));
        }
        BatchResult r = run(e, batch);
        assertThat(r.rejections()).isEmpty();
        assertThat(r.metrics())
                .extracting(AdaptationMetrics::getTask)
                .containsOnly(TinyEngine.TASK, "side")
                .hasSize(12);
        assertThat(r.heads()).extracting(HeadUpdate::getTask).containsExactlyInAnyOrder(TinyEngine.TASK, "side");
        var user = e.user(UserKey.parse("acme/fay"));
        assertThat(user.heads().get(TinyEngine.TASK).samplesApplied()).isEqualTo(6);
        assertThat(user.classHeads().get("side").samplesApplied()).isEqualTo(6);
        assertThat(user.taskNames()).containsExactly("side", TinyEngine.TASK);
        // and the record holds both, and reads back
        AdapterState record = e.stateRecords(r).get(0);
        assertThat(record.getHeadsCount()).isEqualTo(1);
        assertThat(record.getClassHeadsCount()).isEqualTo(1);
        assertThat(e.stateCodec().encode(e.stateCodec().decode(record))).isEqualTo(record);
    }

    /** A control record of {@code action} for task {@code task} and output {@code output}. */
    private static RawSample forget(long offset, String user, String task, String output) {
        String[] tu = user.split("/");
        dev.headstream.schemas.v1.Control c = dev.headstream.schemas.v1.Control.newBuilder()
                .setTenant(tu[0])
                .setUser(tu[1])
                .setTask(task)
                .setAction(ControlAction.CONTROL_ACTION_FORGET_OUTPUT)
                .setOutput(output)
                .setReason("moved out")
                .build();
        return new RawSample(0, offset, user.getBytes(StandardCharsets.UTF_8), c.toByteArray());
    }

    @Test
    void forgettingAMemberRebuildsTheHeadAsIfTheyHadNeverEnrolled() {
        // 30 training samples (no holdout), classes 0, 1, 2 in turn: under the replay buffer's 64
        List<RawSample> all = new ArrayList<>();
        List<RawSample> withoutBob = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 30; i++) {
            int c = i % 3;
            Sample.Builder b = tensor("g-" + i, frames(c, random))
                    .putLabels(WHO, Label.newBuilder().setClassIndex(c).build());
            all.add(raw(all.size(), "acme/gus", b.clone()));
            if (c != 1) {
                withoutBob.add(raw(withoutBob.size(), "acme/gus", b.clone()));
            }
        }
        AdaptationEngine e = engine(1);
        run(e, all);
        BatchResult forgot = e.process(List.of(), List.of(forget(200, "acme/gus", WHO, "bob")), NOW);
        e.commit(forgot);
        assertThat(forgot.rejections()).isEmpty();
        assertThat(forgot.heads()).hasSize(1);
        HeadUpdate v = forgot.heads().get(0);
        assertThat(v.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        assertThat(v.getStatusReason()).isEqualTo("operator removed output 'bob': moved out");
        ClassHeadState h = e.user(UserKey.parse("acme/gus")).classHeads().get(WHO);
        assertThat(h.replay()).noneMatch(x -> x.targets()[1] == 1f).hasSize(20);
        assertThat(h.outputLabeled(1)).isZero();
        assertThat(h.outputLabeled(0)).isEqualTo(10);

        AdaptationEngine never = engine(1);
        run(never, withoutBob);
        ClassHeadState n = never.user(UserKey.parse("acme/gus")).classHeads().get(WHO);
        assertThat(h.liveParameters()).isEqualTo(n.liveParameters());
        assertThat(h.liveOptimizer().sameAs(n.liveOptimizer())).isTrue();
        assertThat(HeadCodec.decodeClass(v).parameters()).isEqualTo(n.liveParameters());
    }

    @Test
    void forgetOutputIsRefusedForABinaryTaskAnUnknownOutputOrWithoutATask() {
        AdaptationEngine e = engine(1);
        run(e, stream("acme/hal", 3, 13));
        BatchResult r = e.process(
                List.of(),
                List.of(
                        forget(100, "acme/hal", WHO, "dan"),
                        forget(101, "acme/hal", "", "ann"),
                        forget(102, "acme/hal", WHO, "")),
                NOW);
        assertThat(r.rejections())
                .extracting(x -> x.reason())
                .containsExactly(RejectReason.LABEL_RANGE, RejectReason.MALFORMED, RejectReason.MALFORMED);
        assertThat(r.rejections().get(0).message()).contains("has no output 'dan'; its outputs are [ann, bob, cat]");
        assertThat(r.heads()).isEmpty();
    }
}
