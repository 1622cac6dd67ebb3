package dev.headstream.cli.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentScorerTest {

    private static WakeWordBackbone backbone;
    private static EvalHead head;

    @BeforeAll
    static void open() {
        backbone = WakeWordBackbone.fromModelsDir(TestAudio.modelsDir());
        head = HeadLoader.source(TestAudio.modelsDir().resolve("hey_jarvis_v0.1.onnx"), 0.5f, "test");
    }

    @AfterAll
    static void close() {
        backbone.close();
    }

    @Test
    void windowsCountOnePerStepFromTheTwentyFifthOn() {
        assertThat(SegmentScorer.windows(32_000)).isEqualTo(1);
        assertThat(SegmentScorer.windows(32_000 + 1_279)).isEqualTo(1);
        assertThat(SegmentScorer.windows(32_000 + 1_280)).isEqualTo(2);
        assertThat(SegmentScorer.windows(31_999)).isZero();
        assertThat(SegmentScorer.WINDOW_SAMPLES)
                .isEqualTo(WakeWordBackbone.samplesFor(WakeWordBackbone.FrontEnd.STREAMING, 16));
        assertThat(SegmentScorer.endSeconds(0)).isEqualTo(2.0);
    }

    @Test
    void segmentsScoreExactlyLikeOneRunOverTheWholeRecording(@TempDir Path dir) throws Exception {
        short[] pcm = speechLike(16_000 * 50 + 777); // more than the backbone's 512 embeddings per run
        Recording r = Recording.ofWav(
                TestAudio.writeNative(dir.resolve("long.wav"), pcm),
                WavReader.header(dir.resolve("long.wav")).orElseThrow(),
                0);
        EmbeddingSequence e = backbone.embedStream(pcm);
        ClipScorer scorer = head.newScorer();
        int windows = e.frames() - 15;
        float[] whole = new float[windows];
        for (int w = 0; w < windows; w++) {
            whole[w] = scorer.windowLogit(null, e.values(), e.offset(w));
        }
        SegmentScorer segments = new SegmentScorer(backbone);

        assertThat(SegmentScorer.windows(pcm.length)).isEqualTo(windows);
        assertThat(e.frames()).isGreaterThan(512);
        assertThat(whole).doesNotHaveDuplicates();
        float[] pieced = new float[windows];
        for (int from = 0; from < windows; from += 37) {
            int to = Math.min(windows, from + 37);
            float[] part = segments.score(r, from, to, List.of(head))[0];
            System.arraycopy(part, 0, pieced, from, part.length);
        }
        assertThat(pieced).containsExactly(whole);
        assertThat(segments.score(r, 0, windows, List.of(head))[0]).containsExactly(whole);
    }

    /** Bursts of tones and noise with pauses and changing loudness, so every step's mel floor differs. */
    static short[] speechLike(int samples) {
        short[] tones = TestAudio.tones(samples, 9);
        SplittableRandom r = new SplittableRandom(11);
        short[] pcm = new short[samples];
        int at = 0;
        while (at < samples) {
            int len = 1_000 + r.nextInt(12_000);
            double gain = r.nextInt(4) == 0 ? 0 : 0.05 + 2 * r.nextDouble();
            for (int i = at; i < Math.min(samples, at + len); i++) {
                pcm[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(tones[i] * gain)));
            }
            at += len;
        }
        return pcm;
    }
}
