package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.state.ScoreStats;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.UserStateCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A class task's training on one thread, and the bound on what its heads take in a record. */
class ClassHeadTaskTest {

    private static final int DIM = 4;

    private static EmbeddingSequence clip(SplittableRandom r) {
        float[] v = new float[3 * DIM];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new EmbeddingSequence(3, DIM, v);
    }

    /** Trains a new head of {@code task} on 6 clips; returns its parameters. */
    private static float[] trained(ClassHeadTask task) {
        ClassHeadState s = task.newState("acme/bob/who");
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 6; i++) {
            task.apply(s, clip(r), new Label.ClassIndex(i % 2), 1f, Split.TRAIN);
        }
        return s.liveParameters();
    }

    @Test
    void aStepThatFailsMidBatchLeavesTheThreadsTrainerClean() {
        ClassRecipe recipe = ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, List.of("a", "b"), 2);
        ClassHeadTask task = new ClassHeadTask("who", recipe, DIM);
        // a head whose replay holds an example of the wrong width (a state only a forged record could
        // give): the newest sample is accumulated, then the replayed one throws
        ClassHeadState fresh = task.newState("acme/ann/who");
        ClassHeadState.Snapshot snap = fresh.snapshot();
        ClassHeadState bad = ClassHeadState.restore(new ClassHeadState.Snapshot(
                snap.headId(),
                snap.seed(),
                snap.parameters(),
                snap.optimizer(),
                List.of(new ClassHeadState.Example(new float[3], new float[] {1f, 0f}, null, 1f)),
                0,
                0,
                0,
                0,
                false,
                -1,
                -1,
                -1,
                new ScoreStats().sums(),
                new ScoreStats().sums(),
                new ScoreStats().sums(),
                new ScoreStats().sums(),
                new long[2],
                new long[2],
                new double[2],
                false,
                Double.NaN,
                Double.NaN,
                false,
                "",
                null));
        assertThatThrownBy(
                        () -> task.apply(bad, clip(new SplittableRandom(1)), new Label.ClassIndex(0), 1f, Split.TRAIN))
                .isInstanceOf(IllegalArgumentException.class);
        // the next head this thread trains is bit for bit what a task that never failed trains
        assertThat(trained(task)).isEqualTo(trained(new ClassHeadTask("who", recipe, DIM)));
    }

    @Test
    void maxStateBytesBoundsAFullHeadsRecord() {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < ClassRecipe.MAX_OUTPUTS; i++) {
            labels.add("語".repeat(ClassRecipe.MAX_LABEL_CHARS - 4) + String.format("%04d", i));
        }
        for (ClassRecipe recipe : List.of(
                new ClassRecipe(TaskKind.Type.MULTI_LABEL, labels, 1, 4, 1e-3f, 0f, 5f, 1, 2, 20),
                ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, List.of("a", "b", "c"), 1))) {
            ClassHeadTask task = new ClassHeadTask("t", recipe, DIM);
            ClassHeadState s = task.newState("acme/ann/t");
            SplittableRandom r = new SplittableRandom(5);
            for (int i = 0; i < recipe.replayBuffer() + 3; i++) {
                Label label = recipe.kind() == TaskKind.Type.MULTI_CLASS
                        ? new Label.ClassIndex(i % recipe.outputs())
                        : new Label.MultiHot(new float[recipe.outputs()], allTrue(recipe.outputs()));
                task.apply(s, clip(r), label, 1f, Split.TRAIN);
            }
            assertThat(s.replaySize()).isEqualTo(recipe.replayBuffer());
            UserState user = new UserState(UserKey.parse("acme/ann"), 0);
            user.classHeads().put("t", s);
            long encoded = UserStateCodec.encode(user, Map.of(), Map.of("t", task))
                    .getClassHeads(0)
                    .getSerializedSize();
            assertThat(encoded).isLessThanOrEqualTo(task.maxStateBytes());
        }
    }

    private static boolean[] allTrue(int n) {
        boolean[] m = new boolean[n];
        java.util.Arrays.fill(m, true);
        return m;
    }
}
