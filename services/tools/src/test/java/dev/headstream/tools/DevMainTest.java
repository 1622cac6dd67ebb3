package dev.headstream.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DevMainTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void listsTheUserCommandsAndTheDevelopmentToolsInTheHelp() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString())
                .contains("Usage: headstream")
                .contains("kafka")
                .contains("export-head")
                .contains("demo")
                .contains("bench-quiet")
                .contains("eval");
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

    private int run(String... args) {
        return DevMain.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                .execute(args);
    }
}
