package dev.headstream.runtime.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.schemas.onnx.Onnx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Rewrites openWakeWord's {@code embedding_model.onnx} so that one run over a clip's whole mel
 * sequence yields every 76-frame window's embedding at once.
 *
 * <p>The network is convolutional with an overall time stride of 8, so the overlapping windows
 * of a clip repeat most of the work. Making the time dimension of the input free and the first
 * Reshape constant {@code (1, 1, -1, 32)} instead of {@code (-1, 1, 76, 32)} lets the same
 * weights slide over the whole sequence; the output then holds {@code n} embeddings laid out
 * channel-major ({@code [96][n]}). The result must equal the windowed model exactly, which a
 * test checks on real clips. The rewritten graph takes one clip per run (batch 1).
 */
public final class SequenceEmbeddingGraph {

    static final String INPUT_RESHAPE_SHAPE = "new_shape__262";

    private SequenceEmbeddingGraph() {}

    /**
     * Returns the rewritten model bytes.
     *
     * @throws IllegalArgumentException if the model is not the expected openWakeWord embedding graph
     */
    public static byte[] rewrite(byte[] embeddingModel) {
        Onnx.ModelProto model;
        try {
            model = Onnx.ModelProto.parseFrom(embeddingModel);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("embedding model is not a valid ONNX protobuf: " + e.getMessage(), e);
        }
        Onnx.GraphProto graph = model.getGraph();
        if (graph.getInputCount() != 1) {
            throw new IllegalArgumentException(
                    "embedding model must have exactly one input, has " + graph.getInputCount());
        }
        Onnx.GraphProto.Builder g = graph.toBuilder();
        int shapeIndex = -1;
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(INPUT_RESHAPE_SHAPE)) {
                shapeIndex = i;
            }
        }
        if (shapeIndex < 0) {
            throw new IllegalArgumentException("embedding model has no initializer " + INPUT_RESHAPE_SHAPE
                    + ": not the openWakeWord embedding graph this rewrite is verified on");
        }
        long[] old = int64s(g.getInitializer(shapeIndex));
        if (old.length != 4 || old[1] != 1 || old[2] != 76 || old[3] != 32) {
            throw new IllegalArgumentException(
                    INPUT_RESHAPE_SHAPE + " is " + Arrays.toString(old) + ", expected (-1, 1, 76, 32)");
        }
        ByteBuffer raw = ByteBuffer.allocate(4 * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.putLong(1).putLong(1).putLong(-1).putLong(32).flip();
        g.setInitializer(
                shapeIndex,
                g.getInitializer(shapeIndex).toBuilder()
                        .clearInt64Data()
                        .setRawData(ByteString.copyFrom(raw))
                        .build());

        Onnx.TensorShapeProto.Builder shape = g.getInput(0).getType().getTensorType().getShape().toBuilder();
        shape.setDim(0, Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        shape.setDim(1, Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("mel_frames"));
        Onnx.ValueInfoProto.Builder input = g.getInput(0).toBuilder();
        input.getTypeBuilder().getTensorTypeBuilder().setShape(shape);
        g.setInput(0, input);
        // Output shapes recorded for the 76-frame graph no longer hold; let the runtime infer them.
        g.clearValueInfo();
        for (int i = 0; i < g.getOutputCount(); i++) {
            Onnx.ValueInfoProto.Builder out = g.getOutput(i).toBuilder();
            out.getTypeBuilder().getTensorTypeBuilder().clearShape();
            g.setOutput(i, out);
        }
        return model.toBuilder().setGraph(g).build().toByteArray();
    }

    private static long[] int64s(Onnx.TensorProto t) {
        if (t.getInt64DataCount() > 0) {
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }
        ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        long[] v = new long[b.remaining() / Long.BYTES];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getLong();
        }
        return v;
    }
}
