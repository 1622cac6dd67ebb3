package dev.headstream.runtime.onnx;

import com.google.protobuf.ByteString;
import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.HeadOutput;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.TaskArchitecture;
import dev.headstream.schemas.onnx.Onnx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntUnaryOperator;

/**
 * Writes a head (source or adapted) as a standalone ONNX model with the source head's interface,
 * so that openWakeWord runtimes, ONNX Runtime and onnxruntime-web can load it in place of the
 * source model.
 *
 * <p>The graph is opset 13 (the openWakeWord heads' opset), IR version 7:
 * {@code Flatten(axis=1) -> Gemm(transB=1) -> [LayerNorm] -> Relu -> ... -> Gemm -> Sigmoid}, where
 * a LayerNorm is written out as
 * {@code ReduceMean, Sub, Pow(2), ReduceMean, Add(eps), Sqrt, Div, Mul(gamma), Add(beta)} over the
 * last axis ({@code LayerNormalization} needs opset 17). There is no verifier branch: the output
 * is the head's own sigmoid score. Parameter tensors are named as in {@code HeadUpdate}
 * ({@code layers.<i>.weight|bias|gamma|beta}) and hold the engine's floats unchanged, so
 * {@link OnnxHeadImporter} reads back bit-identical parameters.
 *
 * <p>Provenance and the calibrated threshold go into {@code metadata_props} (keys
 * {@code headstream.*}, see {@link Metadata}) and a one-line summary into the model's
 * {@code doc_string}; {@code model_version} is the head version.
 *
 * <p>A class head (multi-class or multi-label, {@link #exportClass}) has no source model to take
 * an interface from: its graph reads {@value #CLASS_INPUT} {@code [N, 2 * dim]} (mean-std pooled
 * embeddings, pooled by the caller) and writes {@value #CLASS_OUTPUT} {@code [N, outputs]}, the
 * same layers ending in {@code Softmax} or {@code Sigmoid}; its metadata names its outputs and
 * pooling and has no threshold ({@link ClassMetadata}).
 *
 * <p>Stateless and thread-safe.
 */
public final class OnnxHeadExporter {

    /** The opset of the openWakeWord heads, and the highest one the graph needs. */
    public static final long OPSET = 13;
    /** ONNX IR version written (that of the openWakeWord heads). */
    public static final long IR_VERSION = 7;
    /** {@code metadata_props} key prefix. */
    public static final String KEY_PREFIX = "headstream.";

    private OnnxHeadExporter() {}

    /**
     * The graph's input and output: names and shapes. The input shape is
     * {@code [batch, ...sample dims]}; a dimension {@code <= 0} is written symbolic ({@code N}). The
     * output is {@code [batch, 1]}.
     */
    public record ModelInterface(String inputName, long[] inputShape, String outputName) {

        public ModelInterface {
            Objects.requireNonNull(inputName, "inputName");
            Objects.requireNonNull(outputName, "outputName");
            if (inputName.isEmpty() || outputName.isEmpty() || inputName.equals(outputName)) {
                throw new IllegalArgumentException("input and output names must be non-empty and distinct, got '"
                        + inputName + "' and '" + outputName + "'");
            }
            if (inputShape == null || inputShape.length < 2) {
                throw new IllegalArgumentException(
                        "input shape must be [batch, ...sample dims], got " + Arrays.toString(inputShape));
            }
            inputShape = inputShape.clone();
            for (int i = 1; i < inputShape.length; i++) {
                if (inputShape[i] <= 0) {
                    throw new IllegalArgumentException(
                            "sample dimensions must be fixed and positive, got " + Arrays.toString(inputShape));
                }
            }
        }

        @Override
        public long[] inputShape() {
            return inputShape.clone();
        }

        /** Number of values per sample (the product of the dimensions after the batch). */
        public long sampleSize() {
            long n = 1;
            for (int i = 1; i < inputShape.length; i++) {
                n *= inputShape[i];
            }
            return n;
        }

        /**
         * The default interface for a head reading {@code inputDim} values: input {@code input},
         * {@code [1, 16, 96]} for openWakeWord's 1536-wide windows and {@code [1, inputDim]} otherwise;
         * output {@code score}.
         */
        public static ModelInterface defaultFor(HeadArchitecture architecture) {
            int dim = architecture.inputDim();
            long[] shape = dim == 16 * 96 ? new long[] {1, 16, 96} : new long[] {1, dim};
            return new ModelInterface("input", shape, "score");
        }

