package dev.headstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
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
