package dev.headstream.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.runtime.backbone.TestModels;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Golden parity on real embeddings: espeak-ng speech through the real backbone, then every
 * 16-frame window of every clip scored by the imported head and by ONNX Runtime running the same
 * network.
 */
class OnnxHeadImporterRealSpeechParityTest {

    private static final double TOLERANCE = 1e-5;
    private static final int FRAMES = 16;

    /** text, voice, clip samples, samples of silence after the speech. */
    private static final Object[][] LINES = {
        {"hey jarvis", "en-us", 32_000, 1_600},
        {"hey jarvis", "en-gb+f2", 40_000, 4_000},
        {"hey jarvis", "en-gb-scotland+m3", 36_000, 0},
        {"hey jarvis", "en-029+m1", 48_000, 8_000},
        {"hey jarvis", "en-us+f4", 32_000, 3_200},
        {"okay hey jarvis what is the weather", "en-gb-x-rp+m7", 56_000, 800},
        {"alexa", "en-us+f3", 32_000, 2_400},
        {"alexa play some music", "en-gb+m2", 44_000, 1_600},
        {"what time is it", "en-us+m4", 40_000, 1_600},
        {"hey travis", "en-us+f2", 32_000, 1_600},
    };

    private static List<BackboneInput.Audio> clips;
    private static List<EmbeddingSequence> embeddings;

    @BeforeAll
    static void embedRealSpeech() {
        clips = new ArrayList<>();
        for (Object[] l : LINES) {
            clips.add(new BackboneInput.Audio(
                    16_000, TestModels.speech((String) l[0], (String) l[1], (Integer) l[2], (Integer) l[3])));
        }
        try (WakeWordBackbone backbone = TestModels.backbone(WakeWordBackbone.EmbeddingMode.SEQUENCE)) {
            embeddings = backbone.embed(clips);
        }
    }

    @AfterAll
    static void release() {
        clips = null;
        embeddings = null;
    }

    @Test
    void importedHeyJarvisBaseHeadScoresRealEmbeddingsLikeOnnxRuntime() throws Exception {
        SourceHead head = OnnxHeadImporter.importHead(HeadModels.path("hey_jarvis_v0.1.onnx"));
        try (OrtHead ort =
                new OrtHead(OnnxHeadGraphs.truncateAtFirstSigmoid(HeadModels.bytes("hey_jarvis_v0.1.onnx")))) {
            assertParity("hey_jarvis base", head, ort);
        }
    }

    @Test
    void importedAlexaHeadScoresRealEmbeddingsLikeOnnxRuntime() throws Exception {
        SourceHead head = OnnxHeadImporter.importHead(HeadModels.path("alexa_v0.1.onnx"));
        try (OrtHead ort = new OrtHead(HeadModels.bytes("alexa_v0.1.onnx"))) {
            assertParity("alexa", head, ort);
        }
    }

    private static void assertParity(String name, SourceHead head, OrtHead ort) throws Exception {
        MlpHead mlp = new MlpHead(head.architecture(), 0);
        MlpHead.Workspace ws = mlp.newWorkspace();
        float[] source = head.parameters();
        int expectedWindows = 0;
        for (BackboneInput.Audio a : clips) {
            expectedWindows +=
                    WakeWordBackbone.embeddingFrames(WakeWordBackbone.FrontEnd.STREAMING, a.pcm().length) - FRAMES + 1;
        }

        int windows = 0;
        int above = 0;
        double maxDiff = 0;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (EmbeddingSequence e : embeddings) {
            for (int w = 0; w < e.windows(FRAMES); w++) {
                float java = mlp.sourceScore(source, e.values(), e.offset(w), ws);
                float onnx = ort.score(Arrays.copyOfRange(e.values(), e.offset(w), e.offset(w + FRAMES)));
                assertThat(java).isBetween(0f, 1f);
                maxDiff = Math.max(maxDiff, Math.abs(java - onnx));
                min = Math.min(min, java);
                max = Math.max(max, java);
                above += java >= 0.5f ? 1 : 0;
                windows++;
            }
        }
        System.out.printf(
                "%s on real speech: %d windows of %d clips, max |java - onnxruntime| = %.3g, "
                        + "scores in [%.3g, %.3g], %d windows >= 0.5%n",
                name, windows, clips.size(), maxDiff, min, max, above);
        assertThat(windows).isEqualTo(expectedWindows);
        assertThat(maxDiff).isLessThanOrEqualTo(TOLERANCE);
    }
}
