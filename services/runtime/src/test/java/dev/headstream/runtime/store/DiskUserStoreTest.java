package dev.headstream.runtime.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.state.UserStore;
import dev.headstream.core.adapt.state.UserStore.ChangelogSpan;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdapterState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's own logic on a real RocksDB in a temporary folder, with a codec that keeps only a
 * user's key, partition and last applied offset (the engine's codec is tested with the engine).
 */
class DiskUserStoreTest {

    private static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicInteger decodes = new AtomicInteger();
    /** What the codec says a partitionless user's changelog partition is (-1: unknown). */
    private final AtomicInteger home = new AtomicInteger(-1);

    /** Key, partition and last applied offset; a padding field sized by {@code pad} bytes. */
    private final UserStore.Codec codec = new UserStore.Codec() {
        @Override
        public AdapterState encode(UserState u) {
            return AdapterState.newBuilder()
                    .setTenant(u.key().tenant())
                    .setUser(u.key().user())
                    .setSourcePartition(u.partition())
                    .setLastAppliedOffset(u.lastAppliedOffset())
                    .build();
        }

        @Override
        public int homePartition(UserKey key) {
            return home.get();
        }

        @Override
        public UserState decode(AdapterState r) {
            decodes.incrementAndGet();
            if (r.getTenant().equals("bad")) {
                throw new IllegalArgumentException("does not decode");
            }
            return new UserState(
                    new UserKey(r.getTenant(), r.getUser()),
                    16,
                    r.getSourcePartition(),
                    r.getLastAppliedOffset(),
                    RateLimit.Bucket.EMPTY);
        }
    };

    private DiskUserStore open(String fingerprint, int cacheUsers, long budget) {
        return new DiskUserStore(dir, codec, fingerprint, cacheUsers, budget, HOUR, now::get);
    }

    private static void apply(
            DiskUserStore s,
            List<UserState> users,
            Map<UserKey, AdapterState> records,
            List<UserKey> erased,
            Map<Integer, ChangelogSpan> spans) {
        s.apply(users, records, erased, spans, spans.keySet());
    }

    private static UserState user(String id, int partition, long offset) {
        return new UserState(new UserKey("t", id), 16, partition, offset, RateLimit.Bucket.EMPTY);
    }

