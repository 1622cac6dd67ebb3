package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.SmallEngine.NOW;
import static dev.headstream.core.adapt.engine.SmallEngine.control;
import static dev.headstream.core.adapt.engine.SmallEngine.record;
import static dev.headstream.core.adapt.engine.SmallEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.ingest.RawSample;
import dev.headstream.schemas.v1.ControlAction;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A batch processed with the revocation count of its partitions' assignment is refused, whole and
 * untouched, when one of its partitions (of samples or of control commands) was revoked since (the
 * check runs inside the synchronized {@code process}, so a revocation cannot fall between the two;
 * this single-threaded test shows the refusal, not the locking).
 */
class OwnershipCheckTest {

    @Test
    void aBatchOfAPartitionRevokedSinceItsAssignmentIsRefusedAndChangesNothing() {
        AdaptationEngine engine = SmallEngine.engine();
        engine.commit(engine.process(List.of(record(0, 1, sample("acme", "alice", "a-1", true))), NOW));
        long assigned = engine.revocations();
        RawSample next = record(0, 2, sample("acme", "alice", "a-2", false));
        RawSample other = record(1, 1, sample("acme", "bob", "b-1", true));

        assertThat(engine.process(List.of(other), List.of(), NOW, assigned).applied())
                .as("nothing revoked yet")
                .isEqualTo(1);
        engine.forgetPartition(0);

        assertThatThrownBy(() -> engine.process(List.of(other, next), List.of(), NOW, assigned))
                .isInstanceOf(PartitionsRevokedException.class)
                .hasMessageContaining("[0]");
        RawSample reset = control(0, 3, "acme", "alice", ControlAction.CONTROL_ACTION_RESET);
        assertThatThrownBy(() -> engine.process(List.of(), List.of(reset), NOW, assigned))
                .as("a control command of the revoked partition too")
                .isInstanceOf(PartitionsRevokedException.class);
        assertThat(engine.process(List.of(other), List.of(), NOW, assigned).applied())
                .as("a batch of the partitions still owned goes on")
                .isEqualTo(1);
        assertThat(engine.process(List.of(next), List.of(), NOW, engine.revocations())
                        .applied())
                .as("assigned again (a later count): applied")
                .isEqualTo(1);
    }
}
