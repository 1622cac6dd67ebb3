package dev.headstream.cli;

import dev.headstream.cli.admin.AdminUserCommand;
import dev.headstream.cli.control.ControlCommand;
import dev.headstream.cli.detect.DetectCommand;
import dev.headstream.cli.evaluate.EvalCommand;
import dev.headstream.cli.export.ExportHeadCommand;
import dev.headstream.cli.heads.HeadsCommand;
import dev.headstream.cli.produce.ProduceCommand;
import dev.headstream.cli.replay.ReplayCommand;
import dev.headstream.cli.watch.WatchCommand;
import dev.headstream.client.KafkaConnection;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code headstream} command of the user jar: the commands a user of a running service needs
 * (watch, heads, control, export-head, replay, eval, produce, detect, admin-user), registered in {@code subcommands} below. The
 * development tools add theirs to the same command line (see {@code dev.headstream.tools.DevMain}). A failing subcommand prints one line (its exception's message)
 * and exits with 1; bad usage exits with 2.
 */
@Command(
        name = "headstream",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Streaming online adaptation of per-user task heads on a frozen ONNX backbone, over Kafka.",
        subcommands = {
            WatchCommand.class,
            HeadsCommand.class,
            ControlCommand.class,
            ExportHeadCommand.class,
            ReplayCommand.class,
            EvalCommand.class,
            ProduceCommand.class,
            DetectCommand.class,
            AdminUserCommand.class,
        })
public final class Main implements Runnable {

    @Spec
    private CommandSpec spec;

    /**
     * Runs the command line and exits with its exit code.
     *
     * @param args the command line arguments
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, for {@code main} and for tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler(Main::reportFailure)
                .setParameterExceptionHandler(Main::reportBadUsage);
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand");
    }

    private static int reportFailure(Exception failure, CommandLine command, ParseResult parsed) {
        String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        if (kafkaTimeout(failure)) {
            // what a client gets from a broker that is down, unreachable, or wants authentication it was not given
            message += " (is the broker up at that address? a cluster with authentication needs --kafka-config"
                    + " or $" + KafkaConnection.CONFIG_ENV + ")";
        }
        command.getErr()
                .println(command.getColorScheme()
                        .errorText(command.getCommandSpec().qualifiedName() + ": " + message));
        return command.getCommandSpec().exitCodeOnExecutionException();
    }

    /**
     * Bad usage: the problem, picocli's suggestions for a mistyped option or command, and where the
     * usage is, instead of the whole usage text (dozens of lines that scroll the problem away).
     */
    private static int reportBadUsage(ParameterException problem, String[] args) {
        CommandLine command = problem.getCommandLine();
        PrintWriter err = command.getErr();
        err.println(command.getColorScheme().errorText(problem.getMessage()));
        UnmatchedArgumentException.printSuggestions(problem, err);
        err.println("Run '" + command.getCommandSpec().qualifiedName() + " --help' for its usage.");
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Whether {@code failure} or a cause of it is a Kafka client's timeout. */
    static boolean kafkaTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The version from the jar manifest, or {@code dev} when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"headstream " + (version == null ? "dev" : version)};
        }
    }
}
