package dev.headstream.adapter.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The start-up check against a real broker: topics as the test kit makes them pass, a changed one is named. */
class TopicCheckTest {

    private static final int REQUEST = TopicSpecs.LARGE_RECORD_BYTES;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        Path target = Files.createDirectories(Path.of("target"));
        kafka = EmbeddedKafka.builder(Files.createTempDirectory(target, "topic-check-kafka"))
                .start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static TopicCheck check(boolean rateLimited) {
        EngineSpec spec = EngineSpec.fromProperties(Map.of(
                "headstream.models-dir",
                System.getProperty("headstream.models.dir", ".models"),
                "headstream.rate-limit.samples-per-minute",
                rateLimited ? "60" : "0"));
        return new TopicCheck(null, spec, kafka.bootstrapServers(), REQUEST);
    }

    @Test
    void namesMissingTopicsThenPassesTopicsAsTheTestKitMakesThemAndKeepsTheirLimits() {
        assertThatThrownBy(() -> check(false).check())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("topic headstream.samples does not exist")
                .hasMessageContaining("headstream.topic-check.enabled=false");

        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers())) {
            admin.ensureTopics(3);
        }
        TopicCheck check = check(true);
        assertThat(check.check()).as("samples partitions").isEqualTo(3);
        assertThat(check.limits().limit(Topics.REJECTED))
                .isEqualTo(TopicSpecs.SMALL_RECORD_BYTES - RecordLimits.RECORD_OVERHEAD_BYTES);

        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers())) {
            admin.setConfig(Topics.SAMPLES, TopicSpecs.MESSAGE_TIMESTAMP_TYPE, "CreateTime");
            admin.setConfig(Topics.REJECTED, TopicSpecs.MAX_MESSAGE_BYTES, "2000");
        }
        // the broker applies an altered config through its metadata log, a moment after the
        // alter call returns: a describe right after it can still show the old values
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThatThrownBy(() -> check(true).check())
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("2 problems")
                        .hasMessageContaining("topic headstream.samples: message.timestamp.type is CreateTime, wanted"
                                + " LogAppendTime")
                        .hasMessageContaining("topic headstream.rejected: max.message.bytes is 2000, wanted at least "
                                + TopicSpecs.BOUNDED_RECORD_BYTES));
        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers())) {
            admin.ensureTopics(3); // sets every spec again
        }
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(check(true).check()).isEqualTo(3));
    }
}
