package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.UserStateCodec;
import dev.headstream.schemas.v1.AdapterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link BinaryHeadTask#withNearMisses}: near misses learned as negatives, two before each training positive. */
class NearMissLearningTest {

    private static final int DIM = BinaryHeadTaskLoraTest.DIM;
    private static final int FRAMES = BinaryHeadTaskLoraTest.FRAMES;
    private static final HeadRecipe RECIPE =
            new HeadRecipe(3, HeadRecipe.OptimizerKind.ADAM, 1e-2f, 1e-3f, 10f, 5, 64, 2, 2, FRAMES, 0.5f, true, 0);

    private static SourceHead source() {
        return BinaryHeadTaskLoraTest.source();
    }

    private static EmbeddingSequence clip(long seed, float bias) {
        return BinaryHeadTaskLoraTest.clip(seed, bias);
    }

    private static RehearsalSet rehearsal() {
        return BinaryHeadTaskLoraTest.rehearsal();
    }

    /** Five near misses, close to the positives (bias 1.5 against the positives' 2). */
    private static NearMissSet fiveNearMisses() {
        List<EmbeddingSequence> clips = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clips.add(clip(700 + i, 1.5f));
        }
        return NearMissSet.of("okay nova", List.of("oUg'eI n'oUv@"), clips);
    }

    private static BinaryHeadTask task(NearMissSet nearMisses) {
        return new BinaryHeadTask("own", source(), RECIPE, rehearsal()).withNearMisses(nearMisses);
    }

    private static long negativesRemembered(HeadState s) {
        return s.replay().stream().filter(e -> !e.positive()).count();
    }

    @Test
    void twoNearMissesAreLearnedBeforeEachTrainingPositiveUntilNoneIsLeft() {
        BinaryHeadTask task = task(fiveNearMisses());
        HeadState s = task.newState("acme/alice/own");
        int[] expectedNegatives = {2, 4, 5, 5};
        for (int k = 0; k < 4; k++) {
            task.apply(s, clip(300 + k, 2f), true, 1f, Split.TRAIN);
            assertThat(negativesRemembered(s)).as("after positive %d", k + 1).isEqualTo(expectedNegatives[k]);
            assertThat(s.nearMissesLearned()).isEqualTo(expectedNegatives[k]);
        }
        // near misses are not the user's samples: the counts are the user's own
        assertThat(s.samplesApplied()).isEqualTo(4);
        assertThat(s.sourcePrequential().count()).isEqualTo(4);
        assertThat(s.sourcePrequential().negatives()).isZero();
    }

    @Test
    void negativesHoldoutSamplesAndFrozenHeadsLearnNoNearMiss() {
        BinaryHeadTask task = task(fiveNearMisses());
        HeadState s = task.newState("acme/alice/own");
        task.apply(s, clip(400, -2f), false, 1f, Split.TRAIN);
        task.apply(s, clip(401, 2f), true, 1f, Split.HOLDOUT);
        assertThat(negativesRemembered(s)).as("the user's negative only").isEqualTo(1);
        task.apply(s, clip(403, 2f), true, 0f, Split.TRAIN);
        assertThat(negativesRemembered(s)).as("a positive of weight 0").isEqualTo(1);
        task.operatorFreeze(s, true);
        task.apply(s, clip(402, 2f), true, 1f, Split.TRAIN);
        assertThat(negativesRemembered(s)).isEqualTo(1);
        // unfrozen, the next positive learns the first near misses: none was skipped while frozen
        task.operatorFreeze(s, false);
        task.apply(s, clip(404, 2f), true, 1f, Split.TRAIN);
        assertThat(s.nearMissesLearned()).isEqualTo(2);
        assertThat(negativesRemembered(s)).isEqualTo(3);
    }

    @Test
    void aResetHeadLearnsTheNearMissesAgainFromTheFirst() {
        BinaryHeadTask task = task(fiveNearMisses());
        HeadState s = task.newState("acme/alice/own");
        for (int k = 0; k < 3; k++) {
            task.apply(s, clip(300 + k, 2f), true, 1f, Split.TRAIN);
        }
        assertThat(s.nearMissesLearned()).isEqualTo(5);
        task.operatorReset(s, "test");
        assertThat(s.nearMissesLearned()).isZero();
        assertThat(negativesRemembered(s)).isZero();
        task.apply(s, clip(310, 2f), true, 1f, Split.TRAIN);
        assertThat(s.nearMissesLearned()).isEqualTo(2);
        assertThat(negativesRemembered(s)).isEqualTo(2);
        task.operatorRollback(s, "test");
        assertThat(s.nearMissesLearned())
                .as("a rollback empties the replay buffer too")
                .isZero();
    }

    @Test
    void theChangelogKeepsTheCountForTheSameNearMissesOnly() {
        BinaryHeadTask task = task(fiveNearMisses());
        HeadState s = task.newState("acme/alice/own");
        task.apply(s, clip(300, 2f), true, 1f, Split.TRAIN);
        UserState user = new UserState(new UserKey("acme", "alice"), 16);
        user.heads().put("own", s);
        AdapterState record = UserStateCodec.encode(user, Map.of("own", task));
        assertThat(UserStateCodec.decode(record, Map.of("own", task), 16)
                        .heads()
                        .get("own")
                        .nearMissesLearned())
                .isEqualTo(2);
        List<EmbeddingSequence> other = new ArrayList<>(fiveNearMisses().clips());
        other.set(0, clip(777, 1.5f));
        BinaryHeadTask otherTask = new BinaryHeadTask("own", source(), RECIPE, rehearsal())
                .withNearMisses(NearMissSet.of("okay nova", List.of(), other));
        assertThat(UserStateCodec.decode(record, Map.of("own", otherTask), 16)
                        .heads()
                        .get("own")
                        .nearMissesLearned())
                .as("counted against other near misses: learned again from the first")
                .isZero();
        AdapterState older = record.toBuilder()
                .setHeads(
                        0,
                        record.getHeads(0).toBuilder().clearNearMissesLearned().clearNearMissesSha256())
                .build();
        assertThat(UserStateCodec.decode(older, Map.of("own", task), 16)
                        .heads()
                        .get("own")
                        .nearMissesLearned())
                .as("a record from before near misses")
                .isZero();
    }

    @Test
    void nearMissesLowerTheHeadsScoreOfANearMissAndReplayBitForBit() {
        EmbeddingSequence unseen = clip(799, 1.5f);
        float[][] heads = new float[2][];
        float[] scores = new float[3];
        for (int run = 0; run < 2; run++) {
            BinaryHeadTask task = task(fiveNearMisses());
            HeadState s = task.newState("acme/alice/own");
            for (int k = 0; k < 6; k++) {
                task.apply(s, clip(300 + k, 2f), true, 1f, Split.TRAIN);
            }
            heads[run] = s.trainable();
            scores[run] = task.score(s, unseen).adapted();
        }
        assertThat(heads[0]).as("the same stream gives the same head").isEqualTo(heads[1]);

        BinaryHeadTask plain = new BinaryHeadTask("own", source(), RECIPE, rehearsal());
        HeadState p = plain.newState("acme/alice/own");
        for (int k = 0; k < 6; k++) {
            plain.apply(p, clip(300 + k, 2f), true, 1f, Split.TRAIN);
        }
        scores[2] = plain.score(p, unseen).adapted();
        assertThat(scores[0]).as("an unseen near miss scores lower").isLessThan(scores[2]);
    }

    @Test
    void aCopyForAnotherThreadKeepsTheNearMissesAndAClipThatDoesNotFitIsRefused() {
        BinaryHeadTask task = task(fiveNearMisses());
        assertThat(task.copyForThread().nearMisses()).isSameAs(task.nearMisses());
        assertThat(task.toString()).contains("5 near misses of 'okay nova'");
        NearMissSet wrong =
                NearMissSet.of("x", List.of(), List.of(new EmbeddingSequence(4, DIM + 1, new float[4 * (DIM + 1)])));
        assertThatThrownBy(() -> new BinaryHeadTask("own", source(), RECIPE, rehearsal()).withNearMisses(wrong))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFreshStartIsNoBaselineForTheLossGapTest() {
        SourceHead fresh =
                SourceHead.initialized("fresh:3:small", BinaryHeadTaskLoraTest.ARCH, SourceHead.Init.RANDOM, 3);
        BinaryHeadTask freshTask = new BinaryHeadTask("own", fresh, RECIPE, rehearsal());
        BinaryHeadTask pretrained = new BinaryHeadTask("own", source(), RECIPE, rehearsal());
        HeadState f = freshTask.newState("acme/alice/own");
        HeadState p = pretrained.newState("acme/alice/own");
        for (int k = 0; k < 6; k++) {
            // positives and negatives the start heads score differently from the adapted heads
            freshTask.apply(f, clip(500 + k, k % 2 == 0 ? 2f : -2f), k % 2 == 0, 1f, Split.TRAIN);
            pretrained.apply(p, clip(500 + k, k % 2 == 0 ? 2f : -2f), k % 2 == 0, 1f, Split.TRAIN);
        }
        assertThat(f.negativeTransferWindowGap())
                .as("the fresh head's gap to its start")
                .isZero();
        assertThat(f.negativeTransferStatistic()).isZero();
        assertThat(p.negativeTransferWindowGap())
                .as("a pre-trained source is a baseline")
                .isNotZero();
    }

    @Test
    void theDigestNamesTheClipsBits() {
        NearMissSet a = fiveNearMisses();
        assertThat(a.sha256()).isEqualTo(fiveNearMisses().sha256()).hasSize(64);
        List<EmbeddingSequence> changed = new ArrayList<>(a.clips());
        float[] v = changed.get(4).values().clone();
        v[0] = Math.nextUp(v[0]);
        changed.set(4, new EmbeddingSequence(changed.get(4).frames(), DIM, v));
        assertThat(NearMissSet.of("okay nova", a.strings(), changed).sha256()).isNotEqualTo(a.sha256());
    }
}
