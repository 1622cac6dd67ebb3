package dev.headstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

class KafkaClientSettingsTest {

    @Test
    void theSecurityKeysOfTheKafkaBlockAndTheirEnvironmentFormsAreTakenNothingElse() {
        Config config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(
                        Map.of(
                                "kafka.bootstrap.servers", "h:9092",
                                "kafka.security.protocol", "SASL_SSL",
                                "kafka.sasl.mechanism", "SCRAM-SHA-512",
                                "kafka.sasl.jaas.config", "login",
                                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/ca.p12",
                                "kafka.acks", "0",
                                "mp.messaging.incoming.samples.sasl.mechanism", "PLAIN",
                                "quarkus.kafka.health.enabled", "true"),
                        "test",
                        100))
                .build();

        assertThat(KafkaClientSettings.security(config, "kafka."))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "security.protocol", "SASL_SSL",
                        "sasl.mechanism", "SCRAM-SHA-512",
                        "sasl.jaas.config", "login",
                        "ssl.truststore.location", "/ca.p12"));
    }
}
