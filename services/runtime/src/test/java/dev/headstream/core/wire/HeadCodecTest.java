package dev.headstream.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.runtime.backbone.TestModels;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import dev.headstream.schemas.v1.HeadSpec;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.LayerSpec;
import dev.headstream.schemas.v1.Provenance;
import dev.headstream.schemas.v1.TensorBlob;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HeadCodecTest {

    private static final int FRAMES = 16;
    private static final int DIM = 96;

    private static SourceHead jarvis;
    private static SourceHead alexa;

    @BeforeAll
    static void importHeads() throws Exception {
        jarvis = OnnxHeadImporter.importHead(TestModels.dir().resolve("hey_jarvis_v0.1.onnx"));
        alexa = OnnxHeadImporter.importHead(TestModels.dir().resolve("alexa_v0.1.onnx"));
    }

    /** The source tail moved as training would move it, plus values whose bits are easy to lose. */
    private static float[] adaptedTail(SourceHead source, int k, long seed) {
        float[] tail = source.trainableTail(k);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < tail.length; i++) {
            tail[i] += (float) (0.05 * (2 * r.nextDouble() - 1));
        }
        tail[0] = -0.0f;
        tail[1] = Float.MIN_VALUE;
        tail[2] = -Float.MIN_NORMAL / 3;
        tail[tail.length - 1] = Math.nextUp(1f);
        return tail;
    }

    private static HeadUpdate update(SourceHead source, int k, float[] tail) {
        MlpHead head = new MlpHead(source.architecture(), k);
        return HeadUpdate.newBuilder()
                .setHeadId("acme/alice/wake")
                .setTenant("acme")
                .setUser("alice")
                .setTask("wake")
                .setVersion(3)
                .setProvenance(
                        Provenance.newBuilder().setSourceHeadId(source.id()).setSourceHeadSha256(source.sha256()))
                .setSpec(HeadCodec.spec(source.architecture(), k, FRAMES, DIM))
                .addAllTrainable(HeadCodec.tensors(head, tail))
                .setThreshold(0.73f)
                .build();
    }

    private static float[][] windows(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] w = new float[n][FRAMES * DIM];
        for (float[] x : w) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (8 * (2 * r.nextDouble() - 1));
            }
        }
        return w;
    }

    @Test
    void encodedAdaptedHeadDecodesToBitIdenticalTrainableFloatsAndTheSameScores() throws Exception {
        for (int k : new int[] {1, 2, 5}) {
            float[] tail = adaptedTail(jarvis, k, 11 + k);
            HeadUpdate onWire = HeadUpdate.parseFrom(update(jarvis, k, tail).toByteArray());

            HeadCodec.Decoded d = HeadCodec.decode(onWire, jarvis);

            assertThat(d.trainable()).hasSameSizeAs(tail);
            for (int i = 0; i < tail.length; i++) {
                if (Float.floatToRawIntBits(d.trainable()[i]) != Float.floatToRawIntBits(tail[i])) {
                    throw new AssertionError("k=" + k + ": trainable float " + i + " decoded as " + d.trainable()[i]
                            + ", encoded " + tail[i]);
                }
            }
            assertThat(d.threshold()).isEqualTo(0.73f);
            assertThat(d.head().trainableTopK()).isEqualTo(k);
            assertThat(d.source()).isEqualTo(jarvis.parameters());

            MlpHead original = new MlpHead(jarvis.architecture(), k);
            MlpHead.Workspace ws = original.newWorkspace();
            MlpHead.Workspace ws2 = d.head().newWorkspace();
            float[] source = jarvis.parameters();
            int differFromSource = 0;
            for (float[] w : windows(20, k)) {
                float expected = original.logit(source, tail, w, 0, ws);
                assertThat(d.head().logit(d.source(), d.trainable(), w, 0, ws2)).isEqualTo(expected);
                differFromSource += expected != original.sourceLogit(source, w, 0, ws) ? 1 : 0;
            }
            assertThat(differFromSource)
                    .as("the adapted tail must change scores, or the check proves nothing")
                    .isGreaterThan(0);
        }
    }

    /** A rank-4 LoRA vector of {@code hey_jarvis} moved as training would move it. */
    private static float[] adaptedLora(LoraMlpHead lora, long seed) {
        float[] v = lora.initialTrainable(jarvis.parameters(), seed);
        SplittableRandom r = new SplittableRandom(seed + 1);
        for (int i = 0; i < v.length; i++) {
            v[i] += (float) (0.05 * (2 * r.nextDouble() - 1));
        }
        return v;
    }

    private static HeadUpdate loraUpdate(LoraMlpHead lora, float[] vector) {
        return HeadUpdate.newBuilder()
                .setHeadId("acme/alice/wake")
                .setProvenance(
                        Provenance.newBuilder().setSourceHeadId(jarvis.id()).setSourceHeadSha256(jarvis.sha256()))
                .setSpec(HeadCodec.loraSpec(jarvis.architecture(), lora, FRAMES, DIM))
                .addAllTrainable(HeadCodec.loraTensors(lora, vector))
                .setThreshold(0.61f)
                .build();
    }

    @Test
    void aLoraHeadTravelsAsItsDeltasAndDecodesToTheMergedLayersBitForBit() throws Exception {
        LoraMlpHead lora = new LoraMlpHead(jarvis.architecture(), 4, 8f, true);
        float[] vector = adaptedLora(lora, 5);
        HeadUpdate onWire = HeadUpdate.parseFrom(loraUpdate(lora, vector).toByteArray());

        HeadCodec.Decoded d = HeadCodec.decode(onWire, jarvis);

        MlpHead all = new MlpHead(jarvis.architecture(), jarvis.architecture().parameterisedLayerCount());
        float[] merged = all.initialTrainable(lora.merged(jarvis.parameters(), vector));
        assertThat(d.trainable()).containsExactly(merged);
        assertThat(d.head().trainableTopK()).isEqualTo(5);
        assertThat(d.threshold()).isEqualTo(0.61f);
        // the record carries the per-user part: 35 KB, against 856 KB for the merged layers
        int loraBytes = onWire.getSerializedSize();
        int mergedBytes = update(jarvis, 5, merged).getSerializedSize();
        assertThat(loraBytes).isLessThan(40_000);
        assertThat(mergedBytes).isGreaterThan(850_000);
        System.out.printf("head record: LoRA deltas %,d B, merged layers %,d B%n", loraBytes, mergedBytes);
        // and scores as the LoRA head does
        LoraMlpHead.Workspace lw = lora.newWorkspace();
        MlpHead.Workspace mw = d.head().newWorkspace();
        for (float[] w : windows(10, 9)) {
            assertThat(d.head().logit(d.source(), d.trainable(), w, 0, mw))
                    .isCloseTo(lora.logit(jarvis.parameters(), vector, w, 0, lw), within(1e-4f));
        }
        assertThat(HeadCodec.loraTensors(lora, vector))
                .extracting(TensorBlob::getName)
                .startsWith("layers.0.lora_a", "layers.0.lora_b", "layers.1.gamma", "layers.1.beta")
                .endsWith("layers.6.lora_a", "layers.6.lora_b", "layers.6.bias");
    }

    @Test
    void aLoraRecordThatDoesNotFitItsSourceHeadIsRefusedByName() {
        LoraMlpHead lora = new LoraMlpHead(jarvis.architecture(), 4, 8f, true);
        HeadUpdate good = loraUpdate(lora, adaptedLora(lora, 7));
        HeadUpdate wrongRank = good.toBuilder()
                .setSpec(good.getSpec().toBuilder()
                        .setLora(good.getSpec().getLora().toBuilder().setRank(3)))
                .build();
        assertThatThrownBy(() -> HeadCodec.decode(wrongRank, jarvis))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layers.0.lora_a");
        HeadUpdate hugeRank = good.toBuilder()
                .setSpec(good.getSpec().toBuilder()
                        .setLora(good.getSpec().getLora().toBuilder().setRank(1 << 20)))
                .build();
        assertThatThrownBy(() -> HeadCodec.decode(hugeRank, jarvis))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LoRA spec (rank 1048576");
        float[] large = new float[lora.trainableLength()];
        java.util.Arrays.fill(large, 1_000f);
        HeadUpdate hugeAlpha = loraUpdate(lora, large).toBuilder()
                .setSpec(good.getSpec().toBuilder()
                        .setLora(good.getSpec().getLora().toBuilder().setAlpha(Float.MAX_VALUE)))
                .build();
        assertThatThrownBy(() -> HeadCodec.decode(hugeAlpha, jarvis))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-finite weight");
        HeadUpdate missing = good.toBuilder().removeTrainable(2).build();
        assertThatThrownBy(() -> HeadCodec.decode(missing, jarvis))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tensor 2");
        HeadUpdate otherSource = good.toBuilder()
                .setProvenance(good.getProvenance().toBuilder().setSourceHeadSha256(alexa.sha256()))
                .build();
        assertThatThrownBy(() -> HeadCodec.decode(otherSource, jarvis))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was adapted from source");
    }

    @Test
    void tensorsAreNamedPerLayerParameterWithShapesAndLittleEndianBytes() {
        float[] tail = adaptedTail(jarvis, 5, 3);
        List<TensorBlob> blobs = HeadCodec.tensors(new MlpHead(jarvis.architecture(), 5), tail);

        assertThat(blobs)
                .extracting(TensorBlob::getName)
                .containsExactly(
                        "layers.0.weight",
                        "layers.0.bias",
                        "layers.1.gamma",
                        "layers.1.beta",
                        "layers.3.weight",
                        "layers.3.bias",
                        "layers.4.gamma",
                        "layers.4.beta",
                        "layers.6.weight",
                        "layers.6.bias");
        assertThat(blobs.get(0).getShapeList()).containsExactly(128, 1536);
        assertThat(blobs.get(1).getShapeList()).containsExactly(128);
        assertThat(blobs.get(4).getShapeList()).containsExactly(128, 128);
        assertThat(blobs.get(8).getShapeList()).containsExactly(1, 128);
        assertThat(blobs.get(9).getShapeList()).containsExactly(1);

        int at = 0;
        for (TensorBlob b : blobs) {
            ByteBuffer bytes = b.getFloat32Le().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            int n = b.getShapeList().stream().reduce(1, (x, y) -> x * y);
            assertThat(b.getFloat32Le().size()).as(b.getName()).isEqualTo(n * Float.BYTES);
            for (int i = 0; i < n; i++) {
                assertThat(Float.floatToRawIntBits(bytes.getFloat(i * Float.BYTES)))
                        .isEqualTo(Float.floatToRawIntBits(tail[at + i]));
            }
            at += n;
        }
        assertThat(at).isEqualTo(tail.length);
    }

    @Test
    void specDescribesTheLayersInputShapeAndTrainableDepth() {
        HeadSpec spec = HeadCodec.spec(jarvis.architecture(), 2, FRAMES, DIM);
        assertThat(spec.getKind()).isEqualTo("mlp");
        assertThat(spec.getOutput()).isEqualTo("sigmoid");
        assertThat(spec.getTrainableTopLayers()).isEqualTo(2);
        assertThat(spec.getInputShapeList()).containsExactly(FRAMES, DIM);
        assertThat(spec.getLayersList())
                .extracting(LayerSpec::getType)
                .containsExactly("dense", "layernorm", "relu", "dense", "layernorm", "relu", "dense");
        assertThat(spec.getLayers(0).getIn()).isEqualTo(1536);
        assertThat(spec.getLayers(6).getOut()).isEqualTo(1);
    }

    @Test
    void refusesUpdateAdaptedFromADifferentSourceHead() {
        HeadUpdate u = update(jarvis, 2, adaptedTail(jarvis, 2, 1));

        assertThatThrownBy(() -> HeadCodec.decode(u, alexa))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("acme/alice/wake")
                .hasMessageContaining("hey_jarvis_v0.1")
                .hasMessageContaining(jarvis.sha256())
                .hasMessageContaining("alexa_v0.1")
                .hasMessageContaining(alexa.sha256());

        SourceHead sameNetworkOtherBytes =
                new SourceHead(jarvis.id(), "f".repeat(64), jarvis.architecture(), jarvis.parameters());
        assertThatThrownBy(() -> HeadCodec.decode(u, sameNetworkOtherBytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("f".repeat(64));
    }

    @Test
    void refusesTailThatIsTooShortOrTooLong() {
        HeadUpdate u = update(jarvis, 2, adaptedTail(jarvis, 2, 1));
        int expected = new MlpHead(jarvis.architecture(), 2).trainableLength();

        HeadUpdate missingLast =
                u.toBuilder().removeTrainable(u.getTrainableCount() - 1).build();
        assertThatThrownBy(() -> HeadCodec.decode(missingLast, jarvis))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("acme/alice/wake")
                .hasMessageContaining("(" + (expected - 1) + " floats)")
                .hasMessageContaining("(" + expected + " floats)");

        HeadUpdate extra = u.toBuilder().addTrainable(u.getTrainable(0)).build();
        assertThatThrownBy(() -> HeadCodec.decode(extra, jarvis))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("acme/alice/wake")
                .hasMessageContaining("(" + (expected + 128) + " floats)")
                .hasMessageContaining("(" + expected + " floats)");

        HeadUpdate empty = u.toBuilder().clearTrainable().build();
        assertThatThrownBy(() -> HeadCodec.decode(empty, jarvis)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesSpecThatDoesNotMatchTheSourceArchitecture() {
        HeadUpdate u = update(jarvis, 2, adaptedTail(jarvis, 2, 1));
        HeadSpec otherEpsilon = u.getSpec().toBuilder()
                .setLayers(1, u.getSpec().getLayers(1).toBuilder().setEpsilon(1e-3f))
                .build();
        for (HeadSpec bad : List.of(
                otherEpsilon,
                u.getSpec().toBuilder().setTrainableTopLayers(0).build(),
                u.getSpec().toBuilder().setTrainableTopLayers(6).build(),
                u.getSpec().toBuilder().setKind("cnn").build(),
                u.getSpec().toBuilder().setInputShape(0, FRAMES - 1).build())) {
            assertThatThrownBy(() -> HeadCodec.decode(u.toBuilder().setSpec(bad).build(), jarvis))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("spec");
        }
    }

    @Test
    void refusesTensorWhoseByteCountIsNotWholeFloats() {
        HeadUpdate u = update(jarvis, 2, adaptedTail(jarvis, 2, 1));
        int last = u.getTrainableCount() - 1;
        TensorBlob padded = u.getTrainable(last).toBuilder()
                .setFloat32Le(u.getTrainable(last).getFloat32Le().concat(ByteString.copyFrom(new byte[] {7, 7, 7})))
                .build();

        assertThatThrownBy(() -> HeadCodec.decode(
                        u.toBuilder().setTrainable(last, padded).build(), jarvis))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(padded.getName());
    }

    @Test
    void refusesTensorsInTheWrongOrderEvenWhenTheTotalLengthFits() {
        HeadUpdate u = update(jarvis, 2, adaptedTail(jarvis, 2, 1));
        List<TensorBlob> swapped = new ArrayList<>(u.getTrainableList());
        int n = swapped.size();
        TensorBlob weight = swapped.get(n - 2);
        swapped.set(n - 2, swapped.get(n - 1));
        swapped.set(n - 1, weight);

        assertThatThrownBy(() -> HeadCodec.decode(
                        u.toBuilder().clearTrainable().addAllTrainable(swapped).build(), jarvis))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layers.6.weight");
    }
}
