package dev.headstream.runtime.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.FrontEndFrames;
import dev.headstream.core.embed.MelCepstrumPooling;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WakeWordBackboneTest {

    private static WakeWordBackbone windowed;
    private static WakeWordBackbone sequence;
    private static List<BackboneInput.Audio> clips;

    @BeforeAll
    static void load() {
        windowed = TestModels.backbone(WakeWordBackbone.EmbeddingMode.WINDOWED);
        sequence = TestModels.backbone(WakeWordBackbone.EmbeddingMode.SEQUENCE);
        String[][] lines = {
            {"hey jarvis", "en-us"},
            {"what time is it", "en-gb+f2"},
            {"okay hey jarvis", "en-gb-scotland+m3"},
            {"turn on the lights please", "en-us+f4"},
            {"hey jarvis", "en-029+m1"},
            {"play some music", "en-gb-x-rp+f3"},
        };
        clips = new ArrayList<>();
        int[] lengths = {32_000, 40_000, 36_160, 32_000, 48_000, 34_567};
        for (int i = 0; i < lines.length; i++) {
            clips.add(new BackboneInput.Audio(16_000, TestModels.speech(lines[i][0], lines[i][1], lengths[i], 1_600)));
        }
    }

    @AfterAll
    static void close() {
        windowed.close();
        sequence.close();
    }

    @Test
    void twoSecondClipGivesSixteenEmbeddingsOf96() {
        List<EmbeddingSequence> e = windowed.embed(List.of(clips.get(0)));
        assertThat(e.get(0).frames()).isEqualTo(16).isEqualTo(windowed.embeddingFrames(32_000));
        assertThat(e.get(0).dim()).isEqualTo(96);
        assertThat(WakeWordBackbone.melFrames(WakeWordBackbone.FrontEnd.STREAMING, 32_000))
                .isEqualTo(windowed.melFrames(clips.get(0).pcm()).length / 32);
    }

    @Test
    void sequenceGraphEqualsWindowedEmbeddingsOnRealSpeech() {
        List<EmbeddingSequence> a = windowed.embed(clips);
        List<EmbeddingSequence> b = sequence.embed(clips);
        double maxDiff = 0;
        for (int i = 0; i < clips.size(); i++) {
            assertThat(b.get(i).frames())
                    .isEqualTo(a.get(i).frames())
                    .isEqualTo(windowed.embeddingFrames(clips.get(i).pcm().length));
            for (int j = 0; j < a.get(i).values().length; j++) {
                maxDiff = Math.max(
                        maxDiff, Math.abs(a.get(i).values()[j] - b.get(i).values()[j]));
            }
        }
        System.out.printf("sequence vs windowed embeddings: max |diff| = %.3g over %d clips%n", maxDiff, clips.size());
        assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void embeddingWithTheFrontEndGivesTheSameEmbeddingsAndTheMelFramesTheyCameFrom() {
        List<EmbeddingSequence> plain = windowed.embed(clips);
        List<EmbeddingSequence> kept = windowed.embedWithFrontEnd(clips);
        assertThat(windowed.frontEndBins()).isEqualTo(WakeWordBackbone.MEL_BINS).isEqualTo(32);
        for (int i = 0; i < clips.size(); i++) {
            assertThat(plain.get(i).frontEnd()).isNull();
            assertThat(kept.get(i).values())
                    .as("clip %d", i)
                    .containsExactly(plain.get(i).values());
            FrontEndFrames f = kept.get(i).frontEnd();
            assertThat(f.bins()).isEqualTo(32);
            assertThat(f.values())
                    .containsExactly(windowed.melFrames(clips.get(i).pcm()));
            float[] pooled = ClipPooling.MEL_CEPSTRUM.pool(kept.get(i));
            assertThat(pooled).hasSize(MelCepstrumPooling.WIDTH);
            for (float v : pooled) {
                assertThat(Float.isFinite(v)).isTrue();
            }
        }
    }

    @Test
    void clipsAreNotCoupledByBatching() {
        List<EmbeddingSequence> alone = windowed.embed(List.of(clips.get(1)));
        short[] loud = clips.get(0).pcm().clone();
        for (int i = 0; i < loud.length; i++) {
            loud[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, loud[i] * 8));
        }
        List<EmbeddingSequence> together = windowed.embed(List.of(new BackboneInput.Audio(16_000, loud), clips.get(1)));
        assertThat(together.get(1).values()).containsExactly(alone.get(0).values());
    }

    @Test
    void rejectsWrongSampleRateShortClipsAndTensors() {
        assertThatThrownBy(() -> windowed.validate(new BackboneInput.Audio(8_000, new short[32_000])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("audio must be 16000 Hz, got 8000");
        assertThatThrownBy(() -> windowed.validate(new BackboneInput.Audio(16_000, new short[1000])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least " + windowed.samplesFor(1));
        assertThatThrownBy(() -> windowed.validate(new BackboneInput.Tensor(new long[] {2}, new float[2])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes PCM16 audio");
    }
}
