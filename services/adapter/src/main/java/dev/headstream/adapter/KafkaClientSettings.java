package dev.headstream.adapter;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The Kafka security settings of the adapter's own clients (the commit check's and the topic
 * check's admin clients, the changelog reader's consumers): the {@code security.protocol},
 * {@code sasl.*} and {@code ssl.*} keys of the {@code kafka.} block that SmallRye applies to every
 * channel, so that one block (docs/security.md) secures every connection the adapter opens. Keys
 * come from {@code kafka.<key>} properties or {@code KAFKA_<KEY>} environment variables
 * ({@code KAFKA_SASL_JAAS_CONFIG}), as Quarkus reads the channels' block.
 */
public final class KafkaClientSettings {

    private KafkaClientSettings() {}

    /** {@code bootstrap.servers} plus the security settings of the current configuration. */
    public static Properties client(String bootstrapServers) {
        Properties p = new Properties();
        p.putAll(security(ConfigProvider.getConfig()));
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /** The security keys of {@code config}'s Kafka block, without the {@code kafka.} prefix. */
    static Map<String, String> security(Config config) {
        Map<String, String> out = new TreeMap<>();
        for (String name : config.getPropertyNames()) {
            String key;
            if (name.startsWith("kafka.")) {
                key = name.substring("kafka.".length());
            } else if (name.startsWith("KAFKA_")) {
                key = name.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
            } else {
                continue;
            }
            if (key.equals(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)
                    || key.startsWith("sasl.")
                    || key.startsWith("ssl.")) {
                config.getOptionalValue(name, String.class).ifPresent(v -> out.putIfAbsent(key, v));
            }
        }
        return out;
    }
}
