package dev.headstream.runtime.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.SourceHead;
import dev.headstream.schemas.onnx.Onnx;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Imports an openWakeWord-style head ONNX model as a {@link SourceHead}.
 *
 * <p>The graph is walked from its single input along one chain:
 * {@code [Flatten] -> Gemm -> [LayerNorm] -> Relu -> ... -> Gemm -> Sigmoid}, where a LayerNorm is
 * the exporters' decomposition
 * {@code ReduceMean, Sub, Pow(2), ReduceMean, Add(eps), Sqrt, Div, Mul(gamma), Add(beta)} over the
 * last axis. The walk stops at the first {@code Sigmoid}: whatever follows it (the "verifier" MLP
 * behind an {@code If} in {@code hey_jarvis_v0.1.onnx}) is ignored, so the imported head is the
 * base network only. {@code Gemm}'s {@code alpha} and {@code beta} are folded into the weights and
 * bias and {@code transB = 0} weights are transposed into the engine's {@code [out][in]} layout.
 * Initializers must be float32 ({@code raw_data} little-endian or {@code float_data}).
 *
 * <p>Anything else is rejected with an {@link IllegalArgumentException} whose message names the
 * node and its op: {@code Unsupported node '<name>' (op <op>): <reason>}.
 *
 * <p>Stateless and thread-safe.
 */
public final class OnnxHeadImporter {

    private static final String SUPPORTED = "only Flatten, Gemm, LayerNorm (ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/"
            + "Div/Mul/Add), Relu and Sigmoid are supported in a head graph";

    private OnnxHeadImporter() {}

    /** Imports {@code file}; the head's id is the file name without {@code .onnx}. */
    public static SourceHead importHead(Path file) throws IOException {
        String name = file.getFileName().toString();
        String id = name.endsWith(".onnx") ? name.substring(0, name.length() - ".onnx".length()) : name;
        return importHead(id, Files.readAllBytes(file));
    }

    /** Imports a head from ONNX model bytes; {@code sha256} of the result is that of {@code modelBytes}. */
    public static SourceHead importHead(String id, byte[] modelBytes) {
        Onnx.ModelProto model = parse(modelBytes);
        for (var p : model.getMetadataPropsList()) {
            if (p.getKey().equals("headstream.output")
                    && (p.getValue().equals("softmax") || p.getValue().equals("multi-label"))) {
                throw new IllegalArgumentException("head '" + id + "' is an exported class head (" + p.getValue()
                        + "): it scores one mean-std pooled vector per clip, not wake-word windows; score it as"
                        + " docs/export.md (Class heads) says");
            }
        }
        Walk walk = new Walk(model.getGraph());
        walk.run();
        HeadArchitecture architecture = new HeadArchitecture(walk.inputDim, walk.layers);
        float[] params = new float[walk.paramCount];
        int at = 0;
        for (float[] chunk : walk.params) {
            System.arraycopy(chunk, 0, params, at, chunk.length);
            at += chunk.length;
        }
        return new SourceHead(id, sha256(modelBytes), architecture, params);
    }

