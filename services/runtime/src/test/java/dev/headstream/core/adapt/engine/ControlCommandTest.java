package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.WakeWordFixture.TASK;
import static dev.headstream.core.adapt.WakeWordFixture.other;
import static dev.headstream.core.adapt.WakeWordFixture.train;
import static dev.headstream.core.adapt.WakeWordFixture.wake;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.headstream.core.adapt.WakeWordFixture;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.ControlDecoder;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Operator commands from {@code headstream.control}, applied by the engine after a batch's samples. */
class ControlCommandTest {

    private static final String VOICE = "en-gb-scotland+m3";
    private static final UserKey ALICE = new UserKey("acme", "alice");
    private static final UserKey BOB = new UserKey("acme", "bob");
    private static final long NOW = 1_700_000_000_000L;

    private static WakeWordFixture fx;

    @BeforeAll
    static void load() {
        fx = new WakeWordFixture();
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    private static List<RawSample> samples(int from) {
        return List.of(
                train(from, "acme", "alice", "a-" + from, wake(VOICE, from), true),
                train(from + 1, "acme", "bob", "b-" + from, wake("en-us+f4", from), true),
                train(from + 2, "acme", "alice", "a-" + (from + 2), other(VOICE, from), false));
    }

    private static RawSample control(long offset, String key, Control c) {
        return new RawSample(0, offset, key == null ? null : key.getBytes(StandardCharsets.UTF_8), c.toByteArray());
    }

    private static RawSample control(long offset, UserKey user, ControlAction action, String task) {
        return control(
                offset,
                user.toString(),
                Control.newBuilder()
                        .setTenant(user.tenant())
                        .setUser(user.user())
                        .setTask(task)
                        .setAction(action)
                        .setReason("ticket 42")
                        .build());
    }

    private static BatchResult run(AdaptationEngine engine, List<RawSample> samples, List<RawSample> controls) {
        BatchResult r = engine.process(samples, controls, NOW);
        engine.commit(r);
        return r;
    }

    private static HeadState head(AdaptationEngine engine, UserKey key) {
        return engine.user(key).heads().get(TASK);
    }

    private static HeadUpdate headOf(BatchResult r, UserKey key) {
        return r.heads().stream()
                .filter(h -> h.getHeadId().equals(key.headId(TASK)))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void resetPublishesTheSourceHeadAsANewerVersionWithStatusReset() {
        AdaptationEngine engine = fx.engine();
        BatchResult trained = run(engine, samples(10), List.of());
        long version = headOf(trained, ALICE).getVersion();
        float[] bobBefore = head(engine, BOB).trainable();

        BatchResult r = run(engine, List.of(), List.of(control(0, ALICE, ControlAction.CONTROL_ACTION_RESET, "")));

        HeadUpdate reset = headOf(r, ALICE);
        assertThat(reset.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        assertThat(reset.getStatusReason()).isEqualTo("operator reset: ticket 42");
        assertThat(reset.getVersion()).isEqualTo(version + 1);
        assertThat(reset.getThreshold()).isEqualTo(BinaryHeadTask.SOURCE_THRESHOLD);
        HeadState alice = head(engine, ALICE);
        assertThat(alice.trainable())
                .containsExactly(fx.task().newState(ALICE.headId(TASK)).trainable());
        assertThat(alice.replay()).isEmpty();
        assertThat(r.heads()).as("bob is untouched").hasSize(1);
        assertThat(head(engine, BOB).trainable()).containsExactly(bobBefore);
        assertThat(r.rejections()).isEmpty();

        BatchResult next = run(engine, samples(20), List.of());
        assertThat(headOf(next, ALICE).getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);
        assertThat(headOf(next, ALICE).getVersion()).isEqualTo(version + 2);
    }

    @Test
    void rollbackToVersionZeroPublishesTheSourceHeadAsRolledBack() {
        AdaptationEngine engine = fx.engine();
        run(engine, samples(10), List.of());
        BatchResult r = run(engine, List.of(), List.of(control(0, ALICE, ControlAction.CONTROL_ACTION_ROLLBACK, TASK)));
        assertThat(headOf(r, ALICE).getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ROLLED_BACK);
        assertThat(headOf(r, ALICE).getStatusReason()).isEqualTo("operator rollback to the source head: ticket 42");
        assertThat(head(engine, ALICE).trainable())
                .containsExactly(fx.task().newState(ALICE.headId(TASK)).trainable());
        assertThat(head(engine, ALICE).rollbacks()).isEqualTo(1);
    }

    @Test
    void freezeStopsTrainingUntilUnfreezeAndIsKeptInTheChangelog() {
        AdaptationEngine engine = fx.engine();
        run(engine, samples(10), List.of());
        BatchResult frozen =
                run(engine, List.of(), List.of(control(0, ALICE, ControlAction.CONTROL_ACTION_FREEZE, "")));
        assertThat(frozen.heads()).as("a freeze changes no weights").isEmpty();
        assertThat(frozen.metrics()).as("control commands publish no metrics").isEmpty();
        AdapterState state = engine.stateRecords(frozen).get(0);
        assertThat(state.getHeads(0).getFrozen()).isTrue();

        float[] aliceBefore = head(engine, ALICE).trainable();
        float[] bobBefore = head(engine, BOB).trainable();
        run(engine, samples(20), List.of());
        assertThat(head(engine, ALICE).trainable()).as("frozen").containsExactly(aliceBefore);
        assertThat(head(engine, BOB).trainable()).as("bob trains").isNotEqualTo(bobBefore);
        assertThat(head(engine, ALICE).samplesApplied())
                .as("still scored and counted")
                .isEqualTo(4);

        run(engine, List.of(), List.of(control(1, ALICE, ControlAction.CONTROL_ACTION_UNFREEZE, TASK)));
        run(engine, samples(30), List.of());
        assertThat(head(engine, ALICE).trainable()).as("trains again").isNotEqualTo(aliceBefore);
    }

    @Test
    void eraseDropsTheUserAfterTheBatchsOwnSamplesAndNamesTheTombstones() {
        AdaptationEngine engine = fx.engine();
        run(engine, samples(10), List.of());
        // alice's new samples and her erasure in one batch: the erasure wins, nothing of hers is published
        BatchResult r = run(engine, samples(20), List.of(control(7, ALICE, ControlAction.CONTROL_ACTION_ERASE, "")));

        assertThat(r.erasures())
                .extracting(BatchResult.Erasure::key, BatchResult.Erasure::partition, BatchResult.Erasure::headIds)
                .containsExactly(tuple(ALICE, 0, List.of(ALICE.headId(TASK))));
        assertThat(r.heads()).extracting(HeadUpdate::getHeadId).containsExactly(BOB.headId(TASK));
        assertThat(r.metrics()).extracting(m -> m.getHeadId()).containsExactly(BOB.headId(TASK));
        assertThat(engine.stateRecords(r)).extracting(AdapterState::getUser).containsExactly("bob");
        assertThat(engine.user(ALICE)).isNull();
        assertThat(engine.user(BOB)).isNotNull();

        // an erased user who comes back starts from the source head at version 1
        BatchResult back = run(engine, samples(30), List.of());
        assertThat(headOf(back, ALICE).getVersion()).isEqualTo(1);
        assertThat(head(engine, ALICE).samplesApplied()).isEqualTo(2);
    }

    @Test
    void badCommandsAreRejectedWithTheirReasonAndChangeNothing() {
        AdaptationEngine engine = fx.engine();
        run(engine, samples(10), List.of());
        float[] aliceBefore = head(engine, ALICE).trainable();
        Control ok = Control.newBuilder()
                .setTenant("acme")
                .setUser("alice")
                .setAction(ControlAction.CONTROL_ACTION_RESET)
                .build();
        List<RawSample> bad = List.of(
                control(0, "no-slash", ok),
                new RawSample(0, 1, "acme/alice".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, 0x01}),
                control(2, "acme/alice", ok.toBuilder().setUser("bob").build()),
                control(3, ALICE, ControlAction.CONTROL_ACTION_RESET, "no-such-task"),
                control(
                        4,
                        "acme/alice",
                        ok.toBuilder()
                                .setAction(ControlAction.CONTROL_ACTION_ROLLBACK)
                                .setToVersion(3)
                                .build()),
                control(
                        5,
                        "acme/alice",
                        ok.toBuilder()
                                .setAction(ControlAction.CONTROL_ACTION_UNSPECIFIED)
                                .build()),
                control(6, new UserKey("acme", "nobody"), ControlAction.CONTROL_ACTION_FREEZE, ""),
                new RawSample(
                        0,
                        7,
                        "acme/alice".getBytes(StandardCharsets.UTF_8),
                        new byte[ControlDecoder.MAX_CONTROL_BYTES + 1]));

        BatchResult r = run(engine, List.of(), bad);

        assertThat(r.rejections())
                .extracting(rej -> rej.source().offset(), Rejection::reason, Rejection::topic)
                .containsExactly(
                        tuple(0L, RejectReason.BAD_KEY, Topics.CONTROL),
                        tuple(1L, RejectReason.MALFORMED, Topics.CONTROL),
                        tuple(2L, RejectReason.TENANT_MISMATCH, Topics.CONTROL),
                        tuple(3L, RejectReason.UNKNOWN_TASK, Topics.CONTROL),
                        tuple(4L, RejectReason.MALFORMED, Topics.CONTROL),
                        tuple(5L, RejectReason.MALFORMED, Topics.CONTROL),
                        tuple(6L, RejectReason.UNKNOWN_TASK, Topics.CONTROL),
                        tuple(7L, RejectReason.TOO_LARGE, Topics.CONTROL));
        assertThat(r.rejections().get(4).message()).contains("only to_version 0");
        assertThat(r.rejections().get(6).message())
                .isEqualTo("acme/nobody has no head on this instance: nothing to freeze");
        assertThat(r.heads()).isEmpty();
        assertThat(r.erasures()).isEmpty();
        assertThat(head(engine, ALICE).trainable()).containsExactly(aliceBefore);
        assertThat(head(engine, ALICE).frozen()).isFalse();
    }
}
