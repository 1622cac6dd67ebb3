package dev.headstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The follower's filing rules, fed record by record: by record key, never by payload; a payload
 * that names another head is skipped and counted; versions never go back per key; tombstones by key.
 */
class HeadFollowerTest {

    private static final String ALICE = "acme/alice/wake";
    private static final String BOB = "acme/bob/wake";

    private final HeadFollower<Long> follower =
            new HeadFollower<>(new MockConsumer<>("earliest"), HeadUpdate::getVersion);
    private long offset;

    @AfterEach
    void close() {
        follower.close();
    }

    @Test
    void filesEachHeadUnderItsRecordKeyAndKeepsTheNewestVersion() {
        feed(ALICE, head(ALICE, 1));
        feed(BOB, head(BOB, 1));
        feed(ALICE, head(ALICE, 2));

        assertThat(follower.snapshot()).containsOnlyKeys(ALICE, BOB);
        assertThat(follower.current(ALICE)).hasValueSatisfying(v -> {
            assertThat(v.headId()).isEqualTo(ALICE);
            assertThat(v.version()).isEqualTo(2);
            assertThat(v.head()).isEqualTo(2L);
        });
        assertThat(follower.foreign()).isZero();
        assertThat(follower.skipped()).isZero();
    }

    @Test
    void aForgedHeadUnderAnotherKeyDoesNotPinTheNamedUsersHead() {
        feed(ALICE, head(ALICE, 3));
        // under bob's key, a payload that names alice's head with a huge version
        feed(BOB, head(ALICE, Long.MAX_VALUE));

        assertThat(follower.current(ALICE))
                .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(3));
        assertThat(follower.current(BOB))
                .as("nor is it filed under the key it came with")
                .isEmpty();
        assertThat(follower.foreign()).isEqualTo(1);

