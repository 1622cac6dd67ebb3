package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.SmallEngine.NOW;
import static dev.headstream.core.adapt.engine.SmallEngine.control;
import static dev.headstream.core.adapt.engine.SmallEngine.record;
import static dev.headstream.core.adapt.engine.SmallEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.ControlAction;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review: a lineage written on a partition that is not its key's (before the partition check was
 * on, or with the topic check disabled) is still restored with the check on, and an ERASE then
 * tombstones only the key's changelog partition, so the erased user's state comes back on restart.
 * Now: the misplaced record is not installed ({@link AdaptationEngine.Restored#MISPLACED}), and an
 * ERASE tombstones its partition too.
 */
class ErasureReachesMisplacedStateTest {

    private static final UserKey ALICE = new UserKey("acme", "alice");
    private static final int ALICES = 6; // of 8

    private static AdapterState misplacedState() {
        AdaptationEngine unchecked = SmallEngine.engine();
        BatchResult first = unchecked.process(List.of(record(2, 40, sample("acme", "alice", "s-1", true))), NOW);
        unchecked.commit(first);
        AdapterState onPartition2 = unchecked.stateRecords(first).get(0);
        assertThat(onPartition2.getSourcePartition()).isEqualTo(2);
        return onPartition2;
    }

    @Test
    void anErasedUsersMisplacedLineageIsNotRestoredAgain() {
        AdapterState onPartition2 = misplacedState();

        AdaptationEngine checked = SmallEngine.engine();
        checked.checkPartitions(8);
        checked.restore(ALICE, 2, onPartition2); // the restorer hands it over: payload matches key and partition
        BatchResult erase = checked.process(
                List.of(), List.of(control(ALICES, 7, "acme", "alice", ControlAction.CONTROL_ACTION_ERASE)), NOW);
        checked.commit(erase);
        List<Integer> tombstoned =
                erase.erasures().stream().flatMap(e -> e.partitions().stream()).toList();

        assertThat(tombstoned)
                .as("the changelog partitions that get the user's tombstone must include the one holding its state")
                .contains(2);
        assertThat(tombstoned).as("and the key's own").containsExactly(ALICES, 2);
    }

    @Test
    void withTheCheckOnAMisplacedRecordIsFlaggedAndNotInstalled() {
        AdapterState onPartition2 = misplacedState();
        AdaptationEngine checked = SmallEngine.engine();
        checked.checkPartitions(8);

        assertThat(checked.restore(ALICE, 2, onPartition2)).isEqualTo(AdaptationEngine.Restored.MISPLACED);

        assertThat(checked.user(ALICE)).isNull();
        assertThat(checked.users()).isZero();
        assertThat(checked.misplacedRestores()).isEqualTo(1);
        assertThat(checked.unreadableUsers()).as("the user is not unreadable").isZero();
        // the user's samples on its key's partition start its lineage there
        BatchResult r = checked.process(List.of(record(ALICES, 3, sample("acme", "alice", "s-9", true))), NOW);
        assertThat(r.applied()).isEqualTo(1);
        assertThat(r.rejections()).isEmpty();
    }

    @Test
    void withoutTheCheckTheRecordIsInstalledAndAnEraseTombstonesItsPartitionAndTheControlRecords() {
        AdapterState onPartition2 = misplacedState();
        AdaptationEngine unchecked = SmallEngine.engine();

        assertThat(unchecked.restore(ALICE, 2, onPartition2)).isEqualTo(AdaptationEngine.Restored.INSTALLED);
        BatchResult erase = unchecked.process(
                List.of(), List.of(control(ALICES, 7, "acme", "alice", ControlAction.CONTROL_ACTION_ERASE)), NOW);

        assertThat(erase.erasures()).singleElement().satisfies(e -> {
            assertThat(e.partition()).isEqualTo(2);
            assertThat(e.partitions()).containsExactly(2, ALICES);
        });
    }

    @Test
    void aRevokedPartitionForgetsItsMisplacedRecordsAndACommittedErasureClearsThem() {
        AdapterState onPartition2 = misplacedState();
        AdaptationEngine checked = SmallEngine.engine();
        checked.checkPartitions(8);
        checked.restore(ALICE, 2, onPartition2);
        checked.forgetPartition(2);

        BatchResult erase = checked.process(
                List.of(), List.of(control(ALICES, 7, "acme", "alice", ControlAction.CONTROL_ACTION_ERASE)), NOW);
        assertThat(erase.erasures())
                .singleElement()
                .satisfies(e -> assertThat(e.partitions()).containsExactly(ALICES));
    }
}