        /**
         * The interface of a source head model: its one non-initializer input (name and shape; a
         * symbolic dimension stays symbolic) and the name of its first output.
         *
         * @throws IllegalArgumentException if the bytes are not an ONNX model, or it has no single
         *                                  input or no output
         */
        public static ModelInterface of(byte[] sourceModel) {
            Onnx.GraphProto g = OnnxHeadImporter.parse(sourceModel).getGraph();
            List<String> initializers = g.getInitializerList().stream()
                    .map(Onnx.TensorProto::getName)
                    .toList();
            List<Onnx.ValueInfoProto> inputs = g.getInputList().stream()
                    .filter(v -> !initializers.contains(v.getName()))
                    .toList();
            if (inputs.size() != 1 || g.getOutputCount() == 0) {
                throw new IllegalArgumentException("a source head model needs exactly one input and an output, has "
                        + inputs.size() + " inputs and " + g.getOutputCount() + " outputs");
            }
            List<Onnx.TensorShapeProto.Dimension> dims =
                    inputs.get(0).getType().getTensorType().getShape().getDimList();
            long[] shape = new long[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = dims.get(i).hasDimValue() ? dims.get(i).getDimValue() : -1;
            }
            return new ModelInterface(
                    inputs.get(0).getName(), shape, g.getOutput(0).getName());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ModelInterface other
                    && inputName.equals(other.inputName)
                    && Arrays.equals(inputShape, other.inputShape)
                    && outputName.equals(other.outputName);
        }

        @Override
        public int hashCode() {
            return Objects.hash(inputName, Arrays.hashCode(inputShape), outputName);
        }

        @Override
        public String toString() {
            return "ModelInterface[" + inputName + " " + Arrays.toString(inputShape) + " -> " + outputName + "]";
        }
    }

    /**
     * Where an exported head came from. Each field becomes a {@code metadata_props} entry
     * {@code headstream.<field>} (snake case): {@code head_id}, {@code version},
     * {@code source_head_id}, {@code source_head_sha256}, {@code backbone_sha256}, {@code threshold}
     * (decimal text that parses back to the same float; accept when {@code score >= threshold}),
     * followed by every {@code extra} entry as {@code headstream.<key>}, in iteration order.
     *
     * @param backboneSha256 empty when unknown
     */
    public record Metadata(
            String headId,
            long version,
            String sourceHeadId,
            String sourceHeadSha256,
            String backboneSha256,
            float threshold,
            Map<String, String> extra) {

        public Metadata {
            Objects.requireNonNull(headId, "headId");
            Objects.requireNonNull(sourceHeadId, "sourceHeadId");
            Objects.requireNonNull(sourceHeadSha256, "sourceHeadSha256");
            Objects.requireNonNull(backboneSha256, "backboneSha256");
            if (headId.isBlank()) {
                throw new IllegalArgumentException("head id must not be blank");
            }
            if (Float.isNaN(threshold)) {
                throw new IllegalArgumentException("threshold must not be NaN");
            }
            extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        }

        public Metadata(
                String headId,
                long version,
                String sourceHeadId,
                String sourceHeadSha256,
                String backboneSha256,
                float threshold) {
            this(headId, version, sourceHeadId, sourceHeadSha256, backboneSha256, threshold, Map.of());
        }

        /** The {@code metadata_props} entries, in the order they are written. */
        public Map<String, String> properties() {
            Map<String, String> p = new LinkedHashMap<>();
            p.put(KEY_PREFIX + "head_id", headId);
            p.put(KEY_PREFIX + "version", Long.toString(version));
            p.put(KEY_PREFIX + "source_head_id", sourceHeadId);
            p.put(KEY_PREFIX + "source_head_sha256", sourceHeadSha256);
            p.put(KEY_PREFIX + "backbone_sha256", backboneSha256);
            p.put(KEY_PREFIX + "threshold", Float.toString(threshold));
            for (Map.Entry<String, String> e : extra.entrySet()) {
                String key = KEY_PREFIX + e.getKey();
                if (p.containsKey(key)) {
                    throw new IllegalArgumentException("extra metadata key '" + e.getKey() + "' is reserved");
                }
                p.put(key, Objects.requireNonNull(e.getValue(), e.getKey()));
            }
            return p;
        }
    }

