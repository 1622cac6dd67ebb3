package dev.headstream.testkit.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Entry point of the child JVM that {@link EmbeddedKafka} starts: formats the storage if asked to
 * ({@code kafka.tools.StorageTool format}), then runs {@code kafka.Kafka} with the given
 * {@code server.properties}. It stops the broker (through Kafka's own shutdown hook) as soon as the
 * parent process named by the system property {@value EmbeddedKafka#PARENT_PID_PROPERTY} is gone,
 * so the broker never outlives the JVM that started it, even when that one was killed hard.
 *
 * <p>A secured broker's admin gets its SCRAM-SHA-512 credential when the storage is formatted
 * ({@code --add-scram}); the password comes from the environment variable
 * {@value #SCRAM_PASSWORD_ENV}, not the command line, so that neither {@code ps} nor the start line
 * in {@code broker.log} shows it.
 */
public final class BrokerMain {

    /** Option that formats the storage for the given cluster id before the broker starts. */
    static final String FORMAT_OPTION = "--format-cluster-id";

    /** Option, after the format option, that adds a SCRAM-SHA-512 credential for the named user. */
    static final String SCRAM_USER_OPTION = "--add-scram-user";

    /** Environment variable holding the password of the {@value #SCRAM_USER_OPTION} user. */
    static final String SCRAM_PASSWORD_ENV = "HEADSTREAM_SCRAM_PASSWORD";

    private static final String USAGE = "Usage: BrokerMain [" + FORMAT_OPTION + " ID [" + SCRAM_USER_OPTION
            + " NAME]] SERVER_PROPERTIES (the NAME's password in $" + SCRAM_PASSWORD_ENV + ")";

    private BrokerMain() {}

    /**
     * Runs the broker.
     *
     * @param args {@code [--format-cluster-id ID [--add-scram-user NAME]] SERVER_PROPERTIES}
     */
    public static void main(String[] args) {
        boolean format = args.length >= 3 && FORMAT_OPTION.equals(args[0]);
        boolean addScram = format && args.length == 5 && SCRAM_USER_OPTION.equals(args[2]);
        boolean valid = args.length == 1 || (format && args.length == 3) || addScram;
        if (!valid) {
            System.err.println(USAGE);
            System.exit(2);
        }
        String scramPassword = addScram ? System.getenv(SCRAM_PASSWORD_ENV) : null;
        if (addScram && (scramPassword == null || scramPassword.isEmpty())) {
            System.err.println("headstream: " + SCRAM_USER_OPTION + " " + args[3] + " needs the password in $"
                    + SCRAM_PASSWORD_ENV + ", which is unset or empty\n" + USAGE);
            System.exit(2);
        }
        String parentPid = System.getProperty(EmbeddedKafka.PARENT_PID_PROPERTY);
        if (parentPid != null) {
            exitWithParent(Long.parseLong(parentPid));
        }
        String serverProperties = args[args.length - 1];
        if (format) {
            List<String> formatArgs = new ArrayList<>(List.of("format", "-t", args[1], "-c", serverProperties));
            if (addScram) {
                // StorageTool splits this at commas and strips the quotes around a value: EmbeddedKafka
                // lets no comma into the password, and only letters, digits and ._- into the name
                formatArgs.add("--add-scram");
                formatArgs.add("SCRAM-SHA-512=[name=" + args[3] + ",password=\"" + scramPassword + "\"]");
            }
            format(formatArgs);
        }
        kafka.Kafka.main(new String[] {serverProperties});
    }

    private static void format(List<String> formatArgs) {
        int exitCode;
        try {
            exitCode = kafka.tools.StorageTool.execute(formatArgs.toArray(new String[0]), System.out);
        } catch (RuntimeException e) {
            System.err.println("headstream: formatting the storage failed: " + e);
            exitCode = 1;
        }
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    private static void exitWithParent(long pid) {
        Optional<ProcessHandle> parent = ProcessHandle.of(pid);
        if (parent.isEmpty()) {
            System.err.println("headstream: parent process " + pid + " is gone; not starting the broker");
            System.exit(1);
        }
        parent.get().onExit().thenRun(() -> {
            System.err.println("headstream: parent process " + pid + " exited; stopping the broker");
            System.exit(0);
        });
    }
}
