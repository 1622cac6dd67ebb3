package dev.headstream.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/** What the parity tests train on: the real {@code hey_jarvis} source head and deterministic embedding-like windows. */
final class ParityData {

    private ParityData() {}

    private static SourceHead heyJarvis;

    /** The {@code hey_jarvis_v0.1} base MLP (1536 -> 128 -> LN -> ReLU -> 128 -> LN -> ReLU -> 1), imported once. */
    static synchronized SourceHead heyJarvis() {
        if (heyJarvis == null) {
            String dir = System.getProperty("headstream.models.dir");
            assertThat(dir)
                    .as("system property headstream.models.dir (set by the parent pom)")
                    .isNotNull();
            Path model = Path.of(dir, "hey_jarvis_v0.1.onnx");
            assertThat(Files.isRegularFile(model))
                    .as("model %s (run src/build/fetch-models.sh)", model)
                    .isTrue();
            try {
                heyJarvis = OnnxHeadImporter.importHead(model);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return heyJarvis;
    }

    /** A fine-tuning start point away from the source: the source's top-{@code k} tail plus noise (sd 0.02). */
    static float[] fineTuningStart(SourceHead source, int k) {
        return perturbed(source.trainableTail(k), 0.02, 3);
    }

    /** A LoRA start point: the seeded initial vector plus noise (sd 0.05), so {@code B} is not zero and {@code A} learns. */
    static float[] loraStart(SourceHead source, LoraMlpHead head) {
        return perturbed(head.initialTrainable(source.parameters(), 5), 0.05, 4);
    }

    /** {@code v} plus independent Gaussian noise of standard deviation {@code sd} on every entry (a copy). */
    static float[] perturbed(float[] v, double sd, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += (float) (random.nextGaussian() * sd);
        }
        return out;
    }

    /**
     * Deterministic embedding-like windows: each window is one of eight fixed prototypes (values
     * around the range of openWakeWord embeddings) plus noise; prototypes 0-3 are positives.
     */
    static final class SyntheticWindows {
        private final SplittableRandom random;
        private final float[][] prototypes;

        SyntheticWindows(int dim, long seed) {
            random = new SplittableRandom(seed);
            prototypes = new float[8][dim];
            for (float[] p : prototypes) {
                for (int j = 0; j < dim; j++) {
                    p[j] = (float) (random.nextGaussian() * 2.0);
                }
            }
        }

        /** Writes a window at {@code out[offset ..]} and returns its target. */
        float next(float[] out, int offset) {
            int c = random.nextInt(prototypes.length);
            float[] p = prototypes[c];
            for (int j = 0; j < p.length; j++) {
                out[offset + j] = p[j] + (float) (random.nextGaussian() * 0.7);
            }
            return c < 4 ? 1f : 0f;
        }
    }

    /**
     * A mini-batch with everything the trainer's objective reads: windows, targets (some soft:
     * every fifth target is moved 0.3 toward the other class) and per-window weights in
     * {@code [0.25, 2]}, one of them 0 (a zero-weight window must contribute nothing, not be
     * dropped from the mean's count).
     */
    record Batch(float[] windows, float[] targets, float[] weights) {

        int size() {
            return targets.length;
        }

        /** The same windows and targets with every weight multiplied by {@code factor}. */
        Batch reweighted(float factor) {
            float[] w = weights.clone();
            for (int i = 0; i < w.length; i++) {
                w[i] *= factor;
            }
            return new Batch(windows, targets, w);
        }

        /** The same windows and targets with every weight 1. */
        Batch unweighted() {
            float[] w = new float[weights.length];
            Arrays.fill(w, 1f);
            return new Batch(windows, targets, w);
        }

        static Batch[] weighted(int dim, long seed, int batches, int size) {
            SyntheticWindows gen = new SyntheticWindows(dim, seed);
            SplittableRandom random = new SplittableRandom(seed + 1);
            Batch[] out = new Batch[batches];
            for (int b = 0; b < batches; b++) {
                float[] windows = new float[size * dim];
                float[] targets = new float[size];
                float[] weights = new float[size];
                for (int i = 0; i < size; i++) {
                    float t = gen.next(windows, i * dim);
                    targets[i] = i % 5 == 4 ? Math.abs(t - 0.3f) : t;
                    weights[i] = i == 2 ? 0f : (float) (0.25 + 1.75 * random.nextDouble());
                }
                out[b] = new Batch(windows, targets, weights);
            }
            return out;
        }
    }
}
