package dev.headstream.core.head;

import java.util.List;
import java.util.SplittableRandom;

/** Deterministic small heads and inputs for engine tests. */
final class TestHeads {

    private TestHeads() {}

    /** 1536-wide hey_jarvis shape: Dense128, LN, ReLU, Dense128, LN, ReLU, Dense1. */
    static HeadArchitecture heyJarvisShape() {
        return HeadArchitecture.builder(1536)
                .dense(128)
                .layerNorm(1e-5f)
                .relu()
                .dense(128)
                .layerNorm(1e-5f)
                .relu()
                .dense(1)
                .build();
    }

    /** A small head with both parameterised layer types: 5 parameterised layers like hey_jarvis. */
    static HeadArchitecture smallWithLayerNorm() {
        return HeadArchitecture.builder(10)
                .dense(7)
                .layerNorm(1e-3f)
                .relu()
                .dense(6)
                .layerNorm(1e-3f)
                .relu()
                .dense(1)
                .build();
    }

    /** A small head whose second Dense has 12 outputs: LoraMlpHead runs it on columns (8 in a vector, 4 in the scalar tail). */
    static HeadArchitecture smallWithColumnLayer() {
        return HeadArchitecture.builder(10)
                .dense(16)
                .layerNorm(1e-3f)
                .relu()
                .dense(12)
                .layerNorm(1e-3f)
                .relu()
                .dense(1)
                .build();
    }

    /** A small plain MLP like alexa (no LayerNorm). */
    static HeadArchitecture smallPlain() {
        return HeadArchitecture.builder(9)
                .dense(8)
                .relu()
                .dense(5)
                .relu()
                .dense(1)
                .build();
    }

    /** Parameters with He-like weights, gammas around 1 and small biases/betas. */
    static float[] randomParameters(HeadArchitecture arch, long seed) {
        return randomParameters(arch.layers(), arch.parameterCount(), seed);
    }

    /** {@link #randomParameters(HeadArchitecture, long)} for any layer list (task heads too). */
    static float[] randomParameters(List<HeadLayer> layers, int parameterCount, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] p = new float[parameterCount];
        int at = 0;
        for (HeadLayer layer : layers) {
            if (layer instanceof HeadLayer.Dense d) {
                double scale = Math.sqrt(6.0 / d.inputDim());
                for (int i = 0; i < d.inputDim() * d.outputDim(); i++) {
                    p[at + i] = (float) (scale * (2 * r.nextDouble() - 1));
                }
                for (int o = 0; o < d.outputDim(); o++) {
                    p[at + d.inputDim() * d.outputDim() + o] = (float) (0.2 * (2 * r.nextDouble() - 1));
                }
            } else if (layer instanceof HeadLayer.LayerNorm n) {
                for (int j = 0; j < n.dim(); j++) {
                    p[at + j] = (float) (1 + 0.3 * (2 * r.nextDouble() - 1));
                    p[at + n.dim() + j] = (float) (0.2 * (2 * r.nextDouble() - 1));
                }
            }
            at += layer.parameterCount();
        }
        return p;
    }

    static float[] randomVector(int n, double scale, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * (2 * r.nextDouble() - 1));
        }
        return v;
    }
}
