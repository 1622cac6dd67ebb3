package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.TinyEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.HeapUserStore;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.state.UserStore;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdapterState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the engine hands a state store: a committed batch's users with the very records the batch
 * published, the changelog spans of the partitions it still owns, the checkpoint dropped when a
 * restore leaves a mark only the heap holds; and that a store which cannot take a committed batch
 * stops the engine. The store here records the calls and keeps users in a map (the disk store's own
 * logic is tested in the runtime module).
 */
class StoreCommitTest {

    private static final long NOW = 1_700_000_000_000L;

    /** The heap store, recording what the engine asked of it. */
    private static final class RecordingStore implements UserStore {
        final HeapUserStore heap = new HeapUserStore();
        final List<Map<UserKey, AdapterState>> records = new ArrayList<>();
        final List<Map<Integer, ChangelogSpan>> spans = new ArrayList<>();
        final Map<Integer, Long> checkpoints = new HashMap<>();
        boolean fail;

        @Override
        public UserState get(UserKey key) {
            return heap.get(key);
        }

        @Override
        public boolean contains(UserKey key) {
            return heap.contains(key);
        }

        @Override
        public int size() {
            return heap.size();
        }

        @Override
        public int partitionOf(UserKey key) {
            return heap.partitionOf(key);
        }

        @Override
        public void put(UserState user, AdapterState record) {
            heap.put(user, record);
        }

        @Override
        public void remove(UserKey key) {
            heap.remove(key);
        }

        @Override
        public void apply(
                List<UserState> put,
                Map<UserKey, AdapterState> recordsByUser,
                Collection<UserKey> erased,
                Map<Integer, ChangelogSpan> spansByPartition,
                Set<Integer> written) {
            if (fail) {
                throw new IllegalStateException("disk full");
            }
            heap.apply(put, recordsByUser, erased, spansByPartition, written);
            records.add(Map.copyOf(recordsByUser));
            spans.add(Map.copyOf(spansByPartition));
        }

        @Override
        public int release(int partition) {
            return heap.release(partition);
        }

        @Override
        public void checkpoint(int partition, long offset) {
            checkpoints.put(partition, offset);
        }
    }

    private static AdaptationEngine engineWith(RecordingStore store) {
        AdaptationEngine engine = TinyEngine.engine(AdaptationEngine.UNBOUNDED);
        engine.useStore(codec -> store);
        return engine;
    }

    @Test
    void theStoreGetsTheRecordsTheBatchPublishedAndTheSpansOfPartitionsStillOwned() {
        RecordingStore store = new RecordingStore();
        AdaptationEngine engine = engineWith(store);
        BatchResult r = engine.process(
                List.of(sample(0, 10, "acme/alice", "a-1", 4f, true), sample(1, 20, "acme/bob", "b-1", -4f, false)),
                NOW);
        List<AdapterState> published = engine.stateRecords(r);
        engine.forgetPartition(1); // revoked while the batch was in flight
        engine.commit(r, Map.of(0, new UserStore.ChangelogSpan(5, 6), 1, new UserStore.ChangelogSpan(8, 9)));

        assertThat(store.spans).containsExactly(Map.of(0, new UserStore.ChangelogSpan(5, 6)));
        assertThat(store.records.get(0).values()).containsExactlyInAnyOrderElementsOf(published);
        assertThat(store.contains(UserKey.parse("acme/alice"))).isTrue();
        assertThat(store.size())
                .as("bob's partition was revoked: not made live")
                .isEqualTo(1);
    }

    @Test
    void aStoreThatCannotTakeACommittedBatchStopsTheEngine() {
        RecordingStore store = new RecordingStore();
        AdaptationEngine engine = engineWith(store);
        BatchResult r = engine.process(List.of(sample(0, 10, "acme/alice", "a-1", 4f, true)), NOW);
        store.fail = true;
        assertThatThrownBy(() -> engine.commit(r, Map.of())).hasMessageContaining("disk full");
        store.fail = false;
        assertThatThrownBy(() -> engine.process(List.of(sample(0, 11, "acme/alice", "a-2", 4f, true)), NOW))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the state store could not take a committed batch")
                .hasMessageContaining("must restart");
    }

    @Test
    void aRestoreThatLeavesAHeapOnlyMarkGetsNoCheckpoint() {
        RecordingStore store = new RecordingStore();
        AdaptationEngine engine = engineWith(store);
        engine.markUnreadable(UserKey.parse("acme/carol"), 2, 40, "does not parse");

        assertThat(engine.checkpoint(2, 50)).isFalse();
        assertThat(engine.checkpoint(3, 60)).isTrue();
        assertThat(store.checkpoints).isEqualTo(Map.of(2, -1L, 3, 60L));
    }
}
