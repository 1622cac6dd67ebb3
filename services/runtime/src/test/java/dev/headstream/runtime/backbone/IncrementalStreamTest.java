package dev.headstream.runtime.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.ExecutionOptions;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link WakeWordBackbone#openStream}: real speech pushed in pieces of any size, from one sample
 * to several seconds, gives exactly (equal floats) the embeddings of one {@link
 * WakeWordBackbone#embedStream} over the whole audio, in both embedding modes, each as soon as the
 * step that completes it has arrived, with the held mel frames bounded.
 */
class IncrementalStreamTest {

    private static WakeWordBackbone sequence;
    private static WakeWordBackbone windowed;
    private static short[] speech;

    @BeforeAll
    static void load() {
        sequence = TestModels.backbone(WakeWordBackbone.EmbeddingMode.SEQUENCE);
        windowed = TestModels.backbone(WakeWordBackbone.EmbeddingMode.WINDOWED);
        speech = stream();
    }

    @AfterAll
    static void close() {
        sequence.close();
        windowed.close();
    }

    /**
     * About 52 s: five speakers with digital silence and quiet noise between them and a trailing
     * partial step; more than one chunk of the sequence graph, more than one batched mel run.
     */
    private static short[] stream() {
        String[][] lines = {
            {"the meeting moved to thursday afternoon", "en-us+m3"}, {"hey jarvis turn it down", "en-029+f2"},
            {"I think the train leaves at nine", "en-gb-x-rp+m1"}, {"could you pass me the red folder", "en-us+f4"},
            {"hey jarvis", "en-gb-scotland+m2"},
        };
        short[] out = new short[834_567];
        SplittableRandom rnd = new SplittableRandom(11);
        int at = 3_000;
        for (int round = 0; round < 2; round++) {
            for (String[] l : lines) {
                short[] s = TestModels.speech(l[0], l[1], 56_000, 3_000);
                System.arraycopy(s, 0, out, at, s.length);
                at += s.length + 12_000;
            }
            for (int i = at; i < at + 40_000; i++) {
                out[i] = (short) rnd.nextInt(-3, 4);
            }
            at += 40_000;
        }
        return out;
    }

    @Test
    void randomPiecesGiveExactlyTheEmbeddingsOfOneRunOverTheWholeStream() {
        for (WakeWordBackbone backbone : new WakeWordBackbone[] {sequence, windowed}) {
            EmbeddingSequence whole = backbone.embedStream(speech);
            assertThat(whole.frames()).as("more than one chunk").isGreaterThan(WakeWordBackbone.EMBEDDINGS_PER_CHUNK);
            for (long seed = 1; seed <= 3; seed++) {
                SplittableRandom r = new SplittableRandom(seed);
                float[] pushed = pushAll(backbone, () -> {
                    // from one sample to 5 s: tiny, around a step, and long pieces
                    return switch (r.nextInt(3)) {
                        case 0 -> 1 + r.nextInt(16);
                        case 1 -> 1 + r.nextInt(3 * WakeWordBackbone.STEP_SAMPLES);
                        default -> 1 + r.nextInt(80_000);
                    };
                });
                assertThat(pushed).as("%s, seed %d", backbone.info().id(), seed).containsExactly(whole.values());
            }
        }
    }

    @Test
    void oneStepAtATimeAndOnePushOfEverythingGiveTheSameEmbeddings() {
        EmbeddingSequence whole = sequence.embedStream(speech);
        assertThat(pushAll(sequence, () -> WakeWordBackbone.STEP_SAMPLES)).containsExactly(whole.values());
        // one push of more steps than one mel run holds
        assertThat(WakeWordBackbone.streamingSteps(speech.length)).isGreaterThan(WakeWordBackbone.STEPS_PER_MEL_RUN);
        assertThat(pushAll(sequence, () -> speech.length)).containsExactly(whole.values());
    }

    @Test
    void eachEmbeddingArrivesWithTheStepThatCompletesItAndMemoryStaysBounded() {
        WakeWordBackbone.Stream s = sequence.openStream();
        int step = WakeWordBackbone.STEP_SAMPLES;
        int maxHeld = 0;
        for (int k = 1; k * step <= speech.length; k++) {
            // the step in two pieces: the first never completes anything
            assertThat(s.push(speech, (k - 1) * step, step - 1)).isEmpty();
            float[] e = s.push(speech, k * step - 1, 1);
            int expected = k > WakeWordBackbone.WARM_UP_STEPS ? 1 : 0;
            assertThat(e).as("step %d", k).hasSize(expected * WakeWordBackbone.EMBEDDING_DIM);
            assertThat(s.embeddings()).isEqualTo(Math.max(0, k - WakeWordBackbone.WARM_UP_STEPS));
            assertThat(s.steps()).isEqualTo(k);
            maxHeld = Math.max(maxHeld, s.heldMelFrames());
        }
        assertThat(maxHeld).isLessThan(WakeWordBackbone.WINDOW_MEL_FRAMES);
        assertThat(s.embeddings())
                .isEqualTo(WakeWordBackbone.embeddingFrames(WakeWordBackbone.FrontEnd.STREAMING, speech.length));
    }

    @Test
    void theClipFrontEndAndAClosedBackboneRefuseToStream() {
        try (WakeWordBackbone clip = new WakeWordBackbone(
                TestModels.model("melspectrogram.onnx"),
                TestModels.model("embedding_model.onnx"),
                ExecutionOptions.cpu(1),
                WakeWordBackbone.EmbeddingMode.SEQUENCE,
                WakeWordBackbone.FrontEnd.CLIP,
                10.0)) {
            assertThatThrownBy(clip::openStream)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("streaming front end");
        }
        WakeWordBackbone b = TestModels.backbone(WakeWordBackbone.EmbeddingMode.SEQUENCE);
        WakeWordBackbone.Stream s = b.openStream();
        b.close();
        assertThatThrownBy(() -> s.push(new short[1], 0, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    /** Every embedding of {@link #speech} pushed in pieces of the sizes {@code sizes} gives (cut at the end). */
    private static float[] pushAll(WakeWordBackbone backbone, java.util.function.IntSupplier sizes) {
        WakeWordBackbone.Stream s = backbone.openStream();
        float[] all = new float[0];
        int n = 0;
        for (int at = 0; at < speech.length; ) {
            int len = Math.min(sizes.getAsInt(), speech.length - at);
            float[] e = s.push(speech, at, len);
            at += len;
            if (n + e.length > all.length) {
                all = Arrays.copyOf(all, Math.max(n + e.length, 2 * all.length));
            }
            System.arraycopy(e, 0, all, n, e.length);
            n += e.length;
        }
        assertThat(s.samples()).isEqualTo(speech.length);
        return Arrays.copyOf(all, n);
    }
}
