package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.UserStateCodec;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadTrainingState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The PROBATION action with a head whose logits are set by hand (one Dense {@code [1, 0] . x}
 * over one-frame windows, a learning rate too small to move a weight): positives at logit +6 are
 * learnt, positives at logit -6 make the adapted head's own loss rise until the loss-rise test
 * alarms.
 */
class ProbationTest {

    private final SourceHead identity = new SourceHead(
            "identity", "0".repeat(64), HeadArchitecture.builder(2).dense(1).build(), new float[] {1f, 0f, 0f});
    private final HeadRecipe frozen =
            new HeadRecipe(1, HeadRecipe.OptimizerKind.ADAM, 1e-30f, 0f, 10f, 1, 32, 1, 1, 1, 0.5f, true, 0);

    private final BinaryHeadTask task = new BinaryHeadTask(
            "wake", identity, frozen, new RehearsalSet(List.of(), List.of(clip(-8f))), AlarmAction.PROBATION, 0);

    private static EmbeddingSequence clip(float z) {
        return new EmbeddingSequence(1, 2, new float[] {z, 0f});
    }

    /** Trains good positives, then bad ones until the first rollback; returns the samples it took. */
    private int untilAlarm(HeadState s) {
        for (int i = 0; i < 12; i++) {
            task.apply(s, clip(6f), true, 1f, Split.TRAIN);
        }
        int before = s.rollbacks();
        for (int i = 1; i <= 50; i++) {
            task.apply(s, clip(-6f), true, 1f, Split.TRAIN);
            if (s.rollbacks() > before) {
                return i;
            }
        }
        throw new AssertionError("no alarm in 50 bad samples");
    }

    @Test
    void anAlarmHoldsTheHeadAtTheSourceUntilSixteenCleanSamplesPassThenReleasesIt() {
        HeadState s = task.newState("acme/alice/wake");
        untilAlarm(s);
        assertThat(s.rollbacks()).isEqualTo(1);
        assertThat(s.frozen()).isFalse();
        assertThat(s.probationLeft()).isEqualTo(AlarmPolicy.PROBATION_SAMPLES);
        assertThat(task.publishIfDue(s, 1)).isTrue();
        task.sent(s);
        for (int i = 0; i < AlarmPolicy.PROBATION_SAMPLES - 1; i++) {
            task.apply(s, clip(6f), true, 1f, Split.TRAIN);
            task.publishIfDue(s, 1);
            task.sent(s);
            assertThat(s.heldAtSource())
                    .as("on probation after %d clean samples", i + 1)
                    .isTrue();
            assertThat(s.heldReason()).startsWith("on probation after a negative-transfer alarm");
            assertThat(task.publishedThreshold(s)).isEqualTo(BinaryHeadTask.SOURCE_THRESHOLD);
        }
        task.apply(s, clip(6f), true, 1f, Split.TRAIN);
        task.publishIfDue(s, 1);
        assertThat(s.probationLeft()).isZero();
        assertThat(s.heldAtSource())
                .as("released after %d clean samples", AlarmPolicy.PROBATION_SAMPLES)
                .isFalse();
        assertThat(s.heldReason()).isEmpty();
    }

    @Test
    void anAlarmOnProbationDoublesItAndAResetEndsIt() {
        HeadState s = task.newState("acme/bob/wake");
        untilAlarm(s);
        assertThat(s.probationLeft()).isEqualTo(16);
        untilAlarm(s);
        assertThat(s.rollbacks()).isEqualTo(2);
        assertThat(s.probationLeft()).as("a second alarm while on probation").isEqualTo(32);
        task.operatorReset(s, "operator reset");
        assertThat(s.probationLeft()).isZero();
        task.publishIfDue(s, 1);
        assertThat(s.heldAtSource()).isFalse();
    }

