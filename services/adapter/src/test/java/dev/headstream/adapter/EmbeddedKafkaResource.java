package dev.headstream.adapter;

import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real broker for the adapter's Quarkus tests: the test kit's embedded KRaft broker in a child
 * JVM, with every Headstream topic created (one partition each), in a fresh directory under
 * {@code target/}. Gives the application {@code kafka.bootstrap.servers}; the broker and its data
 * go when the test's application stops.
 */
public class EmbeddedKafkaResource implements QuarkusTestResourceLifecycleManager {

    private EmbeddedKafka kafka;

    @Override
    public Map<String, String> start() {
        try {
            Path target = Files.createDirectories(Path.of("target"));
            kafka = EmbeddedKafka.builder(Files.createTempDirectory(target, "quarkus-test-kafka"))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers())) {
            admin.ensureTopics(1);
        }
        return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers());
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }
}
