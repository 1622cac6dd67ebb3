package dev.headstream.tools.swap;

import dev.headstream.tools.bank.BankCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every benchmark on the real broker and adapter shares ({@code bench-swap},
 * {@code bench-e2e}): the synthetic speakers, the topics' partitions, the adapter's jar and negative
 * bank, and whether the broker's data stays; and the adapter's settings they make.
 */
public final class StackOptions {

    @Option(
            names = "--voices",
            defaultValue = "8",
            description = "Synthetic speakers whose training clips the users send (default ${DEFAULT-VALUE}).")
    int voices;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the speakers (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--partitions",
            defaultValue = "4",
            description = "Partitions per topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
            names = "--adapter-jar",
            defaultValue = "services/adapter/target/quarkus-app/quarkus-run.jar",
            description = "The adapter's quarkus-run.jar (default ${DEFAULT-VALUE}).")
    Path adapterJar;

    @Option(
            names = "--negative-bank",
            description = "The negative bank (default <models-dir>/negative-bank, built by ./headstream setup).")
    Path negativeBank;

    @Option(names = "--keep-data", description = "Keep the broker data (removed at the end by default).")
    boolean keepData;

    public int voices() {
        return voices;
    }

    public long seed() {
        return seed;
    }

    public int partitions() {
        return partitions;
    }

    public Path adapterJar() {
        return adapterJar;
    }

    public boolean keepData() {
        return keepData;
    }

    /**
     * The negative bank's directory for models in {@code modelsDir}.
     *
     * @throws IllegalArgumentException when it holds no bank
     */
    public Path bankDir(Path modelsDir) {
        Path dir = negativeBank != null ? negativeBank : BankCommand.defaultDir(modelsDir);
        if (!Files.isRegularFile(dir.resolve("manifest.json"))) {
            throw new IllegalArgumentException(
                    "no negative bank in " + dir + "; build it first: ./headstream bank build");
        }
        return dir;
    }

    /**
     * The adapter's system properties but the broker's address: the models, {@code instanceId}, the
     * negative bank of {@link #bankDir} and the task {@code task} from {@code hey_jarvis_v0.1.onnx};
     * everything else is the adapter's default.
     */
    public Map<String, String> adapterProperties(Path modelsDir, String instanceId, String task) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("headstream.models-dir", modelsDir.toAbsolutePath().toString());
        props.put("headstream.instance-id", instanceId);
        props.put(
                "headstream.negative-bank.directory",
                bankDir(modelsDir).toAbsolutePath().toString());
        props.put("headstream.tasks." + task + ".source-head", "hey_jarvis_v0.1.onnx");
        return props;
    }
}