    /**
     * Exports a head from its source parameters and a user's trainable tail (for example the
     * pieces of a decoded {@code HeadUpdate}).
     *
     * @param head      the head (architecture and trainable depth)
     * @param source    the full source parameter array
     * @param trainable the user's trainable tail; replaces {@code source[head.trainableOffset() ..]}
     */
    public static byte[] export(MlpHead head, float[] source, float[] trainable, ModelInterface io, Metadata meta) {
        HeadArchitecture a = head.architecture();
        if (source == null || source.length != a.parameterCount()) {
            throw new IllegalArgumentException("source parameters must have length " + a.parameterCount());
        }
        if (trainable == null || trainable.length != head.trainableLength()) {
            throw new IllegalArgumentException("trainable parameters must have length " + head.trainableLength());
        }
        float[] all = source.clone();
        System.arraycopy(trainable, 0, all, head.trainableOffset(), trainable.length);
        return export(a, all, io, meta);
    }

    /**
     * Exports a head given all its parameters, laid out as {@link HeadArchitecture} describes.
     *
     * @return the serialized {@code ModelProto}
     * @throws IllegalArgumentException if the parameters do not fit the architecture or are not
     *                                  finite, or the interface's sample size is not the head's input
     */
    public static byte[] export(HeadArchitecture architecture, float[] parameters, ModelInterface io, Metadata meta) {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(meta, "meta");
        checkParameters(architecture.parameterCount(), parameters);
        if (io.sampleSize() != architecture.inputDim()) {
            throw new IllegalArgumentException("interface input " + Arrays.toString(io.inputShape()) + " holds "
                    + io.sampleSize() + " values per sample; the head reads " + architecture.inputDim());
        }
        return new GraphWriter(architecture.layers(), architecture::parameterOffset, parameters)
                .binaryModel(io, meta)
                .toByteArray();
    }

    /** {@link #export(HeadArchitecture, float[], ModelInterface, Metadata)} written to {@code file}. */
    public static void exportTo(
            Path file, HeadArchitecture architecture, float[] parameters, ModelInterface io, Metadata meta)
            throws IOException {
        Files.write(file, export(architecture, parameters, io, meta));
    }

    /** The input of an exported class head: {@code [N, 2 * dim]} mean-std pooled embeddings, or {@code [N, 76]} mel-cepstrum pooled frames. */
    public static final String CLASS_INPUT = "pooled";

    /** The output of an exported class head: {@code [N, outputs]} probabilities. */
    public static final String CLASS_OUTPUT = "probabilities";

    /**
     * Where an exported class head came from. Each field becomes a {@code metadata_props} entry
     * {@code headstream.<field>} as in {@link Metadata}: {@code head_id}, {@code version},
     * {@code source_head_id} (the task's start head, {@code fresh:<seed>}),
     * {@code source_head_sha256}, {@code backbone_sha256}; then {@code output} ({@code softmax} or
     * {@code multi-label}), {@code output_labels} (the output names, comma-separated, in output
     * order) and {@code pooling} ({@code mean-std} or {@code mel-cepstrum}), which {@link #exportClass} fills in from the
     * head; then every {@code extra} entry. There is no {@code threshold}: a class head has none.
     *
     * @param backboneSha256 empty when unknown
     */
    public record ClassMetadata(
            String headId,
            long version,
            String sourceHeadId,
            String sourceHeadSha256,
            String backboneSha256,
            Map<String, String> extra) {

        public ClassMetadata {
            Objects.requireNonNull(headId, "headId");
            Objects.requireNonNull(sourceHeadId, "sourceHeadId");
            Objects.requireNonNull(sourceHeadSha256, "sourceHeadSha256");
            Objects.requireNonNull(backboneSha256, "backboneSha256");
            if (headId.isBlank()) {
                throw new IllegalArgumentException("head id must not be blank");
            }
            extra = extra == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        }

        /** The {@code metadata_props} entries of a head with {@code output}, {@code labels} and {@code pooling}. */
        public Map<String, String> properties(String output, List<String> labels, String pooling) {
            Map<String, String> p = new LinkedHashMap<>();
            p.put(KEY_PREFIX + "head_id", headId);
            p.put(KEY_PREFIX + "version", Long.toString(version));
            p.put(KEY_PREFIX + "source_head_id", sourceHeadId);
            p.put(KEY_PREFIX + "source_head_sha256", sourceHeadSha256);
            p.put(KEY_PREFIX + "backbone_sha256", backboneSha256);
            p.put(KEY_PREFIX + "output", output);
            p.put(KEY_PREFIX + "output_labels", String.join(",", labels));
            p.put(KEY_PREFIX + "pooling", pooling);
            for (Map.Entry<String, String> e : extra.entrySet()) {
                String key = KEY_PREFIX + e.getKey();
                if (p.containsKey(key) || key.equals(KEY_PREFIX + "threshold")) {
                    throw new IllegalArgumentException("extra metadata key '" + e.getKey() + "' is reserved");
                }
                p.put(key, Objects.requireNonNull(e.getValue(), e.getKey()));
            }
            return p;
        }
    }

