package dev.headstream.core.wire;

import static dev.headstream.core.adapt.WakeWordFixture.TASK;
import static dev.headstream.core.adapt.WakeWordFixture.holdout;
import static dev.headstream.core.adapt.WakeWordFixture.other;
import static dev.headstream.core.adapt.WakeWordFixture.train;
import static dev.headstream.core.adapt.WakeWordFixture.wake;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.headstream.core.adapt.WakeWordFixture;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.adapt.state.DedupWindow;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.StoredClip;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.HeadMonitors;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadTrainingState;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UserStateCodecTest {

    private static final String ALICE_VOICE = "en-gb-scotland+m3";
    private static final String BOB_VOICE = "en-us+f4";
    private static final UserKey ALICE = new UserKey("acme", "alice");
    private static final long NOW = 1_700_000_000_000L;
    private static final int DEDUP = 64;

    private static WakeWordFixture fx;

    @BeforeAll
    static void load() {
        fx = new WakeWordFixture();
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    /** alice: 2 positives, a negative and a holdout clip; bob: a positive. */
    private static List<RawSample> firstBatch() {
        return List.of(
                train(10, "acme", "alice", "a-1", wake(ALICE_VOICE, 0), true),
                train(11, "acme", "bob", "b-1", wake(BOB_VOICE, 0), true),
                train(12, "acme", "alice", "a-2", other(ALICE_VOICE, 0), false),
                train(13, "acme", "alice", "a-3", wake(ALICE_VOICE, 1), true),
                holdout(14, "acme", "alice", "h-1", wake(ALICE_VOICE, 2), true));
    }

    /** alice: a positive, a retry of a-2 and a negative; bob: a negative. */
    private static List<RawSample> secondBatch() {
        return List.of(
                train(15, "acme", "alice", "a-4", wake(ALICE_VOICE, 2), true),
                train(16, "acme", "bob", "b-2", other(BOB_VOICE, 1), false),
                train(17, "acme", "alice", "a-2", other(ALICE_VOICE, 0), false),
                train(18, "acme", "alice", "a-5", other(ALICE_VOICE, 1), false));
    }

    private static Map<String, BinaryHeadTask> tasks(HeadRecipe recipe) {
        return Map.of(TASK, new BinaryHeadTask(TASK, fx.source, recipe, fx.rehearsal));
    }

    private static AdaptationEngine engine(HeadRecipe recipe) {
        SampleDecoder decoder = new SampleDecoder(1 << 20, fx.backbone, Map.of(TASK, TaskKind.binary()));
        return new AdaptationEngine(fx.backbone, decoder, tasks(recipe), DEDUP);
    }

    private static AdapterState aliceAfterFirstBatch(AdaptationEngine engine) {
        BatchResult r = engine.process(firstBatch(), NOW);
        engine.commit(r);
        return engine.stateRecords(r).stream()
                .filter(s -> UserStateCodec.recordKey(s).equals("acme/alice"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void negativeTransferActionStateSurvivesTheRoundTrip() {
        AdapterState clean = aliceAfterFirstBatch(fx.engine());
        HeadTrainingState head = clean.getHeads(0);
        float[] lastGood = floats(head.getTrainableF32Le());
        lastGood[0] += 0.25f;
        AdapterState record = withHead(
                clean,
                head.toBuilder()
                        .setFrozen(true)
                        .setL2SpScale(100f)
                        .setRollbacks(2)
                        .setPendingRollbackReason("negative transfer: test")
                        .setLastGoodF32Le(bytes(lastGood))
                        .setLastGoodVersion(7)
                        .setLastGoodThreshold(0.625f)
                        .setErrorAdwinState(0, 1.0));
        Map<String, BinaryHeadTask> tasks = tasks(WakeWordFixture.RECIPE);

        HeadState h = UserStateCodec.decode(record, tasks, DEDUP).heads().get(TASK);
        UserState again = new UserState(ALICE, DEDUP, 0, 14, RateLimit.Bucket.EMPTY);
        again.heads().put(TASK, h);
        UserState back = UserStateCodec.decode(
                UserStateCodec.parse(UserStateCodec.encode(again, tasks).toByteArray()), tasks, DEDUP);

        HeadState.Snapshot s = h.snapshot();
        assertThat(s.frozen()).isTrue();
        assertThat(s.l2spScale()).isEqualTo(100f);
        assertThat(s.rollbacks()).isEqualTo(2);
        assertThat(s.pendingRollback()).isEqualTo("negative transfer: test");
        assertThat(bits(s.lastGood())).isEqualTo(bits(lastGood));
        assertThat(s.lastGoodVersion()).isEqualTo(7);
        assertThat(s.lastGoodThreshold()).isEqualTo(0.625f);
        assertThat(s.errorRiseAlarm()).isTrue();
        assertThat(UserStateCodec.encode(again, tasks).getHeads(0)).isEqualTo(record.getHeads(0));
        assertSameHead(back.heads().get(TASK), h);
    }

    @Test
    void encodeThenDecodeRestoresEveryFieldBitForBit() {
        AdaptationEngine engine = fx.engine();
        AdapterState record = aliceAfterFirstBatch(engine);
        UserState live = engine.user(ALICE);

        UserState back =
                UserStateCodec.decode(UserStateCodec.parse(record.toByteArray()), tasks(WakeWordFixture.RECIPE), DEDUP);

        assertThat(back.key()).isEqualTo(ALICE);
        assertThat(back.partition()).isZero();
        assertThat(back.lastAppliedOffset())
                .as("the holdout clip counts as applied")
                .isEqualTo(14);
        assertThat(back.recentFingerprints())
                .containsExactly(Stream.of("a-1", "a-2", "a-3", "h-1")
                        .mapToLong(DedupWindow::fingerprint)
                        .toArray())
                .isEqualTo(live.recentFingerprints());
        assertThat(record.getRecentSampleIdsList())
                .as("ids are no longer written")
                .isEmpty();
        assertThat(back.heads()).containsOnlyKeys(TASK);
        assertSameHead(back.heads().get(TASK), live.heads().get(TASK));
        assertThat(UserStateCodec.encode(back, tasks(WakeWordFixture.RECIPE)).toByteArray())
                .isEqualTo(record.toByteArray());
    }

    @Test
    void engineRestoredFromAnotherEnginesStateRecordsContinuesWithBitIdenticalHeads() {
        assertRestoredEngineContinuesIdentically(fx::engine);
    }

    @Test
    void lowRankStateRoundTripsAndContinuesIdentically() {
        HeadRecipe lora = WakeWordFixture.RECIPE.withLoraRank(2);
        AdaptationEngine engine = engine(lora);
        AdapterState record = aliceAfterFirstBatch(engine);
        HeadTrainingState head = record.getHeads(0);
        HeadState live = engine.user(ALICE).heads().get(TASK);
        assertThat(head.getTrainableF32Le().size())
                .as("the LoRA vector, not a merged tail")
                .isEqualTo(live.trainable().length * Float.BYTES);

        UserState back = UserStateCodec.decode(record, tasks(lora), DEDUP);
        assertSameHead(back.heads().get(TASK), live);
        assertThat(UserStateCodec.encode(back, tasks(lora))).isEqualTo(record);

        assertRestoredEngineContinuesIdentically(() -> engine(lora));
    }

    private static void assertRestoredEngineContinuesIdentically(Supplier<AdaptationEngine> engines) {
        AdaptationEngine both = engines.get();
        BatchResult first = both.process(firstBatch(), NOW);
        both.commit(first);
        List<AdapterState> records = both.stateRecords(first);
        assertThat(records).extracting(UserStateCodec::recordKey).containsExactly("acme/alice", "acme/bob");

        AdaptationEngine restored = engines.get();
        for (AdapterState s : records) {
            restored.restore(UserStateCodec.parse(s.toByteArray()));
        }
        assertThat(restored.users()).isEqualTo(2);

        BatchResult expected = both.process(secondBatch(), NOW);
        both.commit(expected);
        BatchResult actual = restored.process(secondBatch(), NOW + 60_000);
        restored.commit(actual);

        assertThat(actual.rejections())
                .extracting(Rejection::reason)
                .as("the dedup window was restored")
                .containsExactly(RejectReason.DUPLICATE);
        assertThat(expected.heads()).hasSize(2);
        assertThat(withoutTime(actual.heads(), actual.metrics()))
                .isEqualTo(withoutTime(expected.heads(), expected.metrics()));
        assertThat(restored.stateRecords(actual)).isEqualTo(both.stateRecords(expected));
    }

    private static List<ByteString> withoutTime(List<HeadUpdate> heads, List<AdaptationMetrics> metrics) {
        List<ByteString> out = new ArrayList<>();
        heads.forEach(h -> out.add(h.toBuilder().clearCreatedTimeMs().build().toByteString()));
        metrics.forEach(m -> out.add(m.toBuilder().clearCreatedTimeMs().build().toByteString()));
        return out;
    }

    @Test
    void decodeRefusesATrainableVectorOfAnotherLength() {
        AdapterState record = aliceAfterFirstBatch(fx.engine());
        int floats = record.getHeads(0).getTrainableF32Le().size() / Float.BYTES;
        Map<String, BinaryHeadTask> topOne = tasks(WakeWordFixture.RECIPE.withTrainableTopLayers(1));
        int expected = topOne.get(TASK).newState("x").trainable().length;

        assertThatThrownBy(() -> UserStateCodec.decode(record, topOne, DEDUP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adapter state of head acme/alice/wake has a trainable vector of " + floats
                        + " floats; task 'wake' trains " + expected);
    }

    @Test
    void decodeRefusesAnUnknownTask() {
        AdapterState record = aliceAfterFirstBatch(fx.engine());
        Map<String, BinaryHeadTask> others = Map.of("other", fx.task());

        assertThatThrownBy(() -> UserStateCodec.decode(record, others, DEDUP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "adapter state of acme/alice has a head for unknown task 'wake'; this adapter knows [other]");
    }

    @Test
    void decodeRefusesCorruptBytesNamingWhatIsWrong() {
        AdapterState record = aliceAfterFirstBatch(fx.engine());
        Map<String, BinaryHeadTask> tasks = tasks(WakeWordFixture.RECIPE);
        HeadTrainingState head = record.getHeads(0);

        assertThatThrownBy(() -> UserStateCodec.parse(new byte[] {(byte) 0xff, (byte) 0xff, 0x0f}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("adapter state record of 3 bytes does not parse");
        byte[] truncated = record.toByteArray();
        assertThatThrownBy(() -> UserStateCodec.parse(Arrays.copyOf(truncated, truncated.length - 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not parse");

        ByteString tail = head.getTrainableF32Le();
        AdapterState ragged = withHead(record, head.toBuilder().setTrainableF32Le(tail.substring(0, tail.size() - 1)));
        assertThatThrownBy(() -> UserStateCodec.decode(ragged, tasks, DEDUP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adapter state of head acme/alice/wake trainable vector has " + (tail.size() - 1)
                        + " bytes, not a whole number of float32 values");

        HeadTrainingState.Builder shortSlot = head.toBuilder();
        shortSlot.getOptimizerBuilder().setSlotsF32Le(1, ByteString.copyFrom(new byte[8]));
        assertThatThrownBy(() -> UserStateCodec.decode(withHead(record, shortSlot), tasks, DEDUP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "adapter state of head acme/alice/wake has optimizer slot 1 of 2 floats; the trainable vector has "
                                + tail.size() / Float.BYTES);

        HeadTrainingState.Builder badClip = head.toBuilder();
        int frames = badClip.getReplay(0).getFrames();
        badClip.setReplay(0, badClip.getReplay(0).toBuilder().setFrames(frames + 1));
        assertThatThrownBy(() -> UserStateCodec.decode(withHead(record, badClip), tasks, DEDUP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adapter state of head acme/alice/wake replay clip 0 is " + (frames + 1) + " x "
                        + WakeWordBackbone.EMBEDDING_DIM + " but holds " + frames * WakeWordBackbone.EMBEDDING_DIM
                        + " half-precision values");

        AdapterState otherSource = withHead(record, head.toBuilder().setSourceHeadSha256("0".repeat(64)));
        assertThatThrownBy(() -> UserStateCodec.decode(otherSource, tasks, DEDUP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("adapter state of head acme/alice/wake was adapted from source head 0000");

        AdapterState future = record.toBuilder().setFormatVersion(3).build();
        assertThatThrownBy(() -> UserStateCodec.decode(future, tasks, DEDUP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adapter state of acme/alice has format version 3; this adapter reads 2");
        AdapterState perClipFrontEnd = record.toBuilder().setFormatVersion(1).build();
        assertThatThrownBy(() -> UserStateCodec.decode(perClipFrontEnd, tasks, DEDUP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adapter state of acme/alice has format version 1; this adapter reads 2");
    }

    @Test
    void refusedRecordLeavesTheEnginesLiveStateAlone() {
        AdaptationEngine engine = fx.engine();
        AdapterState record = aliceAfterFirstBatch(engine);
        UserState before = engine.user(ALICE);
        AdapterState ragged = withHead(record, record.getHeads(0).toBuilder().setTrainableF32Le(ByteString.EMPTY));

        assertThatThrownBy(() -> engine.restore(ragged)).isInstanceOf(IllegalArgumentException.class);
        assertThat(engine.user(ALICE)).isSameAs(before);
        engine.forget(ALICE);
        assertThat(engine.user(ALICE)).isNull();
    }

    @Test
    void stateWithAFullReplayBufferCostsItsResidentBytesPlusAFewHundredBytes() {
        EmbeddingSequence clip = fx.embed(wake(ALICE_VOICE, 2));
        assertThat(clip.frames()).as("a 2.5 s clip").isEqualTo(22);
        for (HeadRecipe recipe : List.of(
                HeadRecipe.wakeWordDefault(), HeadRecipe.wakeWordDefault().withLoraRank(2))) {
            Map<String, BinaryHeadTask> tasks = tasks(recipe);
            UserState user = new UserState(ALICE, DEDUP);
            for (int i = 0; i < DEDUP; i++) {
                user.firstSighting("sample-" + (100 + i));
            }
            HeadState head = tasks.get(TASK).newState(ALICE.headId(TASK));
            for (int i = 0; i < recipe.replayBuffer(); i++) {
                head.remember(new HeadState.Example(StoredClip.of(clip), i % 2 == 0, 1f), recipe.replayBuffer());
            }
            user.heads().put(TASK, head);

            long bytes = UserStateCodec.encode(user, tasks).getSerializedSize();

            // packed fixed64: a tag, the length (one byte up to 127 fingerprints) and 8 bytes each
            long sampleIds = 2L + DEDUP * 8L;
            assertThat(head.replayBytes()).as("half precision").isEqualTo(recipe.replayBuffer() * 22L * 96 * 2);
            // monitor windows go out as doubles: 4 more bytes for each of the domain test's 8 x 96 floats
            long monitorWidening = 4L * HeadMonitors.DRIFT.detector().window() * 96;
            assertThat(bytes)
                    .as(recipe.toString())
                    .isBetween(
                            head.residentBytes() + sampleIds,
                            head.residentBytes() + sampleIds + 1_024 + monitorWidening);
        }
    }

    private static AdapterState withHead(AdapterState record, HeadTrainingState.Builder head) {
        return record.toBuilder().setHeads(0, head).build();
    }

    private static void assertSameHead(HeadState actualHead, HeadState expectedHead) {
        HeadState.Snapshot actual = actualHead.snapshot();
        HeadState.Snapshot expected = expectedHead.snapshot();
        assertThat(actual.headId()).isEqualTo(expected.headId());
        assertThat(actual.seed()).isEqualTo(expected.seed());
        assertThat(bits(actual.trainable())).isEqualTo(bits(expected.trainable()));
        assertThat(actual.optimizer().sameAs(expected.optimizer()))
                .as("optimizer steps and slots")
                .isTrue();
        for (int i = 0; i < expected.optimizer().slotCount(); i++) {
            assertThat(bits(actual.optimizer().copySlot(i)))
                    .isEqualTo(bits(expected.optimizer().copySlot(i)));
        }
        assertThat(actual.replay()).hasSameSizeAs(expected.replay());
        List<HeadState.Example> a = actual.replay();
        List<HeadState.Example> e = expected.replay();
        for (int i = 0; i < e.size(); i++) {
            assertThat(a.get(i).clip().frames()).isEqualTo(e.get(i).clip().frames());
            assertThat(a.get(i).clip().dim()).isEqualTo(e.get(i).clip().dim());
            assertThat(a.get(i).clip().halfs()).isEqualTo(e.get(i).clip().halfs());
            assertThat(a.get(i).positive()).isEqualTo(e.get(i).positive());
            assertThat(Float.floatToRawIntBits(a.get(i).weight()))
                    .isEqualTo(Float.floatToRawIntBits(e.get(i).weight()));
        }
        assertThat(Float.floatToRawIntBits(actual.threshold()))
                .isEqualTo(Float.floatToRawIntBits(expected.threshold()));
        assertThat(actual.frozen()).isEqualTo(expected.frozen());
        assertThat(actual.l2spScale()).isEqualTo(expected.l2spScale());
        assertThat(actual.rollbacks()).isEqualTo(expected.rollbacks());
        assertThat(actual.lastGood() == null ? null : bits(actual.lastGood()))
                .isEqualTo(expected.lastGood() == null ? null : bits(expected.lastGood()));
        assertThat(actual.lastGoodVersion()).isEqualTo(expected.lastGoodVersion());
        assertThat(Float.floatToRawIntBits(actual.lastGoodThreshold()))
                .isEqualTo(Float.floatToRawIntBits(expected.lastGoodThreshold()));
        assertThat(actual.errorRiseAlarm()).isEqualTo(expected.errorRiseAlarm());
        assertThat(actualHead.adwinWidth()).isEqualTo(expectedHead.adwinWidth());
        assertThat(actual.pendingRollback()).isEqualTo(expected.pendingRollback());
        assertThat(actual.version()).isEqualTo(expected.version());
        assertThat(actual.samplesApplied()).isEqualTo(expected.samplesApplied());
        assertThat(actual.samplesSeen()).isEqualTo(expected.samplesSeen());
        assertThat(actual.partition()).isEqualTo(expected.partition());
        assertThat(actual.firstOffset()).isEqualTo(expected.firstOffset());
        assertThat(actual.lastOffset()).isEqualTo(expected.lastOffset());
        assertThat(actual.changed()).isEqualTo(expected.changed());
        assertThat(actual.publishedSamples()).isEqualTo(expected.publishedSamples());
        assertThat(Double.doubleToRawLongBits(actual.negativeSeconds()))
                .isEqualTo(Double.doubleToRawLongBits(expected.negativeSeconds()));
        assertThat(Double.doubleToRawLongBits(actual.lastTrainingLoss()))
                .isEqualTo(Double.doubleToRawLongBits(expected.lastTrainingLoss()));
        assertThat(Double.doubleToRawLongBits(actual.lastPrequentialLoss()))
                .isEqualTo(Double.doubleToRawLongBits(expected.lastPrequentialLoss()));
        assertThat(actual.sourcePrequential()).isEqualTo(expected.sourcePrequential());
        assertThat(actual.adaptedPrequential()).isEqualTo(expected.adaptedPrequential());
        assertThat(actual.sourceHoldout()).isEqualTo(expected.sourceHoldout());
        assertThat(actual.adaptedHoldout()).isEqualTo(expected.adaptedHoldout());
        assertThat(expected.adaptedHoldout().count())
                .as("holdout stats are exercised")
                .isEqualTo(1);
    }

    private static float[] floats(ByteString bytes) {
        float[] v = new float[bytes.size() / Float.BYTES];
        bytes.asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(v);
        return v;
    }

    private static ByteString bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return ByteString.copyFrom(b.array());
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }
}
