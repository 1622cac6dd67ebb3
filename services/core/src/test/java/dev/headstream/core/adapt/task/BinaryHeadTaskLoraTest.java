package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.monitor.NegativeTransferMonitor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** {@link BinaryHeadTask} with {@link HeadRecipe#loraRank()} {@code > 0}, on a small hand-built head. */
class BinaryHeadTaskLoraTest {

    static final int DIM = 4;
    static final int FRAMES = 2;
    /** The small LoRA head these tests train ({@link ClipBasesTest} scores with it too). */
    static final HeadArchitecture ARCH = HeadArchitecture.builder(DIM * FRAMES)
            .dense(6)
            .layerNorm(1e-5f)
            .relu()
            .dense(5)
            .relu()
            .dense(1)
            .build();

    private static final HeadRecipe RECIPE =
            new HeadRecipe(3, HeadRecipe.OptimizerKind.ADAM, 1e-2f, 1e-3f, 10f, 5, 8, 2, 2, FRAMES, 0.5f, true, 0);

    static SourceHead source() {
        SplittableRandom r = new SplittableRandom(1);
        float[] p = new float[ARCH.parameterCount()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (r.nextDouble() - 0.5);
        }
        int ln = ARCH.parameterOffset(1);
        for (int j = 0; j < 6; j++) {
            p[ln + j] = 1f;
        }
        return new SourceHead("small", "0".repeat(64), ARCH, p);
    }

    static EmbeddingSequence clip(long seed, float bias) {
        SplittableRandom r = new SplittableRandom(seed);
        int frames = FRAMES + 2;
        float[] v = new float[frames * DIM];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() - 0.5) + (i % DIM == 0 ? bias : 0f);
        }
        return new EmbeddingSequence(frames, DIM, v);
    }

    static RehearsalSet rehearsal() {
        List<EmbeddingSequence> train = new ArrayList<>();
        List<EmbeddingSequence> calibration = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            train.add(clip(100 + i, -2f));
            calibration.add(clip(200 + i, -2f));
        }
        return new RehearsalSet(train, calibration);
    }

    @Test
    void freshLowRankHeadScoresExactlyLikeTheSourceHead() {
        BinaryHeadTask task = new BinaryHeadTask("wake", source(), RECIPE.withLoraRank(2), rehearsal());
        HeadState s = task.newState("acme/alice/wake");
        for (int i = 0; i < 5; i++) {
            BinaryHeadTask.Scores sc = task.score(s, clip(i, 0f));
            assertThat(sc.adapted()).isEqualTo(sc.source());
        }
    }

    @Test
    void lowRankTrainingLearnsTheUsersPositivesAndPublishesAMergedHeadThatScoresTheSame() {
        SourceHead src = source();
        BinaryHeadTask task = new BinaryHeadTask("wake", src, RECIPE.withLoraRank(2), rehearsal());
        HeadState s = task.newState("acme/alice/wake");
        EmbeddingSequence probe = clip(999, 2f);
        float before = task.score(s, probe).adapted();
        for (int i = 0; i < 12; i++) {
            task.apply(s, clip(300 + i, i % 2 == 0 ? 2f : -2f), i % 2 == 0, 1f, Split.TRAIN);
        }
        float after = task.score(s, probe).adapted();
        assertThat(after).as("the user's positives score higher").isGreaterThan(before + 0.05f);

        ClipScorer published = new ClipScorer(task.head(), src.parameters(), FRAMES);
        assertThat(task.head().trainableTopK()).isEqualTo(ARCH.parameterisedLayerCount());
        assertThat(published.score(task.publishedTrainable(s), probe)).isCloseTo(after, Offset.offset(1e-5f));
    }

    @Test
    void sameSamplesGiveABitIdenticalLowRankHead() {
        float[][] heads = new float[2][];
        for (int run = 0; run < 2; run++) {
            BinaryHeadTask task = new BinaryHeadTask("wake", source(), RECIPE.withLoraRank(3), rehearsal());
            HeadState s = task.newState("acme/alice/wake");
            for (int i = 0; i < 6; i++) {
                task.apply(s, clip(400 + i, i % 2 == 0 ? 2f : -2f), i % 2 == 0, 1f, Split.TRAIN);
            }
            heads[run] = s.trainable();
        }
        assertThat(heads[0]).isEqualTo(heads[1]);
    }

    @Test
    void keptClipProductsChangeNoBitAndLeaveAtEachBatch() {
        float[][] heads = new float[2][];
        float[][] thresholds = new float[2][8];
        for (int run = 0; run < 2; run++) {
            BinaryHeadTask task = new BinaryHeadTask("wake", source(), RECIPE.withLoraRank(3), rehearsal());
            HeadState s = task.newState("acme/alice/wake");
            for (int i = 0; i < 8; i++) {
                if (run == 1) {
                    task.startBatch(); // every sample its own batch: nothing kept from the last one
                }
                task.apply(s, clip(500 + i, i % 2 == 0 ? 2f : -2f), i % 2 == 0, 1f, Split.TRAIN);
                task.publishIfDue(s, 1);
                task.sent(s);
                thresholds[run][i] = task.publishedThreshold(s);
            }
            heads[run] = s.trainable();
            if (run == 0) {
                assertThat(task.keptClips()).as("replayed clips kept").isPositive();
            }
            task.startBatch();
            assertThat(task.keptClips()).isZero();
        }
        assertThat(heads[1]).containsExactly(heads[0]);
        assertThat(thresholds[1]).containsExactly(thresholds[0]);
    }

    @Test
    void residentBytesCountTheLowRankVectorItsAdamMomentsAndTheMonitorState() {
        BinaryHeadTask lora = new BinaryHeadTask("wake", source(), RECIPE.withLoraRank(1), rehearsal());
        HeadState s = lora.newState("acme/alice/wake");
        int length = 1 * 8 + 6 * 1 + 1 * 6 + 5 * 1 + 1 * 5 + 1 * 1 + 2 * 6 + 1;
        assertThat(s.trainable()).hasSize(length);
        long monitorBytes =
                (long) new NegativeTransferMonitor(HeadMonitors.NEGATIVE_TRANSFER).stateSize() * Double.BYTES;
        // the domain-similarity test's window: 8 clip means of the embedding dimension
        long domainWindow = (long) HeadMonitors.DRIFT.detector().window() * (8 / RECIPE.windowFrames()) * Float.BYTES;
        // ADWIN on the error stream: 7 counters, a bucket count per row, sum and variance of up to 6 buckets per row
        long adwin = (7L + HeadMonitors.ADWIN_ROWS + 2L * HeadMonitors.ADWIN_ROWS * 6) * Double.BYTES;
        assertThat(adwin).isEqualTo(1_096);
        assertThat(s.residentBytes()).isEqualTo(3L * Float.BYTES * length + monitorBytes + domainWindow + adwin);
    }

    @Test
    void domainSimilarityIsHighForUsersLikeTheReferenceSetAndLowForOthers() {
        BinaryHeadTask task = new BinaryHeadTask("wake", source(), RECIPE.withLoraRank(1), rehearsal());
        HeadState like = task.newState("acme/like/wake");
        HeadState unlike = task.newState("acme/unlike/wake");
        assertThat(like.domainPValue()).as("no test before the window is full").isNaN();
        for (int i = 0; i < 8; i++) {
            // the reference set's own distribution (bias -2 on the first dimension), vs far from it (+2)
            task.apply(like, clip(300 + i, -2f), i % 2 == 0, 1f, Split.TRAIN);
            task.apply(unlike, clip(400 + i, 2f), i % 2 == 0, 1f, Split.TRAIN);
        }
        assertThat(like.domainPValue()).isGreaterThan(0.05);
        assertThat(unlike.domainPValue()).isLessThanOrEqualTo(0.01);
        assertThat(unlike.domainMmd2()).isGreaterThan(like.domainMmd2());
        HeadState withoutReference = new BinaryHeadTask("wake", source(), RECIPE.withLoraRank(1), RehearsalSet.empty())
                .newState("acme/x/wake");
        assertThat(withoutReference.domainPValue()).isNaN();
    }
}
