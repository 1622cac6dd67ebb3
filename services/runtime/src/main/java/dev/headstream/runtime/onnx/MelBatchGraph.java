package dev.headstream.runtime.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.schemas.onnx.Onnx;
import java.nio.ByteOrder;

/**
 * Rewrites openWakeWord's {@code melspectrogram.onnx} so that the rows of a batch are
 * normalized each on its own, which lets one run compute many 80 ms steps of a stream.
 *
 * <p>The graph ends with an 80 dB floor: {@code Clip(x, ReduceMax(x) - 80, +inf)}, where
 * {@code ReduceMax} has no axes, so it takes the maximum over the whole batch and a batch would
 * couple every row to the loudest one. The rewrite gives that {@code ReduceMax} the axes
 * {@code (1, 2, 3)} with {@code keepdims = 1} (one maximum per row, shape {@code [B, 1, 1, 1]})
 * and replaces the final {@code Clip}, whose bounds must be scalars, by {@code Max(x, floor)};
 * the upper bound of that {@code Clip} is {@code +inf}, so nothing else changes. A row of the
 * rewritten graph therefore equals the original graph run on that row alone (a test holds it
 * on real speech). Rows must have the same length.
 */
public final class MelBatchGraph {

    static final String REDUCE_MAX = "ReduceMax";
    static final String CLIP = "Clip";

    private MelBatchGraph() {}

    /**
     * Returns the rewritten model bytes.
     *
     * @throws IllegalArgumentException if the model is not the openWakeWord mel graph this rewrite is verified on
     */
    public static byte[] rewrite(byte[] melModel) {
        Onnx.ModelProto model;
        try {
            model = Onnx.ModelProto.parseFrom(melModel);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("mel model is not a valid ONNX protobuf: " + e.getMessage(), e);
        }
        Onnx.GraphProto.Builder g = model.getGraph().toBuilder();
        int reduce = single(g, REDUCE_MAX);
        int clip = single(g, CLIP, g.getNodeCount() - 1);
        Onnx.NodeProto r = g.getNode(reduce);
        if (r.getAttributeList().stream().anyMatch(a -> a.getName().equals("axes"))) {
            throw new IllegalArgumentException(
                    "mel model's ReduceMax already has axes: not the graph this rewrite is verified on");
        }
        Onnx.NodeProto.Builder rb = r.toBuilder().clearAttribute();
        rb.addAttribute(Onnx.AttributeProto.newBuilder()
                .setName("axes")
                .setType(Onnx.AttributeProto.AttributeType.INTS)
                .addInts(1)
                .addInts(2)
                .addInts(3));
        rb.addAttribute(Onnx.AttributeProto.newBuilder()
                .setName("keepdims")
                .setType(Onnx.AttributeProto.AttributeType.INT)
                .setI(1));
        g.setNode(reduce, rb);

        Onnx.NodeProto c = g.getNode(clip);
        if (c.getInputCount() != 3 || !c.getOutput(0).equals(g.getOutput(0).getName())) {
            throw new IllegalArgumentException("mel model's last Clip is not Clip(x, floor, max) -> output");
        }
        String upper = c.getInput(2);
        Onnx.TensorProto max = g.getInitializerList().stream()
                .filter(t -> t.getName().equals(upper))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "mel model's Clip upper bound " + upper + " is not an initializer"));
        if (max.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE
                || max.getRawData().size() != 4
                || Float.intBitsToFloat(max.getRawData()
                                .asReadOnlyByteBuffer()
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .getInt())
                        != Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("mel model's Clip upper bound is not +inf");
        }
        g.setNode(
                clip,
                Onnx.NodeProto.newBuilder()
                        .setName(c.getName() + "_per_row")
                        .setOpType("Max")
                        .addInput(c.getInput(0))
                        .addInput(c.getInput(1))
                        .addOutput(c.getOutput(0)));
        boolean stillUsed =
                g.getNodeList().stream().anyMatch(n -> n.getInputList().contains(upper));
        for (int i = g.getInitializerCount() - 1; i >= 0 && !stillUsed; i--) {
            if (g.getInitializer(i).getName().equals(upper)) {
                g.removeInitializer(i);
            }
        }
        g.clearValueInfo();
        return model.toBuilder().setGraph(g).build().toByteArray();
    }

    private static int single(Onnx.GraphProto.Builder g, String op) {
        return single(g, op, -1);
    }

    /** The index of the only node of type {@code op}; with {@code mustBe >= 0}, the only one after the first of its type. */
    private static int single(Onnx.GraphProto.Builder g, String op, int mustBe) {
        int found = -1;
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOpType().equals(op)) {
                found = i;
                if (mustBe < 0 && countOf(g, op) != 1) {
                    throw new IllegalArgumentException("mel model has " + countOf(g, op) + " " + op
                            + " nodes, expected 1: not the openWakeWord mel graph this rewrite is verified on");
                }
            }
        }
        if (found < 0 || (mustBe >= 0 && found != mustBe)) {
            throw new IllegalArgumentException(
                    "mel model " + (found < 0 ? "has no " + op + " node" : "does not end in " + op)
                            + ": not the openWakeWord mel graph this rewrite is verified on");
        }
        return found;
    }

    private static int countOf(Onnx.GraphProto.Builder g, String op) {
        int n = 0;
        for (Onnx.NodeProto node : g.getNodeList()) {
            if (node.getOpType().equals(op)) {
                n++;
            }
        }
        return n;
    }
}