        feed(ALICE, head(ALICE, 4));
        assertThat(follower.current(ALICE))
                .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(4));
    }

    @Test
    void theUsersTombstoneRemovesTheHeadWhateverWasForgedForIt() {
        feed(ALICE, head(ALICE, 2));
        feed(BOB, head(ALICE, 1_000_000));
        feed("mallory/x/wake", head(ALICE, 1_000_001));

        feed(ALICE, null);

        assertThat(follower.current(ALICE)).isEmpty();
        assertThat(follower.snapshot()).isEmpty();
        assertThat(follower.foreign()).isEqualTo(2);
    }

    @Test
    void skipsAPayloadWhoseTenantUserOrTaskDiffersFromTheKeyEvenWithTheRightHeadId() {
        HeadUpdate good = head(ALICE, 1);
        feed(ALICE, good.toBuilder().setTenant("other").build());
        feed(ALICE, good.toBuilder().setUser("bob").build());
        feed(ALICE, good.toBuilder().setTask("alexa").build());
        feed(ALICE, good.toBuilder().setHeadId(BOB).build());
        feed(ALICE, HeadUpdate.newBuilder().setHeadId(ALICE).setVersion(1).build());

        assertThat(follower.snapshot()).isEmpty();
        assertThat(follower.foreign()).isEqualTo(5);
    }

    @Test
    void skipsRecordsWithoutAKeyOrWithAKeyThatIsNotAHeadId() {
        feed(null, head(ALICE, 1));
        feed(null, null);
        feed("acme/alice", head(ALICE, 1));
        feed("acme/alice/wake/extra", head(ALICE, 1));
        feed("x".repeat(600_000), head(ALICE, 1));

        assertThat(follower.snapshot()).isEmpty();
        assertThat(follower.foreign()).isEqualTo(5);
        assertThat(follower.received()).isEqualTo(5);
    }

    @Test
    void aVersionNeverGoesBackPerKeyWhateverItsStatus() {
        feed(ALICE, head(ALICE, 5));
        feed(
                ALICE,
                head(ALICE, 4).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_RESET)
                        .build());
        feed(
                ALICE,
                head(ALICE, 5).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_ROLLED_BACK)
                        .build());
        assertThat(follower.current(ALICE)).hasValueSatisfying(v -> {
            assertThat(v.version()).isEqualTo(5);
            assertThat(v.update().getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);
        });

        // a reset or rollback is a newer version, and replaces the head like any other
        feed(
                ALICE,
                head(ALICE, 6).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_RESET)
                        .build());
        assertThat(follower.current(ALICE))
                .hasValueSatisfying(v -> assertThat(v.update().getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET));
        assertThat(follower.foreign()).isZero();
    }

    @Test
    void anErasedHeadStartsAfreshAtVersionOne() {
        feed(ALICE, head(ALICE, 7));
        feed(ALICE, null);
        feed(ALICE, head(ALICE, 1));

        assertThat(follower.current(ALICE))
                .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(1));
    }

    @Test
    void unreadableAndUnbuildableRecordsAreSkippedWithoutStoppingTheOthers() {
        HeadFollower<Long> picky = new HeadFollower<>(new MockConsumer<>("earliest"), u -> {
            if (u.getThreshold() < 0) {
                throw new IllegalArgumentException("negative threshold");
            }
            return u.getVersion();
        });
        try (picky) {
            picky.apply(record(ALICE, new byte[] {(byte) 0xff, 0x01}));
            picky.apply(record(
                    BOB, head(BOB, 1).toBuilder().setThreshold(-1).build().toByteArray()));
            picky.apply(record(BOB, head(BOB, 2).toByteArray()));

            assertThat(picky.skipped()).isEqualTo(2);
            assertThat(picky.foreign()).isZero();
            assertThat(picky.snapshot()).containsOnlyKeys(BOB);
        }
    }

    @Test
    void thePollingThreadAppliesTheSameRules() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        TopicPartition tp = new TopicPartition(Topics.HEADS, 0);
        consumer.updatePartitions(
                Topics.HEADS, List.of(new PartitionInfo(Topics.HEADS, 0, Node.noNode(), new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(tp, 0L));
        consumer.updateEndOffsets(Map.of(tp, 0L));
        try (HeadFollower<Long> polling = new HeadFollower<>(consumer, HeadUpdate::getVersion)) {
            consumer.schedulePollTask(() -> {
                consumer.addRecord(new ConsumerRecord<>(
                        Topics.HEADS, 0, 0, bytes(ALICE), head(ALICE, 2).toByteArray()));
                consumer.addRecord(new ConsumerRecord<>(
                        Topics.HEADS, 0, 1, bytes(BOB), head(ALICE, 99).toByteArray()));
                consumer.addRecord(new ConsumerRecord<>(
                        Topics.HEADS, 0, 2, bytes(BOB), head(BOB, 1).toByteArray()));
            });
            polling.start();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(polling.received()).isEqualTo(3);
                assertThat(polling.foreign()).isEqualTo(1);
                assertThat(polling.current(ALICE))
                        .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(2));
                assertThat(polling.current(BOB))
                        .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(1));
            });
        }
    }

    @Test
    void aSelectionDropsOtherKeysBeforeParsingThem() {
        HeadFollower.Selection only =
                new HeadFollower.Selection(Set.of("globex"), Set.of("acme/alice"), Set.of("acme/carol/wake"));
        List<String> told = new ArrayList<>();
        HeadFollower.Listener<Long> listener = new HeadFollower.Listener<>() {
            @Override
            public void swapped(HeadFollower.Versioned<Long> previous, HeadFollower.Versioned<Long> current) {
                told.add(current.headId() + " v" + (previous == null ? 0 : previous.version()) + "->v"
                        + current.version());
            }

            @Override
            public void removed(String headId, HeadFollower.Versioned<Long> previous) {
                told.add(headId + " v" + previous.version() + " removed");
            }
        };
        try (HeadFollower<Long> picky =
                new HeadFollower<>(new MockConsumer<>("earliest"), HeadUpdate::getVersion, only, listener)) {
            picky.apply(record(ALICE, head(ALICE, 1).toByteArray()));
            picky.apply(record("acme/alice/other", head("acme/alice/other", 4).toByteArray()));
            picky.apply(record("globex/zed/wake", head("globex/zed/wake", 2).toByteArray()));
            picky.apply(record("acme/carol/wake", head("acme/carol/wake", 3).toByteArray()));
            // not selected: bob, another carol task, and bytes that are not even a head
            picky.apply(record(BOB, head(BOB, 1).toByteArray()));
            picky.apply(record("acme/carol/other", head("acme/carol/other", 1).toByteArray()));
            picky.apply(record("acme/dave/wake", new byte[] {(byte) 0xff}));
            picky.apply(record(
                    ALICE,
                    head(ALICE, 2).toBuilder()
                            .setStatus(HeadStatus.HEAD_STATUS_RESET)
                            .build()
                            .toByteArray()));
            picky.apply(record(ALICE, head(ALICE, 2).toByteArray()));
            picky.apply(record("acme/carol/wake", null));

            assertThat(picky.snapshot()).containsOnlyKeys(ALICE, "acme/alice/other", "globex/zed/wake");
            assertThat(picky.unselected()).isEqualTo(3);
            assertThat(picky.skipped()).isZero();
            assertThat(picky.current(ALICE).orElseThrow().update().getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
            assertThat(told)
                    .containsExactly(
                            ALICE + " v0->v1",
                            "acme/alice/other v0->v4",
                            "globex/zed/wake v0->v2",
                            "acme/carol/wake v0->v3",
                            ALICE + " v1->v2",
                            "acme/carol/wake v3 removed");
        }
    }

    @Test
    void headIdsAloneAreReadOnlyFromTheirPartitions() {
        HeadFollower.Selection heads = new HeadFollower.Selection(Set.of(), Set.of(), Set.of(ALICE, BOB));
        assertThat(heads.partitions(12))
                .containsExactlyInAnyOrder(HeadFollower.partitionOf(ALICE, 12), HeadFollower.partitionOf(BOB, 12));
        // the partitioner of kafka-clients' producer, computed independently: murmur2 of the UTF-8 key
        assertThat(HeadFollower.partitionOf(ALICE, 12))
                .isEqualTo((org.apache.kafka.common.utils.Utils.murmur2(bytes(ALICE)) & 0x7fffffff) % 12);
        assertThat(new HeadFollower.Selection(Set.of("acme"), Set.of(), Set.of(ALICE)).partitions(3))
                .containsExactly(0, 1, 2);
        assertThat(HeadFollower.Selection.ALL.partitions(2)).containsExactly(0, 1);
    }

    @Test
    void aSelectionRefusesMalformedUsersAndHeads() {
        assertThatThrownBy(() -> new HeadFollower.Selection(Set.of(), Set.of("alice"), Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("<tenant>/<user>");
        assertThatThrownBy(() -> new HeadFollower.Selection(Set.of(), Set.of(), Set.of("acme/alice")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("<tenant>/<user>/<task>");
    }

    @Test
    void itIsCaughtUpOnceItHasReadWhatWasCommittedBeforeItStarted() throws InterruptedException {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        TopicPartition p0 = new TopicPartition(Topics.HEADS, 0);
        TopicPartition p1 = new TopicPartition(Topics.HEADS, 1);
        consumer.updatePartitions(
                Topics.HEADS,
                List.of(
                        new PartitionInfo(Topics.HEADS, 0, Node.noNode(), new Node[0], new Node[0]),
                        new PartitionInfo(Topics.HEADS, 1, Node.noNode(), new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(p0, 0L, p1, 0L));
        consumer.updateEndOffsets(Map.of(p0, 2L, p1, 0L));
        try (HeadFollower<Long> polling = new HeadFollower<>(consumer, HeadUpdate::getVersion)) {
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(
                    Topics.HEADS, 0, 0, bytes(ALICE), head(ALICE, 1).toByteArray())));
            // the second record arrives one poll later: not caught up in between
            consumer.schedulePollTask(() -> assertThat(polling.caughtUp()).isFalse());
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(
                    Topics.HEADS, 0, 1, bytes(BOB), head(BOB, 1).toByteArray())));
            assertThat(polling.caughtUp()).isFalse();
            polling.start();

            assertThat(polling.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
            assertThat(polling.snapshot()).containsOnlyKeys(ALICE, BOB);
        }
    }

    @Test
    void aFailedPollIsRetriedFromWhereTheConsumerStood() {
        MockConsumer<byte[], byte[]> consumer = onePartition(0L);
        try (HeadFollower<Long> polling = new HeadFollower<>(consumer, HeadUpdate::getVersion)) {
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(
                    Topics.HEADS, 0, 0, bytes(ALICE), head(ALICE, 1).toByteArray())));
            consumer.schedulePollTask(() -> consumer.setPollException(new KafkaException("broker away")));
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(
                    Topics.HEADS, 0, 1, bytes(ALICE), head(ALICE, 2).toByteArray())));
            polling.start();

            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(polling.current(ALICE))
                            .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(2)));
            assertThat(polling.retries()).isEqualTo(1);
            assertThat(polling.failure()).hasValueSatisfying(f -> assertThat(f).hasMessage("broker away"));
            assertThat(polling.alive()).isTrue();
        }
    }

    @Test
    void aBrokerAwayAtStartIsWaitedFor() throws InterruptedException {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
            @Override
            public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
                if (asked.getAndIncrement() < 2) {
                    throw new org.apache.kafka.common.errors.TimeoutException("metadata timed out");
                }
                return super.partitionsFor(topic, timeout);
            }
        };
        TopicPartition tp = new TopicPartition(Topics.HEADS, 0);
        consumer.updatePartitions(
                Topics.HEADS, List.of(new PartitionInfo(Topics.HEADS, 0, Node.noNode(), new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(tp, 0L));
        consumer.updateEndOffsets(Map.of(tp, 0L));
        try (HeadFollower<Long> follower = new HeadFollower<>(consumer, HeadUpdate::getVersion).start()) {
            assertThat(follower.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
            assertThat(follower.retries()).isEqualTo(2);
            assertThat(follower.alive()).isTrue();
        }
    }

    @Test
    void anErrorStopsTheFollowerVisibly() {
        MockConsumer<byte[], byte[]> consumer = onePartition(0L);
        HeadFollower<Long> broken = new HeadFollower<>(consumer, u -> {
            throw new Error("the builder ran out of something");
        });
        try (broken) {
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(
                    Topics.HEADS, 0, 0, bytes(ALICE), head(ALICE, 1).toByteArray())));
            broken.start();
            // the error is also rethrown on the follower's thread (the JVM's handler prints it)
            await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(10)).until(() -> !broken.alive());
            assertThat(broken.failure())
                    .hasValueSatisfying(f -> assertThat(f).hasMessage("the builder ran out of something"));
            assertThat(consumer.closed()).isTrue();
        }
    }

    @Test
    void aTransactionOpenAtStartDelaysReadinessUntilItsHeadsAreRead() throws InterruptedException {
        MockConsumer<byte[], byte[]> consumer = onePartition(1L);
        TopicPartition tp = new TopicPartition(Topics.HEADS, 0);
        // the log ends at 3 (high watermark): offsets 1-2 are an open transaction's, not readable yet
        HeadFollower<Long> polling = new HeadFollower<>(
                consumer,
                HeadUpdate::getVersion,
                HeadFollower.Selection.ALL,
                new HeadFollower.Listener<>() {},
                parts -> Map.of(tp, 3L));
        try (polling) {
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(
                    Topics.HEADS, 0, 0, bytes(BOB), head(BOB, 1).toByteArray())));
            consumer.schedulePollTask(() -> assertThat(polling.caughtUp()).isFalse());
            consumer.schedulePollTask(() -> assertThat(polling.caughtUp()).isFalse());
            // the transaction commits: its head and its marker
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(
                    Topics.HEADS, 0, 1, bytes(ALICE), head(ALICE, 7).toByteArray())));
            consumer.schedulePollTask(() -> assertThat(polling.caughtUp())
                    .as("at offset 2, short of the end noted at start")
                    .isFalse());
            // the commit marker at offset 2: the position passes it
            consumer.schedulePollTask(() -> consumer.seek(tp, 3L));
            polling.start();

            assertThat(polling.awaitCaughtUp(Duration.ofSeconds(10))).isTrue();
            assertThat(polling.current(ALICE))
                    .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(7));
        }
    }

    @Test
    void closeIsIdempotentAndWorksBeforeStart() {
        MockConsumer<byte[], byte[]> consumer = onePartition(0L);
        HeadFollower<Long> never = new HeadFollower<>(consumer, HeadUpdate::getVersion);
        never.close();
        never.close();
        assertThat(consumer.closed()).isTrue();
        assertThat(never.alive()).isFalse();
    }

    @Test
    void itNeverCreatesTheTopicItReads() {
        assertThat(HeadFollower.consumerProperties("localhost:9092", new java.util.Properties()))
                .containsEntry("allow.auto.create.topics", "false")
                .containsEntry("isolation.level", "read_committed");
        java.util.Properties mine = new java.util.Properties();
        mine.put("allow.auto.create.topics", "true");
        assertThat(HeadFollower.consumerProperties("localhost:9092", mine))
                .containsEntry("allow.auto.create.topics", "false");
    }

    private static MockConsumer<byte[], byte[]> onePartition(long end) {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        TopicPartition tp = new TopicPartition(Topics.HEADS, 0);
        consumer.updatePartitions(
                Topics.HEADS, List.of(new PartitionInfo(Topics.HEADS, 0, Node.noNode(), new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(tp, 0L));
        consumer.updateEndOffsets(Map.of(tp, end));
        return consumer;
    }

    private void feed(String key, HeadUpdate value) {
        follower.apply(record(key, value == null ? null : value.toByteArray()));
    }

    private ConsumerRecord<byte[], byte[]> record(String key, byte[] value) {
        return new ConsumerRecord<>(Topics.HEADS, 0, offset++, bytes(key), value);
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** A head as the adapter writes it: head id, tenant, user and task all agree. */
    static HeadUpdate head(String headId, long version) {
        String[] p = headId.split("/");
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setVersion(version)
                .setStatus(HeadStatus.HEAD_STATUS_ACTIVE)
                .setThreshold(0.5f)
                .build();
    }
}
