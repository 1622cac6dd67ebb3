package dev.headstream.core.wire;

import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.schemas.v1.HeadSpec;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.LayerSpec;
import dev.headstream.schemas.v1.TensorBlob;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a head's architecture and trainable tail into a {@link HeadUpdate} and reads them back
 * against the source head. Tensors are float32 little-endian, one blob per trainable layer
 * parameter ({@code layers.<i>.weight|bias|gamma|beta}), in layer order.
 */
public final class HeadCodec {

    /** A head rebuilt from a published update: score with {@code head} on {@code source} + {@code trainable}. */
    public record Decoded(MlpHead head, float[] source, float[] trainable, float threshold) {
    }

    private HeadCodec() {
    }

    /** The wire form of an MLP architecture with top-{@code k} training, reading windows of {@code inputShape}. */
    public static HeadSpec spec(HeadArchitecture a, int k, int... inputShape) {
        HeadSpec.Builder b = HeadSpec.newBuilder().setKind("mlp").setTrainableTopLayers(k).setOutput("sigmoid");
        for (int d : inputShape) {
            b.addInputShape(d);
        }
        for (HeadLayer l : a.layers()) {
            LayerSpec.Builder ls = LayerSpec.newBuilder().setIn(l.inputDim()).setOut(l.outputDim());
            if (l instanceof HeadLayer.Dense) {
                ls.setType("dense");
            } else if (l instanceof HeadLayer.LayerNorm ln) {
                ls.setType("layernorm").setEpsilon(ln.epsilon());
            } else {
                ls.setType("relu");
            }
            b.addLayers(ls);
        }
        return b.build();
    }

    /** The trainable tail as named float32 blobs, one per parameter tensor of each trainable layer. */
    public static List<TensorBlob> tensors(MlpHead head, float[] trainable) {
        HeadArchitecture a = head.architecture();
        List<TensorBlob> out = new ArrayList<>();
        int base = head.trainableOffset();
        for (int i = a.firstTrainableLayer(head.trainableTopK()); i < a.layers().size(); i++) {
            HeadLayer l = a.layers().get(i);
            int at = a.parameterOffset(i) - base;
            if (l instanceof HeadLayer.Dense d) {
                out.add(blob("layers." + i + ".weight", trainable, at, d.outputDim() * d.inputDim(),
                        d.outputDim(), d.inputDim()));
                out.add(blob("layers." + i + ".bias", trainable, at + d.outputDim() * d.inputDim(), d.outputDim(),
                        d.outputDim()));
            } else if (l instanceof HeadLayer.LayerNorm n) {
                out.add(blob("layers." + i + ".gamma", trainable, at, n.dim(), n.dim()));
                out.add(blob("layers." + i + ".beta", trainable, at + n.dim(), n.dim(), n.dim()));
            }
        }
        return out;
    }

    /**
     * Rebuilds the head of {@code update} on top of {@code source}.
     *
     * @throws IllegalArgumentException if the update was not made from this source head, or its tensors do not fit
     */
    public static Decoded decode(HeadUpdate update, SourceHead source) {
        if (!update.getProvenance().getSourceHeadSha256().equals(source.sha256())) {
            throw new IllegalArgumentException("head " + update.getHeadId() + " was adapted from source "
                    + update.getProvenance().getSourceHeadId() + " (" + update.getProvenance().getSourceHeadSha256()
                    + "), not from " + source.id() + " (" + source.sha256() + ")");
        }
        HeadArchitecture a = source.architecture();
        int k = update.getSpec().getTrainableTopLayers();
        if (k < 1 || k > a.parameterisedLayerCount() || !spec(a, k, intArray(update.getSpec())).equals(update.getSpec())) {
            throw new IllegalArgumentException("head " + update.getHeadId() + " spec does not match source head "
                    + source.id());
        }
        MlpHead head = new MlpHead(a, k);
        float[] tail = new float[head.trainableLength()];
        int at = 0;
        for (TensorBlob t : update.getTrainableList()) {
            int n = t.getFloat32Le().size() / Float.BYTES;
            if (at + n > tail.length) {
                throw new IllegalArgumentException("head " + update.getHeadId() + " carries more trainable floats than "
                        + tail.length);
            }
            t.getFloat32Le().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(tail, at, n);
            at += n;
        }
        if (at != tail.length) {
            throw new IllegalArgumentException("head " + update.getHeadId() + " carries " + at
                    + " trainable floats, expected " + tail.length);
        }
        return new Decoded(head, source.parameters(), tail, update.getThreshold());
    }

    private static int[] intArray(HeadSpec spec) {
        return spec.getInputShapeList().stream().mapToInt(Integer::intValue).toArray();
    }

    private static TensorBlob blob(String name, float[] v, int from, int n, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v, from, n);
        TensorBlob.Builder t = TensorBlob.newBuilder().setName(name).setFloat32Le(ByteString.copyFrom(b));
        for (int d : shape) {
            t.addShape(d);
        }
        return t.build();
    }
}
