package dev.headstream.cli.export;

import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Reads the newest committed version of one head from {@value Topics#HEADS} and writes it as a
 * standalone ONNX model: a wake-word head with its source head's interface
 * ({@code [1, 16, 96] -> [1, 1]}), provenance and threshold in the model's metadata; a class head
 * as {@code pooled [N, 2 * dim] (76 for mel-cepstrum) -> probabilities [N, outputs]}, provenance, output names and
 * pooling in the metadata.
 */
@Command(
        name = "export-head",
        mixinStandardHelpOptions = true,
        description = "Export the newest version of a head from headstream.heads as a standalone ONNX model.")
public final class ExportHeadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--bootstrap",
            defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Mixin
    KafkaSecurityOption kafkaSecurity;

    @Option(names = "--head-id", required = true, description = "The head to export: tenant/user/task.")
    String headId;

    @Option(
            names = "--models-dir",
            defaultValue = "${sys:headstream.home:-.}/.models",
            description = "Folder holding <source_head_id>.onnx for a wake-word head; a class head needs none"
                    + " (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(
            names = "--out",
            description =
                    "Output file; .onnx is appended when missing " + "(default: the head id with '/' replaced by '_').")
    String out;

    @Option(
            names = "--timeout",
            defaultValue = "PT30S",
            description = "How long to read the topic for, ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        String[] parts = headId.split("/", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            throw new ParameterException(
                    spec.commandLine(), "--head-id must be tenant/user/task, got '" + headId + "'");
        }
        String name = out == null ? headId.replace('/', '_') : out;
        Path file = Path.of(name.endsWith(".onnx") ? name : name + ".onnx");
        HeadExport.Found found = HeadExport.find(
                TopicReader.readAll(kafkaSecurity.connection(bootstrap), Topics.HEADS, timeout), headId);
        HeadUpdate update = found.update();
        HeadExport.Exported e = HeadExport.export(update, modelsDir, file);
        PrintWriter err = spec.commandLine().getErr();
        found.skipped()
                .forEach(line -> err.println(
                        "warning: skipped a record under key " + headId + " that is not its head: " + line));
        err.flush();
        PrintWriter w = spec.commandLine().getOut();
        w.println(String.format(
                Locale.ROOT,
                "%s v%d %s %s -> %s%s",
                e.headId(),
                e.version(),
                e.status(),
                e.classHead()
                        ? "outputs=" + String.join(",", e.outputLabels()) + " (no threshold)"
                        : "threshold=" + e.threshold(),
                e.file().toAbsolutePath(),
                e.note().isEmpty() ? "" : "\n  " + e.note()));
        w.flush();
        return 0;
    }
}
