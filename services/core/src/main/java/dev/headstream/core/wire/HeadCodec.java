package dev.headstream.core.wire;

import com.google.protobuf.ByteString;
import dev.headstream.core.detect.ClassHeadScorer;
import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.HeadOutput;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.head.TaskArchitecture;
import dev.headstream.schemas.v1.HeadSpec;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.LayerSpec;
import dev.headstream.schemas.v1.LoraSpec;
import dev.headstream.schemas.v1.TensorBlob;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Writes a head's architecture and its per-user part into a {@link HeadUpdate} and reads them back
 * against the source head. Tensors are float32 little-endian. A top-k head carries one blob per
 * trainable layer parameter ({@code layers.<i>.weight|bias|gamma|beta}), in layer order. A LoRA
 * head ({@link HeadSpec#hasLora()}) carries its low-rank deltas and small parameters
 * ({@link LoraMlpHead#tensors()}), about 35 KB for {@code hey_jarvis} at rank 4 instead of the
 * 856 KB of its merged layers; {@link #decode} merges them into the source head.
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
            b.addLayers(layerSpec(l));
        }
        return b.build();
    }

    private static LayerSpec layerSpec(HeadLayer l) {
        LayerSpec.Builder ls = LayerSpec.newBuilder().setIn(l.inputDim()).setOut(l.outputDim());
        if (l instanceof HeadLayer.Dense) {
            ls.setType("dense");
        } else if (l instanceof HeadLayer.LayerNorm ln) {
            ls.setType("layernorm").setEpsilon(ln.epsilon());
        } else {
            ls.setType("relu");
        }
        return ls.build();
    }

    /** The wire form of a LoRA head on architecture {@code a}: every layer adapted, with {@code lora}'s rank and scale. */
    public static HeadSpec loraSpec(HeadArchitecture a, LoraMlpHead lora, int... inputShape) {
        return spec(a, a.parameterisedLayerCount(), inputShape).toBuilder()
                .setLora(LoraSpec.newBuilder()
                        .setRank(lora.rank())
                        .setAlpha(lora.alpha())
                        .setTrainSmall(lora.trainsSmallParameters()))
                .build();
    }

    /** A LoRA head's per-user vector as named float32 blobs ({@link LoraMlpHead#tensors()}). */
    public static List<TensorBlob> loraTensors(LoraMlpHead lora, float[] vector) {
        if (vector.length != lora.trainableLength()) {
            throw new IllegalArgumentException(
                    "LoRA vector has " + vector.length + " floats, expected " + lora.trainableLength());
        }
        List<TensorBlob> out = new ArrayList<>();
        for (LoraMlpHead.Tensor t : lora.tensors()) {
            out.add(blob(t.name(), vector, t.offset(), t.length(), t.shape()));
        }
        return out;
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
        if (update.getSpec().hasLora()) {
            return decodeLora(update, source);
        }
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
        read(update, layout(head), tail);
        return new Decoded(head, source.parameters(), tail, update.getThreshold());
    }

    /** {@link #decode} of a LoRA head: its deltas read and merged into the source head's layers. */
    private static Decoded decodeLora(HeadUpdate update, SourceHead source) {
        HeadArchitecture a = source.architecture();
        LoraSpec l = update.getSpec().getLora();
        int[] inputShape = intArray(update.getSpec());
        if (l.getRank() < 1
                || l.getRank() > MAX_LORA_RANK
                || !(l.getAlpha() > 0f)
                || Float.isInfinite(l.getAlpha())
                || !spec(a, a.parameterisedLayerCount(), inputShape)
                        .equals(update.getSpec().toBuilder().clearLora().build())
                || Arrays.stream(inputShape).asLongStream().reduce(1, (x, y) -> x * y) != a.inputDim()) {
            throw new IllegalArgumentException("head " + update.getHeadId() + " LoRA spec (rank " + l.getRank()
                    + ", alpha " + l.getAlpha() + ") does not match source head " + source.id());
        }
        LoraMlpHead lora = new LoraMlpHead(a, l.getRank(), l.getAlpha(), l.getTrainSmall());
        float[] vector = new float[lora.trainableLength()];
        List<Slot> slots = lora.tensors().stream()
                .map(t -> new Slot(t.name(), t.shape(), t.offset(), t.length()))
                .toList();
        read(update, slots, vector);
        MlpHead head = new MlpHead(a, a.parameterisedLayerCount());
        float[] tail = head.initialTrainable(lora.merged(source.parameters(), vector));
        for (float v : tail) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("head " + update.getHeadId()
                        + " merges into a head with a non-finite weight (its deltas or alpha are out of range)");
            }
        }
        return new Decoded(head, source.parameters(), tail, update.getThreshold());
    }

    /** A class task's head rebuilt from a published update: its layers and output, every parameter, its output names. */
    public record DecodedClass(TaskArchitecture architecture, float[] parameters, List<String> labels, String pooling) {

        /**
         * A scorer of clips with this head, with the adapter's arithmetic (one per thread).
         *
         * @throws IllegalArgumentException if the head names a pooling this build does not know
         */
        public ClassHeadScorer scorer() {
            return new ClassHeadScorer(architecture, parameters, labels, ClipPooling.parse(pooling));
        }
    }

    /** The most parameters a class head record may describe (a bound on what decoding allocates). */
    public static final int MAX_CLASS_PARAMETERS = 1 << 22;

    /** The widest layer a class head record may list. */
    public static final int MAX_CLASS_WIDTH = 16384;

    /** The most layers a class head record may list. */
    public static final int MAX_CLASS_LAYERS = 64;

    /**
     * The wire form of a class task's head with every layer trainable: {@link #classSpec(TaskArchitecture, List,
     * String, int)} with all of {@code a}'s parameterised layers.
     */
    public static HeadSpec classSpec(TaskArchitecture a, List<String> labels, String pooling) {
        return classSpec(a, labels, pooling, a.parameterisedLayerCount());
    }

    /**
     * The wire form of a class task's head: its layers, the top {@code trainableTopLayers}
     * parameterised ones trained by the adapter (the rest, an input transform, frozen; a class
     * head's record carries every parameter either way), one pooled input vector, output
     * {@code softmax} or {@code multi-label} with one name per output.
     */
    public static HeadSpec classSpec(TaskArchitecture a, List<String> labels, String pooling, int trainableTopLayers) {
        if (trainableTopLayers < 1 || trainableTopLayers > a.parameterisedLayerCount()) {
            throw new IllegalArgumentException("a class head of " + a.parameterisedLayerCount()
                    + " parameterised layers cannot train " + trainableTopLayers);
        }
        HeadSpec.Builder b = HeadSpec.newBuilder()
                .setKind("mlp")
                .setTrainableTopLayers(trainableTopLayers)
                .setOutput(outputName(a.output()))
                .addInputShape(a.inputDim())
                .addAllOutputLabels(labels)
                .setPooling(pooling);
        for (HeadLayer l : a.layers()) {
            b.addLayers(layerSpec(l));
        }
        return b.build();
    }

    /** Every parameter of a class head as named float32 blobs ({@code layers.<i>.weight|bias|gamma|beta}). */
    public static List<TensorBlob> classTensors(TaskArchitecture a, float[] parameters) {
        if (parameters.length != a.parameterCount()) {
            throw new IllegalArgumentException(
                    "class head has " + parameters.length + " parameters, its architecture " + a.parameterCount());
        }
        List<TensorBlob> out = new ArrayList<>();
        for (Slot s : layout(a.layers(), 0, a::parameterOffset, 0)) {
            out.add(blob(s.name(), parameters, s.at(), s.length(), s.shape()));
        }
        return out;
    }

    /**
     * Whether {@code spec} is a class task's head (output {@code softmax} or {@code multi-label}),
     * which {@link #decodeClass} reads, rather than a binary head against a source head.
     */
    public static boolean isClassSpec(HeadSpec spec) {
        return spec.getOutput().equals("softmax") || spec.getOutput().equals("multi-label");
    }

    /**
     * Rebuilds a class task's head (output {@code softmax} or {@code multi-label}) from its update
     * alone: a class head carries every parameter, so no source head is needed.
     *
     * @throws IllegalArgumentException if the spec is not a class head's (unknown output or layer
     *                                  type, widths that do not chain, an input shape other than
     *                                  the first layer's width, output names that are not one per
     *                                  output, more than {@link #MAX_CLASS_LAYERS} layers or
     *                                  {@link #MAX_CLASS_PARAMETERS} parameters), or its tensors are
     *                                  not exactly that head's, or a parameter is not finite
     */
    public static DecodedClass decodeClass(HeadUpdate update) {
        HeadSpec spec = update.getSpec();
        String id = update.getHeadId();
        HeadOutput output;
        List<HeadLayer> layers = new ArrayList<>();
        if (spec.getLayersCount() < 1 || spec.getLayersCount() > MAX_CLASS_LAYERS || spec.getInputShapeCount() != 1) {
            throw new IllegalArgumentException("head " + id + " is not a class head: " + spec.getLayersCount()
                    + " layers and input shape " + spec.getInputShapeList());
        }
        long parameters = 0;
        for (LayerSpec l : spec.getLayersList()) {
            if (l.getIn() < 1 || l.getOut() < 1 || l.getIn() > MAX_CLASS_WIDTH || l.getOut() > MAX_CLASS_WIDTH) {
                throw new IllegalArgumentException(
                        "head " + id + " has a layer of width " + l.getIn() + " -> " + l.getOut());
            }
            HeadLayer layer = switch (l.getType()) {
                case "dense" -> new HeadLayer.Dense(l.getIn(), l.getOut());
                case "layernorm" -> {
                    if (l.getOut() != l.getIn()) {
                        throw new IllegalArgumentException(
                                "head " + id + " has a layernorm of " + l.getIn() + " -> " + l.getOut() + " values");
                    }
                    yield new HeadLayer.LayerNorm(l.getIn(), l.getEpsilon());
                }
                case "relu" -> {
                    if (l.getOut() != l.getIn()) {
                        throw new IllegalArgumentException(
                                "head " + id + " has a relu of " + l.getIn() + " -> " + l.getOut() + " values");
                    }
                    yield new HeadLayer.Relu(l.getIn());
                }
                default ->
                    throw new IllegalArgumentException(
                            "head " + id + " has a layer of unknown type '" + l.getType() + "'");
            };
            parameters += layer.parameterCount();
            if (parameters > MAX_CLASS_PARAMETERS) {
                throw new IllegalArgumentException(
                        "head " + id + " has more than " + MAX_CLASS_PARAMETERS + " parameters");
            }
            layers.add(layer);
        }
        int outputs = layers.get(layers.size() - 1).outputDim();
        output = switch (spec.getOutput()) {
            case "softmax" -> HeadOutput.softmax(outputs);
            case "multi-label" -> HeadOutput.multiLabel(outputs);
            default ->
                throw new IllegalArgumentException(
                        "head " + id + " has output '" + spec.getOutput() + "', not softmax or multi-label");
        };
        if (spec.getOutputLabelsCount() != outputs) {
            throw new IllegalArgumentException(
                    "head " + id + " names " + spec.getOutputLabelsCount() + " outputs but has " + outputs);
        }
        if (new java.util.HashSet<>(spec.getOutputLabelsList()).size() != outputs
                || spec.getOutputLabelsList().stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException(
                    "head " + id + " output names are empty or repeated: " + spec.getOutputLabelsList());
        }
        ClipPooling pooling;
        try {
            pooling = ClipPooling.parse(spec.getPooling());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("head " + id + " reads pooling '" + spec.getPooling()
                    + "', which this build does not know; a class head reads one of "
                    + Arrays.stream(ClipPooling.values())
                            .map(ClipPooling::label)
                            .toList());
        }
        TaskArchitecture a;
        try {
            a = new TaskArchitecture(spec.getInputShape(0), layers, Collections.nCopies(layers.size(), 0f), output);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("head " + id + " has layers that do not fit: " + e.getMessage(), e);
        }
        String unfitInput = pooling.unfitInput(a.inputDim());
        if (unfitInput != null) {
            throw new IllegalArgumentException("head " + id + ": " + unfitInput);
        }
        if (spec.getTrainableTopLayers() < 1 || spec.getTrainableTopLayers() > a.parameterisedLayerCount()) {
            throw new IllegalArgumentException("head " + id + " trains " + spec.getTrainableTopLayers()
                    + " layers; a class head trains 1 to its " + a.parameterisedLayerCount()
                    + " parameterised layers (the others, a frozen input transform, travel with it)");
        }
        float[] values = new float[a.parameterCount()];
        read(update, layout(a.layers(), 0, a::parameterOffset, 0), values);
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("head " + id + " has a non-finite parameter at " + i);
            }
        }
        return new DecodedClass(a, values, List.copyOf(spec.getOutputLabelsList()), pooling.label());
    }

    private static String outputName(HeadOutput o) {
        if (o instanceof HeadOutput.Softmax) {
            return "softmax";
        }
        if (o instanceof HeadOutput.MultiLabel) {
            return "multi-label";
        }
        return "sigmoid";
    }

    /** The largest LoRA rank a head record may name (a bound on what decoding allocates). */
    public static final int MAX_LORA_RANK = 256;

    /** Reads {@code update}'s blobs into {@code dst} at {@code slots}, checking names, shapes and sizes. */
    private static void read(HeadUpdate update, List<Slot> slots, float[] dst) {
        float[] tail = dst;
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
        return layout(
                a.layers(), a.firstTrainableLayer(head.trainableTopK()), a::parameterOffset, head.trainableOffset());
    }

    /** The parameter tensors of {@code layers} from layer {@code first} on, at {@code offset(i) - base}. */
    private static List<Slot> layout(List<HeadLayer> layers, int first, IntUnaryOperator offset, int base) {
        List<Slot> out = new ArrayList<>();
        for (int i = first; i < layers.size(); i++) {
            HeadLayer l = layers.get(i);
            int at = offset.applyAsInt(i) - base;
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
