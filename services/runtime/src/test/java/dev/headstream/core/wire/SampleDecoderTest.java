package dev.headstream.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.SampleRejectedException;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.ingest.ValidSample;
import dev.headstream.runtime.backbone.TestModels;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.schemas.v1.FloatTensor;
import dev.headstream.schemas.v1.MultiHot;
import dev.headstream.schemas.v1.Pcm16Audio;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Sample;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SampleDecoderTest {

    private static final int MAX_BYTES = 400_000;
    private static final byte[] KEY = "acme/alice".getBytes(StandardCharsets.UTF_8);
    /** Two seconds at 16 kHz: the clip length of the wake-word heads. */
    private static final int CLIP = 32_000;

    private static WakeWordBackbone backbone;
    private static SampleDecoder decoder;

    @BeforeAll
    static void load() {
        backbone = TestModels.backbone(WakeWordBackbone.EmbeddingMode.SEQUENCE);
        decoder = new SampleDecoder(MAX_BYTES, backbone, Map.of("wake", TaskKind.binary()));
    }

    @AfterAll
    static void close() {
        backbone.close();
    }

    /** A ramp through negative and positive values, so byte order and sign matter. */
    private static short[] ramp(int n) {
        short[] pcm = new short[n];
        for (int i = 0; i < n; i++) {
            pcm[i] = (short) ((i * 37) % 65_536 - 32_768);
        }
        return pcm;
    }

    private static ByteString le(short[] pcm) {
        ByteBuffer b = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(pcm);
        return ByteString.copyFrom(b.array());
    }

    private static Pcm16Audio audio(int rate, short[] pcm) {
        return Pcm16Audio.newBuilder().setSampleRateHz(rate).setPcm16Le(le(pcm)).build();
    }

    private static dev.headstream.schemas.v1.Label binary(boolean positive) {
        return dev.headstream.schemas.v1.Label.newBuilder().setBinary(positive).build();
    }

    /** A valid sample for acme/alice with a positive "wake" label. */
    private static Sample.Builder valid() {
        return Sample.newBuilder()
                .setSampleId("s-1")
                .setTenant("acme")
                .setUser("alice")
                .setAudio(audio(16_000, ramp(CLIP)))
                .putLabels("wake", binary(true));
    }

    private static SampleRejectedException reject(byte[] key, byte[] value) {
        return reject(decoder, key, value);
    }

    private static SampleRejectedException reject(SampleDecoder d, byte[] key, byte[] value) {
        SampleRejectedException e = catchThrowableOfType(SampleRejectedException.class, () -> d.decode(key, value));
        assertThat(e).as("decode must reject").isNotNull();
        return e;
    }

    private static SampleRejectedException reject(Sample.Builder s) {
        return reject(KEY, s.build().toByteArray());
    }

    @Test
    void decodesValidAudioSampleWithAllFields() {
        short[] pcm = ramp(CLIP + 123);
        Sample s = valid().setAudio(audio(16_000, pcm))
                .setWeight(0.25f)
                .setSplit(dev.headstream.schemas.v1.Split.SPLIT_HOLDOUT)
                .setEventTimeMs(1_700_000_000_000L)
                .build();

        ValidSample v = decoder.decode(KEY, s.toByteArray());

        assertThat(v.sampleId()).isEqualTo("s-1");
        assertThat(v.key()).isEqualTo(new UserKey("acme", "alice"));
        assertThat(v.input()).isInstanceOf(BackboneInput.Audio.class);
        BackboneInput.Audio a = (BackboneInput.Audio) v.input();
        assertThat(a.sampleRateHz()).isEqualTo(16_000);
        assertThat(a.pcm()).isEqualTo(pcm);
        assertThat(v.labels()).containsExactly(Map.entry("wake", new Label.Binary(true)));
        assertThat(v.weight()).isEqualTo(0.25f);
        assertThat(v.split()).isEqualTo(Split.HOLDOUT);
    }

    @Test
    void defaultsWeightToOneSplitToTrainAndTakesTheUserFromTheKeyWhenThePayloadOmitsIt() {
        Sample s = valid().clearTenant()
                .clearUser()
                .putLabels("wake", binary(false))
                .build();

        ValidSample v = decoder.decode("globex/bob".getBytes(StandardCharsets.UTF_8), s.toByteArray());

        assertThat(v.key()).isEqualTo(new UserKey("globex", "bob"));
        assertThat(v.weight()).isEqualTo(1f);
        assertThat(v.split()).isEqualTo(Split.TRAIN);
        assertThat(v.labels()).containsExactly(Map.entry("wake", new Label.Binary(false)));
    }

    @Test
    void decodesUnlabeledSampleWithNoLabels() {
        ValidSample v = decoder.decode(KEY, valid().clearLabels().build().toByteArray());
        assertThat(v.labels()).isEmpty();
    }

    // MALFORMED

    @Test
    void rejectsGarbageBytesAsMalformed() {
        byte[] truncated = Arrays.copyOf(valid().build().toByteArray(), 1_000);
        byte[] zeroTag = {0, 1, 2, 3};
        for (byte[] garbage : List.of(truncated, zeroTag)) {
            SampleRejectedException e = reject(KEY, garbage);
            assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED);
            assertThat(e.getMessage()).contains("not a headstream.v1.Sample");
            assertThat(e.sampleId()).isEmpty();
        }
    }

    @Test
    void rejectsRecordWithoutValueAsMalformed() {
        assertThat(reject(KEY, null).reason()).isEqualTo(RejectReason.MALFORMED);
    }

    @Test
    void rejectsSampleWithNoInputAsMalformed() {
        SampleRejectedException e = reject(valid().clearAudio());
        assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(e.getMessage()).contains("no input");
        assertThat(e.sampleId()).isEqualTo("s-1");
    }

    @Test
    void rejectsSampleWithoutIdOrWithAnOverlongIdAsMalformed() {
        assertThat(reject(valid().clearSampleId()).reason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(reject(valid().setSampleId("x".repeat(257))).reason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(decoder.decode(
                                KEY,
                                valid().setSampleId("x".repeat(256)).build().toByteArray())
                        .sampleId())
                .hasSize(256);
    }

    @Test
    void rejectsUnknownSplitAsMalformed() {
        assertThat(reject(valid().setSplitValue(7)).reason()).isEqualTo(RejectReason.MALFORMED);
    }

    // BAD_KEY

    @Test
    void rejectsRecordWithoutKey() {
        SampleRejectedException e = reject(null, valid().build().toByteArray());
        assertThat(e.reason()).isEqualTo(RejectReason.BAD_KEY);
        assertThat(e.getMessage()).contains("no key");
    }

    @Test
    void rejectsKeyWithoutSlashOrWithTwoSlashes() {
        for (String key : List.of("acme-alice", "acme/alice/wake", "/alice", "acme/")) {
            SampleRejectedException e =
                    reject(key.getBytes(StandardCharsets.UTF_8), valid().build().toByteArray());
            assertThat(e.reason()).as(key).isEqualTo(RejectReason.BAD_KEY);
        }
    }

    @Test
    void rejectsKeyThatIsNotUtf8() {
        byte[] key = {'a', 'c', 'm', 'e', '/', (byte) 0xC3, (byte) 0x28};
        SampleRejectedException e = reject(key, valid().build().toByteArray());
        assertThat(e.reason()).isEqualTo(RejectReason.BAD_KEY);
        assertThat(e.getMessage()).contains("UTF-8");
    }

    @Test
    void rejectsKeyWithCharactersOutsideTheAllowedSet() {
        for (String key : List.of("acme/alice smith", "acme/al*ce", "ac\u00e9me/alice", "acme/" + "a".repeat(65))) {
            SampleRejectedException e =
                    reject(key.getBytes(StandardCharsets.UTF_8), valid().build().toByteArray());
            assertThat(e.reason()).as(key).isEqualTo(RejectReason.BAD_KEY);
        }
    }

    // TOO_LARGE

    @Test
    void rejectsOversizedValueBeforeParsingIt() {
        byte[] huge = new byte[MAX_BYTES + 1];
        Arrays.fill(huge, (byte) 0xFF);
        SampleRejectedException e = reject(KEY, huge);
        assertThat(e.reason()).isEqualTo(RejectReason.TOO_LARGE);
        assertThat(e.getMessage()).contains(String.valueOf(MAX_BYTES + 1)).contains(String.valueOf(MAX_BYTES));
    }

    @Test
    void rejectsOversizedValidSampleAsTooLarge() {
        SampleDecoder small = new SampleDecoder(1_000, backbone, Map.of("wake", TaskKind.binary()));
        assertThat(reject(small, KEY, valid().build().toByteArray()).reason()).isEqualTo(RejectReason.TOO_LARGE);
    }

    // TENANT_MISMATCH

    @Test
    void rejectsPayloadTenantOrUserThatDiffersFromTheKey() {
        SampleRejectedException tenant = reject(valid().setTenant("globex"));
        assertThat(tenant.reason()).isEqualTo(RejectReason.TENANT_MISMATCH);
        assertThat(tenant.getMessage()).contains("globex").contains("acme/alice");
        assertThat(tenant.sampleId()).isEqualTo("s-1");
        assertThat(reject(valid().setUser("bob")).reason()).isEqualTo(RejectReason.TENANT_MISMATCH);
    }

    // SHAPE_MISMATCH

    @Test
    void rejectsAudioAtTheWrongSampleRate() {
        SampleRejectedException e = reject(valid().setAudio(audio(8_000, ramp(CLIP))));
        assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
        assertThat(e.getMessage()).contains("16000").contains("8000");
    }

    @Test
    void rejectsPcmWithAnOddNumberOfBytes() {
        ByteString odd = le(ramp(CLIP)).concat(ByteString.copyFrom(new byte[] {1}));
        SampleRejectedException e = reject(
                valid().setAudio(Pcm16Audio.newBuilder().setSampleRateHz(16_000).setPcm16Le(odd)));
        assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
        assertThat(e.getMessage()).contains("odd");
    }

    @Test
    void rejectsAudioTooShortForOneEmbedding() {
        SampleRejectedException e = reject(valid().setAudio(
                        audio(16_000, ramp(WakeWordBackbone.samplesFor(WakeWordBackbone.FrontEnd.STREAMING, 1) - 1))));
        assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
        assertThat(decoder.decode(
                                KEY,
                                valid().setAudio(audio(
                                                16_000,
                                                ramp(WakeWordBackbone.samplesFor(
                                                        WakeWordBackbone.FrontEnd.STREAMING, 1))))
                                        .build()
                                        .toByteArray())
                        .sampleId())
                .isEqualTo("s-1");
    }

    @Test
    void rejectsAudioLongerThanTheBackboneAccepts() {
        // TestModels.backbone accepts at most 10 s.
        SampleRejectedException e = reject(valid().setAudio(audio(16_000, new short[160_001])));
        assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
    }

    @Test
    void rejectsFloatTensorForTheAudioBackbone() {
        SampleRejectedException e = reject(valid().setTensor(tensor(new long[] {2}, 1f, 2f)));
        assertThat(e.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
    }

    @Test
    void rejectsTensorWhoseValuesDoNotFillItsShape() {
        SampleDecoder d = new SampleDecoder(MAX_BYTES, new TensorBackbone(), Map.of("wake", TaskKind.binary()));
        Sample s =
                valid().setTensor(tensor(new long[] {2, 3}, 1f, 2f, 3f, 4f, 5f)).build();
        assertThat(reject(d, KEY, s.toByteArray()).reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
        Sample zeroDim = valid().setTensor(tensor(new long[] {0})).build();
        assertThat(reject(d, KEY, zeroDim.toByteArray()).reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);

        ValidSample ok = d.decode(
                KEY,
                valid().setTensor(tensor(new long[] {2, 2}, 1f, -2f, 3f, 4f))
                        .build()
                        .toByteArray());
        BackboneInput.Tensor t = (BackboneInput.Tensor) ok.input();
        assertThat(t.shape()).containsExactly(2, 2);
        assertThat(t.values()).containsExactly(1f, -2f, 3f, 4f);
    }

    // NON_FINITE

    @Test
    void rejectsSampleWithNonFiniteValues() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            SampleRejectedException e = reject(valid().setTensor(tensor(new long[] {3}, 1f, bad, 2f)));
            assertThat(e.reason()).as("value %s", bad).isEqualTo(RejectReason.NON_FINITE);
            assertThat(e.getMessage()).contains("value 1");
        }
    }

    @Test
    void rejectsNegativeOrNonFiniteWeight() {
        for (float w : new float[] {-1f, -Float.MIN_VALUE, Float.NaN, Float.POSITIVE_INFINITY}) {
            SampleRejectedException e = reject(valid().setWeight(w));
            assertThat(e.reason()).as("weight %s", w).isEqualTo(RejectReason.NON_FINITE);
        }
    }

    @Test
    void rejectsWeightAboveTheCapAsLabelRange() {
        SampleRejectedException e = reject(valid().setWeight(1e6f));
        assertThat(e.reason()).isEqualTo(RejectReason.LABEL_RANGE);
        assertThat(e.getMessage()).isEqualTo("weight must be at most 100.0, got 1000000.0");
        assertThat(decoder.decode(
                                KEY,
                                valid().setWeight(SampleDecoder.MAX_WEIGHT)
                                        .build()
                                        .toByteArray())
                        .weight())
                .isEqualTo(SampleDecoder.MAX_WEIGHT);
    }

    // UNKNOWN_TASK

    @Test
    void rejectsLabelForATaskThatIsNotConfigured() {
        SampleRejectedException e = reject(valid().putLabels("alexa", binary(true)));
        assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_TASK);
        assertThat(e.getMessage()).contains("alexa").contains("wake");
    }

    // LABEL_RANGE

    @Test
    void rejectsClassIndexForABinaryTask() {
        SampleRejectedException e = reject(valid().putLabels(
                        "wake",
                        dev.headstream.schemas.v1.Label.newBuilder()
                                .setClassIndex(1)
                                .build()));
        assertThat(e.reason()).isEqualTo(RejectReason.LABEL_RANGE);
        assertThat(e.getMessage()).contains("binary");
    }

    @Test
    void rejectsEmptyLabelForABinaryTask() {
        assertThat(reject(valid().putLabels("wake", dev.headstream.schemas.v1.Label.getDefaultInstance()))
                        .reason())
                .isEqualTo(RejectReason.LABEL_RANGE);
    }

    @Test
    void rejectsClassIndexOutsideTheClassCountAndBadMultiHotTargets() {
        SampleDecoder d = new SampleDecoder(
                MAX_BYTES,
                backbone,
                Map.of(
                        "digit", new TaskKind(TaskKind.Type.MULTI_CLASS, 3),
                        "tags", new TaskKind(TaskKind.Type.MULTI_LABEL, 2)));
        for (int index : new int[] {-1, 3}) {
            Sample s = valid().clearLabels()
                    .putLabels(
                            "digit",
                            dev.headstream.schemas.v1.Label.newBuilder()
                                    .setClassIndex(index)
                                    .build())
                    .build();
            assertThat(reject(d, KEY, s.toByteArray()).reason())
                    .as("class %d", index)
                    .isEqualTo(RejectReason.LABEL_RANGE);
        }
        for (MultiHot m : List.of(
                multiHot(new float[] {1f}, true),
                multiHot(new float[] {1f, 0.5f}, true, true),
                multiHot(new float[] {1f, Float.NaN}, true, true),
                multiHot(new float[] {1f, 0f}, true))) {
            Sample s = valid().clearLabels()
                    .putLabels(
                            "tags",
                            dev.headstream.schemas.v1.Label.newBuilder()
                                    .setMultiHot(m)
                                    .build())
                    .build();
            assertThat(reject(d, KEY, s.toByteArray()).reason()).as("%s", m).isEqualTo(RejectReason.LABEL_RANGE);
        }

        Sample ok = valid().clearLabels()
                .putLabels(
                        "digit",
                        dev.headstream.schemas.v1.Label.newBuilder()
                                .setClassIndex(2)
                                .build())
                .putLabels(
                        "tags",
                        dev.headstream.schemas.v1.Label.newBuilder()
                                .setMultiHot(multiHot(new float[] {1f, 0f}, true, false))
                                .build())
                .build();
        ValidSample v = d.decode(KEY, ok.toByteArray());
        assertThat(v.labels().get("digit")).isEqualTo(new Label.ClassIndex(2));
        Label.MultiHot tags = (Label.MultiHot) v.labels().get("tags");
        assertThat(tags.targets()).containsExactly(1f, 0f);
        assertThat(tags.mask()).containsExactly(true, false);
    }

    private static FloatTensor tensor(long[] shape, float... values) {
        FloatTensor.Builder t = FloatTensor.newBuilder();
        for (long d : shape) {
            t.addShape(d);
        }
        for (float v : values) {
            t.addValues(v);
        }
        return t.build();
    }

    private static MultiHot multiHot(float[] targets, boolean... mask) {
        MultiHot.Builder m = MultiHot.newBuilder();
        for (float t : targets) {
            m.addTargets(t);
        }
        for (boolean b : mask) {
            m.addMask(b);
        }
        return m.build();
    }

    /** Accepts any float tensor; isolates the decoder's own tensor checks from a real model's. */
    private static final class TensorBackbone implements Backbone {
        @Override
        public BackboneInfo info() {
            return new BackboneInfo("tensor", "0".repeat(64), 4, "CPU");
        }

        @Override
        public List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs) {
            throw new UnsupportedOperationException("decoding never embeds");
        }

        @Override
        public void validate(BackboneInput input) {
            if (!(input instanceof BackboneInput.Tensor)) {
                throw new IllegalArgumentException("tensor backbone takes tensors");
            }
        }

        @Override
        public void close() {}
    }
}