    /**
     * Exports a class head (multi-class or multi-label) given all its parameters, laid out as
     * {@code architecture} describes: input {@value #CLASS_INPUT} {@code [N, inputDim]} (the
     * clip's mean-std pooled embeddings, pooled by the caller), the layers as for a binary head
     * (a LayerNorm written out in opset 13), then {@code Softmax(axis=1)} for a multi-class head or
     * {@code Sigmoid} for a multi-label one, output {@value #CLASS_OUTPUT} {@code [N, outputs]}.
     * {@code N} is symbolic: any batch of clips scores in one run.
     *
     * @param labels  one name per output, in output order; none may contain a comma
     *                ({@code headstream.output_labels} is comma-separated)
     * @param pooling the pooling the head's input comes from ({@code mean-std} or {@code mel-cepstrum})
     * @return the serialized {@code ModelProto}
     * @throws IllegalArgumentException if the output is neither softmax nor multi-label, the
     *                                  parameters do not fit or are not finite, the labels are
     *                                  not one per output or one contains a comma, or the pooling
     *                                  is unknown or does not fit the head's input
     */
    public static byte[] exportClass(
            TaskArchitecture architecture,
            float[] parameters,
            List<String> labels,
            String pooling,
            ClassMetadata meta) {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(meta, "meta");
        ClipPooling known = ClipPooling.parse(pooling);
        String unfitInput = known.unfitInput(architecture.inputDim());
        if (unfitInput != null) {
            throw new IllegalArgumentException(unfitInput);
        }
        pooling = known.label();
        String output;
        if (architecture.output() instanceof HeadOutput.Softmax) {
            output = "softmax";
        } else if (architecture.output() instanceof HeadOutput.MultiLabel) {
            output = "multi-label";
        } else {
            throw new IllegalArgumentException(
                    "a class head's output is softmax or multi-label, not " + architecture.output());
        }
        checkParameters(architecture.parameterCount(), parameters);
        if (labels.size() != architecture.output().outputs()) {
            throw new IllegalArgumentException("class head names " + labels.size() + " outputs but has "
                    + architecture.output().outputs());
        }
        for (String label : labels) {
            if (label.isEmpty() || label.indexOf(',') >= 0) {
                throw new IllegalArgumentException(
                        "output label '" + label
                                + "' cannot be written to headstream.output_labels (comma-separated): it is empty or has a comma");
            }
        }
        Map<String, String> properties = meta.properties(output, labels, pooling);
        String doc = "Headstream class head " + meta.headId() + " v" + meta.version() + "; "
                + ("softmax".equals(output) ? "multi-class" : "multi-label") + " over " + String.join(", ", labels)
                + "; from " + meta.sourceHeadId() + " (sha256 " + meta.sourceHeadSha256() + ")"
                + (meta.backboneSha256().isEmpty() ? "" : "; backbone sha256 " + meta.backboneSha256())
                + "; input: one " + pooling + " pooled vector per clip [N, " + architecture.inputDim() + "]; "
                + architecture.parameterCount() + " parameters.";
        return new GraphWriter(architecture.layers(), architecture::parameterOffset, parameters)
                .classModel(architecture.inputDim(), architecture.output(), meta.version(), doc, properties)
                .toByteArray();
    }

