package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.TinyEngine.TASK;
import static dev.headstream.core.adapt.engine.TinyEngine.control;
import static dev.headstream.core.adapt.engine.TinyEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A restore never resets a user silently: a record that does not decode resets the user explicitly
 * (RESET, versions continuing), one that does not parse makes the user unreadable until an operator
 * resets or erases it.
 */
class RestorePolicyTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final UserKey ALICE = UserKey.parse("acme/alice");
    private static final String OTHER_SOURCE = "f".repeat(64);

    private static BatchResult commit(AdaptationEngine engine, List<RawSample> samples, List<RawSample> controls) {
        BatchResult r = engine.process(samples, controls, NOW);
        engine.commit(r);
        return r;
    }

    /** Alice's state record after three batches of one training sample (version 3, last offset 12), on partition 0. */
    private static AdapterState aliceAtVersionThree() {
        AdaptationEngine writer = TinyEngine.engine(AdaptationEngine.UNBOUNDED);
        commit(writer, List.of(sample(0, 10, "acme/alice", "a-1", 4f, true)), List.of());
        commit(writer, List.of(sample(0, 11, "acme/alice", "a-2", -4f, false)), List.of());
        BatchResult r = commit(writer, List.of(sample(0, 12, "acme/alice", "a-3", 5f, true)), List.of());
        assertThat(r.heads()).singleElement().extracting(HeadUpdate::getVersion).isEqualTo(3L);
        return writer.stateRecords(r).get(0);
    }

    private static HeadUpdate onlyHead(BatchResult r) {
        assertThat(r.heads()).hasSize(1);
        return r.heads().get(0);
    }

    @Test
    void aRecordThatDoesNotDecodeResetsTheUserWithVersionsContinuingInTheNextBatch() {
        AdaptationEngine engine = TinyEngine.engine(10, OTHER_SOURCE);

        assertThat(engine.restore(ALICE, 0, aliceAtVersionThree())).isEqualTo(AdaptationEngine.Restored.RESET);
        assertThat(engine.users()).isEqualTo(1);
        assertThat(engine.pendingResets()).isEqualTo(1);

        // a batch without any sample of alice publishes her reset and her state
        BatchResult r = engine.process(List.of(), NOW);
        HeadUpdate h = onlyHead(r);
        assertThat(h.getHeadId()).isEqualTo(ALICE.headId(TASK));
        assertThat(h.getVersion()).isEqualTo(4);
        assertThat(h.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        assertThat(h.getStatusReason())
                .startsWith("reset on restore: the stored head did not decode")
                .contains("was adapted from source head " + TinyEngine.SOURCE.sha256());
        assertThat(h.getProvenance().getSourceHeadSha256()).isEqualTo(OTHER_SOURCE);
        assertThat(r.metrics()).isEmpty();
        List<AdapterState> state = engine.stateRecords(r);
        assertThat(state).singleElement().satisfies(s -> {
            assertThat(s.getHeads(0).getVersion()).isEqualTo(4);
            assertThat(s.getHeads(0).getSourceHeadSha256()).isEqualTo(OTHER_SOURCE);
            assertThat(s.getSourcePartition()).isZero();
            assertThat(s.getLastAppliedOffset())
                    .as("the user's place in the stream stays")
                    .isEqualTo(12);
        });
        engine.commit(r);
        assertThat(engine.pendingResets()).isZero();

        HeadState head = engine.user(ALICE).heads().get(TASK);
        assertThat(head.trainable()).as("back at the source head").containsExactly(1f, 0f, 0f);
        assertThat(engine.process(List.of(), NOW).heads()).as("published once").isEmpty();
    }

    @Test
    void theResetUserKeepsSkippingWhatItsStoredStateApplied() {
        AdaptationEngine engine = TinyEngine.engine(10, OTHER_SOURCE);
        engine.restore(ALICE, 0, aliceAtVersionThree());

        BatchResult r = commit(
                engine,
                List.of(sample(0, 12, "acme/alice", "a-3", 5f, true), sample(0, 13, "acme/alice", "a-4", 5f, true)),
                List.of());

        assertThat(engine.skippedAlreadyApplied()).isEqualTo(1);
        assertThat(r.applied()).isEqualTo(1);
        HeadUpdate h = onlyHead(r);
        assertThat(h.getVersion())
                .as("the sample trains the reset head; one version")
                .isEqualTo(4);
        assertThat(h.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        assertThat(h.getProvenance().getSamplesApplied()).isEqualTo(1);
    }

    @Test
    void aResetWhoseBatchAbortsIsPublishedByTheNextOne() {
        AdaptationEngine engine = TinyEngine.engine(10, OTHER_SOURCE);
        engine.restore(ALICE, 0, aliceAtVersionThree());

        BatchResult aborted = engine.process(List.of(), NOW);
        BatchResult again = engine.process(List.of(), NOW);

        assertThat(onlyHead(again).toBuilder().clearCreatedTimeMs().build())
                .isEqualTo(onlyHead(aborted).toBuilder().clearCreatedTimeMs().build());
        assertThat(onlyHead(again).getVersion()).isEqualTo(4);
    }

    @Test
    void anUnknownFormatVersionResetsTooAndARevocationDropsThePendingReset() {
        AdaptationEngine engine = TinyEngine.engine(10);
        AdapterState future =
                aliceAtVersionThree().toBuilder().setFormatVersion(99).build();

        assertThat(engine.restore(ALICE, 0, future)).isEqualTo(AdaptationEngine.Restored.RESET);
        assertThat(onlyHead(engine.process(List.of(), NOW)).getStatusReason()).contains("format version 99");

        engine.forgetPartition(0);
        assertThat(engine.pendingResets()).isZero();
        assertThat(engine.process(List.of(), NOW).heads()).isEmpty();
    }

    @Test
    void aRecordThatDecodesIsInstalledAsStored() {
        AdaptationEngine engine = TinyEngine.engine(10);

        assertThat(engine.restore(ALICE, 0, aliceAtVersionThree())).isEqualTo(AdaptationEngine.Restored.INSTALLED);
        assertThat(engine.process(List.of(), NOW).heads()).isEmpty();
        BatchResult r = commit(engine, List.of(sample(0, 13, "acme/alice", "a-4", 5f, true)), List.of());
        assertThat(onlyHead(r).getVersion()).isEqualTo(4);
        assertThat(onlyHead(r).getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);
    }

    @Test
    void aRecordOfAnotherUserOrPartitionIsRefused() {
        AdaptationEngine engine = TinyEngine.engine(10);
        AdapterState alice = aliceAtVersionThree();

        assertThatThrownBy(() -> engine.restore(UserKey.parse("acme/mallory"), 0, alice))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names another user");
        assertThatThrownBy(() -> engine.restore(ALICE, 1, alice))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names samples partition 0");
        assertThat(engine.users()).isZero();
    }

    @Test
    void anUnreadableUsersSamplesAndCommandsAreRefusedUntilAResetStartsItAfresh() {
        AdaptationEngine engine = TinyEngine.engine(10);
        engine.markUnreadable(ALICE, 0, 41, "the record does not parse");

        BatchResult refused = commit(
                engine,
                List.of(sample(0, 50, "acme/alice", "a-9", 4f, true)),
                List.of(control(0, 7, "acme/alice", ControlAction.CONTROL_ACTION_FREEZE)));
        assertThat(refused.rejections()).hasSize(2).allSatisfy(j -> {
            assertThat(j.reason()).isEqualTo(RejectReason.STATE_UNREADABLE);
            assertThat(j.message())
                    .contains("acme/alice")
                    .contains("the record does not parse")
                    .contains("an operator must RESET or ERASE the user");
        });
        assertThat(refused.rejections().get(1).topic()).isEqualTo(Topics.CONTROL);
        assertThat(refused.staged()).isEmpty();
        assertThat(engine.user(ALICE)).isNull();

        BatchResult reset =
                commit(engine, List.of(), List.of(control(0, 8, "acme/alice", ControlAction.CONTROL_ACTION_RESET)));
        HeadUpdate h = onlyHead(reset);
        assertThat(h.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        assertThat(h.getVersion())
                .as("above offset 41 + 1, which no version of the user can have exceeded")
                .isEqualTo(43);
        assertThat(engine.stateRecords(reset))
                .singleElement()
                .satisfies(s -> assertThat(s.getSourcePartition()).isZero());
        assertThat(engine.unreadableUsers()).isZero();

        BatchResult trained = commit(engine, List.of(sample(0, 51, "acme/alice", "a-10", 4f, true)), List.of());
        assertThat(trained.rejections()).isEmpty();
        assertThat(onlyHead(trained).getVersion()).isEqualTo(44);
        assertThat(onlyHead(trained).getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);
    }

    @Test
    void anUnreadableUsersResetThatAbortsLeavesItUnreadable() {
        AdaptationEngine engine = TinyEngine.engine(10);
        engine.markUnreadable(ALICE, 0, 41, "the record does not parse");

        engine.process(List.of(), List.of(control(0, 8, "acme/alice", ControlAction.CONTROL_ACTION_RESET)), NOW);

        assertThat(engine.unreadableUsers()).isEqualTo(1);
        assertThat(engine.process(List.of(sample(0, 50, "acme/alice", "a-9", 4f, true)), NOW)
                        .rejections())
                .extracting(Rejection::reason)
                .containsExactly(RejectReason.STATE_UNREADABLE);
    }

    @Test
    void erasingAnUnreadableUserTombstonesItAndItMayStartAgain() {
        AdaptationEngine engine = TinyEngine.engine(10);
        engine.markUnreadable(ALICE, 0, 41, "the record does not parse");

        BatchResult erase =
                commit(engine, List.of(), List.of(control(0, 8, "acme/alice", ControlAction.CONTROL_ACTION_ERASE)));
        assertThat(erase.rejections()).isEmpty();
        assertThat(erase.erasures()).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo(ALICE);
            assertThat(e.partition()).isZero();
        });
        assertThat(engine.unreadableUsers()).isZero();

        BatchResult fresh = commit(engine, List.of(sample(0, 50, "acme/alice", "a-9", 4f, true)), List.of());
        assertThat(fresh.rejections()).isEmpty();
        assertThat(onlyHead(fresh).getVersion()).isEqualTo(1);
    }

    @Test
    void aTombstoneARestoreOrARevocationClearsTheUnreadableMark() {
        AdaptationEngine engine = TinyEngine.engine(10);
        engine.markUnreadable(ALICE, 0, 41, "the record does not parse");
        engine.forget(ALICE);
        assertThat(engine.unreadableUsers()).isZero();

        engine.markUnreadable(ALICE, 0, 41, "the record does not parse");
        engine.restore(ALICE, 0, aliceAtVersionThree());
        assertThat(engine.unreadableUsers()).isZero();
        assertThat(engine.users()).isEqualTo(1);

        engine.markUnreadable(ALICE, 0, 41, "the record does not parse");
        assertThat(engine.users()).as("marking drops the state").isZero();
        engine.forgetPartition(1);
        assertThat(engine.unreadableUsers()).isEqualTo(1);
        engine.forgetPartition(0);
        assertThat(engine.unreadableUsers()).isZero();
    }
}
