package dev.headstream.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DevMainTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void listsTheUserCommandsAndTheDevelopmentToolsInTheHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("Usage: headstream");
        assertThat(commands(out.toString()))
                .containsExactlyInAnyOrder(
                        "watch",
                        "heads",
                        "control",
                        "export-head",
                        "replay",
                        "eval",
                        "produce",
                        "detect",
                        "admin-user",
                        "kafka",
                        "topics",
                        "kafka-user",
                        "produce-synth",
                        "demo",
                        "bank",
                        "sweep",
                        "bench-heads",
                        "bench-dedup",
                        "bench-transfer",
                        "bench-clean",
                        "bench-quiet",
                        "bench-own-word",
                        "bench-adapt",
                        "bench-bank-size",
                        "bench-swap",
                        "bench-e2e",
                        "bench-speakers",
                        "speaker-transform",
                        "soak");
    }

    @Test
    void benchAdaptRejectsAZeroPassCountBeforeLoadingAnything(@TempDir Path dir) {
        assertThat(run("bench-adapt", "--passes", "0", "--models-dir", dir.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--passes must be positive");
    }

    @Test
    void benchSpeakersRejectsAHouseholdLargerThanTheSpeakerPoolBeforeRenderingAnything(@TempDir Path dir) {
        assertThat(run("bench-speakers", "--sizes", "8", "--models-dir", dir.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("households of 8 need 8 distinct speakers");
    }

    @Test
    void speakerTransformChecksItsOptionsBeforeLoadingAnything(@TempDir Path dir) {
        assertThat(run("speaker-transform", "--clips-per-speaker", "1", "--models-dir", dir.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--clips-per-speaker must be 2 to 10000, got 1");
        err.getBuffer().setLength(0);
        assertThat(run("speaker-transform", "--threads", "0", "--models-dir", dir.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--threads must be 1 to 64, got 0");
    }

    @Test
    void benchSpeakersChecksItsOptionsBeforeOpeningTheBankOrRenderingAnything(@TempDir Path dir) {
        String[][] cases = {
            {"--mel-representations", "mel-nonsense-wccn", "--mel-representations"},
            {"--mel-headline", "mel-logmel-nonsense", "--mel-headline: no mel representation"},
            {"--mel-head", "cosine", "--mel-head must be one of"},
            {"--headline-calibration", "blocks", "--headline-calibration must be one of"},
            {"--target", "1", "--target must be in [0, 1)"},
            {"--other-targets", "0.05,-0.1", "--other-targets must be in [0, 1)"},
            {"--training-clips", "1", "--training-clips must be >= 2"},
            {"--calibration-clips", "0", "--calibration-clips must be >= 1"},
            {"--block-frames", "0", "--block-frames must be >= 1"},
            {"--lda-components", "-1", "--lda-components must be >= 0"},
            {"--sizes", "2,3,2", "--sizes must be distinct"},
            {"--enroll", "1,5,5", "--enroll must be distinct"},
            {"--enroll", "40", "the largest --enroll plus --test must be at most"},
        };
        for (String[] c : cases) {
            err.getBuffer().setLength(0);
            // the models folder is empty: a check that came after opening the bank would fail on it instead
            assertThat(run("bench-speakers", c[0], c[1], "--models-dir", dir.toString()))
                    .as(c[0] + " " + c[1])
                    .isEqualTo(CommandLine.ExitCode.USAGE);
            assertThat(err.toString()).as(c[0] + " " + c[1]).contains(c[2]);
        }
    }

    @Test
    void kafkaRejectsAZeroPartitionCount(@TempDir Path dataDir) {
        assertThat(run("kafka", "--partitions", "0", "--data-dir", dataDir.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--partitions must be at least 1");
    }

    @Test
    void kafkaFailsWithOneLineWhenItsPortIsTaken(@TempDir Path dataDir) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int exitCode =
                    run("kafka", "--port", String.valueOf(taken.getLocalPort()), "--data-dir", dataDir.toString());

            assertThat(exitCode).isEqualTo(CommandLine.ExitCode.SOFTWARE);
            assertThat(err.toString().strip())
                    .isEqualTo("headstream kafka: Cannot start Kafka: broker port 127.0.0.1:" + taken.getLocalPort()
                            + " is already in use");
        }
    }

    @Test
    void topicsCreatesTheTopicsThenRestoresASettingChangedSince(@TempDir Path dataDir) {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(dataDir).start()) {
            String bs = kafka.bootstrapServers();
            assertThat(run("topics", "-b", bs, "--partitions", "2")).isZero();
            assertThat(out.toString())
                    .contains("created [headstream.adapter-state")
                    .contains("every setting applied");
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.setConfig(Topics.SAMPLES, TopicSpecs.MESSAGE_TIMESTAMP_TYPE, "CreateTime");
            }

            assertThat(run("topics", "-b", bs, "--partitions", "2")).isZero();

            assertThat(out.toString()).contains("none created");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bs))) {
                ConfigResource samples = new ConfigResource(ConfigResource.Type.TOPIC, Topics.SAMPLES);
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(admin.describeConfigs(List.of(samples))
                                        .all()
                                        .get()
                                        .get(samples)
                                        .get(TopicSpecs.MESSAGE_TIMESTAMP_TYPE)
                                        .value())
                                .isEqualTo("LogAppendTime"));
            }
        }
    }

    @Test
    void aSecuredDevBrokerNeedsAReadablePassword(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("nope");
        assertThat(run("kafka", "--data-dir", dir.toString(), "--scram-admin-password-file", missing.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--scram-admin-password-file " + missing + ": cannot read it");

        Path comma = dir.resolve("pw");
        Files.writeString(comma, "a,b\n");
        assertThat(run("kafka", "--data-dir", dir.toString(), "--scram-admin-password-file", comma.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--scram-admin-password-file " + comma + ": ");
    }

    @Test
    void kafkaUserPrintsARolesAclsWithoutABrokerOnADryRun() {
        assertThat(run("kafka-user", "--name", "alice", "--role", "producer", "--dry-run"))
                .isZero();
        assertThat(out.toString())
                .isEqualTo(
                        "User:alice, role producer: 1 ACLs\n  ALLOW WRITE on TOPIC " + Topics.SAMPLES + " (LITERAL)\n");
    }

    @Test
    void kafkaUserNamesAnUnknownRoleAndAMissingPassword(@TempDir Path dir) {
        assertThat(run("kafka-user", "--name", "a", "--role", "admin", "--dry-run"))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString())
                .contains("no Kafka role 'admin'; the roles are [producer, adapter, follower, operator, monitor]");

        Path missing = dir.resolve("nope");
        assertThat(run("kafka-user", "--name", "a", "--role", "follower", "--password-file", missing.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--password-file " + missing + ": cannot read it");
    }

    @Test
    void aSecurityFileThatCannotBeUsedIsAUsageErrorNamingItBeforeAnyConnection(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("kafka.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechansim=SCRAM-SHA-512\n");

        assertThat(run("control", "reset", "t/u", "--bootstrap", "127.0.0.1:1", "--kafka-config", file.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains(file + ": 'sasl.mechansim' is not a Kafka client security setting");
    }

    /** The command names of a picocli help text (the indented first word of each "Commands:" line). */
    private static List<String> commands(String help) {
        String list = help.substring(help.indexOf("Commands:"));
        return Pattern.compile("(?m)^  ([a-z][a-z0-9-]*)\\b")
                .matcher(list)
                .results()
                .map(m -> m.group(1))
                .toList();
    }

    private int run(String... args) {
        return DevMain.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                .execute(args);
    }
}
