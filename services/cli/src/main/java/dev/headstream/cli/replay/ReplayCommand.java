package dev.headstream.cli.replay;

import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.core.assembly.EngineSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Rebuilds heads from headstream.samples and compares them bit for bit with the published ones. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "Rebuild every head from headstream.samples with the adapter's code and configuration and"
                + " compare it bit for bit with its newest published version. Exit 1 if any differs.")
public final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--bootstrap",
            defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Mixin
    KafkaSecurityOption kafkaSecurity;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "A plain properties file (no profile prefixes, no expressions) with the headstream.*"
                    + " settings the"
                    + " adapter ran with (its application.properties overrides); other keys are ignored. Default: the adapter's"
                    + " defaults.")
    Path config;

    @Option(
            names = {"--set", "-s"},
            paramLabel = "KEY=VALUE",
            description = "One headstream.* setting, over --config"
                    + " (repeatable), for example -s headstream.tasks.wake.replay-steps=8.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(
            names = "--models-dir",
            description = "Verified models: headstream.models-dir (default: the configuration's," + " else .models).")
    Path modelsDir;

    /** Set by the {@code ./headstream} launcher: the clone whose {@code .models} and {@code .run} the defaults mean. */
    static final String HOME = "headstream.home";

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        EngineSpec engine;
        try {
            engine = EngineSpec.fromProperties(properties());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        HeadReplay.Result r = HeadReplay.run(kafkaSecurity.connection(bootstrap), engine, Duration.ofSeconds(60));
        out.printf(
                "replay: %d heads rebuilt from %s: %d bit-identical to their newest published version, %d differ,"
                        + " %d not compared%n",
                r.heads(),
                "headstream.samples",
                r.identical(),
                r.differences().size(),
                r.notCompared().size());
        r.differences().forEach(d -> out.println("  " + d));
        r.notCompared().forEach(d -> out.println("  not compared: " + d));
        r.skipped().forEach(d -> out.println("  skipped (not a head of its key): " + d));
        return r.differences().isEmpty() ? 0 : 1;
    }

    private Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        if (config != null) {
            Properties file = new Properties();
            try (Reader in = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
                file.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --config " + config + ": " + e.getMessage(), e);
            }
            for (String key : file.stringPropertyNames()) {
                if (EngineSpec.ownsKey(key)) {
                    p.put(key, file.getProperty(key));
                }
            }
        }
        settings.forEach((k, v) -> {
            if (!EngineSpec.ownsKey(k)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--set " + k + ": not an engine key (see docs/configuration.md); the engine reads "
                                + EngineSpec.PREFIX + "models-dir, ...backbone.*, ...tasks.<task>.*");
            }
            p.put(k, v);
        });
        p.forEach((k, v) -> {
            if (v.contains("${")) {
                throw new ParameterException(
                        spec.commandLine(),
                        k + "=" + v + ": --config files are read as plain properties, without ${...} expressions or"
                                + " %profile. keys; give the value the adapter resolved with --set " + k + "=...");
            }
        });
        if (modelsDir != null) {
            p.put(EngineSpec.PREFIX + "models-dir", modelsDir.toString());
        } else if (!p.containsKey(EngineSpec.PREFIX + "models-dir") && System.getProperty(HOME) != null) {
            // run by ./headstream from another folder: the clone's models, not ./.models
            p.put(
                    EngineSpec.PREFIX + "models-dir",
                    Path.of(System.getProperty(HOME), ".models").toString());
        }
        return p;
    }
}
