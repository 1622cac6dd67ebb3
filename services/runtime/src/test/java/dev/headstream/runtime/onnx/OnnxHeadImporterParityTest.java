package dev.headstream.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Golden parity: imported source heads score like ONNX Runtime running the same network, on
 * embedding-like windows whose scores cover (0, 1).
 */
class OnnxHeadImporterParityTest {

    private static final int WINDOWS = 300;
    private static final double TOLERANCE = 1e-5;
    /** Constant_29 in hey_jarvis_v0.1.onnx: the If takes the verifier branch when the base score is at least this. */
    private static final float VERIFIER_THRESHOLD = 0.5f;

    @Test
    void importedHeyJarvisBaseHeadScoresLikeOnnxRuntimeOnTheTruncatedModel() throws Exception {
        byte[] original = HeadModels.bytes("hey_jarvis_v0.1.onnx");
        SourceHead head = OnnxHeadImporter.importHead(HeadModels.path("hey_jarvis_v0.1.onnx"));
        float[][] windows = EmbeddingLikeWindows.generate(head, WINDOWS, 42);
        float[] java = javaScores(head, windows);

        double maxDiff = 0;
        try (OrtHead base = new OrtHead(OnnxHeadGraphs.truncateAtFirstSigmoid(original))) {
            for (int i = 0; i < windows.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(java[i] - base.score(windows[i])));
            }
        }
        report("hey_jarvis base", java, maxDiff);
        assertThat(maxDiff).isLessThan(TOLERANCE);
        assertScoresCoverTheUnitInterval(java);
    }

    @Test
    void originalHeyJarvisOutputEqualsTheBaseHeadBelowTheVerifierThresholdAndDiffersAbove() throws Exception {
        SourceHead head = OnnxHeadImporter.importHead(HeadModels.path("hey_jarvis_v0.1.onnx"));
        float[][] windows = EmbeddingLikeWindows.generate(head, WINDOWS, 42);
        float[] java = javaScores(head, windows);

        double maxDiffBelow = 0;
        double maxDiffAbove = 0;
        int below = 0;
        int above = 0;
        int changedAbove = 0;
        try (OrtHead full = new OrtHead(HeadModels.bytes("hey_jarvis_v0.1.onnx"))) {
            for (int i = 0; i < windows.length; i++) {
                double diff = Math.abs(java[i] - full.score(windows[i]));
                if (java[i] < VERIFIER_THRESHOLD) {
                    below++;
                    maxDiffBelow = Math.max(maxDiffBelow, diff);
                } else {
                    above++;
                    maxDiffAbove = Math.max(maxDiffAbove, diff);
                    if (diff > 1e-3) {
                        changedAbove++;
                    }
                }
            }
        }
        System.out.printf(
                "hey_jarvis original vs imported base: %d windows below %.1f, max |diff| %.3g; "
                        + "%d above, %d of them changed by the verifier (max |diff| %.3g)%n",
                below, VERIFIER_THRESHOLD, maxDiffBelow, above, changedAbove, maxDiffAbove);
        assertThat(below).isGreaterThan(50);
        assertThat(maxDiffBelow).isLessThan(TOLERANCE);
        assertThat(changedAbove).as("the verifier replaces high base scores").isGreaterThan(0);
    }

    @Test
    void importedAlexaHeadScoresLikeOnnxRuntime() throws Exception {
        SourceHead head = OnnxHeadImporter.importHead(HeadModels.path("alexa_v0.1.onnx"));
        float[][] windows = EmbeddingLikeWindows.generate(head, WINDOWS, 7);
        float[] java = javaScores(head, windows);

        double maxDiff = 0;
        try (OrtHead ort = new OrtHead(HeadModels.bytes("alexa_v0.1.onnx"))) {
            for (int i = 0; i < windows.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(java[i] - ort.score(windows[i])));
            }
        }
        report("alexa", java, maxDiff);
        assertThat(maxDiff).isLessThan(TOLERANCE);
        assertScoresCoverTheUnitInterval(java);
    }

    @Test
    void adaptedScoringWithTheSourceTailEqualsSourceScoring() throws Exception {
        SourceHead head = OnnxHeadImporter.importHead(HeadModels.path("hey_jarvis_v0.1.onnx"));
        HeadArchitecture arch = head.architecture();
        float[] source = head.parameters();
        float[][] windows = EmbeddingLikeWindows.generate(head, 20, 3);
        for (int k = 0; k <= arch.parameterisedLayerCount(); k++) {
            MlpHead mlp = new MlpHead(arch, k);
            MlpHead.Workspace ws = mlp.newWorkspace();
            float[] tail = head.trainableTail(k);
            for (float[] w : windows) {
                assertThat(mlp.score(source, tail, w, 0, ws)).isEqualTo(mlp.sourceScore(source, w, 0, ws));
            }
        }
    }

    private static float[] javaScores(SourceHead head, float[][] windows) {
        MlpHead mlp = new MlpHead(head.architecture(), 0);
        MlpHead.Workspace ws = mlp.newWorkspace();
        float[] source = head.parameters();
        float[] scores = new float[windows.length];
        for (int i = 0; i < windows.length; i++) {
            scores[i] = mlp.sourceScore(source, windows[i], 0, ws);
        }
        return scores;
    }

    private static void assertScoresCoverTheUnitInterval(float[] scores) {
        int low = 0;
        int mid = 0;
        int high = 0;
        for (float s : scores) {
            if (s < 0.1f) {
                low++;
            } else if (s <= 0.9f) {
                mid++;
            } else {
                high++;
            }
        }
        assertThat(low).as("scores below 0.1").isGreaterThanOrEqualTo(20);
        assertThat(mid).as("scores in [0.1, 0.9]").isGreaterThanOrEqualTo(20);
        assertThat(high).as("scores above 0.9").isGreaterThanOrEqualTo(20);
    }

    private static void report(String name, float[] scores, double maxDiff) {
        int[] deciles = new int[10];
        for (float s : scores) {
            deciles[Math.min(9, (int) (s * 10))]++;
        }
        System.out.printf(
                "%s: %d windows, max |java - onnxruntime| = %.3g, score deciles %s%n",
                name, scores.length, maxDiff, Arrays.toString(deciles));
    }
}
