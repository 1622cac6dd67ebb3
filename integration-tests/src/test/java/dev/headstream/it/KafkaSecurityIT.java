package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.headstream.client.HeadFollower;
import dev.headstream.client.KafkaConnection;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.tools.DevMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The whole loop on a broker that authenticates (SASL SCRAM-SHA-512) and authorizes (ACLs, deny
 * by default), with one user per role set up by {@code headstream kafka-user} as a deployment's
 * set-up step does: a client without credentials gets nothing; the producer writes samples and
 * cannot write heads or control commands; the follower reads heads and cannot write them or read
 * samples; the adapter trains with its own credentials and cannot forge samples; the operator's
 * {@code control reset} reaches the adapter and its result reaches the follower; the admin API's
 * catalog follows the heads with the operator's credentials.
 */
class KafkaSecurityIT {

    private static final String TENANT = "secure";
    private static final String TASK = "wake";
    private static final int CLIPS = 4;
    private static final Duration SHORT = Duration.ofSeconds(5);

    @Test
    void eachRoleDoesItsPartOfTheLoopAndNothingElse() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "security-it");
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(11)
                .withUsers(1)
                .withTrain(CLIPS, CLIPS)
                .withHoldout(0, 0)
                .withBackground(2, 4));
        Path rehearsal = ItSupport.writeReferenceSet(work, pop, TASK);
        SyntheticUser user = pop.users().get(0);
        String headId = TENANT + "/" + user.id() + "/" + TASK;
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka"))
                .scram("admin", "admin-secret")
                .start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs, kafka.clientProperties())) {
                admin.ensureTopics(2);
            }
            Path adminConfig = securityFile(work, "admin", kafka.clientProperties());
            for (String role : List.of("producer", "adapter", "follower", "operator")) {
                Path password = work.resolve(role + ".password");
                Files.writeString(password, role + "-secret\n");
                String out = run(
                        "kafka-user",
                        "-b",
                        bs,
                        "--kafka-config",
                        adminConfig.toString(),
                        "--name",
                        role,
                        "--role",
                        role,
                        "--password-file",
                        password.toString());
                assertThat(out).contains("SCRAM-SHA-512 credential of " + role + " set");
            }
            KafkaConnection producer = connection(work, bs, "producer");
            KafkaConnection follower = connection(work, bs, "follower");
            KafkaConnection adapterRole = connection(work, bs, "adapter");

            // no credentials, wrong credentials: nothing at all
            assertThatThrownBy(() -> TopicReader.readAll(KafkaConnection.plain(bs), Topics.HEADS, SHORT))
                    .isInstanceOf(TimeoutException.class);

            // what a role may not do, each refused by the broker
            assertRefused(producer, Topics.HEADS);
            assertRefused(producer, Topics.CONTROL);
            assertRefused(follower, Topics.HEADS);
            assertRefused(adapterRole, Topics.SAMPLES);
            assertRefused(connection(work, bs, "operator"), Topics.SAMPLES);
            assertThatThrownBy(() -> TopicReader.readAll(follower, Topics.SAMPLES, SHORT))
                    .isInstanceOf(TopicAuthorizationException.class);
            assertThatThrownBy(() -> TopicReader.readAll(producer, Topics.HEADS, SHORT))
                    .isInstanceOf(TopicAuthorizationException.class);

            Map<String, String> props = ItSupport.crashTestProperties(bs, rehearsal, 4, "security-it");
            EmbeddedKafka.scramClientProperties("adapter", "adapter-secret")
                    .forEach((k, v) -> props.put("kafka." + k, String.valueOf(v)));
            // the admin API reads heads and metrics and writes control as the operator
            EmbeddedKafka.scramClientProperties("operator", "operator-secret")
                    .forEach((k, v) -> props.put("headstream.admin.kafka." + k, String.valueOf(v)));
            ItSupport.addAdminUser(props, "vera", "vera-pw", "operator");
            try (AdapterProcess adapter = AdapterProcess.start(
                                    ItSupport.adapterJar(), props, work.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3));
                    HeadFollower<HeadUpdate> heads =
                            HeadFollower.builder(follower, u -> u).build().start();
                    SampleSender sender = new SampleSender(producer)) {
                ItSupport.sendTrain(sender, TENANT, TASK, List.of(user), 0, CLIPS);
                ItSupport.awaitApplied(heads, TENANT, TASK, List.of(user), CLIPS);
                long trained = heads.current(headId).orElseThrow().version();
                // the admin API's catalog follows the heads with the operator's credentials
                await().atMost(Duration.ofMinutes(1))
                        .untilAsserted(() -> assertThat(admin(adapter, "admin/heads/" + headId))
                                .contains("\"version\":" + trained));

                String sent = run(
                        "control",
                        "reset",
                        TENANT + "/" + user.id(),
                        "--bootstrap",
                        bs,
                        "--kafka-config",
                        work.resolve("operator.properties").toString());
                assertThat(sent).contains("sent reset for " + TENANT + "/" + user.id());
                await().atMost(Duration.ofMinutes(2))
                        .untilAsserted(() -> assertThat(heads.current(headId)).hasValueSatisfying(v -> {
                            assertThat(v.version()).isGreaterThan(trained);
                            assertThat(v.update().getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
                        }));
                assertThat(adapter.isAlive()).isTrue();
                assertThat(adapter.logText()).doesNotContain("adapter-secret").doesNotContain("operator-secret");
            }
        }
    }

    /** The admin API's answer to a GET of {@code path} as the operator user, or its status when not 200. */
    private static String admin(AdapterProcess adapter, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adapter.httpPort() + "/" + path))
                                .header(
                                        "Authorization",
                                        "Basic "
                                                + Base64.getEncoder()
                                                        .encodeToString(
                                                                "vera:vera-pw".getBytes(StandardCharsets.UTF_8)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? r.body() : "HTTP " + r.statusCode() + ": " + r.body();
    }

    /**
     * A producer of {@code kafka} sending to {@code topic} is refused for want of an ACL: the topic
     * (TopicAuthorizationException) or, for a role that may write nowhere, already its idempotent
     * producer id (ClusterAuthorizationException).
     */
    private static void assertRefused(KafkaConnection kafka, String topic) {
        try (SampleSender sender = new SampleSender(kafka)) {
            sender.send(topic, TENANT + "/nobody", new byte[] {1});
            assertThatThrownBy(sender::flush)
                    .as("%s writing to %s", kafka, topic)
                    .hasRootCauseInstanceOf(AuthorizationException.class);
        }
    }

    /** The role's security file, as an operator would write it, read back the way every command reads one. */
    private static KafkaConnection connection(Path work, String bs, String role) throws IOException {
        Path file = securityFile(work, role, EmbeddedKafka.scramClientProperties(role, role + "-secret"));
        return KafkaConnection.load(bs, file);
    }

    private static Path securityFile(Path work, String name, Map<String, Object> settings) throws IOException {
        Properties p = new Properties();
        settings.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
        Path file = work.resolve(name + ".properties");
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, null);
        }
        return file;
    }

    /** Runs a {@code headstream} command in-process; fails with its error output unless it exits 0. */
    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = DevMain.commandLine();
        line.setOut(new PrintWriter(out));
        line.setErr(new PrintWriter(err));
        int code = line.execute(args);
        assertThat(code).as("exit code of %s; error output: %s", args[0], err).isZero();
        return out.toString();
    }
}
