package dev.headstream.cli;

import dev.headstream.client.KafkaConnection;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --kafka-config FILE}, the Kafka security settings of every command that talks to a
 * cluster: a properties file of Kafka client keys ({@code security.protocol}, {@code sasl.*},
 * {@code ssl.*}; see {@link KafkaConnection} and {@code docs/security.md}). Without the option the
 * file named by {@value KafkaConnection#CONFIG_ENV} is read, and without that the cluster is
 * reached without authentication. A file that cannot be used is a usage error naming the problem.
 */
public final class KafkaSecurityOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(
            names = "--kafka-config",
            paramLabel = "FILE",
            description = "Kafka client security settings: security.protocol, sasl.*, ssl.* (values may be"
                    + " $${env:NAME}); default: the file $" + KafkaConnection.CONFIG_ENV
                    + " names, else none (PLAINTEXT).")
    Path file;

    /** The cluster at {@code bootstrap} with these settings. */
    public KafkaConnection connection(String bootstrap) {
        try {
            return KafkaConnection.load(bootstrap, file);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), e.getMessage());
        }
    }
}
