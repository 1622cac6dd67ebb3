package dev.headstream.core.head;

import java.util.List;
import java.util.Objects;

/**
 * Where each layer's parameters sit in a head's flat parameter array, and which contiguous tail
 * the top {@code k} parameterised layers own. Shared by {@link HeadArchitecture} and
 * {@link TaskArchitecture}; stateless.
 */
final class LayerLayout {

    private LayerLayout() {}

    static int parameterCount(List<HeadLayer> layers) {
        int n = 0;
        for (HeadLayer layer : layers) {
            n += layer.parameterCount();
        }
        return n;
    }

    static int parameterOffset(List<HeadLayer> layers, int layerIndex) {
        Objects.checkIndex(layerIndex, layers.size());
        int offset = 0;
        for (int i = 0; i < layerIndex; i++) {
            offset += layers.get(i).parameterCount();
        }
        return offset;
    }

    static int parameterisedLayerCount(List<HeadLayer> layers) {
        int n = 0;
        for (HeadLayer layer : layers) {
            if (layer.parameterised()) {
                n++;
            }
        }
        return n;
    }

    static int firstTrainableLayer(List<HeadLayer> layers, int k) {
        int max = parameterisedLayerCount(layers);
        if (k < 0 || k > max) {
            throw new IllegalArgumentException("trainable top k must be in [0, " + max + "], got " + k);
        }
        int index = layers.size();
        for (int seen = 0; seen < k; ) {
            index--;
            if (layers.get(index).parameterised()) {
                seen++;
            }
        }
        return index;
    }

    static int trainableOffset(List<HeadLayer> layers, int k) {
        int first = firstTrainableLayer(layers, k);
        return first == layers.size() ? parameterCount(layers) : parameterOffset(layers, first);
    }

    static int maxLayerWidth(List<HeadLayer> layers) {
        int max = 1;
        for (HeadLayer layer : layers) {
            max = Math.max(max, layer.outputDim());
        }
        return max;
    }
}
