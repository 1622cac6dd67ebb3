package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.TaskKind;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@code hidden=0}: a class head without a hidden layer, LayerNorm then Dense to the outputs. */
class LinearClassHeadTest {

    private static final int DIM = 8;
    private static final List<String> CLASSES = List.of("a", "b", "c");

    private static ClassRecipe linear(long seed) {
        return ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, seed).withHidden(0);
    }

    /** Frames around a centre per class: dimension c high, the others low, with noise. */
    private static EmbeddingSequence clip(int c, SplittableRandom random) {
        float[] v = new float[4 * DIM];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((i % DIM == c ? 2 : -1) + 0.5 * random.nextGaussian());
        }
        return new EmbeddingSequence(4, DIM, v);
    }

    @Test
    void aLinearHeadIsLayerNormThenDenseStartsWithNoOpinionAndLearns() {
        ClassHeadTask task = new ClassHeadTask("who", linear(3), DIM);
        assertThat(task.architecture().layers())
                .containsExactly(new HeadLayer.LayerNorm(2 * DIM, 1e-5f), new HeadLayer.Dense(2 * DIM, 3));
        // nothing is drawn: the seed does not change the start head
        assertThat(new ClassHeadTask("who", linear(4), DIM).startSha256()).isEqualTo(task.startSha256());
        ClassHeadState s = task.newState("t/u/who");
        SplittableRandom random = new SplittableRandom(5);
        assertThat(task.probabilities(s.liveParameters(), clip(0, random))).containsExactly(1 / 3f, 1 / 3f, 1 / 3f);
        for (int i = 0; i < 30; i++) {
            task.apply(s, clip(i % 3, random), new Label.ClassIndex(i % 3), 1f, Split.TRAIN);
        }
        int right = 0;
        for (int i = 0; i < 30; i++) {
            float[] p = task.probabilities(s.liveParameters(), clip(i % 3, random));
            int best = 0;
            for (int o = 1; o < 3; o++) {
                best = p[o] > p[best] ? o : best;
            }
            right += best == i % 3 ? 1 : 0;
        }
        assertThat(right).isGreaterThanOrEqualTo(28);
    }
}
