package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.client.HeadFollower;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The consumer side on a real broker: a follower keeps the newest version per head id, ignores
 * older versions that arrive later, skips records it cannot build, removes erased heads
 * (tombstones) and never sees aborted transactions. It files a record by its key: a committed
 * record under another key whose payload names a user's head, with a huge version, is skipped and
 * counted, and the user's own tombstone still removes the user's head.
 */
class HeadFollowerIT {

    @Test
    void followerHotSwapsNewestVersionsAndDropsErasedHeads() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "follower-it");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(2);
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "follower-it");
            try (KafkaProducer<byte[], byte[]> producer =
                            new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
                    HeadFollower<Long> follower = new HeadFollower<>(bs, u -> {
                                if (u.getThreshold() < 0) {
                                    throw new IllegalArgumentException("cannot build a head with a negative threshold");
                                }
                                return u.getVersion();
                            })
                            .start()) {
                producer.initTransactions();
                send(
                        producer,
                        List.of(
                                head("t/a/wake", 1, 0.5f),
                                head("t/b/wake", 1, 0.5f),
                                head("t/a/wake", 3, 0.6f),
                                head("t/a/wake", 2, 0.7f),
                                head("t/b/wake", 2, -1f)));
                producer.beginTransaction();
                producer.send(record("t/b/wake", head("t/b/wake", 9, 0.9f).toByteArray()));
                producer.flush();
                producer.abortTransaction();

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(follower.current("t/a/wake")).hasValueSatisfying(v -> {
                        assertThat(v.version()).isEqualTo(3);
                        assertThat(v.head()).isEqualTo(3L);
                        assertThat(v.update().getThreshold()).isEqualTo(0.6f);
                    });
                    assertThat(follower.current("t/b/wake"))
                            .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(1));
                    assertThat(follower.skipped()).isEqualTo(1);
                });

                producer.beginTransaction();
                producer.send(record("t/a/wake", null));
                producer.send(record("t/b/wake", head("t/b/wake", 4, 0.8f).toByteArray()));
                producer.commitTransaction();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(follower.current("t/a/wake")).isEmpty();
                    assertThat(follower.current("t/b/wake"))
                            .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(4));
                });
                assertThat(follower.snapshot()).containsOnlyKeys("t/b/wake");
            }
        }
    }

    @Test
    void aForgedHeadUnderAnotherKeyFoolsNoFollowerAndTheUsersTombstoneRemovesTheRealHead() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "follower-forged-it");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(2);
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "follower-forged-it");
            try (KafkaProducer<byte[], byte[]> producer =
                            new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
                    HeadFollower<Long> follower = new HeadFollower<>(bs, HeadUpdate::getVersion).start()) {
                producer.initTransactions();
                send(
                        producer,
                        List.of(head("t/a/wake", 1, 0.5f), head("t/a/wake", 2, 0.5f), head("t/b/wake", 1, 0.5f)));
                // committed, as a producer with write access to the topic could: under b's key, and
                // under a key of no user, payloads naming a's head with versions a's never reaches
                producer.beginTransaction();
                producer.send(record(
                        "t/b/wake", head("t/a/wake", Long.MAX_VALUE, 0.9f).toByteArray()));
                producer.send(record(
                        "t/mallory/wake", head("t/a/wake", 1_000_000, 0.9f).toByteArray()));
                producer.send(record(
                        "t/a/wake",
                        head("t/a/wake", 1_000_001, 0.9f).toBuilder()
                                .setUser("mallory")
                                .build()
                                .toByteArray()));
                producer.commitTransaction();
                send(producer, List.of(head("t/a/wake", 3, 0.6f)));

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(follower.received()).isEqualTo(7);
                    assertThat(follower.foreign()).isEqualTo(3);
                    assertThat(follower.current("t/a/wake")).hasValueSatisfying(v -> {
                        assertThat(v.version()).isEqualTo(3);
                        assertThat(v.update().getThreshold()).isEqualTo(0.6f);
                    });
                    assertThat(follower.current("t/b/wake"))
                            .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(1));
                    assertThat(follower.snapshot()).containsOnlyKeys("t/a/wake", "t/b/wake");
                });
                // a new follower catching up from the beginning is not fooled either
                try (HeadFollower<Long> late = new HeadFollower<>(bs, HeadUpdate::getVersion).start()) {
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                        assertThat(late.foreign()).isEqualTo(3);
                        assertThat(late.current("t/a/wake"))
                                .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(3));
                    });
                }

                // the user's erase: a's tombstone removes a's head, whatever was forged for it
                producer.beginTransaction();
                producer.send(record("t/a/wake", null));
                producer.commitTransaction();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(follower.received()).isEqualTo(8);
                    assertThat(follower.current("t/a/wake")).isEmpty();
                    assertThat(follower.snapshot()).containsOnlyKeys("t/b/wake");
                });
            }
        }
    }

    @Test
    void aSelectiveFollowerHoldsOnlyItsHeadsAndSaysWhenItHasCaughtUp() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "follower-selective-it");
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(4);
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "follower-selective-it");
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.initTransactions();
                List<HeadUpdate> many = new java.util.ArrayList<>();
                for (int u = 0; u < 40; u++) {
                    for (int v = 1; v <= 3; v++) {
                        many.add(head("t/u" + u + "/wake", v, 0.1f * v));
                    }
                }
                many.add(head("other/u1/wake", 5, 0.5f));
                send(producer, many);
                // the newest committed heads are there before the followers start: they restore them
                try (HeadFollower<Long> one = HeadFollower.<Long>builder(bs, HeadUpdate::getVersion)
                                .heads(List.of("t/u7/wake"))
                                .build()
                                .start();
                        HeadFollower<Long> tenant = HeadFollower.<Long>builder(bs, HeadUpdate::getVersion)
                                .tenants(List.of("other"))
                                .users(List.of("t/u3"))
                                .build()
                                .start()) {
                    assertThat(one.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                    assertThat(tenant.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                    assertThat(one.snapshot()).containsOnlyKeys("t/u7/wake");
                    assertThat(one.current("t/u7/wake"))
                            .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(3));
                    // only the partition of its one key was read: about a quarter of the records
                    assertThat(one.received()).isLessThan(many.size());
                    assertThat(tenant.snapshot()).containsOnlyKeys("t/u3/wake", "other/u1/wake");
                    assertThat(tenant.received()).isEqualTo(many.size());
                    assertThat(tenant.unselected()).isEqualTo(many.size() - 4);

                    // after catching up, new versions of the selected heads still arrive, others do not
                    send(producer, List.of(head("t/u7/wake", 4, 0.9f), head("t/u8/wake", 4, 0.9f)));
                    await().atMost(Duration.ofSeconds(30))
                            .untilAsserted(() -> assertThat(one.current("t/u7/wake"))
                                    .hasValueSatisfying(
                                            v -> assertThat(v.version()).isEqualTo(4)));
                    assertThat(one.snapshot()).containsOnlyKeys("t/u7/wake");
                }
            }
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, List<HeadUpdate> heads) {
        producer.beginTransaction();
        for (HeadUpdate h : heads) {
            producer.send(record(h.getHeadId(), h.toByteArray()));
        }
        producer.commitTransaction();
    }

    private static ProducerRecord<byte[], byte[]> record(String key, byte[] value) {
        return new ProducerRecord<>(Topics.HEADS, key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** A head as the adapter writes it: head id, tenant, user and task all agree. */
    private static HeadUpdate head(String id, long version, float threshold) {
        String[] parts = id.split("/");
        return HeadUpdate.newBuilder()
                .setHeadId(id)
                .setTenant(parts[0])
                .setUser(parts[1])
                .setTask(parts[2])
                .setVersion(version)
                .setThreshold(threshold)
                .build();
    }
}
