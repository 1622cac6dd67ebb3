package dev.headstream.tools.kafka;

import dev.headstream.cli.SecretFile;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code headstream kafka}: runs a single-node Kafka broker ({@link EmbeddedKafka}) with
 * Headstream's topics ({@link TopicAdmin}) in the foreground until Ctrl-C.
 */
@Command(
        name = "kafka",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a single-node Apache Kafka broker (KRaft) on 127.0.0.1 with Headstream's topics, until Ctrl-C.",
            "State is kept in the data directory and survives restarts.",
        })
public final class KafkaCommand implements Callable<Integer> {

    /** The super user of a secured broker. */
    static final String ADMIN = "admin";

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--port",
            defaultValue = "9092",
            paramLabel = "PORT",
            description = "Client port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(
            names = "--controller-port",
            defaultValue = "0",
            paramLabel = "PORT",
            description = "KRaft controller port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int controllerPort;

    @Option(
            names = "--partitions",
            defaultValue = "" + TopicAdmin.DEFAULT_PARTITIONS,
            paramLabel = "N",
            description = "Partitions of every topic (default: ${DEFAULT-VALUE}).")
    private int partitions;

    @Option(
            names = "--data-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/kafka",
            paramLabel = "DIR",
            description = "Configuration, broker log and Kafka data (default: ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(
            names = "--scram-admin-password-file",
            paramLabel = "FILE",
            description = "Secure the broker: SASL SCRAM-SHA-512 for clients, ACLs denying what none allows, and"
                    + " one super user 'admin' whose password is this file's first line. Writes the admin's"
                    + " security settings to <data-dir>/admin.properties (for --kafka-config). Takes effect on a"
                    + " new data directory only (the credential is added when the storage is formatted).")
    private Path scramAdminPasswordFile;

    @Override
    public Integer call() throws InterruptedException {
        if (partitions < 1) {
            throw new ParameterException(spec.commandLine(), "--partitions must be at least 1, not " + partitions);
        }
        if (port < 0 || port > 65_535 || controllerPort < 0 || controllerPort > 65_535) {
            throw new ParameterException(spec.commandLine(), "Ports must be between 0 and 65535");
        }
        PrintWriter out = spec.commandLine().getOut();
        EmbeddedKafka.Builder builder =
                EmbeddedKafka.builder(dataDir).port(port).controllerPort(controllerPort);
        String adminPassword = null;
        if (scramAdminPasswordFile != null) {
            adminPassword = adminPassword();
            try {
                builder.scram(ADMIN, adminPassword);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--scram-admin-password-file " + scramAdminPasswordFile + ": " + e.getMessage());
            }
        }
        EmbeddedKafka kafka = builder.build();
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stopping.set(true);
                            kafka.close();
                        },
                        "headstream-kafka-command-shutdown"));

        long started = System.nanoTime();
        kafka.start();
        Set<String> created;
        try (TopicAdmin topics = TopicAdmin.connect(kafka.bootstrapServers(), kafka.clientProperties())) {
            created = topics.ensureTopics(partitions);
        }
        out.printf(
                "Kafka is ready in %.1f s: bootstrap.servers=%s%n",
                (System.nanoTime() - started) / 1e9, kafka.bootstrapServers());
        out.printf(
                "Topics (%d partitions each): %s%n",
                partitions,
                created.isEmpty()
                        ? "all existed"
                        : "created "
                                + String.join(", ", created.stream().sorted().toList()));
        out.printf("Data: %s, broker log: %s%n", kafka.dataDir(), kafka.logFile());
        if (adminPassword != null) {
            Path admin = writeAdminSettings(kafka);
            out.printf(
                    "Secured: SASL SCRAM-SHA-512, ACLs; the super user '%s' authenticates with --kafka-config %s;"
                            + " give users roles with: ./headstream kafka-user -b %s --kafka-config %s --name NAME"
                            + " --role ROLE --password-file FILE%n",
                    ADMIN, admin, kafka.bootstrapServers(), admin);
        }
        out.println("Press Ctrl-C to stop.");
        out.flush();

        int exitCode = kafka.awaitExit();
        if (stopping.get()) {
            return 0;
        }
        throw new IllegalStateException("Kafka broker exited with code " + exitCode + "; see " + kafka.logFile());
    }

    private String adminPassword() {
        return SecretFile.firstLine(spec, "--scram-admin-password-file", scramAdminPasswordFile);
    }

    /** The admin's client security settings, readable by the owner only, for {@code --kafka-config}. */
    private static Path writeAdminSettings(EmbeddedKafka kafka) {
        Path file = kafka.dataDir().resolve("admin.properties");
        Properties p = new Properties();
        kafka.clientProperties().forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                p.store(w, "the super user of the broker in " + kafka.dataDir());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }
}
