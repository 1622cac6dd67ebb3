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
 * (tombstones) and never sees aborted transactions.
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

    private static HeadUpdate head(String id, long version, float threshold) {
        return HeadUpdate.newBuilder()
                .setHeadId(id)
                .setVersion(version)
                .setThreshold(threshold)
                .build();
    }
}
