package dev.headstream.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.ClassHeadTrainingState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A class head's changelog record: written and read back bit for bit; refused, naming why, when it does not fit the task. */
class ClassHeadCodecTest {

    private static final UserKey ALICE = UserKey.parse("acme/alice");
    private static final ClassHeadTask TAGS =
            new ClassHeadTask("tags", ClassRecipe.defaults(TaskKind.Type.MULTI_LABEL, List.of("a", "b"), 3), 4);

    private static AdapterState record() {
        UserState user = new UserState(ALICE, 8);
        ClassHeadState h = TAGS.newState(ALICE.headId("tags"));
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 5; i++) {
            float[] v = new float[2 * 4];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) r.nextGaussian();
            }
            TAGS.apply(
                    h,
                    new EmbeddingSequence(2, 4, v),
                    new Label.MultiHot(new float[] {i % 2, 1}, new boolean[] {true, i % 3 == 0}),
                    1f,
                    i == 4 ? Split.HOLDOUT : Split.TRAIN);
        }
        user.classHeads().put("tags", h);
        return UserStateCodec.encode(user, Map.of(), Map.of("tags", TAGS));
    }

    private static AdapterState withHead(AdapterState s, ClassHeadTrainingState h) {
        return s.toBuilder().setClassHeads(0, h).build();
    }

    @Test
    void aRecordReadsBackBitForBit() {
        AdapterState record = record();
        assertThat(record.getClassHeads(0).getReplayCount()).isEqualTo(4);
        UserState back = UserStateCodec.decode(record, Map.of(), Map.of("tags", TAGS), 8);
        assertThat(UserStateCodec.encode(back, Map.of(), Map.of("tags", TAGS))).isEqualTo(record);
        // a reader without the class task refuses the record rather than dropping the head
        assertThatThrownBy(() -> UserStateCodec.decode(record, Map.of(), 8))
                .hasMessageContaining("unknown class task 'tags'");
    }

    @Test
    void aRecordThatDoesNotFitTheTaskIsRefusedNamingWhy() {
        AdapterState record = record();
        ClassHeadTrainingState h = record.getClassHeads(0);
        Map<String, ClassHeadTask> tasks = Map.of("tags", TAGS);
        ClassHeadTask otherStart =
                new ClassHeadTask("tags", ClassRecipe.defaults(TaskKind.Type.MULTI_LABEL, List.of("a", "b"), 4), 4);
        assertThatThrownBy(() -> UserStateCodec.decode(record, Map.of(), Map.of("tags", otherStart), 8))
                .hasMessageContaining("started from head");
        assertThatThrownBy(() -> UserStateCodec.decode(
                        withHead(
                                record,
                                h.toBuilder()
                                        .setParametersF32Le(
                                                h.getParametersF32Le().substring(4))
                                        .build()),
                        Map.of(),
                        tasks,
                        8))
                .hasMessageContaining("parameters");
        ByteBuffer nan = ByteBuffer.allocate(h.getParametersF32Le().size()).order(ByteOrder.LITTLE_ENDIAN);
        nan.put(h.getParametersF32Le().toByteArray());
        nan.putFloat(0, Float.NaN);
        assertThatThrownBy(() -> UserStateCodec.decode(
                        withHead(
                                record,
                                h.toBuilder()
                                        .setParametersF32Le(ByteString.copyFrom(nan.array()))
                                        .build()),
                        Map.of(),
                        tasks,
                        8))
                .hasMessageContaining("non-finite parameter at 0");
        assertThatThrownBy(() -> UserStateCodec.decode(
                        withHead(
                                record,
                                h.toBuilder()
                                        .setReplay(0, h.getReplay(0).toBuilder().clearMask())
                                        .build()),
                        Map.of(),
                        tasks,
                        8))
                .hasMessageContaining("replay example 0");
        assertThatThrownBy(() -> UserStateCodec.decode(
                        withHead(record, h.toBuilder().addOutputLabeled(1).build()), Map.of(), tasks, 8))
                .hasMessageContaining("per-output statistics");
        assertThatThrownBy(() -> UserStateCodec.decode(
                        withHead(
                                record, h.toBuilder().setHeadId("acme/bob/tags").build()),
                        Map.of(),
                        tasks,
                        8))
                .hasMessageContaining("is labelled");
    }

    @Test
    void aResetKeepsTheVersionNumbersGoingAndOwesARESET() {
        AdapterState record = record();
        UserState user = UserStateCodec.reset(
                ALICE, 0, record.toBuilder().setFormatVersion(99).build(), Map.of(), Map.of("tags", TAGS), 8, "why");
        ClassHeadState h = user.classHeads().get("tags");
        assertThat(h.pendingReset()).isTrue();
        assertThat(h.pendingResetReason()).isEqualTo("why");
        assertThat(h.liveParameters()).isEqualTo(TAGS.startParameters());
        assertThat(h.publishIfDue(1)).isTrue();
        assertThat(h.version()).isEqualTo(record.getClassHeads(0).getVersion() + 1);
    }

    private static dev.headstream.schemas.v1.HeadUpdate published() {
        return dev.headstream.schemas.v1.HeadUpdate.newBuilder()
                .setHeadId("acme/alice/tags")
                .setSpec(HeadCodec.classSpec(TAGS.architecture(), List.of("a", "b"), "mean-std"))
                .addAllTrainable(HeadCodec.classTensors(TAGS.architecture(), TAGS.startParameters()))
                .build();
    }

    @Test
    void aPublishedClassHeadDecodesAndAForgedOneIsRefusedNamingWhy() {
        dev.headstream.schemas.v1.HeadUpdate good = published();
        assertThat(HeadCodec.decodeClass(good).parameters()).isEqualTo(TAGS.startParameters());
        java.util.function.Function<
                        java.util.function.UnaryOperator<dev.headstream.schemas.v1.HeadSpec.Builder>,
                        dev.headstream.schemas.v1.HeadUpdate>
                spec = f -> good.toBuilder()
                .setSpec(f.apply(good.getSpec().toBuilder()))
                .build();
        assertThatThrownBy(() -> HeadCodec.decodeClass(spec.apply(b -> b.setOutput("sigmoid"))))
                .hasMessageContaining("not softmax or multi-label");
        assertThatThrownBy(() -> HeadCodec.decodeClass(spec.apply(b -> b.addOutputLabels("c"))))
                .hasMessageContaining("names 3 outputs but has 2");
        assertThatThrownBy(() -> HeadCodec.decodeClass(spec.apply(b -> b.setOutputLabels(1, "a"))))
                .hasMessageContaining("empty or repeated");
        assertThatThrownBy(() -> HeadCodec.decodeClass(spec.apply(b -> b.setPooling("max"))))
                .hasMessageContaining("pooling 'max'");
        // a known pooling must fit the head's input: mel-cepstrum is 76 values
        assertThatThrownBy(() -> HeadCodec.decodeClass(spec.apply(b -> b.setPooling("mel-cepstrum"))))
                .hasMessageContaining("a head reading mel-cepstrum takes 76 values, not");
        // the name is read as configuration reads it, and kept as the pooling's own label
        assertThat(HeadCodec.decodeClass(spec.apply(b -> b.setPooling(" Mean-Std")))
                        .pooling())
                .isEqualTo("mean-std");
        assertThatThrownBy(() -> HeadCodec.decodeClass(spec.apply(
                        b -> b.setLayers(2, b.getLayers(2).toBuilder().setOut(7)))))
                .hasMessageContaining("relu of");
        assertThatThrownBy(() -> HeadCodec.decodeClass(spec.apply(b ->
                        b.setLayers(1, b.getLayers(1).toBuilder().setIn(16384).setOut(16384)))))
                .hasMessageContaining("more than " + HeadCodec.MAX_CLASS_PARAMETERS + " parameters");
        assertThatThrownBy(() -> HeadCodec.decodeClass(spec.apply(
                        b -> b.setLayers(1, b.getLayers(1).toBuilder().setOut(1 << 20)))))
                .hasMessageContaining("width");
        // the layers below the trained ones (an input transform) travel with the head: 1 to all train
        assertThat(HeadCodec.decodeClass(spec.apply(b -> b.setTrainableTopLayers(1)))
                        .parameters())
                .isEqualTo(TAGS.startParameters());
        assertThatThrownBy(() -> HeadCodec.decodeClass(spec.apply(b -> b.setTrainableTopLayers(0))))
                .hasMessageContaining("trains 0 layers; a class head trains 1 to its 3 parameterised layers");
        assertThatThrownBy(() -> HeadCodec.decodeClass(spec.apply(b -> b.setTrainableTopLayers(4))))
                .hasMessageContaining("trains 4 layers");
        ByteBuffer nan = ByteBuffer.wrap(good.getTrainable(0).getFloat32Le().toByteArray())
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(0, Float.POSITIVE_INFINITY);
        assertThatThrownBy(() -> HeadCodec.decodeClass(good.toBuilder()
                        .setTrainable(
                                0, good.getTrainable(0).toBuilder().setFloat32Le(ByteString.copyFrom(nan.array())))
                        .build()))
                .hasMessageContaining("non-finite parameter at 0");
        assertThatThrownBy(() -> HeadCodec.decodeClass(
                        good.toBuilder().removeTrainable(3).build()))
                .hasMessageContaining("expected 'layers.1.bias'");
    }

    private static String refusal(AdapterState record) {
        try {
            UserStateCodec.decode(record, Map.of(), Map.of("tags", TAGS), 8);
            return "decoded";
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Test
    void everyOutOfRangeValueOfARecordIsRefused() {
        AdapterState record = record();
        ClassHeadTrainingState h = record.getClassHeads(0);
        var x = h.getReplay(0);
        assertThat(refusal(withHead(
                        record,
                        h.toBuilder()
                                .setReplay(0, x.toBuilder().setTargets(0, 0.5f))
                                .build())))
                .contains("has target 0.5");
        ByteBuffer in = ByteBuffer.wrap(x.getInputF32Le().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        in.putFloat(4, Float.NaN);
        assertThat(refusal(withHead(
                        record,
                        h.toBuilder()
                                .setReplay(0, x.toBuilder().setInputF32Le(ByteString.copyFrom(in.array())))
                                .build())))
                .contains("not finite or out of range");
        in.putFloat(4, 3e6f);
        assertThat(refusal(withHead(
                        record,
                        h.toBuilder()
                                .setReplay(0, x.toBuilder().setInputF32Le(ByteString.copyFrom(in.array())))
                                .build())))
                .contains("not finite or out of range");
        for (float w : new float[] {0f, -1f, Float.NaN, 101f}) {
            assertThat(refusal(withHead(
                            record,
                            h.toBuilder()
                                    .setReplay(0, x.toBuilder().setWeight(w))
                                    .build())))
                    .as("weight %s", w)
                    .contains("a positive weight");
        }
        ByteBuffer m =
                ByteBuffer.wrap(h.getOptimizer().getSlotsF32Le(1).toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        m.putFloat(0, -1f);
        assertThat(refusal(withHead(
                        record,
                        h.toBuilder()
                                .setOptimizer(
                                        h.getOptimizer().toBuilder().setSlotsF32Le(1, ByteString.copyFrom(m.array())))
                                .build())))
                .contains("optimizer slot 1 has a bad value -1.0");
        ByteBuffer inf =
                ByteBuffer.wrap(h.getOptimizer().getSlotsF32Le(0).toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        inf.putFloat(0, Float.POSITIVE_INFINITY);
        assertThat(refusal(withHead(
                        record,
                        h.toBuilder()
                                .setOptimizer(
                                        h.getOptimizer().toBuilder().setSlotsF32Le(0, ByteString.copyFrom(inf.array())))
                                .build())))
                .contains("optimizer slot 0 has a bad value Infinity");
        assertThat(refusal(withHead(
                        record,
                        h.toBuilder()
                                .setOptimizer(h.getOptimizer().toBuilder().setSteps(Long.MAX_VALUE))
                                .build())))
                .contains("steps >= 0");
        assertThat(refusal(withHead(record, h.toBuilder().setKind("multi-class").build())))
                .contains("was trained as multi-class [a, b]");
        assertThat(refusal(withHead(record, h.toBuilder().setLabels(0, "z").build())))
                .contains("was trained as multi-label [z, b]");
        assertThat(refusal(withHead(record, h.toBuilder().setVersion(-1).build())))
                .contains("negative version");
        // a buffer larger than the task keeps now (its replay-buffer was lowered): the newest kept
        ClassHeadTask smaller = new ClassHeadTask(
                "tags",
                new ClassRecipe(TaskKind.Type.MULTI_LABEL, List.of("a", "b"), 3, 64, 3e-3f, 1e-4f, 5f, 8, 8, 2),
                4);
        UserState back = UserStateCodec.decode(record, Map.of(), Map.of("tags", smaller), 8);
        assertThat(back.classHeads().get("tags").replay())
                .extracting(e -> e.input()[0])
                .containsExactly(UserStateCodec.decode(record, Map.of(), Map.of("tags", TAGS), 8)
                        .classHeads()
                        .get("tags")
                        .replay()
                        .subList(2, 4)
                        .stream()
                        .map(e -> e.input()[0])
                        .toArray(Float[]::new));
    }

    @Test
    void aResetNamesEachHeadsOwnProblemAndKeepsTheHeadsThatRead() {
        AdapterState record = record();
        ClassHeadTrainingState h = record.getClassHeads(0);
        ClassHeadTask other =
                new ClassHeadTask("other", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, List.of("x", "y"), 3), 4);
        AdapterState two = record.toBuilder()
                .addClassHeads(h.toBuilder()
                        .setTask("other")
                        .setSeed(dev.headstream.core.adapt.task.BinaryHeadTask.seedOf("acme/alice/other"))
                        .setHeadId("acme/alice/other")
                        .setKind("multi-class")
                        .clearLabels()
                        .addLabels("x")
                        .addLabels("y")
                        .clearReplay())
                .setClassHeads(
                        0, h.toBuilder().setReplay(0, h.getReplay(0).toBuilder().setTargets(0, 7f)))
                .build();
        UserState user = UserStateCodec.reset(
                ALICE, 0, two, Map.of(), Map.of("tags", TAGS, "other", other), 8, "record-level reason");
        assertThat(user.classHeads().get("other").pendingReset()).isFalse(); // it decoded: kept
        ClassHeadState tags = user.classHeads().get("tags");
        assertThat(tags.pendingReset()).isTrue();
        assertThat(tags.pendingResetReason()).contains("has target 7.0").contains("starts again from its start head");
    }
}
