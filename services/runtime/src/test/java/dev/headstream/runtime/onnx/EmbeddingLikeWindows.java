package dev.headstream.runtime.onnx;

import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Deterministic pseudo-random {@code 16 x 96} windows that look like openWakeWord embeddings
 * (values within [-30, 30], a fixed per-feature offset, frames correlated in time) and that a
 * given head scores across the whole of (0, 1), not only at one end.
 *
 * <p>Random windows score near one end (near 0 on hey_jarvis, near 1 on alexa), so for a few
 * random starts a "low" and a "high" prototype are made by normalised input-gradient descent
 * and ascent on the head's loss (the input gradient is {@code W1^T dL/dz1}, and {@code dL/dz1}
 * is the gradient of the first Dense bias). A third of the windows are plain noise; each other
 * window mixes a low and a high prototype, {@code a * high + (1 - a) * low}, with {@code a}
 * found by bisection so that the score hits a target spread uniformly over logits in [-7, 7],
 * and then gets a little noise of its own.
 */
final class EmbeddingLikeWindows {

    static final int FRAMES = 16;
    static final int FEATURES = 96;
    static final int DIM = FRAMES * FEATURES;

    private EmbeddingLikeWindows() {}

    static float[][] generate(SourceHead head, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] featureOffset = new float[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            featureOffset[f] = (float) (10 * (2 * random.nextDouble() - 1));
        }
        MlpHead frozen = new MlpHead(head.architecture(), 0);
        MlpHead.Workspace ws = frozen.newWorkspace();
        float[] source = head.parameters();
        int pairs = 6;
        float[][] low = new float[pairs][];
        float[][] high = new float[pairs][];
        for (int p = 0; p < pairs; p++) {
            float[] start = noise(random, featureOffset, 1.0);
            low[p] = climb(head, start, 0f, 0.001f);
            high[p] = climb(head, start, 1f, 0.999f);
        }
        float[][] windows = new float[count][];
        float[] mix = new float[DIM];
        for (int i = 0; i < count; i++) {
            if (i % 3 == 0) {
                windows[i] = noise(random, featureOffset, 1.0);
                continue;
            }
            int p = i % pairs;
            double targetLogit = -7 + 14 * random.nextDouble();
            double lo = 0;
            double hi = 1;
            for (int it = 0; it < 30; it++) {
                double a = (lo + hi) / 2;
                mixInto(mix, low[p], high[p], (float) a);
                if (frozen.sourceLogit(source, mix, 0, ws) < targetLogit) {
                    lo = a;
                } else {
                    hi = a;
                }
            }
            mixInto(mix, low[p], high[p], (float) ((lo + hi) / 2));
            float[] jitter = noise(random, new float[FEATURES], 0.05);
            float[] w = new float[DIM];
            for (int j = 0; j < DIM; j++) {
                w[j] = clamp(mix[j] + jitter[j]);
            }
            windows[i] = w;
        }
        return windows;
    }

    private static void mixInto(float[] out, float[] low, float[] high, float a) {
        for (int j = 0; j < DIM; j++) {
            out[j] = a * high[j] + (1 - a) * low[j];
        }
    }

    /** Per-feature offset plus AR(1) noise over the 16 frames (neighbouring embeddings overlap), clamped. */
    private static float[] noise(SplittableRandom random, float[] featureOffset, double amplitude) {
        float[] w = new float[DIM];
        double scale = amplitude * (2 + 6 * random.nextDouble());
        for (int f = 0; f < FEATURES; f++) {
            double e = gaussian(random);
            for (int t = 0; t < FRAMES; t++) {
                e = 0.7 * e + Math.sqrt(1 - 0.49) * gaussian(random);
                w[t * FEATURES + f] = clamp((float) (featureOffset[f] + scale * e));
            }
        }
        return w;
    }

    /**
     * Normalised input-gradient descent on the head's loss against {@code label} until the score
     * passes {@code threshold} (up for label 1, down for label 0).
     */
    private static float[] climb(SourceHead head, float[] start, float label, float threshold) {
        HeadArchitecture arch = head.architecture();
        if (!(arch.layers().get(0) instanceof HeadLayer.Dense first) || first.inputDim() != DIM) {
            throw new IllegalArgumentException("expected a head starting with a Dense over " + DIM + " inputs");
        }
        int hidden = first.outputDim();
        float[] source = head.parameters();
        MlpHead all = new MlpHead(arch, arch.parameterisedLayerCount());
        MlpHead.Workspace ws = all.newWorkspace();
        float[] gradient = new float[all.trainableLength()];
        float[] inputGradient = new float[DIM];
        float[] x = start.clone();
        for (int iteration = 0; iteration < 2000; iteration++) {
            Arrays.fill(gradient, 0f);
            all.accumulateGradient(source, source, x, 0, label, 1f, ws, gradient);
            float score = MlpHead.sigmoid(ws.lastLogit());
            if (label == 1f ? score >= threshold : score <= threshold) {
                return x;
            }
            Arrays.fill(inputGradient, 0f);
            int bias = DIM * hidden;
            for (int o = 0; o < hidden; o++) {
                float g = gradient[bias + o];
                for (int j = 0; j < DIM; j++) {
                    inputGradient[j] += g * source[o * DIM + j];
                }
            }
            double norm = 0;
            for (float g : inputGradient) {
                norm += (double) g * g;
            }
            float step = (float) (0.5 * Math.sqrt(DIM) / Math.max(Math.sqrt(norm), 1e-12));
            for (int j = 0; j < DIM; j++) {
                x[j] = clamp(x[j] - step * inputGradient[j]);
            }
        }
        throw new IllegalStateException("could not move the score of " + head.id() + " past " + threshold);
    }

    private static float clamp(float v) {
        return Math.max(-30f, Math.min(30f, v));
    }

    private static double gaussian(SplittableRandom random) {
        double u = random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
