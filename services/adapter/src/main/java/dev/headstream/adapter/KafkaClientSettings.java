package dev.headstream.adapter;

import dev.headstream.client.KafkaConnection;
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

    /** Prefix of the admin API's own Kafka security block (its control producer). */
    public static final String ADMIN_PREFIX = "headstream.admin.kafka.";

    /** {@code bootstrap.servers} plus the security settings of the current configuration. */
    public static Properties client(String bootstrapServers) {
        return withBootstrap(security(ConfigProvider.getConfig(), "kafka."), bootstrapServers);
    }

    /**
     * {@code bootstrap.servers} plus the security keys under {@code prefix} (e.g.
     * {@value #ADMIN_PREFIX}) when any is set, else the {@code kafka.} block's.
     */
    public static Properties client(String bootstrapServers, String prefix) {
        Config config = ConfigProvider.getConfig();
        Map<String, String> own = security(config, prefix);
        return withBootstrap(own.isEmpty() ? security(config, "kafka.") : own, bootstrapServers);
    }

    private static Properties withBootstrap(Map<String, String> security, String bootstrapServers) {
        Properties p = new Properties();
        p.putAll(security);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /**
     * The security keys of {@code config}'s block under {@code prefix} (such as {@code kafka.}),
     * without the prefix, from properties or their environment-variable spelling.
     */
    static Map<String, String> security(Config config, String prefix) {
        String envPrefix = prefix.toUpperCase(Locale.ROOT).replace('.', '_');
        Map<String, String> out = new TreeMap<>();
        for (String name : config.getPropertyNames()) {
            String key;
            if (name.startsWith(prefix)) {
                key = name.substring(prefix.length());
            } else if (name.startsWith(envPrefix)) {
                key = name.substring(envPrefix.length())
                        .toLowerCase(Locale.ROOT)
                        .replace('_', '.');
            } else {
                continue;
            }
            if (KafkaConnection.isSecurityKey(key)) {
                // the raw value: an empty one (ssl.endpoint.identification.algorithm= turns hostname
                // checks off) must reach these clients as it reaches the channels, not read as missing
                String v = config.getConfigValue(name).getValue();
                if (v != null) {
                    out.putIfAbsent(key, v);
                }
            }
        }
        return out;
    }
}