    static Onnx.ModelProto parse(byte[] modelBytes) {
        try {
            return Onnx.ModelProto.parseFrom(modelBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    static IllegalArgumentException unsupported(Onnx.NodeProto node, String reason) {
        return new IllegalArgumentException(
                "Unsupported node '" + node.getName() + "' (op " + node.getOpType() + "): " + reason);
    }

    /** Reads a float32 tensor's values. */
    static float[] floats(Onnx.TensorProto t, String what) {
        if (t.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException(what + " '" + t.getName() + "' has ONNX data type " + t.getDataType()
                    + "; only float32 (1) is supported");
        }
        if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException(
                    what + " '" + t.getName() + "' stores its data externally; not supported");
        }
        long expected = 1;
        for (long d : t.getDimsList()) {
            expected *= d;
        }
        float[] values;
        if (!t.getRawData().isEmpty()) {
            FloatBuffer b = t.getRawData()
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            values = new float[b.remaining()];
            b.get(values);
        } else {
            values = new float[t.getFloatDataCount()];
            for (int i = 0; i < values.length; i++) {
                values[i] = t.getFloatData(i);
            }
        }
        if (values.length != expected) {
            throw new IllegalArgumentException(what + " '" + t.getName() + "' holds " + values.length
                    + " floats but its dims " + t.getDimsList() + " need " + expected);
        }
        return values;
    }

    /** One pass over a graph: indexes producers and consumers, then follows the chain. */
    private static final class Walk {
        private final Onnx.GraphProto graph;
        private final Map<String, Onnx.TensorProto> initializers = new HashMap<>();
        private final Map<String, Onnx.TensorProto> constants = new HashMap<>();
        private final Map<String, List<Onnx.NodeProto>> consumers = new HashMap<>();
        private final List<HeadLayer> layers = new ArrayList<>();
        private final List<float[]> params = new ArrayList<>();
        private int paramCount;
        private int inputDim = -1;
        private int width;

        Walk(Onnx.GraphProto graph) {
            this.graph = graph;
            for (Onnx.TensorProto t : graph.getInitializerList()) {
                initializers.put(t.getName(), t);
            }
            for (Onnx.NodeProto n : graph.getNodeList()) {
                if (n.getOpType().equals("Constant")) {
                    for (Onnx.AttributeProto a : n.getAttributeList()) {
                        if (a.getName().equals("value") && a.hasT()) {
                            constants.put(n.getOutput(0), a.getT());
                        }
                    }
                }
                for (String in : n.getInputList()) {
                    if (!in.isEmpty()) {
                        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                    }
                }
            }
        }

        void run() {
            String tensor = graphInput();
            boolean first = true;
            boolean afterGemm = false;
            while (true) {
                List<Onnx.NodeProto> next = consumers.getOrDefault(tensor, List.of());
                if (next.isEmpty()) {
                    throw new IllegalArgumentException(
                            "head graph ends at tensor '" + tensor + "' without reaching a Sigmoid");
                }
                if (isLayerNormStart(next)) {
                    tensor = layerNorm(tensor, next);
                    afterGemm = false;
                    first = false;
                    continue;
                }
                if (next.size() != 1) {
                    throw unsupported(
                            next.get(1),
                            "tensor '" + tensor + "' feeds " + next.size()
                                    + " nodes; a head graph must be a single chain");
                }
                Onnx.NodeProto node = next.get(0);
                switch (node.getOpType()) {
                    case "Flatten" -> {
                        if (!first) {
                            throw unsupported(node, "Flatten is only supported directly on the graph input");
                        }
                        flatten(node);
                        tensor = node.getOutput(0);
                    }
                    case "Gemm" -> {
                        tensor = gemm(node, tensor);
                        afterGemm = true;
                    }
                    case "Relu" -> {
                        checkSingleInput(node, tensor);
                        layers.add(new HeadLayer.Relu(currentWidth(node)));
                        tensor = node.getOutput(0);
                        afterGemm = false;
                    }
                    case "Sigmoid" -> {
                        checkSingleInput(node, tensor);
                        if (!afterGemm || width != 1) {
                            throw unsupported(node, "the score Sigmoid must directly follow a Gemm with one output");
                        }
                        return;
                    }
                    default -> throw unsupported(node, SUPPORTED);
                }
                first = false;
            }
        }

        private String graphInput() {
            List<Onnx.ValueInfoProto> inputs = new ArrayList<>();
            for (Onnx.ValueInfoProto v : graph.getInputList()) {
                if (!initializers.containsKey(v.getName())) {
                    inputs.add(v);
                }
            }
            if (inputs.size() != 1) {
                throw new IllegalArgumentException("a head graph must have exactly one input, found " + inputs.size());
            }
            Onnx.ValueInfoProto input = inputs.get(0);
            if (!input.getType().hasTensorType()) {
                throw new IllegalArgumentException("the head graph's input '" + input.getName() + "' is not a tensor");
            }
            List<Onnx.TensorShapeProto.Dimension> dims =
                    input.getType().getTensorType().getShape().getDimList();
            long features = 1;
            boolean known = dims.size() >= 2;
            for (int i = 1; i < dims.size(); i++) {
                if (dims.get(i).hasDimValue() && dims.get(i).getDimValue() > 0) {
                    features *= dims.get(i).getDimValue();
                } else {
                    known = false;
                }
            }
            if (known) {
                inputDim = Math.toIntExact(features);
                width = inputDim;
            }
            return input.getName();
        }

        private void flatten(Onnx.NodeProto node) {
            for (Onnx.AttributeProto a : node.getAttributeList()) {
                if (!a.getName().equals("axis")) {
                    throw unsupported(node, "attribute '" + a.getName() + "' is not supported");
                }
                if (a.getI() != 1) {
                    throw unsupported(node, "axis=" + a.getI() + " is not supported (only axis=1)");
                }
            }
        }

        private String gemm(Onnx.NodeProto node, String tensor) {
            float alpha = 1f;
            float beta = 1f;
            boolean transB = false;
            for (Onnx.AttributeProto a : node.getAttributeList()) {
                switch (a.getName()) {
                    case "alpha" -> alpha = a.getF();
                    case "beta" -> beta = a.getF();
                    case "transA" -> {
                        if (a.getI() != 0) {
                            throw unsupported(node, "transA=" + a.getI() + " is not supported");
                        }
                    }
                    case "transB" -> {
                        if (a.getI() != 0 && a.getI() != 1) {
                            throw unsupported(node, "transB=" + a.getI() + " is not supported");
                        }
                        transB = a.getI() == 1;
                    }
                    default -> throw unsupported(node, "attribute '" + a.getName() + "' is not supported");
                }
            }
            if (node.getInputCount() < 2 || !node.getInput(0).equals(tensor)) {
                throw unsupported(node, "input A must be the previous layer's output '" + tensor + "'");
            }
            Onnx.TensorProto b = constant(node.getInput(1));
            if (b == null) {
                throw unsupported(node, "weight B '" + node.getInput(1) + "' must be an initializer or Constant");
            }
            if (b.getDimsCount() != 2) {
                throw unsupported(node, "weight B must be 2-D, has dims " + b.getDimsList());
            }
            int rows = Math.toIntExact(b.getDims(0));
            int cols = Math.toIntExact(b.getDims(1));
            int in = transB ? cols : rows;
            int out = transB ? rows : cols;
            if (layers.isEmpty() && inputDim < 0) {
                inputDim = in;
                width = in;
            }
            if (in != width) {
                throw unsupported(node, "weight B expects " + in + " inputs but the previous layer gives " + width);
            }
            float[] w = floats(b, "initializer");
            float[] chunk = new float[in * out + out];
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < in; j++) {
                    float v = transB ? w[o * in + j] : w[j * out + o];
                    chunk[o * in + j] = alpha * v;
                }
            }
            if (node.getInputCount() >= 3 && !node.getInput(2).isEmpty()) {
                Onnx.TensorProto c = constant(node.getInput(2));
                if (c == null) {
                    throw unsupported(node, "bias C '" + node.getInput(2) + "' must be an initializer or Constant");
                }
                float[] bias = floats(c, "initializer");
                if (bias.length != out && bias.length != 1) {
                    throw unsupported(node, "bias C has " + bias.length + " values; expected " + out + " or 1");
                }
                for (int o = 0; o < out; o++) {
                    chunk[in * out + o] = beta * bias[bias.length == 1 ? 0 : o];
                }
            }
            addLayer(new HeadLayer.Dense(in, out), chunk);
            width = out;
            return node.getOutput(0);
        }

        private static boolean isLayerNormStart(List<Onnx.NodeProto> next) {
            return next.size() == 2
                    && next.stream().anyMatch(n -> n.getOpType().equals("ReduceMean"))
                    && next.stream().anyMatch(n -> n.getOpType().equals("Sub"));
        }

        /** Matches the nine-node LayerNorm decomposition starting at {@code x}; returns its output. */
        private String layerNorm(String x, List<Onnx.NodeProto> next) {
            Onnx.NodeProto mean = next.get(0).getOpType().equals("ReduceMean") ? next.get(0) : next.get(1);
            Onnx.NodeProto sub = mean == next.get(0) ? next.get(1) : next.get(0);
            checkReduceLastAxis(mean, x);
            if (sub.getInputCount() != 2
                    || !sub.getInput(0).equals(x)
                    || !sub.getInput(1).equals(mean.getOutput(0))) {
                throw unsupported(sub, "expected Sub(x, ReduceMean(x)) of a LayerNorm");
            }
            String centred = sub.getOutput(0);
            Onnx.NodeProto pow = consumerOfType(centred, "Pow", sub);
            Onnx.NodeProto div = consumerOfType(centred, "Div", sub);
            if (consumers.get(centred).size() != 2) {
                throw unsupported(sub, "its output must feed exactly Pow and Div of a LayerNorm");
            }
            if (pow.getInputCount() != 2 || !pow.getInput(0).equals(centred) || scalar(pow.getInput(1), pow) != 2f) {
                throw unsupported(pow, "expected Pow(x - mean, 2) of a LayerNorm");
            }
            Onnx.NodeProto variance = single(pow.getOutput(0), "ReduceMean", pow);
            checkReduceLastAxis(variance, pow.getOutput(0));
            Onnx.NodeProto addEps = single(variance.getOutput(0), "Add", variance);
            float eps = scalar(otherInput(addEps, variance.getOutput(0)), addEps);
            Onnx.NodeProto sqrt = single(addEps.getOutput(0), "Sqrt", addEps);
            if (!single(sqrt.getOutput(0), "Div", sqrt).equals(div)
                    || div.getInputCount() != 2
                    || !div.getInput(0).equals(centred)
                    || !div.getInput(1).equals(sqrt.getOutput(0))) {
                throw unsupported(div, "expected Div(x - mean, Sqrt(var + eps)) of a LayerNorm");
            }
            Onnx.NodeProto mul = single(div.getOutput(0), "Mul", div);
            float[] gamma = vector(otherInput(mul, div.getOutput(0)), mul);
            Onnx.NodeProto addBeta = single(mul.getOutput(0), "Add", mul);
            float[] beta = vector(otherInput(addBeta, mul.getOutput(0)), addBeta);
            int dim = width;
            if (gamma.length != dim || beta.length != dim) {
                throw unsupported(
                        mul,
                        "LayerNorm gamma/beta have " + gamma.length + "/" + beta.length + " values, the layer is " + dim
                                + " wide");
            }
            if (!(eps > 0f)) {
                throw unsupported(addEps, "LayerNorm epsilon must be positive, got " + eps);
            }
            float[] chunk = new float[2 * dim];
            System.arraycopy(gamma, 0, chunk, 0, dim);
            System.arraycopy(beta, 0, chunk, dim, dim);
            addLayer(new HeadLayer.LayerNorm(dim, eps), chunk);
            return addBeta.getOutput(0);
        }

        private void checkReduceLastAxis(Onnx.NodeProto node, String input) {
            if (node.getInputCount() < 1 || !node.getInput(0).equals(input)) {
                throw unsupported(node, "expected a ReduceMean of '" + input + "'");
            }
            List<Long> axes = null;
            for (Onnx.AttributeProto a : node.getAttributeList()) {
                switch (a.getName()) {
                    case "axes" -> axes = a.getIntsList();
                    case "keepdims" -> {
                        if (a.getI() != 1) {
                            throw unsupported(node, "keepdims=" + a.getI() + " is not supported");
                        }
                    }
                    default -> throw unsupported(node, "attribute '" + a.getName() + "' is not supported");
                }
            }
            if (axes == null && node.getInputCount() >= 2) {
                Onnx.TensorProto t = constant(node.getInput(1));
                if (t != null && t.getDataType() == Onnx.TensorProto.DataType.INT64_VALUE) {
                    axes = int64s(t);
                }
            }
            if (axes == null || axes.size() != 1 || (axes.get(0) != -1 && axes.get(0) != 1)) {
                throw unsupported(node, "a LayerNorm must reduce over the last axis only, axes=" + axes);
            }
        }

        private void checkSingleInput(Onnx.NodeProto node, String tensor) {
            if (node.getInputCount() != 1 || !node.getInput(0).equals(tensor)) {
                throw unsupported(node, "expected exactly one input '" + tensor + "'");
            }
        }

        private int currentWidth(Onnx.NodeProto node) {
            if (layers.isEmpty()) {
                throw unsupported(node, "a head graph must start with [Flatten ->] Gemm");
            }
            return width;
        }

        private Onnx.NodeProto single(String tensor, String op, Onnx.NodeProto after) {
            List<Onnx.NodeProto> next = consumers.getOrDefault(tensor, List.of());
            if (next.size() != 1 || !next.get(0).getOpType().equals(op)) {
                throw unsupported(
                        next.isEmpty() ? after : next.get(0),
                        "expected a single " + op + " after '" + after.getName() + "' in a LayerNorm");
            }
            return next.get(0);
        }

        private Onnx.NodeProto consumerOfType(String tensor, String op, Onnx.NodeProto after) {
            for (Onnx.NodeProto n : consumers.getOrDefault(tensor, List.of())) {
                if (n.getOpType().equals(op)) {
                    return n;
                }
            }
            throw unsupported(after, "its output must feed a " + op + " in a LayerNorm");
        }

        private String otherInput(Onnx.NodeProto node, String known) {
            if (node.getInputCount() != 2) {
                throw unsupported(node, "expected two inputs");
            }
            if (node.getInput(0).equals(known)) {
                return node.getInput(1);
            }
            if (node.getInput(1).equals(known)) {
                return node.getInput(0);
            }
            throw unsupported(node, "expected '" + known + "' as an input");
        }

        private float scalar(String name, Onnx.NodeProto node) {
            float[] v = vector(name, node);
            if (v.length != 1) {
                throw unsupported(node, "expected a scalar constant for '" + name + "', got " + v.length + " values");
            }
            return v[0];
        }

        private float[] vector(String name, Onnx.NodeProto node) {
            Onnx.TensorProto t = constant(name);
            if (t == null) {
                throw unsupported(node, "'" + name + "' must be an initializer or Constant");
            }
            return floats(t, "constant");
        }

        private Onnx.TensorProto constant(String name) {
            Onnx.TensorProto t = initializers.get(name);
            return t != null ? t : constants.get(name);
        }

        private void addLayer(HeadLayer layer, float[] chunk) {
            layers.add(layer);
            params.add(chunk);
            paramCount = Math.addExact(paramCount, chunk.length);
        }

        private static List<Long> int64s(Onnx.TensorProto t) {
            if (t.getInt64DataCount() > 0) {
                return t.getInt64DataList();
            }
            LongBuffer b = t.getRawData()
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asLongBuffer();
            List<Long> v = new ArrayList<>();
            while (b.hasRemaining()) {
                v.add(b.get());
            }
            return v;
        }
    }
}
