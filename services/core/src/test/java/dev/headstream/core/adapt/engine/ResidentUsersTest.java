package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.TinyEngine.TASK;
import static dev.headstream.core.adapt.engine.TinyEngine.control;
import static dev.headstream.core.adapt.engine.TinyEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bound on resident users: new users beyond it are refused CAPACITY, in a batch and after a restore. */
class ResidentUsersTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final UserKey ALICE = UserKey.parse("acme/alice");
    private static final UserKey BOB = UserKey.parse("acme/bob");
    private static final UserKey CAROL = UserKey.parse("acme/carol");

    private static BatchResult commit(AdaptationEngine engine, List<RawSample> samples, List<RawSample> controls) {
        BatchResult r = engine.process(samples, controls, NOW);
        engine.commit(r);
        return r;
    }

    private static List<String> headIds(BatchResult r) {
        return r.heads().stream().map(HeadUpdate::getHeadId).toList();
    }

    @Test
    void aNewUserBeyondTheBoundIsRejectedCapacityAndChangesNothing() {
        AdaptationEngine engine = TinyEngine.engine(2);
        BatchResult r = commit(
                engine,
                List.of(
                        sample(0, 1, "acme/alice", "a-1", 4f, true),
                        sample(0, 2, "acme/bob", "b-1", 4f, true),
                        sample(0, 3, "acme/carol", "c-1", 4f, true),
                        sample(0, 4, "acme/alice", "a-2", -4f, false)),
                List.of());

        assertThat(r.applied()).isEqualTo(3);
        assertThat(r.rejections()).singleElement().satisfies(j -> {
            assertThat(j.reason()).isEqualTo(RejectReason.CAPACITY);
            assertThat(j.source().offset()).isEqualTo(3);
            assertThat(j.message())
                    .contains("maximum of 2 resident users")
                    .contains("acme/carol")
                    .contains("send it again later");
        });
        assertThat(r.staged()).containsOnlyKeys(ALICE, BOB);
        assertThat(headIds(r)).containsExactly(ALICE.headId(TASK), BOB.headId(TASK));
        assertThat(engine.stateRecords(r)).extracting(AdapterState::getUser).containsExactly("alice", "bob");
        assertThat(engine.users()).isEqualTo(2);
        assertThat(engine.user(CAROL)).isNull();
        assertThat(engine.capacityRejected()).isEqualTo(1);
    }

    @Test
    void residentUsersKeepTrainingAtTheBoundWhileNewOnesAreRefused() {
        AdaptationEngine engine = TinyEngine.engine(2);
        commit(
                engine,
                List.of(sample(0, 1, "acme/alice", "a-1", 4f, true), sample(0, 2, "acme/bob", "b-1", 4f, true)),
                List.of());

        BatchResult r = commit(
                engine,
                List.of(
                        sample(0, 3, "acme/dave", "d-1", 4f, true),
                        sample(0, 4, "acme/alice", "a-2", -4f, false),
                        sample(0, 5, "acme/bob", "b-2", -4f, false)),
                List.of());

        assertThat(r.applied()).isEqualTo(2);
        assertThat(r.rejections()).extracting(Rejection::reason).containsExactly(RejectReason.CAPACITY);
        assertThat(r.heads()).extracting(HeadUpdate::getVersion).containsExactly(2L, 2L);
        assertThat(engine.user(ALICE).heads().get(TASK).samplesApplied()).isEqualTo(2);
        assertThat(engine.capacityRejected()).isEqualTo(1);
    }

    @Test
    void aRejectionOfAnAbortedBatchIsNotCounted() {
        AdaptationEngine engine = TinyEngine.engine(1);
        commit(engine, List.of(sample(0, 1, "acme/alice", "a-1", 4f, true)), List.of());

        BatchResult aborted = engine.process(List.of(sample(0, 2, "acme/bob", "b-1", 4f, true)), NOW);

        assertThat(aborted.rejections()).extracting(Rejection::reason).containsExactly(RejectReason.CAPACITY);
        assertThat(engine.capacityRejected()).isZero();
    }

    @Test
    void anErasureFreesASlotForANewUser() {
        AdaptationEngine engine = TinyEngine.engine(2);
        commit(
                engine,
                List.of(sample(0, 1, "acme/alice", "a-1", 4f, true), sample(0, 2, "acme/bob", "b-1", 4f, true)),
                List.of());

        BatchResult erase = commit(
                engine,
                List.of(sample(0, 3, "acme/carol", "c-1", 4f, true)),
                List.of(control(0, 1, "acme/alice", ControlAction.CONTROL_ACTION_ERASE)));
        assertThat(erase.rejections()).extracting(Rejection::reason).containsExactly(RejectReason.CAPACITY);
        assertThat(engine.users()).isEqualTo(1);

        BatchResult r = commit(engine, List.of(sample(0, 4, "acme/carol", "c-1", 4f, true)), List.of());
        assertThat(r.rejections()).isEmpty();
        assertThat(r.applied()).isEqualTo(1);
        assertThat(engine.user(CAROL)).isNotNull();
    }

    /** The state records of alice, bob and carol after one training sample each, on partition 0. */
    private static List<AdapterState> threeUsersState() {
        AdaptationEngine writer = TinyEngine.engine(AdaptationEngine.UNBOUNDED);
        BatchResult r = commit(
                writer,
                List.of(
                        sample(0, 1, "acme/alice", "a-1", 4f, true),
                        sample(0, 2, "acme/bob", "b-1", 4f, true),
                        sample(0, 3, "acme/carol", "c-1", 4f, true)),
                List.of());
        return writer.stateRecords(r);
    }

    private static AdaptationEngine restoredAtTwo(List<AdapterState> states) {
        AdaptationEngine engine = TinyEngine.engine(2);
        assertThat(states)
                .extracting(s -> engine.restore(UserKey.parse(s.getTenant() + "/" + s.getUser()), 0, s))
                .containsExactly(
                        AdaptationEngine.Restored.INSTALLED,
                        AdaptationEngine.Restored.INSTALLED,
                        AdaptationEngine.Restored.NOT_RESIDENT);
        return engine;
    }

    @Test
    void aRestoreBeyondTheBoundInstallsNothingAndTheUsersSamplesGetCapacityNotAFreshStart() {
        AdaptationEngine engine = restoredAtTwo(threeUsersState());
        assertThat(engine.users()).isEqualTo(2);
        assertThat(engine.notResidentUsers()).isEqualTo(1);
        assertThat(engine.user(CAROL)).isNull();

        BatchResult r = commit(
                engine,
                List.of(sample(0, 4, "acme/carol", "c-2", 4f, true), sample(0, 5, "acme/alice", "a-2", 4f, true)),
                List.of(control(0, 1, "acme/carol", ControlAction.CONTROL_ACTION_FREEZE)));

        assertThat(r.rejections()).hasSize(2).allSatisfy(j -> {
            assertThat(j.reason()).isEqualTo(RejectReason.CAPACITY);
            assertThat(j.message()).contains("did not load").contains("acme/carol");
        });
        assertThat(r.rejections().get(1).topic()).isEqualTo(Topics.CONTROL);
        assertThat(headIds(r)).containsExactly(ALICE.headId(TASK));
        assertThat(r.heads().get(0).getVersion()).as("alice's versions go on").isEqualTo(2);
    }

    @Test
    void aNotResidentUserStaysRefusedWhenASlotFreesUntilItIsRestoredAgain() {
        AdaptationEngine engine = restoredAtTwo(threeUsersState());
        commit(engine, List.of(), List.of(control(0, 1, "acme/bob", ControlAction.CONTROL_ACTION_ERASE)));

        BatchResult r = commit(
                engine,
                List.of(sample(0, 4, "acme/carol", "c-2", 4f, true), sample(0, 5, "acme/dave", "d-1", 4f, true)),
                List.of());

        assertThat(r.rejections()).singleElement().satisfies(j -> {
            assertThat(j.reason()).isEqualTo(RejectReason.CAPACITY);
            assertThat(j.source().offset()).isEqualTo(4);
        });
        assertThat(r.staged()).containsOnlyKeys(UserKey.parse("acme/dave"));
    }

    @Test
    void erasingANotResidentUserTombstonesItAndForgetsTheKey() {
        AdaptationEngine engine = restoredAtTwo(threeUsersState());

        BatchResult r =
                commit(engine, List.of(), List.of(control(0, 1, "acme/carol", ControlAction.CONTROL_ACTION_ERASE)));

        assertThat(r.rejections()).isEmpty();
        assertThat(r.erasures()).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo(CAROL);
            assertThat(e.partition()).isZero();
            assertThat(e.headIds()).containsExactly(CAROL.headId(TASK));
        });
        assertThat(engine.notResidentUsers()).isZero();
    }

    @Test
    void aTombstoneOrARevocationForgetsANotResidentKey() {
        AdaptationEngine engine = restoredAtTwo(threeUsersState());
        engine.forget(CAROL);
        assertThat(engine.notResidentUsers()).isZero();

        AdaptationEngine revoked = restoredAtTwo(threeUsersState());
        assertThat(revoked.forgetPartition(1)).isZero();
        assertThat(revoked.notResidentUsers())
                .as("another partition's keys stay")
                .isEqualTo(1);
        assertThat(revoked.forgetPartition(0)).isEqualTo(2);
        assertThat(revoked.notResidentUsers()).isZero();
    }

    @Test
    void restoringAResidentUserAgainAtTheBoundReplacesIt() {
        List<AdapterState> states = threeUsersState();
        AdaptationEngine engine = restoredAtTwo(states);

        assertThat(engine.restore(ALICE, 0, states.get(0))).isEqualTo(AdaptationEngine.Restored.INSTALLED);
        assertThat(engine.restore(states.get(2))).isEqualTo(AdaptationEngine.Restored.NOT_RESIDENT);
        assertThat(engine.users()).isEqualTo(2);
    }
}
