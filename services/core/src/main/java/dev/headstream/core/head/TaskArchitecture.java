package dev.headstream.core.head;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The shape of a general task head: a chain of {@link HeadLayer}s whose top {@code Dense} writes
 * {@code output.outputs()} logits, an {@link HeadOutput} strategy (binary, softmax, masked
 * multi-label) and optional inverted dropout after any layer but the top one.
 *
 * <p>Parameter layout, "trainable top {@code k}" and the trainable tail are exactly those of
 * {@link HeadArchitecture}: one flat array, layer after layer, the top {@code k} parameterised
 * layers forming the contiguous tail {@code [trainableOffset(k), parameterCount())}. So a
 * {@link SourceHead}'s parameters serve a binary task architecture unchanged
 * ({@link #of(HeadArchitecture, HeadOutput)}). Dropout owns no parameters and never counts
 * towards {@code k}.
 *
 * @param inputDim     width of the flattened input window
 * @param layers       the layers, bottom first; the top one is a {@code Dense} with
 *                     {@code output.outputs()} outputs
 * @param dropoutRates per layer, the probability in {@code [0, 1)} of zeroing each unit of that
 *                     layer's output during training ({@code 0} = no dropout); the top layer's is 0
 * @param output       what the logits mean and how the loss is computed
 */
public record TaskArchitecture(int inputDim, List<HeadLayer> layers, List<Float> dropoutRates, HeadOutput output) {

    public TaskArchitecture {
        Objects.requireNonNull(layers, "layers");
        Objects.requireNonNull(dropoutRates, "dropoutRates");
        Objects.requireNonNull(output, "output");
        layers = List.copyOf(layers);
        dropoutRates = List.copyOf(dropoutRates);
        if (inputDim <= 0) {
            throw new IllegalArgumentException("inputDim must be positive, got " + inputDim);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a head needs at least one layer");
        }
        if (dropoutRates.size() != layers.size()) {
            throw new IllegalArgumentException(
                    "need one dropout rate per layer: " + layers.size() + " layers, " + dropoutRates.size() + " rates");
        }
        int width = inputDim;
        long params = 0;
        for (int i = 0; i < layers.size(); i++) {
            HeadLayer layer = layers.get(i);
            if (layer.inputDim() != width) {
                throw new IllegalArgumentException("layer " + i + " (" + layer + ") reads " + layer.inputDim()
                        + " values but the layer below writes " + width);
            }
            float rate = dropoutRates.get(i);
            if (!(rate >= 0f && rate < 1f)) {
                throw new IllegalArgumentException("dropout rate after layer " + i + " must be in [0, 1), got " + rate);
            }
            width = layer.outputDim();
            params += layer.parameterCount();
        }
        HeadLayer top = layers.get(layers.size() - 1);
        if (!(top instanceof HeadLayer.Dense) || top.outputDim() != output.outputs()) {
            throw new IllegalArgumentException("the top layer must be a Dense with " + output.outputs()
                    + " outputs for " + output + ", got " + top);
        }
        if (dropoutRates.get(layers.size() - 1) != 0f) {
            throw new IllegalArgumentException("no dropout on the logits (after the top layer)");
        }
        if (params > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many parameters for one float[]: " + params);
        }
    }

    /** The layers of {@code architecture} (a binary head, e.g. imported from ONNX) with no dropout. */
    public static TaskArchitecture of(HeadArchitecture architecture) {
        return of(architecture, HeadOutput.binary());
    }

    /**
     * {@code architecture}'s layers with a different output strategy; its top {@code Dense} must
     * already have {@code output.outputs()} outputs (so only {@link HeadOutput.Binary} fits an
     * imported binary head as is).
     */
    public static TaskArchitecture of(HeadArchitecture architecture, HeadOutput output) {
        return new TaskArchitecture(
                architecture.inputDim(),
                architecture.layers(),
                zeros(architecture.layers().size()),
                output);
    }

    /** Starts a builder for a head reading {@code inputDim} floats. */
    public static Builder builder(int inputDim) {
        return new Builder(inputDim);
    }

    /** The same layers and output without dropout (what an exported or inference-only head runs). */
    public TaskArchitecture withoutDropout() {
        return new TaskArchitecture(inputDim, layers, zeros(layers.size()), output);
    }

    /**
     * The binary layer chain as a {@link HeadArchitecture} (for tools that take one, such as ONNX
     * export); dropout is dropped, as at inference.
     *
     * @throws IllegalStateException if the output is not {@link HeadOutput.Binary}
     */
    public HeadArchitecture toHeadArchitecture() {
        if (!(output instanceof HeadOutput.Binary)) {
            throw new IllegalStateException("only a binary task head is a HeadArchitecture, this one is " + output);
        }
        return new HeadArchitecture(inputDim, layers);
    }

    /** Whether any layer has dropout. */
    public boolean hasDropout() {
        for (float rate : dropoutRates) {
            if (rate != 0f) {
                return true;
            }
        }
        return false;
    }

    /** Total number of parameters (length of the full flat parameter array). */
    public int parameterCount() {
        return LayerLayout.parameterCount(layers);
    }

    /** Offset of layer {@code layerIndex}'s first parameter in the full flat array. */
    public int parameterOffset(int layerIndex) {
        return LayerLayout.parameterOffset(layers, layerIndex);
    }

    /** Number of layers that own parameters: the largest valid "trainable top k". */
    public int parameterisedLayerCount() {
        return LayerLayout.parameterisedLayerCount(layers);
    }

    /** Index of the lowest trainable layer for top-{@code k} training; {@code layers().size()} for {@code k = 0}. */
    public int firstTrainableLayer(int k) {
        return LayerLayout.firstTrainableLayer(layers, k);
    }

    /** Offset in the full flat array where the trainable tail for top-{@code k} training starts. */
    public int trainableOffset(int k) {
        return LayerLayout.trainableOffset(layers, k);
    }

    /** Length of the trainable tail for top-{@code k} training. */
    public int trainableLength(int k) {
        return parameterCount() - trainableOffset(k);
    }

    /** Width of the widest layer output (sizes scratch buffers). */
    public int maxLayerWidth() {
        return LayerLayout.maxLayerWidth(layers);
    }

    private static List<Float> zeros(int n) {
        List<Float> rates = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rates.add(0f);
        }
        return rates;
    }

    /** Chains layers without repeating widths; {@link #dropout} applies to the layer added last. */
    public static final class Builder {
        private final int inputDim;
        private final List<HeadLayer> layers = new ArrayList<>();
        private final List<Float> rates = new ArrayList<>();
        private int width;

        private Builder(int inputDim) {
            this.inputDim = inputDim;
            this.width = inputDim;
        }

        public Builder dense(int outputDim) {
            return add(new HeadLayer.Dense(width, outputDim));
        }

        public Builder layerNorm(float epsilon) {
            return add(new HeadLayer.LayerNorm(width, epsilon));
        }

        public Builder relu() {
            return add(new HeadLayer.Relu(width));
        }

        public Builder add(HeadLayer layer) {
            layers.add(layer);
            rates.add(0f);
            width = layer.outputDim();
            return this;
        }

        /** Inverted dropout with drop probability {@code rate} on the output of the layer added last. */
        public Builder dropout(float rate) {
            if (layers.isEmpty()) {
                throw new IllegalStateException("add a layer before its dropout");
            }
            if (rates.get(rates.size() - 1) != 0f) {
                throw new IllegalStateException("the layer added last already has dropout");
            }
            rates.set(rates.size() - 1, rate);
            return this;
        }

        public TaskArchitecture build(HeadOutput output) {
            return new TaskArchitecture(inputDim, layers, rates, output);
        }
    }
}