    private static void checkParameters(int count, float[] parameters) {
        if (parameters == null || parameters.length != count) {
            throw new IllegalArgumentException("parameters must have length " + count + ", got "
                    + (parameters == null ? "null" : parameters.length));
        }
        for (int i = 0; i < parameters.length; i++) {
            if (!Float.isFinite(parameters[i])) {
                throw new IllegalArgumentException("parameter " + i + " is not finite: " + parameters[i]);
            }
        }
    }

    /** Builds the nodes and initializers of one head graph. */
    private static final class GraphWriter {
        private final List<HeadLayer> layers;
        private final IntUnaryOperator offset;
        private final float[] parameters;
        private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();

        /** {@code offset(i)}: where layer {@code i}'s parameters start in {@code parameters}. */
        GraphWriter(List<HeadLayer> layers, IntUnaryOperator offset, float[] parameters) {
            this.layers = layers;
            this.offset = offset;
            this.parameters = parameters;
        }

        Onnx.ModelProto binaryModel(ModelInterface io, Metadata meta) {
            graph.setName("headstream_head");
            graph.addInput(valueInfo(io.inputName(), io.inputShape()));
            String x = layers(node("Flatten", "flatten", List.of(io.inputName()), intAttr("axis", 1)));
            graph.addNode(Onnx.NodeProto.newBuilder()
                    .setOpType("Sigmoid")
                    .setName("score")
                    .addInput(x)
                    .addOutput(io.outputName()));
            long batch = io.inputShape()[0];
            graph.addOutput(valueInfo(io.outputName(), new long[] {batch, 1}));
            return model(meta.version(), binaryDocString(meta), meta.properties());
        }

        Onnx.ModelProto classModel(
                int inputDim, HeadOutput output, long version, String doc, Map<String, String> properties) {
            graph.setName("headstream_class_head");
            graph.addInput(valueInfo(CLASS_INPUT, new long[] {-1, inputDim}));
            String x = layers(CLASS_INPUT);
            Onnx.NodeProto.Builder top = Onnx.NodeProto.newBuilder()
                    .setName(CLASS_OUTPUT)
                    .addInput(x)
                    .addOutput(CLASS_OUTPUT);
            if (output instanceof HeadOutput.Softmax) {
                top.setOpType("Softmax").addAttribute(intAttr("axis", 1));
            } else {
                top.setOpType("Sigmoid");
            }
            graph.addNode(top);
            graph.addOutput(valueInfo(CLASS_OUTPUT, new long[] {-1, output.outputs()}));
            return model(version, doc, properties);
        }

        /** Adds the layers' nodes reading {@code x}; returns the logits' name. */
        private String layers(String x) {
            for (int i = 0; i < layers.size(); i++) {
                int at = offset.applyAsInt(i);
                HeadLayer layer = layers.get(i);
                if (layer instanceof HeadLayer.Dense d) {
                    x = dense(i, d, at, x);
                } else if (layer instanceof HeadLayer.LayerNorm n) {
                    x = layerNorm(i, n, at, x);
                } else {
                    x = node("Relu", "layers." + i + ".relu", List.of(x));
                }
            }
            return x;
        }

        private Onnx.ModelProto model(long version, String doc, Map<String, String> properties) {
            Onnx.ModelProto.Builder m = Onnx.ModelProto.newBuilder()
                    .setIrVersion(IR_VERSION)
                    .addOpsetImport(
                            Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                    .setProducerName("headstream")
                    .setProducerVersion(producerVersion())
                    .setModelVersion(version)
                    .setDocString(doc)
                    .setGraph(graph);
            for (Map.Entry<String, String> e : properties.entrySet()) {
                m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder()
                        .setKey(e.getKey())
                        .setValue(e.getValue()));
            }
            return m.build();
        }

        private String dense(int i, HeadLayer.Dense d, int at, String x) {
            String w = initializer(
                    "layers." + i + ".weight", at, d.outputDim() * d.inputDim(), d.outputDim(), d.inputDim());
            String b = initializer(
                    "layers." + i + ".bias", at + d.outputDim() * d.inputDim(), d.outputDim(), d.outputDim());
            return node(
                    "Gemm",
                    "layers." + i + ".gemm",
                    List.of(x, w, b),
                    floatAttr("alpha", 1f),
                    floatAttr("beta", 1f),
                    intAttr("transB", 1));
        }

