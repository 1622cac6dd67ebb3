package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.headstream.schemas.Topics;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project's broker secured ({@link EmbeddedKafka.Builder#scram(String, String)}): SASL
 * SCRAM-SHA-512 authentication, ACLs that deny what they do not allow, and users and ACLs that
 * survive a restart, for real.
 */
class EmbeddedKafkaSecurityIT {

    private static final String ADMIN = "headstream-admin";
    private static final String ADMIN_PASSWORD = "admin-secret-7Kq";
    private static final String WRITER = "writer";
    private static final String WRITER_PASSWORD = "writer-secret-3Vd";
    private static final String SURVIVOR = "survivor";
    private static final String SURVIVOR_PASSWORD = "survivor-secret-9Xe";
    private static final int PARTITIONS = 2;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Request and API timeout of the clients that may not get in: short, so that they fail fast. */
    private static final int SHORT_TIMEOUT_MS = 3_000;
    /** Request and API timeout of the admin's clients. */
    private static final int ADMIN_TIMEOUT_MS = 30_000;
    /** How long a new credential or ACL may take to reach the broker's authenticator and authorizer. */
    private static final Duration PROPAGATION = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startSecuredBrokerAndCreateTopicsAsAdmin() {
        kafka = EmbeddedKafka.builder(dataDir).scram(ADMIN, ADMIN_PASSWORD).start();
        try (TopicAdmin topics = TopicAdmin.connect(kafka.bootstrapServers(), kafka.clientProperties())) {
            assertThat(topics.ensureTopics(PARTITIONS))
                    .containsExactlyInAnyOrder(
                            Topics.SAMPLES,
                            Topics.HEADS,
                            Topics.ADAPTER_STATE,
                            Topics.METRICS,
                            Topics.REJECTED,
                            Topics.CONTROL);
        }
    }

