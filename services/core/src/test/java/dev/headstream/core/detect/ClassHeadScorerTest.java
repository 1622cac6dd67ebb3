package dev.headstream.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.schemas.v1.HeadUpdate;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A consumer scoring a published class head gets the adapter's probabilities, bit for bit: the
 * head is trained through {@link ClassHeadTask}, published as the engine publishes it, decoded,
 * and scored on clips of several lengths.
 */
class ClassHeadScorerTest {

    private static final int DIM = 96;
    private static final List<String> CLASSES = List.of("ann", "bob", "cat");
    private static final List<String> TRAITS = List.of("loud", "high", "never");
    private static final BackboneInfo BACKBONE = new BackboneInfo("oww", "ab".repeat(32), DIM, "cpu");

    @Test
    void aDecodedMultiClassHeadScoresClipsBitForBitAsTheAdapter() {
        ClassHeadTask task =
                new ClassHeadTask("who", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, 11), DIM);
        ClassHeadState s = task.newState("acme/ann/who");
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 12; i++) {
            int c = i % 3;
            task.apply(s, clip(random, 3 + i, c), new Label.ClassIndex(c), 1f, Split.TRAIN);
        }
        ClassHeadScorer scorer = decode(task, s).scorer();

        assertThat(scorer.multiClass()).isTrue();
        assertThat(scorer.labels()).isEqualTo(CLASSES);
        assertThat(scorer.embeddingDim()).isEqualTo(DIM);
        float[] out = new float[3];
        int right = 0;
        for (int i = 0; i < 30; i++) {
            int c = i % 3;
            EmbeddingSequence e = clip(random, 1 + i % 9, c);
            float[] expected = task.probabilities(s.liveParameters(), e);
            scorer.probabilities(e, out);
            assertThat(out).as("clip %d", i).containsExactly(expected);
            assertThat(scorer.probabilities(e)).containsExactly(expected);
            ClassHeadScorer.Top top = scorer.top(e);
            assertThat(top.probability()).isEqualTo(max(expected));
            assertThat(top.label()).isEqualTo(CLASSES.get(top.index()));
            right += top.index() == c ? 1 : 0;
        }
        // the trained head is not the start head's "no opinion": it ranks most clips' class first
        assertThat(right).isGreaterThan(20);
    }

    @Test
    void aDecodedMultiLabelHeadScoresClipsBitForBitAsTheAdapter() {
        ClassHeadTask task =
                new ClassHeadTask("traits", ClassRecipe.defaults(TaskKind.Type.MULTI_LABEL, TRAITS, 5), DIM);
        ClassHeadState s = task.newState("acme/ann/traits");
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < 10; i++) {
            boolean loud = i % 2 == 0;
            task.apply(
                    s,
                    clip(random, 4, loud ? 0 : 1),
                    new Label.MultiHot(new float[] {loud ? 1f : 0f, 0f, 0f}, new boolean[] {true, i % 3 == 0, false}),
                    1f,
                    Split.TRAIN);
        }
        ClassHeadScorer scorer = decode(task, s).scorer();

        assertThat(scorer.multiClass()).isFalse();
        float[] out = new float[3];
        for (int i = 0; i < 20; i++) {
            EmbeddingSequence e = clip(random, 1 + i, i % 2);
            scorer.probabilities(e, out);
            assertThat(out).as("clip %d", i).containsExactly(task.probabilities(s.liveParameters(), e));
        }
    }

    @Test
    void pooledInputScoresAsTheClipItCameFrom() {
        ClassHeadTask task = new ClassHeadTask("who", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, 3), DIM);
        ClassHeadScorer scorer = decode(task, task.newState("acme/bob/who")).scorer();
        EmbeddingSequence e = clip(new SplittableRandom(4), 7, 2);
        float[] pooled = new float[5 + 2 * DIM];
        System.arraycopy(task.pool(e), 0, pooled, 5, 2 * DIM);
        float[] out = new float[3];

        scorer.pooledProbabilities(pooled, 5, out);

        assertThat(out).containsExactly(scorer.probabilities(e));
        // the start head has no opinion yet: every class alike, ties ranked to the first
        assertThat(out).containsOnly(1f / 3);
        assertThat(scorer.top(out)).isEqualTo(new ClassHeadScorer.Top(0, "ann", 1f / 3));
    }

    @Test
    void rejectsEmbeddingsOfAnotherWidthAndAnUnknownPooling() {
        ClassHeadTask task = new ClassHeadTask("who", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, 3), DIM);
        HeadCodec.DecodedClass d = decode(task, task.newState("acme/bob/who"));
        ClassHeadScorer scorer = d.scorer();

        assertThatThrownBy(() -> scorer.probabilities(new EmbeddingSequence(2, 32, new float[64])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("class head reads embeddings of 96 values, got 32");
        HeadCodec.DecodedClass max = new HeadCodec.DecodedClass(d.architecture(), d.parameters(), d.labels(), "max");
        assertThatThrownBy(max::scorer)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no pooling 'max'; known: [mean-std, mel-cepstrum]");
        // a head of 192 inputs cannot read the 76 values of mel-cepstrum pooling
        HeadCodec.DecodedClass mel =
                new HeadCodec.DecodedClass(d.architecture(), d.parameters(), d.labels(), "mel-cepstrum");
        assertThatThrownBy(mel::scorer)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a head reading mel-cepstrum takes 76 values, not 192");
        assertThatThrownBy(() -> new ClassHeadScorer(d.architecture(), d.parameters(), List.of("a", "b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("class head names 2 outputs but has 3");
    }

    @Test
    void theScorerKeepsItsOwnCopyOfTheParameters() {
        ClassHeadTask task = new ClassHeadTask("who", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, 3), DIM);
        float[] p = task.startParameters();
        ClassHeadScorer scorer = new ClassHeadScorer(task.architecture(), p, CLASSES);
        EmbeddingSequence e = clip(new SplittableRandom(8), 5, 1);
        float[] before = scorer.probabilities(e);

        Arrays.fill(p, 7f);

        assertThat(scorer.probabilities(e)).containsExactly(before);
    }

    /** The head as a consumer gets it: published by the engine's message builder, then decoded. */
    private static HeadCodec.DecodedClass decode(ClassHeadTask task, ClassHeadState s) {
        HeadUpdate u = OutputMessages.classHeadUpdate(
                task, UserKey.parse("acme/ann"), task.name(), s, BACKBONE, 1_700_000_000_000L);
        return HeadCodec.decodeClass(u);
    }

    /** {@code frames} embeddings around a centre that depends on {@code c}. */
    private static EmbeddingSequence clip(SplittableRandom random, int frames, int c) {
        float[] v = new float[frames * DIM];
        for (int f = 0; f < frames; f++) {
            for (int d = 0; d < DIM; d++) {
                double centre = (d % 3 == c ? 2.0 : -1.0) + 0.1 * d % 1.0;
                v[f * DIM + d] = (float) (centre + random.nextGaussian());
            }
        }
        return new EmbeddingSequence(frames, DIM, v);
    }

    private static float max(float[] v) {
        float m = v[0];
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }
}