    @Test
    void aRestartHoldsThePartitionsUsersAgainFromItsCheckpoint() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            assertThat(s.reopenPartition(0)).as("nothing kept yet").isEqualTo(-1);
            assertThat(s.reopenPartition(1)).isEqualTo(-1);
            s.checkpoint(0, 0);
            s.checkpoint(1, 0);
            apply(
                    s,
                    List.of(user("a", 0, 5), user("b", 1, 7)),
                    Map.of(),
                    List.of(),
                    Map.of(0, new ChangelogSpan(0, 3), 1, new ChangelogSpan(0, 2)));
            assertThat(s.size()).isEqualTo(2);
        }
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            assertThat(s.size())
                    .as("nothing held before a partition is reopened")
                    .isZero();
            assertThat(s.reopenPartition(0)).isEqualTo(3);
            assertThat(s.size()).isEqualTo(1);
            assertThat(s.get(new UserKey("t", "a")).lastAppliedOffset()).isEqualTo(5);
            assertThat(s.get(new UserKey("t", "b")))
                    .as("partition 1 not reopened")
                    .isNull();
            assertThat(s.reopenPartition(1)).isEqualTo(2);
            assertThat(s.get(new UserKey("t", "b")).lastAppliedOffset()).isEqualTo(7);
        }
    }

    @Test
    void theCheckpointMovesOnlyOverSpansThatFollowItWithNothingBetween() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.checkpoint(0, 10);
            assertThat(s.expectedNext(0))
                    .as("after a restore: at the changelog's end")
                    .isEqualTo(10);
            apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of(0, new ChangelogSpan(10, 12)));
            assertThat(s.checkpointOffset(0)).as("right at the checkpoint").isEqualTo(12);
            assertThat(s.expectedNext(0))
                    .as("after a batch: past its commit marker")
                    .isEqualTo(13);
            apply(s, List.of(user("a", 0, 2)), Map.of(), List.of(), Map.of(0, new ChangelogSpan(13, 14)));
            assertThat(s.checkpointOffset(0)).isEqualTo(14);
            apply(s, List.of(user("a", 0, 3)), Map.of(), List.of(), Map.of(0, new ChangelogSpan(17, 18)));
            assertThat(s.checkpointOffset(0))
                    .as("a gap that may hold records of another writer: the checkpoint is dropped")
                    .isEqualTo(-1);
            apply(s, List.of(user("a", 0, 4)), Map.of(), List.of(), Map.of(0, new ChangelogSpan(19, 20)));
            assertThat(s.checkpointOffset(0))
                    .as("and not made again by a batch")
                    .isEqualTo(-1);
            assertThat(s.get(new UserKey("t", "a")).lastAppliedOffset())
                    .as("the users are written all the same")
                    .isEqualTo(4);
        }
    }

    @Test
    void afterARestoreOnlyASpanRightAtTheCheckpointMovesIt() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.checkpoint(0, 10);
            // offset 10 is not this batch's: another writer's record may sit there
            apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of(0, new ChangelogSpan(11, 12)));
            assertThat(s.checkpointOffset(0)).isEqualTo(-1);
        }
    }

    @Test
    void aSpanWidenedBackOverACheckedGapMovesIt() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.checkpoint(0, 10);
            apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of(0, new ChangelogSpan(10, 12)));
            // the caller read that 13..19 hold only aborted records and markers: the span starts at 13
            apply(s, List.of(user("a", 0, 2)), Map.of(), List.of(), Map.of(0, new ChangelogSpan(13, 21)));
            assertThat(s.checkpointOffset(0)).isEqualTo(21);
        }
    }

    @Test
    void aPartitionWithoutCheckpointNeverGetsOneFromABatch() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of(0, new ChangelogSpan(0, 1)));
            assertThat(s.checkpointOffset(0)).isEqualTo(-1);
        }
    }

    @Test
    void aReleasedPartitionIsKeptOnDiskButNotHeld() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.checkpoint(0, 0);
            apply(s, List.of(user("a", 0, 1), user("b", 0, 2)), Map.of(), List.of(), Map.of());
            assertThat(s.release(0)).isEqualTo(2);
            assertThat(s.size()).isZero();
            assertThat(s.get(new UserKey("t", "a"))).isNull();
            assertThat(s.reopenPartition(0)).isEqualTo(0);
            assertThat(s.size()).isEqualTo(2);
        }
    }

    @Test
    void anOldCheckpointIsNotUsedAndThePartitionsUsersAreDropped() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.reopenPartition(1);
            s.checkpoint(0, 4);
            s.checkpoint(1, 4);
            apply(s, List.of(user("a", 0, 1), user("b", 1, 1)), Map.of(), List.of(), Map.of());
            s.release(0);
            now.addAndGet(HOUR / 2);
            // a batch that moves partition 1's checkpoint starts its age again; partition 0's is not touched
            apply(s, List.of(user("b", 1, 2)), Map.of(), List.of(), Map.of(1, new ChangelogSpan(4, 6)));
            now.addAndGet(HOUR / 2 + 1);
            assertThat(s.reopenPartition(0)).as("set more than an hour ago").isEqualTo(-1);
            assertThat(s.size()).as("only b of partition 1").isEqualTo(1);
            assertThat(s.checkpointOffset(0)).isEqualTo(-1);
            s.release(1);
            assertThat(s.reopenPartition(1)).as("moved half an hour ago").isEqualTo(6);
        }
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            assertThat(s.size()).as("a's record is gone from disk").isZero();
        }
    }

    @Test
    void aCheckpointIsNeverRefreshedWithoutMoving() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.reopenPartition(1);
            s.checkpoint(0, 4);
            s.checkpoint(1, 4);
            for (int h = 0; h < 3; h++) {
                now.addAndGet(HOUR / 2);
                // batches on partition 1 only
                apply(
                        s,
                        List.of(user("b", 1, h)),
                        Map.of(),
                        List.of(),
                        Map.of(1, new ChangelogSpan(4 + 2 * h, 5 + 2 * h)));
            }
            s.release(0);
            assertThat(s.reopenPartition(0))
                    .as("partition 0's checkpoint is 1.5 hours old")
                    .isEqualTo(-1);
        }
    }

    @Test
    void aPartitionTheBatchWroteWithoutASpanLosesItsCheckpoint() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.reopenPartition(1);
            s.checkpoint(0, 4);
            s.checkpoint(1, 4);
            s.apply(List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of(), java.util.Set.of(0));
            assertThat(s.checkpointOffset(0)).isEqualTo(-1);
            assertThat(s.checkpointOffset(1)).as("not written by the batch").isEqualTo(4);
        }
    }

    @Test
    void anotherFingerprintWipesTheStore() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.checkpoint(0, 3);
            apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of());
            assertThat(s.diskBytes()).isPositive();
        }
        try (DiskUserStore s = open("f2", 10, Long.MAX_VALUE)) {
            assertThat(s.diskBytes()).isZero();
            assertThat(s.reopenPartition(0)).isEqualTo(-1);
            assertThat(s.size()).isZero();
        }
    }

    @Test
    void anErasedUserLeavesTheDiskAndItsBytesTheBudget() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.checkpoint(0, 0);
            apply(s, List.of(user("a", 0, 1), user("b", 0, 1)), Map.of(), List.of(), Map.of());
            long both = s.diskBytes();
            apply(s, List.of(), Map.of(), List.of(new UserKey("t", "a")), Map.of());
            assertThat(s.diskBytes()).isLessThan(both).isPositive();
            assertThat(s.contains(new UserKey("t", "a"))).isFalse();
        }
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            assertThat(s.size()).as("erased for good").isEqualTo(1);
            assertThat(s.contains(new UserKey("t", "b"))).isTrue();
        }
    }

    @Test
    void theStoredRecordIsTheOneTheBatchPublished() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.checkpoint(0, 0);
            AdapterState published = codec.encode(user("a", 0, 99));
            // the state object says 1, the record the batch published 99: the disk keeps the record
            apply(s, List.of(user("a", 0, 1)), Map.of(new UserKey("t", "a"), published), List.of(), Map.of());
        }
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            assertThat(s.get(new UserKey("t", "a")).lastAppliedOffset()).isEqualTo(99);
        }
    }

    @Test
    void withoutACheckpointAReopenedPartitionStartsEmpty() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of());
        }
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            assertThat(s.reopenPartition(0))
                    .as("read the changelog from its start")
                    .isEqualTo(-1);
            assertThat(s.size()).isZero();
            assertThat(s.diskBytes()).as("what it kept is dropped").isZero();
        }
    }

    @Test
    void theCacheIsBoundedBetweenBatchesAndMissesDecodeFromDisk() {
        try (DiskUserStore s = open("f1", 3, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            List<UserState> users = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                users.add(user("u" + i, 0, i));
            }
            apply(s, users, Map.of(), List.of(), Map.of());
            List<UserKey> batch =
                    users.subList(0, 5).stream().map(UserState::key).toList();
            s.prefetch(batch);
            assertThat(s.cached()).as("a batch's users are all loaded").isGreaterThanOrEqualTo(5);
            s.prefetch(List.of());
            assertThat(s.cached()).as("trimmed at the next batch").isEqualTo(3);
            int before = decodes.get();
            for (int i = 0; i < 10; i++) {
                assertThat(s.get(new UserKey("t", "u" + i)).lastAppliedOffset()).isEqualTo(i);
            }
            assertThat(decodes.get() - before).as("misses decoded from disk").isGreaterThanOrEqualTo(7);
        }
    }

    @Test
    void theDiskBudgetRefusesRoomOnceReached() {
        try (DiskUserStore s = open("f1", 10, 1)) {
            s.reopenPartition(0);
            assertThat(s.hasRoomFor(1)).isTrue();
            apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of());
            assertThat(s.hasRoomFor(1)).isFalse();
        }
    }

    @Test
    void aRecordThatNoLongerDecodesIsAClearFailure() {
        try (DiskUserStore s = open("f1", 1, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            UserState bad = new UserState(new UserKey("bad", "x"), 16, 0, 1, RateLimit.Bucket.EMPTY);
            apply(s, List.of(bad, user("a", 0, 1)), Map.of(), List.of(), Map.of());
            s.prefetch(List.of());
            assertThatThrownBy(() -> s.get(new UserKey("bad", "x")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not decode")
                    .hasMessageContaining("delete the directory");
        }
    }

    @Test
    void aStoreUsedAfterCloseFailsInJava() {
        DiskUserStore s = open("f1", 10, Long.MAX_VALUE);
        s.reopenPartition(0);
        s.close();
        s.close(); // twice is fine
        assertThatThrownBy(() -> apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void aCheckpointFromTheFutureIsNotUsed() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.checkpoint(0, 5);
            apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of());
            s.release(0);
            now.addAndGet(-HOUR); // the clock set back
            assertThat(s.reopenPartition(0)).isEqualTo(-1);
            assertThat(s.size()).isZero();
        }
    }

    @Test
    void whatPartitionsAwayTooLongLeftBehindIsDroppedAndLeavesTheBudget() {
        try (DiskUserStore s = open("f1", 10, 2 * 16)) {
            s.reopenPartition(0);
            s.reopenPartition(1);
            s.checkpoint(0, 0);
            s.checkpoint(1, 0);
            apply(s, List.of(user("a", 0, 1), user("b", 1, 1)), Map.of(), List.of(), Map.of());
            long both = s.diskBytes();
            s.release(1);
            now.addAndGet(HOUR + 1);
            // partition 0 is held: a batch moves its checkpoint; 1 is away and too old
            apply(s, List.of(user("a", 0, 2)), Map.of(), List.of(), Map.of(0, new ChangelogSpan(0, 1)));
            s.release(0);
            assertThat(s.reopenPartition(0)).isEqualTo(1);
            assertThat(s.diskBytes()).as("b's record is gone").isLessThan(both);
            assertThat(s.checkpointOffset(1)).isEqualTo(-1);
            assertThat(s.reopenPartition(1)).isEqualTo(-1);
            assertThat(s.contains(new UserKey("t", "b"))).isFalse();
        }
    }

    @Test
    void aStoreBoundToAnotherChangelogTopicKeepsNothing() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.bindChangelog("topic-1");
            s.reopenPartition(0);
            s.checkpoint(0, 7);
            apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of());
        }
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.bindChangelog("topic-1");
            assertThat(s.reopenPartition(0)).as("the same topic").isEqualTo(7);
        }
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.bindChangelog("topic-2"); // deleted and created again
            assertThat(s.reopenPartition(0)).isEqualTo(-1);
            assertThat(s.size()).isZero();
            assertThat(s.diskBytes()).isZero();
        }
    }

    @Test
    void aUserWithoutPartitionGoesToItsKeysPartitionOrStaysInTheHeapOnly() {
        try (DiskUserStore s = open("f1", 1, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.reopenPartition(3);
            s.checkpoint(0, 0);
            s.checkpoint(3, 0);
            home.set(3);
            apply(s, List.of(user("a", -1, -1)), Map.of(), List.of(), Map.of());
            assertThat(s.partitionOf(new UserKey("t", "a"))).isEqualTo(3);
            home.set(-1); // the partition check off: not known
            apply(s, List.of(user("b", -1, -1)), Map.of(), List.of(), Map.of());
            s.prefetch(List.of(new UserKey("t", "a")));
            assertThat(s.get(new UserKey("t", "b")))
                    .as("held in the heap, never evicted")
                    .isNotNull();
            assertThat(s.checkpointOffset(0))
                    .as("no checkpoint can vouch for b's record")
                    .isEqualTo(-1);
            assertThat(s.checkpointOffset(3)).isEqualTo(-1);
        }
    }

    @Test
    void importedRecordsNeedAPartition() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            assertThatThrownBy(() -> s.importRecords(List.of(codec.encode(user("a", -1, -1)))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no samples partition");
        }
    }

    @Test
    void aDiscardedPartitionIsReadFromTheStartAndWhatTheDiskKeptOfItIsDeleted() {
        try (DiskUserStore s = open("f1", 10, Long.MAX_VALUE)) {
            s.reopenPartition(0);
            s.checkpoint(0, 9);
            apply(s, List.of(user("a", 0, 1)), Map.of(), List.of(), Map.of());
            s.discardPartition(0);
            assertThat(s.size()).isZero();
            assertThat(s.reopenPartition(0)).isEqualTo(-1);
            assertThat(s.size()).isZero();
            assertThat(s.diskBytes()).isZero();
        }
    }
}
