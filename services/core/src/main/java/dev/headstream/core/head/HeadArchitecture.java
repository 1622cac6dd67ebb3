package dev.headstream.core.head;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The shape of a binary MLP head: a flat input of {@code inputDim} floats (for example a
 * flattened {@code 16 x 96} embedding window), a chain of {@link HeadLayer}s ending in a
 * {@link HeadLayer.Dense} with one output (the logit), and an implicit sigmoid score.
 *
 * <p>All parameters live in one flat array, layer after layer in the order of {@link #layers()}.
 * "Trainable top {@code k}" counts parameterised layers from the top: {@code k = 1} is the last
 * {@code Dense} only, {@code k = parameterisedLayerCount()} is every layer. Because the top
 * layers sit at the end of the flat array, the trainable part is always the contiguous tail
 * {@code [trainableOffset(k), parameterCount())}.
 *
 * @param inputDim width of the flattened input window
 * @param layers   the layers, bottom (input side) first
 */
public record HeadArchitecture(int inputDim, List<HeadLayer> layers) {

    public HeadArchitecture {
        Objects.requireNonNull(layers, "layers");
        layers = List.copyOf(layers);
        if (inputDim <= 0) {
            throw new IllegalArgumentException("inputDim must be positive, got " + inputDim);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a head needs at least one layer");
        }
        int width = inputDim;
        long params = 0;
        for (int i = 0; i < layers.size(); i++) {
            HeadLayer layer = layers.get(i);
            if (layer.inputDim() != width) {
                throw new IllegalArgumentException("layer " + i + " (" + layer + ") reads " + layer.inputDim()
                        + " values but the layer below writes " + width);
            }
            width = layer.outputDim();
            params += layer.parameterCount();
        }
        if (!(layers.get(layers.size() - 1) instanceof HeadLayer.Dense last) || last.outputDim() != 1) {
            throw new IllegalArgumentException(
                    "the top layer must be a Dense with one output (the logit), got " + layers.get(layers.size() - 1));
        }
        if (params > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many parameters for one float[]: " + params);
        }
    }

    /** Starts a builder for a head reading {@code inputDim} floats. */
    public static Builder builder(int inputDim) {
        return new Builder(inputDim);
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

    /**
     * Index in {@link #layers()} of the lowest trainable layer when the top {@code k}
     * parameterised layers train; {@code layers().size()} for {@code k = 0}.
     */
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

    /** Width of the widest layer output (sizes per-call scratch buffers). */
    public int maxLayerWidth() {
        return LayerLayout.maxLayerWidth(layers);
    }

    /** Chains layers without repeating widths: each call's input width is the previous output. */
    public static final class Builder {
        private final int inputDim;
        private final List<HeadLayer> layers = new ArrayList<>();
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
            width = layer.outputDim();
            return this;
        }

        public HeadArchitecture build() {
            return new HeadArchitecture(inputDim, layers);
        }
    }
}
