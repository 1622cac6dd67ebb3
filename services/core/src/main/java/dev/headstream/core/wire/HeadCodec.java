package dev.headstream.core.wire;

import com.google.protobuf.ByteString;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.schemas.v1.HeadSpec;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.LayerSpec;
import dev.headstream.schemas.v1.TensorBlob;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a head's architecture and trainable tail into a {@link HeadUpdate} and reads them back
 * against the source head. Tensors are float32 little-endian, one blob per trainable layer
 * parameter ({@code layers.<i>.weight|bias|gamma|beta}), in layer order.
 */
public final class HeadCodec {

    /** A head rebuilt from a published update: score with {@code head} on {@code source} + {@code trainable}. */
    public record Decoded(MlpHead head, float[] source, float[] trainable, float threshold) {}

    private HeadCodec() {}

    /** The wire form of an MLP architecture with top-{@code k} training, reading windows of {@code inputShape}. */
    public static HeadSpec spec(HeadArchitecture a, int k, int... inputShape) {
        HeadSpec.Builder b =
                HeadSpec.newBuilder().setKind("mlp").setTrainableTopLayers(k).setOutput("sigmoid");
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
        List<TensorBlob> out = new ArrayList<>();
        for (Slot s : layout(head)) {
            out.add(blob(s.name(), trainable, s.at(), s.length(), s.shape()));
        }
        return out;
    }

    /**
     * Rebuilds the head of {@code update} on top of {@code source}.
     *
     * @throws IllegalArgumentException if the update was not made from this source head, its spec differs from the
     *                                  source head's architecture or its input shape does not cover the head's
     *                                  input, or its tensors are not exactly the trainable tensors of that spec
     *                                  (names, shapes and byte sizes, in layer order)
     */
    public static Decoded decode(HeadUpdate update, SourceHead source) {
        if (!update.getProvenance().getSourceHeadSha256().equals(source.sha256())) {
            throw new IllegalArgumentException("head " + update.getHeadId() + " was adapted from source "
                    + update.getProvenance().getSourceHeadId() + " ("
                    + update.getProvenance().getSourceHeadSha256()
                    + "), not from " + source.id() + " (" + source.sha256() + ")");
        }
        HeadArchitecture a = source.architecture();
        int k = update.getSpec().getTrainableTopLayers();
        int[] inputShape = intArray(update.getSpec());
        if (k < 1
                || k > a.parameterisedLayerCount()
                || !spec(a, k, inputShape).equals(update.getSpec())
                || Arrays.stream(inputShape).asLongStream().reduce(1, (x, y) -> x * y) != a.inputDim()) {
            throw new IllegalArgumentException(
                    "head " + update.getHeadId() + " spec does not match source head " + source.id());
        }
        MlpHead head = new MlpHead(a, k);
        float[] tail = new float[head.trainableLength()];
        List<Slot> slots = layout(head);
        List<TensorBlob> blobs = update.getTrainableList();
        for (int i = 0; i < Math.min(blobs.size(), slots.size()); i++) {
            TensorBlob t = blobs.get(i);
            Slot s = slots.get(i);
            if (!t.getName().equals(s.name())
                    || !Arrays.equals(intArray(t.getShapeList()), s.shape())
                    || t.getFloat32Le().size() != s.length() * Float.BYTES) {
                throw new IllegalArgumentException("head " + update.getHeadId() + " tensor " + i + " is '"
                        + t.getName() + "' " + t.getShapeList() + " with "
                        + t.getFloat32Le().size()
                        + " bytes; expected '" + s.name() + "' " + Arrays.toString(s.shape()) + " with "
                        + s.length() * Float.BYTES + " bytes");
            }
            t.getFloat32Le()
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(tail, s.at(), s.length());
        }
        if (blobs.size() != slots.size()) {
            long floats = 0;
            for (TensorBlob t : blobs) {
                floats += t.getFloat32Le().size() / Float.BYTES;
            }
            throw new IllegalArgumentException("head " + update.getHeadId() + " carries " + blobs.size()
                    + " trainable tensors (" + floats + " floats), expected " + slots.size() + " ("
                    + tail.length + " floats)");
        }
        return new Decoded(head, source.parameters(), tail, update.getThreshold());
    }

    private static int[] intArray(HeadSpec spec) {
        return intArray(spec.getInputShapeList());
    }

    private static int[] intArray(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    /** One trainable parameter tensor: its blob name and shape, and where its floats lie in the tail. */
    private record Slot(String name, int[] shape, int at, int length) {}

    /** The trainable tensors of {@code head}, in wire order. */
    private static List<Slot> layout(MlpHead head) {
        HeadArchitecture a = head.architecture();
        List<Slot> out = new ArrayList<>();
        int base = head.trainableOffset();
        for (int i = a.firstTrainableLayer(head.trainableTopK()); i < a.layers().size(); i++) {
            HeadLayer l = a.layers().get(i);
            int at = a.parameterOffset(i) - base;
            if (l instanceof HeadLayer.Dense d) {
                int weights = d.outputDim() * d.inputDim();
                out.add(new Slot("layers." + i + ".weight", new int[] {d.outputDim(), d.inputDim()}, at, weights));
                out.add(new Slot("layers." + i + ".bias", new int[] {d.outputDim()}, at + weights, d.outputDim()));
            } else if (l instanceof HeadLayer.LayerNorm n) {
                out.add(new Slot("layers." + i + ".gamma", new int[] {n.dim()}, at, n.dim()));
                out.add(new Slot("layers." + i + ".beta", new int[] {n.dim()}, at + n.dim(), n.dim()));
            }
        }
        return out;
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
