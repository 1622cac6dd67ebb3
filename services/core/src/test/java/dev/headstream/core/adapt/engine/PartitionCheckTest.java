package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.SmallEngine.NOW;
import static dev.headstream.core.adapt.engine.SmallEngine.control;
import static dev.headstream.core.adapt.engine.SmallEngine.record;
import static dev.headstream.core.adapt.engine.SmallEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.ingest.KeyPartitioner;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.RejectReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link AdaptationEngine#checkPartitions}: with the samples topic's partition count set, a sample
 * or control record that is not on its key's partition is rejected {@code WRONG_PARTITION}; an
 * erasure's tombstones go to the key's partition.
 */
class PartitionCheckTest {

    private static final int PARTITIONS = 8;
    private static final UserKey ALICE = new UserKey("acme", "alice");
    /** acme/alice's partition of 8 under the Java client's default partitioner. */
    private static final int ALICES = 6;

    private static AdaptationEngine checked() {
        AdaptationEngine engine = SmallEngine.engine();
        engine.checkPartitions(PARTITIONS);
        return engine;
    }

    @Test
    void aSampleOnAnotherPartitionThanItsKeysIsRejectedWithBothPartitionsAndThePartitioner() {
        AdaptationEngine engine = checked();

        BatchResult r = engine.process(
                List.of(
                        record(2, 40, sample("acme", "alice", "s-1", true)),
                        record(ALICES, 41, sample("acme", "alice", "s-2", true))),
                NOW);

        assertThat(r.rejections()).hasSize(1);
        Rejection x = r.rejections().get(0);
        assertThat(x.reason()).isEqualTo(RejectReason.WRONG_PARTITION);
        assertThat(x.sampleId()).isEqualTo("s-1");
        assertThat(x.topic()).isNull();
        assertThat(x.message())
                .isEqualTo("record is on partition 2 but its key belongs on partition 6 of 8 (Java client's default"
                        + " partitioner: murmur2 of the UTF-8 key bytes); produce it without an explicit partition,"
                        + " with that partitioner");
        assertThat(r.applied()).isEqualTo(1);
        assertThat(r.staged().get(ALICE).partition()).isEqualTo(ALICES);
        assertThat(r.staged().get(ALICE).lastAppliedOffset()).isEqualTo(41);
    }

    @Test
    void withoutThePartitionCountNothingIsChecked() {
        AdaptationEngine engine = SmallEngine.engine();

        BatchResult r = engine.process(List.of(record(2, 40, sample("acme", "alice", "s-1", true))), NOW);

        assertThat(r.rejections()).isEmpty();
        assertThat(r.applied()).isEqualTo(1);
        assertThatThrownBy(() -> engine.checkPartitions(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aControlRecordOnAnotherPartitionIsRejectedAndChangesNothing() {
        AdaptationEngine engine = checked();
        engine.commit(engine.process(List.of(record(ALICES, 1, sample("acme", "alice", "s-1", true))), NOW));

        BatchResult r = engine.process(
                List.of(),
                List.of(
                        control(3, 7, "acme", "alice", ControlAction.CONTROL_ACTION_ERASE),
                        control(ALICES, 8, "acme", "alice", ControlAction.CONTROL_ACTION_RESET)),
                NOW);

        assertThat(r.rejections()).singleElement().satisfies(x -> {
            assertThat(x.reason()).isEqualTo(RejectReason.WRONG_PARTITION);
            assertThat(x.topic()).isEqualTo(Topics.CONTROL);
            assertThat(x.source().offset()).isEqualTo(7);
        });
        assertThat(r.erasures()).isEmpty();
        assertThat(r.heads()).as("the reset on the right partition").hasSize(1);
    }

    @Test
    void anErasureTombstonesTheKeysPartitionEvenWhenTheUsersStateCameFromAnother() {
        AdaptationEngine engine = SmallEngine.engine();
        // applied before the check was on, from a producer that chose partition 2 itself
        engine.commit(engine.process(List.of(record(2, 1, sample("acme", "alice", "s-1", true))), NOW));
        assertThat(engine.process(
                                List.of(),
                                List.of(control(4, 2, "acme", "alice", ControlAction.CONTROL_ACTION_ERASE)),
                                NOW)
                        .erasures())
                .as("unchecked: the partition the user's state was written to")
                .singleElement()
                .extracting(BatchResult.Erasure::partition)
                .isEqualTo(2);

        engine.checkPartitions(PARTITIONS);
        BatchResult r = engine.process(
                List.of(), List.of(control(ALICES, 3, "acme", "alice", ControlAction.CONTROL_ACTION_ERASE)), NOW);

        assertThat(r.erasures()).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo(ALICE);
            assertThat(e.partition())
                    .isEqualTo(ALICES)
                    .isEqualTo(KeyPartitioner.partition(SmallEngine.key("acme/alice"), PARTITIONS));
        });
    }
}
