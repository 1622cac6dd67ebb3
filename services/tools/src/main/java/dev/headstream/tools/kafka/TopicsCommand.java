package dev.headstream.tools.kafka;

import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.testkit.kafka.TopicAdmin;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code headstream topics}: creates Headstream's topics on an existing cluster, or sets the
 * settings of those that exist ({@link TopicAdmin#ensureTopics}): what the adapter's start-up topic
 * check asks for when it finds a topic missing or set otherwise.
 */
@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = {
            "Creates Headstream's topics on a Kafka cluster, or sets the settings of those that exist"
                    + " (compaction, size limits, LogAppendTime on the samples), as the adapter's start-up check"
                    + " wants them. Never changes a partition count.",
        })
public final class TopicsCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(
            names = {"-b", "--bootstrap-servers"},
            defaultValue = "localhost:9092",
            paramLabel = "HOSTS",
            description = "The cluster's bootstrap.servers (default: ${DEFAULT-VALUE}).")
    private String bootstrap;

    @Mixin
    private KafkaSecurityOption kafkaSecurity;

    @Option(
            names = "--partitions",
            defaultValue = "" + TopicAdmin.DEFAULT_PARTITIONS,
            paramLabel = "N",
            description = "Partitions of every topic created (default: ${DEFAULT-VALUE}); existing topics must"
                    + " already have it.")
    private int partitions;

    @Override
    public Integer call() {
        if (partitions < 1) {
            throw new ParameterException(spec.commandLine(), "--partitions must be at least 1, got " + partitions);
        }
        try (TopicAdmin admin = TopicAdmin.connect(
                bootstrap, kafkaSecurity.connection(bootstrap).security())) {
            var created = new TreeSet<>(admin.ensureTopics(partitions));
            spec.commandLine()
                    .getOut()
                    .printf(
                            "topics on %s: %s, every setting applied%n",
                            bootstrap, created.isEmpty() ? "none created" : "created " + created);
        }
        return 0;
    }
}
