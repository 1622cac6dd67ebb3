package dev.headstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void listsTheUserCommandsAndNoDevelopmentToolInTheHelp() {
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
                        "admin-user");
    }

    /** The command names of a picocli help text (the indented first word of each "Commands:" line). */
    static List<String> commands(String help) {
        String list = help.substring(help.indexOf("Commands:"));
        return Pattern.compile("(?m)^  ([a-z][a-z-]*)\\b")
                .matcher(list)
                .results()
                .map(m -> m.group(1))
                .toList();
    }

    @Test
    void adminUserPrintsTheRealmsDigestOfThePasswordNeverThePassword(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("pw");
        Files.writeString(secret, "s3cret pass\nsecond line ignored\n");

        assertThat(run("admin-user", "--name", "alice", "--role", "Operator", "--password-file", secret.toString()))
                .isZero();

        // sha256("alice:Quarkus:s3cret pass"), computed outside this code (Python's hashlib)
        assertThat(out.toString())
                .isEqualTo("QUARKUS_SECURITY_USERS_EMBEDDED_USERS_ALICE="
                        + "ee200d4e87cd84fc0878e0872e76f6028cd90e00b5aa1be02874f21a44c35b1e\n"
                        + "QUARKUS_SECURITY_USERS_EMBEDDED_ROLES_ALICE=operator\n")
                .doesNotContain("s3cret");
    }

    @Test
    void adminUserRefusesNamesTheEnvironmentCannotCarryAndUnknownRoles(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("pw");
        Files.writeString(secret, "x\n");

        assertThat(run("admin-user", "--name", "Bob-1", "--role", "viewer", "--password-file", secret.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--name must be 1-32 lower-case letters and digits");
        assertThat(run("admin-user", "--name", "bob", "--role", "admin", "--password-file", secret.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--role must be viewer or operator, got 'admin'");
    }

    @Test
    void aKafkaTimeoutAnywhereInTheCausesIsRecognizedForItsHint() {
        assertThat(Main.kafkaTimeout(new IllegalStateException(
                        "x", new org.apache.kafka.common.errors.TimeoutException("metadata"))))
                .isTrue();
        assertThat(Main.kafkaTimeout(new IllegalStateException("timed out reading headstream.heads")))
                .isFalse();
    }

    @Test
    void exportHeadRejectsAHeadIdThatIsNotTenantUserTask() {
        assertThat(run("export-head", "--head-id", "alice")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--head-id must be tenant/user/task, got 'alice'");
    }

    @Test
    void controlNamesAnUnknownActionOrAMalformedUserBeforeConnecting() {
        assertThat(run("control", "nuke", "acme/bob", "--bootstrap", "127.0.0.1:1"))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString())
                .contains("unknown action 'nuke'; expected one of reset, rollback, freeze, unfreeze, erase");
        assertThat(run("control", "erase", "bob", "--bootstrap", "127.0.0.1:1")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("bad user 'bob': record key 'bob' is not '<tenant>/<user>'");
    }

    @Test
    void badUsageNamesTheProblemAndWhereTheUsageIsWithoutPrintingTheUsage() {
        assertThat(run("heads", "--bootstrapp", "127.0.0.1:1")).isEqualTo(CommandLine.ExitCode.USAGE);
        String text = err.toString();
        assertThat(text).startsWith("Unknown options: '--bootstrapp', '127.0.0.1:1'");
        assertThat(text)
                .contains("Possible solutions: --bootstrap")
                .contains("Run 'headstream heads --help' for its usage.");
        assertThat(text).doesNotContain("Usage:");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void failsWithUsageWhenNoSubcommandIsGiven() {
        assertThat(run()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Missing subcommand");
    }

    private int run(String... args) {
        return Main.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                .execute(args);
    }
}