        private String layerNorm(int i, HeadLayer.LayerNorm n, int at, String x) {
            String p = "layers." + i + ".";
            String gamma = initializer(p + "gamma", at, n.dim(), n.dim());
            String beta = initializer(p + "beta", at + n.dim(), n.dim(), n.dim());
            String two = scalar(p + "exponent", 2f);
            String eps = scalar(p + "epsilon", n.epsilon());
            Onnx.AttributeProto axes = Onnx.AttributeProto.newBuilder()
                    .setName("axes")
                    .setType(Onnx.AttributeProto.AttributeType.INTS)
                    .addInts(-1)
                    .build();
            Onnx.AttributeProto keepDims = intAttr("keepdims", 1);
            String mean = node("ReduceMean", p + "mean", List.of(x), axes, keepDims);
            String centred = node("Sub", p + "centre", List.of(x, mean));
            String squared = node("Pow", p + "square", List.of(centred, two));
            String variance = node("ReduceMean", p + "variance", List.of(squared), axes, keepDims);
            String shifted = node("Add", p + "add_epsilon", List.of(variance, eps));
            String std = node("Sqrt", p + "std", List.of(shifted));
            String normalized = node("Div", p + "normalize", List.of(centred, std));
            String scaled = node("Mul", p + "scale", List.of(normalized, gamma));
            return node("Add", p + "shift", List.of(scaled, beta));
        }

        /** Adds a node whose single output is named after the node; returns that output. */
        private String node(String op, String name, List<String> inputs, Onnx.AttributeProto... attributes) {
            Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder()
                    .setOpType(op)
                    .setName(name)
                    .addAllInput(inputs)
                    .addOutput(name);
            for (Onnx.AttributeProto a : attributes) {
                n.addAttribute(a);
            }
            graph.addNode(n);
            return name;
        }

        private String initializer(String name, int from, int count, long... dims) {
            ByteBuffer b = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(parameters, from, count);
            return addTensor(name, ByteString.copyFrom(b.array()), dims);
        }

        private String scalar(String name, float value) {
            ByteBuffer b = ByteBuffer.allocate(Float.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putFloat(value);
            return addTensor(name, ByteString.copyFrom(b.array()));
        }

        private String addTensor(String name, ByteString raw, long... dims) {
            Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder()
                    .setName(name)
                    .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                    .setRawData(raw);
            for (long d : dims) {
                t.addDims(d);
            }
            graph.addInitializer(t);
            return name;
        }

        private static Onnx.ValueInfoProto valueInfo(String name, long[] shape) {
            Onnx.TensorShapeProto.Builder s = Onnx.TensorShapeProto.newBuilder();
            for (long d : shape) {
                s.addDim(
                        d > 0
                                ? Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d)
                                : Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
            }
            return Onnx.ValueInfoProto.newBuilder()
                    .setName(name)
                    .setType(Onnx.TypeProto.newBuilder()
                            .setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                                    .setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                                    .setShape(s)))
                    .build();
        }

        private static Onnx.AttributeProto intAttr(String name, long value) {
            return Onnx.AttributeProto.newBuilder()
                    .setName(name)
                    .setType(Onnx.AttributeProto.AttributeType.INT)
                    .setI(value)
                    .build();
        }

        private static Onnx.AttributeProto floatAttr(String name, float value) {
            return Onnx.AttributeProto.newBuilder()
                    .setName(name)
                    .setType(Onnx.AttributeProto.AttributeType.FLOAT)
                    .setF(value)
                    .build();
        }

        private String binaryDocString(Metadata meta) {
            List<String> parts = new ArrayList<>();
            parts.add("Headstream head " + meta.headId() + " v" + meta.version());
            parts.add("adapted from " + meta.sourceHeadId() + " (sha256 " + meta.sourceHeadSha256() + ")");
            if (!meta.backboneSha256().isEmpty()) {
                parts.add("backbone sha256 " + meta.backboneSha256());
            }
            parts.add("accept when score >= " + meta.threshold());
            parts.add(parameters.length + " parameters");
            return String.join("; ", parts) + ".";
        }

        private static String producerVersion() {
            String v = OnnxHeadExporter.class.getPackage().getImplementationVersion();
            return v == null ? "dev" : v;
        }
    }
}
