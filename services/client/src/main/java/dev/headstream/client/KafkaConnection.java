package dev.headstream.client;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Where a Kafka cluster is and how to authenticate to it: the bootstrap servers plus the client
 * security settings every Headstream client (the command line, the client library, the tools)
 * applies to each producer, consumer and admin client it makes.
 *
 * <p>The security settings are Kafka's own client keys, the same block the adapter takes under
 * {@code kafka.} in its configuration: {@code security.protocol}, {@code sasl.*} (SCRAM-SHA-512:
 * {@code sasl.mechanism} and {@code sasl.jaas.config}) and {@code ssl.*} (a truststore, and a
 * keystore for mutual TLS). A value may name an environment variable as {@code ${env:NAME}}, so that
 * a password can come from a Kubernetes Secret or a compose file instead of the file itself.
 * {@link #load} refuses anything else (a misspelt key would otherwise only be a warning in the
 * client's log while it connects without authentication), names the problem and the file.
 *
 * <p>Immutable.
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> security) {

    /** Environment variable naming a security file, for commands given no {@code --kafka-config}. */
    public static final String CONFIG_ENV = "HEADSTREAM_KAFKA_CONFIG";

    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

    /** Keys Kafka's producer, consumer and admin client all know: the only ones a security block may hold. */
    private static final Set<String> CLIENT_KEYS = clientKeys();

    public KafkaConnection {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("Kafka bootstrap servers are empty");
        }
        security = Collections.unmodifiableMap(new TreeMap<>(security));
    }

    /** A cluster without authentication (PLAINTEXT). */
    public static KafkaConnection plain(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, Map.of());
    }

    /**
     * The cluster at {@code bootstrapServers} with the security settings of {@code file}, or of the
     * file {@value #CONFIG_ENV} names when {@code file} is null, or none when that is unset too.
     *
     * @throws IllegalArgumentException naming the file and the problem: it cannot be read, holds a
     *     key that is not a client security setting, a {@code security.protocol} Kafka does not know,
     *     SASL without {@code sasl.mechanism} and {@code sasl.jaas.config}, or an {@code ${env:NAME}}
     *     that is not set
     */
    public static KafkaConnection load(String bootstrapServers, Path file) {
        return load(bootstrapServers, file, System::getenv);
    }

    static KafkaConnection load(String bootstrapServers, Path file, UnaryOperator<String> env) {
        Path chosen = file;
        if (chosen == null) {
            String named = env.apply(CONFIG_ENV);
            if (named == null || named.isBlank()) {
                return plain(bootstrapServers);
            }
            chosen = Path.of(named);
        }
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(chosen, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the Kafka security settings " + chosen + ": " + e.getMessage(), e);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            settings.put(key, expand(p.getProperty(key).strip(), key, chosen, env));
        }
        return new KafkaConnection(bootstrapServers, check(settings, chosen.toString()));
    }

    /**
     * {@code settings} if they are a valid security block.
     *
     * @param where the settings' origin, for the message
     * @throws IllegalArgumentException naming the first problem
     */
    public static Map<String, String> check(Map<String, String> settings, String where) {
        for (String key : settings.keySet()) {
            if (key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException(where + ": bootstrap.servers does not belong in the security"
                        + " settings; give the servers with --bootstrap");
            }
            if (!isSecurityKey(key) || !CLIENT_KEYS.contains(key)) {
                throw new IllegalArgumentException(where + ": '" + key + "' is not a Kafka client security setting"
                        + " (security.protocol, sasl.* or ssl.* as the Kafka clients name them)");
            }
        }
        String protocol = settings.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
        SecurityProtocol known;
        try {
            known = SecurityProtocol.forName(protocol);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    where + ": security.protocol '" + protocol + "' is not one of " + SecurityProtocol.names());
        }
        boolean sasl = known == SecurityProtocol.SASL_PLAINTEXT || known == SecurityProtocol.SASL_SSL;
        boolean tls = known == SecurityProtocol.SSL || known == SecurityProtocol.SASL_SSL;
        if (sasl) {
            if (!settings.containsKey("sasl.mechanism")) {
                throw new IllegalArgumentException(
                        where + ": security.protocol " + known + " needs sasl.mechanism (see docs/security.md)");
            }
            // Kerberos may take its login from the JVM's java.security.auth.login.config instead
            if (!settings.containsKey("sasl.jaas.config")
                    && !settings.get("sasl.mechanism").equals("GSSAPI")) {
                throw new IllegalArgumentException(
                        where + ": security.protocol " + known + " needs sasl.jaas.config (see docs/security.md)");
            }
        } else if (settings.keySet().stream().anyMatch(k -> k.startsWith("sasl."))) {
            throw new IllegalArgumentException(where + ": sasl.* settings are given but security.protocol is " + known
                    + ", so they would be ignored; use SASL_SSL or SASL_PLAINTEXT");
        }
        if (!tls && settings.keySet().stream().anyMatch(k -> k.startsWith("ssl."))) {
            throw new IllegalArgumentException(where + ": ssl.* settings are given but security.protocol is " + known
                    + ", so they would be ignored; use SSL or SASL_SSL");
        }
        return settings;
    }

    /** Whether {@code key} names a security setting: {@code security.protocol}, {@code sasl.*} or {@code ssl.*}. */
    public static boolean isSecurityKey(String key) {
        return key.equals(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)
                || key.startsWith("sasl.")
                || key.startsWith("ssl.");
    }

    /** Bootstrap servers plus the security settings, as a client's properties. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(security);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /** Whether clients authenticate (any protocol but PLAINTEXT). */
    public boolean authenticated() {
        return !security.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT")
                .equalsIgnoreCase("PLAINTEXT");
    }

    /** The servers and the protocol, never a secret (for messages and logs). */
    @Override
    public String toString() {
        return bootstrapServers + " ("
                + security.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT")
                        .toUpperCase(Locale.ROOT)
                + (security.containsKey("sasl.mechanism") ? " " + security.get("sasl.mechanism") : "") + ")";
    }

    private static String expand(String value, String key, Path file, UnaryOperator<String> env) {
        if (value.replaceAll(ENV.pattern(), "").contains("${env:")) {
            throw new IllegalArgumentException(file + ": " + key
                    + " holds a ${env:...} that is not ${env:NAME} with NAME of letters, digits and _");
        }
        Matcher m = ENV.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = env.apply(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException(
                        file + ": " + key + " names ${env:" + m.group(1) + "}, which is not set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Set<String> clientKeys() {
        Set<String> keys = new TreeSet<>(ProducerConfig.configNames());
        keys.retainAll(ConsumerConfig.configNames());
        keys.retainAll(AdminClientConfig.configNames());
        return Collections.unmodifiableSet(keys);
    }
}
