package dev.headstream.runtime.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.ExecutionOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The streaming front end against {@link StreamingReference}, a plain step-by-step statement of
 * openWakeWord's runtime, on real speech: clips with digital silence around the speech (where the
 * per-step 80 dB floor differs most from a per-clip one) and a 30 s stream of several speakers.
 */
class StreamingFrontEndTest {

    private static WakeWordBackbone sequence;
    private static WakeWordBackbone windowed;
    private static WakeWordBackbone clipFrontEnd;
    private static StreamingReference reference;
    private static List<short[]> audio;

    @BeforeAll
    static void load() {
        sequence = TestModels.backbone(WakeWordBackbone.EmbeddingMode.SEQUENCE);
        windowed = TestModels.backbone(WakeWordBackbone.EmbeddingMode.WINDOWED);
        clipFrontEnd = new WakeWordBackbone(
                TestModels.model("melspectrogram.onnx"),
                TestModels.model("embedding_model.onnx"),
                ExecutionOptions.cpu(1),
                WakeWordBackbone.EmbeddingMode.SEQUENCE,
                WakeWordBackbone.FrontEnd.CLIP,
                10.0);
        reference = new StreamingReference(TestModels.dir());
        audio = new ArrayList<>();
        audio.add(TestModels.speech("hey jarvis", "en-us", 32_000, 1_600));
        audio.add(TestModels.speech("what time is it", "en-gb+f2", 40_000, 8_000));
        audio.add(TestModels.speech("okay hey jarvis", "en-gb-scotland+m3", 36_161, 300));
        audio.add(stream());
    }

    /**
     * 62.5 s: five speakers twice over with stretches of digital silence and of quiet noise between
     * them; 772 embeddings, more than one chunk of the sequence graph ({@value WakeWordBackbone#EMBEDDINGS_PER_CHUNK}).
     */
    private static short[] stream() {
        String[][] lines = {
            {"the meeting moved to thursday afternoon", "en-us+m3"}, {"hey jarvis turn it down", "en-029+f2"},
            {"I think the train leaves at nine", "en-gb-x-rp+m1"}, {"could you pass me the red folder", "en-us+f4"},
            {"we should plant the tomatoes next week", "en-gb-scotland+m2"},
        };
        short[] out = new short[1_000_000];
        SplittableRandom rnd = new SplittableRandom(7);
        int at = 8_000;
        for (int round = 0; round < 2; round++) {
            for (String[] l : lines) {
                short[] s = TestModels.speech(l[0], l[1], 64_000, 4_000);
                System.arraycopy(s, 0, out, at, s.length);
                at += s.length + 16_000;
            }
            for (int i = at; i < at + 80_000; i++) {
                out[i] = (short) rnd.nextInt(-3, 4); // quiet noise after the speech
            }
            at += 80_000;
        }
        return out;
    }

    @AfterAll
    static void close() {
        sequence.close();
        windowed.close();
        clipFrontEnd.close();
        reference.close();
    }

    @Test
    void embeddingsEqualTheStepByStepRuntimeOnRealSpeech() {
        double maxSequence = 0;
        double maxWindowed = 0;
        int compared = 0;
        for (short[] pcm : audio) {
            List<float[]> expected = reference.embeddings(pcm);
            EmbeddingSequence a = sequence.embedStream(pcm);
            EmbeddingSequence b = windowed.embedStream(pcm);
            assertThat(a.frames())
                    .isEqualTo(expected.size())
                    .isEqualTo(b.frames())
                    .isEqualTo(WakeWordBackbone.embeddingFrames(WakeWordBackbone.FrontEnd.STREAMING, pcm.length));
            maxSequence = Math.max(maxSequence, maxDiff(expected, a));
            maxWindowed = Math.max(maxWindowed, maxDiff(expected, b));
            compared += expected.size();
        }
        System.out.printf(
                "streaming front end vs step-by-step runtime: %d embeddings, max |diff| sequence %.3g, windowed %.3g%n",
                compared, maxSequence, maxWindowed);
        assertThat(compared).isGreaterThan(800);
        assertThat(sequence.embedStream(audio.get(3)).frames())
                .as("more than one chunk")
                .isGreaterThan(WakeWordBackbone.EMBEDDINGS_PER_CHUNK);
        assertThat(maxSequence).isLessThanOrEqualTo(1e-4);
        assertThat(maxWindowed).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void clipEmbeddingEqualsStreamEmbedding() {
        short[] pcm = audio.get(1);
        EmbeddingSequence clip =
                sequence.embed(List.of(new BackboneInput.Audio(16_000, pcm))).get(0);
        assertThat(clip.values()).containsExactly(sequence.embedStream(pcm).values());
        assertThat(clip.frames())
                .isEqualTo(WakeWordBackbone.streamingSteps(pcm.length) - WakeWordBackbone.WARM_UP_STEPS);
    }

    @Test
    void perClipNormalizationDiffersWhereSilenceMeetsSpeech() {
        // the front ends see the same frames on the same grid but floor them differently: on a
        // clip with digital silence the per-clip floor is not what the runtime computes
        short[] pcm = audio.get(1);
        float[] s = sequence.melFrames(pcm);
        float[] c = clipFrontEnd.melFrames(pcm);
        double max = 0;
        for (int f = 0; f < s.length / 32; f++) {
            for (int j = 0; j < 32; j++) {
                max = Math.max(max, Math.abs(s[f * 32 + j] - c[(f + 1) * 32 + j]));
            }
        }
        System.out.printf("streaming vs per-clip mel frames on a clip with silence: max |diff| %.3g%n", max);
        assertThat(max).isGreaterThan(0.5);
    }

    @Test
    void shortStreamsAreRefusedWithTheMinimumNamed() {
        assertThatThrownBy(() -> sequence.embedStream(new short[12_799]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 12800");
    }

    private static double maxDiff(List<float[]> expected, EmbeddingSequence actual) {
        double max = 0;
        for (int f = 0; f < expected.size(); f++) {
            float[] e = expected.get(f);
            for (int j = 0; j < e.length; j++) {
                max = Math.max(max, Math.abs(e[j] - actual.values()[f * actual.dim() + j]));
            }
        }
        return max;
    }
}
