package dev.headstream.tools;

import dev.headstream.cli.Main;
import dev.headstream.tools.bank.BankCommand;
import dev.headstream.tools.bench.BenchAdaptCommand;
import dev.headstream.tools.bench.BenchBankSizeCommand;
import dev.headstream.tools.bench.BenchCleanCommand;
import dev.headstream.tools.bench.BenchDedupCommand;
import dev.headstream.tools.bench.BenchHeadsCommand;
import dev.headstream.tools.bench.BenchOwnWordCommand;
import dev.headstream.tools.bench.BenchQuietCommand;
import dev.headstream.tools.bench.BenchTransferCommand;
import dev.headstream.tools.bench.SweepCommand;
import dev.headstream.tools.demo.DemoCommand;
import dev.headstream.tools.kafka.KafkaCommand;
import dev.headstream.tools.kafka.KafkaUserCommand;
import dev.headstream.tools.kafka.TopicsCommand;
import dev.headstream.tools.produce.ProduceSynthCommand;
import dev.headstream.tools.soak.SoakCommand;
import picocli.CommandLine;

/**
 * The {@code headstream} command of a development checkout ({@code ./headstream <command>}): the
 * user commands of {@link Main} plus the development tools (a dev broker, the synthetic producer,
 * the demo, the negative-bank build, benchmarks, sweeps and the fault soak). Same error handling
 * and exit codes as {@link Main}.
 */
public final class DevMain {

    private DevMain() {}

    /**
     * Runs the command line and exits with its exit code.
     *
     * @param args the command line arguments
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The user command line with the development tools added, for {@code main} and for tests. */
    public static CommandLine commandLine() {
        CommandLine line = Main.commandLine();
        for (Object tool : new Object[] {
            new KafkaCommand(),
            new TopicsCommand(),
            new KafkaUserCommand(),
            new ProduceSynthCommand(),
            new DemoCommand(),
            new BankCommand(),
            new SweepCommand(),
            new BenchHeadsCommand(),
            new BenchTransferCommand(),
            new BenchCleanCommand(),
            new BenchQuietCommand(),
            new BenchOwnWordCommand(),
            new BenchAdaptCommand(),
            new BenchBankSizeCommand(),
            new BenchDedupCommand(),
            new dev.headstream.tools.swap.BenchSwapCommand(),
            new dev.headstream.tools.e2e.BenchE2eCommand(),
            new dev.headstream.tools.speakers.BenchSpeakersCommand(),
            new dev.headstream.tools.speakers.SpeakerTransformCommand(),
            new SoakCommand(),
        }) {
            line.addSubcommand(tool);
        }
        return line;
    }
}
