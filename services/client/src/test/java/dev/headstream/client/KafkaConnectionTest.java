package dev.headstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaConnectionTest {

    private static final String SCRAM = String.join(
            "\n",
            "security.protocol=SASL_SSL",
            "sasl.mechanism=SCRAM-SHA-512",
            "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
                    + " username=\"adapter\" password=\"${env:HS_PASSWORD}\";",
            "ssl.truststore.location=/etc/headstream/ca.p12",
            "ssl.truststore.type=PKCS12",
            "");

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path f = dir.resolve("kafka.properties");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void withoutFileOrEnvironmentTheClusterIsReachedWithoutAuthentication() {
        KafkaConnection k = KafkaConnection.load("h:9092", null, name -> null);

        assertThat(k.security()).isEmpty();
        assertThat(k.authenticated()).isFalse();
        assertThat(k.clientProperties()).containsExactly(Map.entry("bootstrap.servers", "h:9092"));
    }

    @Test
    void aScramBlockIsReadWithItsPasswordFromTheEnvironmentAndNeverShown() throws IOException {
        Path f = file(SCRAM);
        KafkaConnection k = KafkaConnection.load("h:9092", f, name -> name.equals("HS_PASSWORD") ? "s3cret" : null);

        Properties p = k.clientProperties();
        assertThat(p.getProperty("sasl.jaas.config")).contains("password=\"s3cret\"");
        assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(p.getProperty("bootstrap.servers")).isEqualTo("h:9092");
        assertThat(k.authenticated()).isTrue();
        assertThat(k.toString()).isEqualTo("h:9092 (SASL_SSL SCRAM-SHA-512)").doesNotContain("s3cret");
    }

    @Test
    void theEnvironmentNamesTheFileWhenNoneIsGiven() throws IOException {
        Path f = file("security.protocol=SSL\nssl.keystore.location=/k.p12\nssl.keystore.password=x\n");
        KafkaConnection k = KafkaConnection.load(
                "h:9092", null, name -> name.equals(KafkaConnection.CONFIG_ENV) ? f.toString() : null);

        assertThat(k.security())
                .containsEntry("security.protocol", "SSL")
                .containsEntry("ssl.keystore.location", "/k.p12");
    }

    @Test
    void anUnsetVariableIsNamed() throws IOException {
        Path f = file(SCRAM);

        assertThatThrownBy(() -> KafkaConnection.load("h:9092", f, name -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(f + ": sasl.jaas.config names ${env:HS_PASSWORD}, which is not set");
    }

    @Test
    void aMisspeltKeyIsRefusedNotIgnored() throws IOException {
        Path f = file("security.protocol=SASL_SSL\nsasl.mechansim=SCRAM-SHA-512\nsasl.jaas.config=x\n");

        assertThatThrownBy(() -> KafkaConnection.load("h:9092", f, name -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f + ": 'sasl.mechansim' is not a Kafka client security setting");
    }

    @Test
    void keysOtherThanSecurityAreRefused() throws IOException {
        Path bootstrap = file("bootstrap.servers=other:9092\n");
        assertThatThrownBy(() -> KafkaConnection.load("h:9092", bootstrap, name -> null))
                .hasMessageContaining("bootstrap.servers does not belong in the security settings");

        Path acks = file("acks=0\n");
        assertThatThrownBy(() -> KafkaConnection.load("h:9092", acks, name -> null))
                .hasMessageContaining("'acks' is not a Kafka client security setting");
    }

    @Test
    void anUnknownProtocolIsNamedWithTheKnownOnes() throws IOException {
        Path f = file("security.protocol=SASL_TLS\n");

        assertThatThrownBy(() -> KafkaConnection.load("h:9092", f, name -> null))
                .hasMessageContaining("security.protocol 'SASL_TLS' is not one of")
                .hasMessageContaining("SASL_SSL");
    }

    @Test
    void saslNeedsItsMechanismAndLoginAndIsUselessWithoutIt() throws IOException {
        Path noLogin = file("security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n");
        assertThatThrownBy(() -> KafkaConnection.load("h:9092", noLogin, name -> null))
                .hasMessageContaining("security.protocol SASL_PLAINTEXT needs sasl.jaas.config");

        Path plaintext = file("sasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=x\n");
        assertThatThrownBy(() -> KafkaConnection.load("h:9092", plaintext, name -> null))
                .hasMessageContaining("sasl.* settings are given but security.protocol is PLAINTEXT");
    }

    @Test
    void tlsSettingsWithoutTlsAreRefusedAndKerberosMayUseTheJvmsLogin() throws IOException {
        Path plaintext = file("ssl.truststore.location=/ca.p12\n");
        assertThatThrownBy(() -> KafkaConnection.load("h:9092", plaintext, name -> null))
                .hasMessageContaining("ssl.* settings are given but security.protocol is PLAINTEXT");

        Path kerberos = file("security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\nsasl.kerberos.service.name=kafka\n");
        assertThat(KafkaConnection.load("h:9092", kerberos, name -> null).security())
                .containsEntry("sasl.mechanism", "GSSAPI");
    }

    @Test
    void aMalformedEnvironmentReferenceIsRefusedNotSentAsAPassword() throws IOException {
        Path f =
                file("security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=x password=\"${env:a-b}\";\n");

        assertThatThrownBy(() -> KafkaConnection.load("h:9092", f, name -> "v"))
                .hasMessage(f + ": sasl.jaas.config holds a ${env:...} that is not ${env:NAME} with NAME of letters,"
                        + " digits and _");
    }

    @Test
    void aFileThatCannotBeReadIsNamed() {
        Path missing = dir.resolve("nope.properties");

        assertThatThrownBy(() -> KafkaConnection.load("h:9092", missing, name -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot read the Kafka security settings " + missing);
    }

    @Test
    void emptyBootstrapServersAreRefused() {
        assertThatThrownBy(() -> KafkaConnection.plain(" ")).hasMessage("Kafka bootstrap servers are empty");
    }
}
