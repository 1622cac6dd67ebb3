package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.MlpHead;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ClipBases}: a clip's kept first-layer products score it exactly as a full pass does, a
 * product is computed once per window while its clip is kept, and the least recently used clips
 * leave at the float budget.
 */
class ClipBasesTest {

    private static final int DIM = BinaryHeadTaskLoraTest.DIM;
    private static final int FRAMES = BinaryHeadTaskLoraTest.FRAMES;
    private static final HeadArchitecture ARCH = BinaryHeadTaskLoraTest.ARCH;

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() - 0.5);
        }
        return v;
    }

    private static EmbeddingSequence clip(int frames, long seed) {
        return new EmbeddingSequence(frames, DIM, random(frames * DIM, seed));
    }

    private final float[] source = random(ARCH.parameterCount(), 1);
    private final LoraMlpHead lora = new LoraMlpHead(ARCH, 2, 4f, true);
    private final ClipScorer scorer = new ClipScorer(lora, source, FRAMES);

    @Test
    void keptProductsScoreEveryClipAsAFullPassBitForBit() {
        ClipBases bases = new ClipBases(scorer.copy(), FRAMES, 1 << 20);
        float[] trainable = lora.initialTrainable(source, 3);
        float[] noise = random(trainable.length, 4);
        for (int i = 0; i < trainable.length; i++) {
            trainable[i] += 0.2f * noise[i];
        }
        for (int frames : new int[] {2, 3, 6, 7}) {
            EmbeddingSequence e = clip(frames, frames);
            for (float[] t : new float[][] {trainable, null}) {
                float full = scorer.maxLogit(t, e);
                assertThat(bases.maxLogit(scorer, t, e, e)).isEqualTo(full);
                assertThat(bases.maxLogit(scorer, t, e, e)).isEqualTo(full); // from the kept products
            }
        }
        assertThat(bases.size()).isEqualTo(4);
    }

    @Test
    void aWindowsProductIsComputedOnceAndIsTheFirstLayersProduct() {
        ClipBases bases = new ClipBases(scorer.copy(), FRAMES, 1 << 20);
        EmbeddingSequence e = clip(5, 9);
        float[] window = new float[FRAMES * DIM];
        System.arraycopy(e.values(), e.offset(2), window, 0, window.length);
        ClipBases.Entry entry = bases.window(e, 4, 2, window, 0);
        float[] expected = new float[bases.width()];
        scorer.firstLayerProduct(e.values(), e.offset(2), expected, 0);
        float[] got = java.util.Arrays.copyOfRange(entry.products, 2 * bases.width(), 3 * bases.width());
        assertThat(got).containsExactly(expected);
        assertThat(entry.done).containsExactly(false, false, true, false);
        // the same clip again: the kept product, not one from these other frames
        ClipBases.Entry again = bases.window(e, 4, 2, new float[FRAMES * DIM], 0);
        assertThat(again).isSameAs(entry);
        assertThat(java.util.Arrays.copyOfRange(again.products, 2 * bases.width(), 3 * bases.width()))
                .containsExactly(expected);
        // every window: the one kept, the others computed (two at a time), each its own product
        ClipBases.Entry all = bases.all(e, e);
        assertThat(all.done).containsOnly(true);
        for (int w = 0; w < 4; w++) {
            float[] own = new float[bases.width()];
            scorer.firstLayerProduct(e.values(), e.offset(w), own, 0);
            assertThat(java.util.Arrays.copyOfRange(all.products, w * bases.width(), (w + 1) * bases.width()))
                    .as("window %d", w)
                    .containsExactly(own);
        }
    }

    @Test
    void theLeastRecentlyUsedClipsLeaveAtTheBudget() {
        int width = lora.firstLayerWidth();
        // two 4-window clips fit, a third does not
        ClipBases bases = new ClipBases(scorer.copy(), FRAMES, 2L * 4 * width);
        EmbeddingSequence a = clip(5, 1);
        EmbeddingSequence b = clip(5, 2);
        EmbeddingSequence c = clip(5, 3);
        ClipBases.Entry first = bases.all(a, a);
        bases.all(b, b);
        bases.all(a, a); // a is now the most recent
        bases.all(c, c); // b leaves
        assertThat(bases.size()).isEqualTo(2);
        assertThat(bases.all(a, a)).isSameAs(first);
        ClipBases.Entry newB = bases.all(b, b); // computed again; c leaves
        assertThat(newB.done).containsOnly(true);
        assertThat(bases.size()).isEqualTo(2);
    }

    @Test
    void anArrivingClipHasOneSlotAndClearDropsEverything() {
        ClipBases bases = new ClipBases(scorer.copy(), FRAMES, 1 << 20);
        float[] trainable = lora.initialTrainable(source, 5);
        EmbeddingSequence first = clip(6, 11);
        EmbeddingSequence second = clip(3, 12);
        assertThat(bases.maxLogitOfArriving(scorer, trainable, first)).isEqualTo(scorer.maxLogit(trainable, first));
        assertThat(bases.maxLogitOfArriving(scorer, null, first)).isEqualTo(scorer.maxLogit(null, first));
        // a shorter clip after a longer one: its own products, not the rest of the slot's
        assertThat(bases.maxLogitOfArriving(scorer, trainable, second)).isEqualTo(scorer.maxLogit(trainable, second));
        assertThat(bases.maxLogitOfArriving(scorer, trainable, first)).isEqualTo(scorer.maxLogit(trainable, first));
        assertThat(bases.size()).isZero(); // arriving clips are not kept among the clips
        bases.all(first, first);
        assertThat(bases.size()).isEqualTo(1);
        bases.clear();
        assertThat(bases.size()).isZero();
    }

    @Test
    void aHeadWhoseFirstLayerTrainsPerUserKeepsNothing() {
        MlpHead mlp = new MlpHead(ARCH, 3);
        ClipScorer full = new ClipScorer(mlp, source, FRAMES);
        ClipBases bases = new ClipBases(full, FRAMES, 1 << 20);
        EmbeddingSequence e = clip(4, 5);
        assertThat(bases.enabled()).isFalse();
        assertThat(bases.maxLogit(full, null, e, e)).isEqualTo(full.maxLogit(null, e));
        assertThat(bases.size()).isZero();
    }
}
