package dev.headstream.tools.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command on a synthetic population shares: the verified models and the speech cache. */
public final class SynthInputs {

    @Option(
            names = "--models-dir",
            defaultValue = "${sys:headstream.home:-.}/.models",
            description = "Verified models (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(
            names = "--cache-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/synth-cache",
            description = "Speech cache (default ${DEFAULT-VALUE}).")
    Path cacheDir;

    public Path modelsDir() {
        return modelsDir;
    }

    public Path cacheDir() {
        return cacheDir;
    }
}
