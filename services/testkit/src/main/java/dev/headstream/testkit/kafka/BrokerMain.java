package dev.headstream.testkit.kafka;

import java.util.Optional;

/**
 * Entry point of the child JVM that {@link EmbeddedKafka} starts: formats the storage if asked to
 * ({@code kafka.tools.StorageTool format}), then runs {@code kafka.Kafka} with the given
 * {@code server.properties}. It stops the broker (through Kafka's own shutdown hook) as soon as the
 * parent process named by the system property {@value EmbeddedKafka#PARENT_PID_PROPERTY} is gone,
 * so the broker never outlives the JVM that started it, even when that one was killed hard.
 */
public final class BrokerMain {

    /** Option that formats the storage for the given cluster id before the broker starts. */
    static final String FORMAT_OPTION = "--format-cluster-id";

    private BrokerMain() {}

    /**
     * Runs the broker.
     *
     * @param args {@code [--format-cluster-id ID] SERVER_PROPERTIES}
     */
    public static void main(String[] args) {
        boolean format = args.length == 3 && FORMAT_OPTION.equals(args[0]);
        if (args.length != 1 && !format) {
            System.err.println("Usage: BrokerMain [" + FORMAT_OPTION + " ID] SERVER_PROPERTIES");
            System.exit(2);
        }
        String parentPid = System.getProperty(EmbeddedKafka.PARENT_PID_PROPERTY);
        if (parentPid != null) {
            exitWithParent(Long.parseLong(parentPid));
        }
        String serverProperties = args[args.length - 1];
        if (format) {
            format(args[1], serverProperties);
        }
        kafka.Kafka.main(new String[] {serverProperties});
    }

    private static void format(String clusterId, String serverProperties) {
        int exitCode;
        try {
            exitCode = kafka.tools.StorageTool.execute(
                    new String[] {"format", "-t", clusterId, "-c", serverProperties}, System.out);
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