    @AfterAll
    static void closeBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aClientWithoutSaslGetsNothing() {
        Admin admin = admin(Map.of(), SHORT_TIMEOUT_MS);
        try {
            assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    @Test
    void aWrongPasswordFailsAuthentication() {
        Admin admin = admin(EmbeddedKafka.scramClientProperties(ADMIN, "not-" + ADMIN_PASSWORD), SHORT_TIMEOUT_MS);
        try {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    @Test
    void aNewUserAuthenticatesButWritesOnlyWhereAnAclAllowsIt() throws Exception {
        Map<String, Object> writer = EmbeddedKafka.scramClientProperties(WRITER, WRITER_PASSWORD);
        addUser(WRITER, WRITER_PASSWORD);
        awaitAuthenticates(writer);
        assertThatThrownBy(() -> produce(writer, Topics.METRICS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TopicAuthorizationException.class);

        allowWrite(WRITER, Topics.METRICS);
        awaitSeesTopic(writer, Topics.METRICS);
        assertThat(produce(writer, Topics.METRICS).topic()).isEqualTo(Topics.METRICS);
        assertThatThrownBy(() -> produce(writer, Topics.HEADS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    void usersAndAclsSurviveARestart() throws Exception {
        Map<String, Object> survivor = EmbeddedKafka.scramClientProperties(SURVIVOR, SURVIVOR_PASSWORD);
        addUser(SURVIVOR, SURVIVOR_PASSWORD);
        AclBinding acl = allowWrite(SURVIVOR, Topics.CONTROL);

        kafka.stop();
        kafka.start();

        // the start authenticated the admin, whose credential only the format added
        assertThat(Files.readAllLines(kafka.logFile(), StandardCharsets.UTF_8))
                .filteredOn(line -> line.contains("headstream: formatting"))
                .hasSize(1);
        Admin admin = admin(kafka.clientProperties(), ADMIN_TIMEOUT_MS);
        try {
            Map<String, UserScramCredentialsDescription> users =
                    admin.describeUserScramCredentials(List.of(SURVIVOR)).all().get(30, TimeUnit.SECONDS);
            assertThat(users.get(SURVIVOR).credentialInfos())
                    .extracting(ScramCredentialInfo::mechanism)
                    .containsExactly(ScramMechanism.SCRAM_SHA_512);
            assertThat(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .contains(acl);
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
        assertThat(produce(survivor, Topics.CONTROL).topic()).isEqualTo(Topics.CONTROL);
    }

    @Test
    void keepsPasswordsOutOfTheBrokerLog() throws Exception {
        assertThat(Files.readString(kafka.logFile(), StandardCharsets.UTF_8))
                .contains("credential of " + ADMIN)
                .doesNotContain(ADMIN_PASSWORD)
                .doesNotContain(WRITER_PASSWORD)
                .doesNotContain(SURVIVOR_PASSWORD);
    }

    @Test
    void refusesCredentialsThatCannotBeQuotedAsTheyAre() {
        assertThatThrownBy(() -> EmbeddedKafka.scramClientProperties("a\"b", "secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SCRAM user name a\"b contains");
        assertThatThrownBy(() -> EmbeddedKafka.scramClientProperties("alice", "back\\slash"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("password of SCRAM user alice contains")
                .hasMessageNotContaining("back\\slash");
        EmbeddedKafka.Builder builder = EmbeddedKafka.builder(dataDir.resolve("unused"));
        assertThatThrownBy(() -> builder.scram("User:root", "secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("letters, digits");
        assertThatThrownBy(() -> builder.scram(ADMIN, "comma,secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without")
                .hasMessageNotContaining("comma,secret");
    }

    /** Adds a SCRAM-SHA-512 credential for the user, as the admin. */
    private static void addUser(String user, String password) throws Exception {
        Admin admin = admin(kafka.clientProperties(), ADMIN_TIMEOUT_MS);
        try {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    /** Lets the user write to the topic (which implies describing it), as the admin. */
    private static AclBinding allowWrite(String user, String topic) throws Exception {
        AclBinding acl = new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry("User:" + user, "*", AclOperation.WRITE, AclPermissionType.ALLOW));
        Admin admin = admin(kafka.clientProperties(), ADMIN_TIMEOUT_MS);
        try {
            admin.createAcls(List.of(acl)).all().get(30, TimeUnit.SECONDS);
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
        return acl;
    }

    /** Waits until the broker knows the credential the controller committed: a fresh client gets in. */
    private static void awaitAuthenticates(Map<String, Object> security) {
        await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(200)).until(() -> {
            Admin admin = admin(security, SHORT_TIMEOUT_MS);
            try {
                return !admin.describeCluster()
                        .nodes()
                        .get(10, TimeUnit.SECONDS)
                        .isEmpty();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof SaslAuthenticationException) {
                    return false;
                }
                throw e;
            } finally {
                admin.close(CLOSE_TIMEOUT);
            }
        });
    }

    /** Waits until the broker's authorizer has the ACL the controller committed: the user may describe the topic. */
    private static void awaitSeesTopic(Map<String, Object> security, String topic) {
        Admin admin = admin(security, SHORT_TIMEOUT_MS);
        try {
            await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(200)).until(() -> {
                try {
                    return admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get(10, TimeUnit.SECONDS)
                            .containsKey(topic);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicAuthorizationException) {
                        return false;
                    }
                    throw e;
                }
            });
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    /** Sends one record with a new producer (the default, idempotent one) and waits for the ack. */
    private static RecordMetadata produce(Map<String, Object> security, String topic) throws Exception {
        Map<String, Object> config = new HashMap<>(security);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        KafkaProducer<String, String> producer =
                new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
        try {
            return producer.send(new ProducerRecord<>(topic, "acme/alice", "hello"))
                    .get(30, TimeUnit.SECONDS);
        } finally {
            producer.close(CLOSE_TIMEOUT);
        }
    }

    private static Admin admin(Map<String, Object> security, int timeoutMs) {
        Map<String, Object> config = new HashMap<>(security);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        return Admin.create(config);
    }
}
