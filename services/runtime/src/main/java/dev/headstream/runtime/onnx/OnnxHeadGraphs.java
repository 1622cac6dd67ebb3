package dev.headstream.runtime.onnx;

import dev.headstream.schemas.onnx.Onnx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Graph rewrites of head models, so that ONNX Runtime can run exactly the network
 * {@link OnnxHeadImporter} imports. Stateless and thread-safe.
 */
public final class OnnxHeadGraphs {

    private OnnxHeadGraphs() {}

    /**
     * Returns a copy of the model whose only graph output is the output of its first
     * {@code Sigmoid} node (in node order), with every node and initializer that output does
     * not depend on removed. For {@code hey_jarvis_v0.1.onnx} this drops the {@code If} that
     * swaps in the verifier MLP on high scores, leaving the base MLP. The output keeps the
     * element type and shape of the original first output.
     *
     * @throws IllegalArgumentException if the bytes are not an ONNX model or it has no Sigmoid
     */
    public static byte[] truncateAtFirstSigmoid(byte[] modelBytes) {
        Onnx.ModelProto model = OnnxHeadImporter.parse(modelBytes);
        Onnx.GraphProto graph = model.getGraph();
        Onnx.NodeProto sigmoid = null;
        for (Onnx.NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("Sigmoid")) {
                sigmoid = n;
                break;
            }
        }
        if (sigmoid == null) {
            throw new IllegalArgumentException("model has no Sigmoid node to truncate at");
        }
        String output = sigmoid.getOutput(0);

        List<Onnx.NodeProto> nodes = graph.getNodeList();
        Set<String> needed = new HashSet<>(Set.of(output));
        boolean[] keep = new boolean[nodes.size()];
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Onnx.NodeProto n = nodes.get(i);
            for (String out : n.getOutputList()) {
                if (needed.contains(out)) {
                    keep[i] = true;
                    break;
                }
            }
            if (keep[i]) {
                needed.addAll(n.getInputList());
            }
        }
        List<Onnx.NodeProto> keptNodes = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (keep[i]) {
                keptNodes.add(nodes.get(i));
            }
        }
        Onnx.ValueInfoProto.Builder out = Onnx.ValueInfoProto.newBuilder().setName(output);
        if (graph.getOutputCount() > 0) {
            out.setType(graph.getOutput(0).getType());
        }
        Onnx.GraphProto.Builder g = graph.toBuilder()
                .clearNode()
                .addAllNode(keptNodes)
                .clearOutput()
                .addOutput(out);
        g.clearInitializer();
        for (Onnx.TensorProto t : graph.getInitializerList()) {
            if (needed.contains(t.getName())) {
                g.addInitializer(t);
            }
        }
        g.clearValueInfo();
        for (Onnx.ValueInfoProto v : graph.getValueInfoList()) {
            if (needed.contains(v.getName())) {
                g.addValueInfo(v);
            }
        }
        g.clearInput();
        for (Onnx.ValueInfoProto v : graph.getInputList()) {
            if (needed.contains(v.getName())) {
                g.addInput(v);
            }
        }
        return model.toBuilder().setGraph(g).build().toByteArray();
    }
}