    @Test
    void aHeadThatDisagreesWithTheClipsFromBeforeTheAlarmStaysHeldAndTheProbationDoubles() {
        HeadState s = task.newState("acme/dave/wake");
        untilAlarm(s);
        // the trusted evidence: the clean positives at +6 from before the alarm (all but the newest 8 clips)
        assertThat(s.trustedClips()).isPositive();
        assertThat(s.replay()).hasSize(s.trustedClips());
        // the head learned the opposite of that evidence while on probation (as a poisoned stream teaches
        // it), and this is its last probation sample
        s = restoredWith(s, h -> h.setTrainableF32Le(floats(-1f, 0f, 0f)).setProbationLeft(1));
        task.apply(s, clip(6f), true, 1f, Split.TRAIN);
        assertThat(s.probationLeft()).as("extended").isEqualTo(2 * AlarmPolicy.PROBATION_SAMPLES);
        assertThat(s.trainable()).as("rolled back to the source").containsExactly(1f, 0f, 0f);
        assertThat(s.rollbacks()).isEqualTo(2);
        assertThat(s.pendingRollback())
                .startsWith("probation extended to 32 training samples: the head disagrees with");
        task.publishIfDue(s, 1);
        assertThat(s.heldAtSource()).isTrue();
    }

    @Test
    void aHeadThatAgreesWithTheEvidenceIsReleasedAndTheEvidenceBecomesOrdinaryReplay() {
        HeadState s = task.newState("acme/erin/wake");
        untilAlarm(s);
        int trusted = s.trustedClips();
        s = restoredWith(s, h -> h.setProbationLeft(1));
        task.apply(s, clip(6f), true, 1f, Split.TRAIN);
        assertThat(s.probationLeft()).isZero();
        assertThat(s.trustedClips()).isZero();
        assertThat(s.replay()).hasSize(trusted + 1);
        task.publishIfDue(s, 1);
        assertThat(s.heldAtSource()).isFalse();
    }

    @Test
    void anAlarmSoonAfterAProbationDoublesTheNextOne() {
        HeadState s = task.newState("acme/frank/wake");
        untilAlarm(s);
        for (int i = 0; i < AlarmPolicy.PROBATION_SAMPLES; i++) {
            task.apply(s, clip(6f), true, 1f, Split.TRAIN);
        }
        assertThat(s.probationLeft()).isZero();
        untilAlarm(s);
        assertThat(s.probationLeft())
                .as("an alarm within 16 samples of the release")
                .isEqualTo(32);
    }

    @Test
    void theCodecKeepsTheProbation() {
        HeadState s = task.newState("acme/carol/wake");
        untilAlarm(s);
        UserState user = new UserState(new UserKey("acme", "carol"), 16);
        user.heads().put("wake", s);
        HeadState back = UserStateCodec.decode(
                        UserStateCodec.encode(user, Map.of("wake", task)), Map.of("wake", task), 16)
                .heads()
                .get("wake");
        assertThat(back.probationLeft()).isEqualTo(s.probationLeft());
        assertThat(back.probationLength()).isEqualTo(s.probationLength());
        assertThat(back.trustedClips()).isEqualTo(s.trustedClips()).isPositive();
        assertThat(back.sinceProbation()).isEqualTo(s.sinceProbation());
    }

    /** {@code s} as the changelog codec restores it from its record with {@code edit} applied. */
    private HeadState restoredWith(HeadState s, Consumer<HeadTrainingState.Builder> edit) {
        String[] id = s.headId().split("/");
        UserState user = new UserState(new UserKey(id[0], id[1]), 16);
        user.heads().put("wake", s);
        AdapterState.Builder record = UserStateCodec.encode(user, Map.of("wake", task)).toBuilder();
        edit.accept(record.getHeadsBuilder(0));
        return UserStateCodec.decode(record.build(), Map.of("wake", task), 16)
                .heads()
                .get("wake");
    }

    /** {@code v} as float32 little-endian bytes. */
    private static ByteString floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return ByteString.copyFrom(b.array());
    }
}
