package dev.headstream.tools.speakers;

import dev.headstream.core.head.InputTransform;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.MultiEngineSynth;
import dev.headstream.testkit.synth.VoiceCatalog;
import dev.headstream.tools.bench.SynthInputs;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code speaker-transform}: builds the speaker transform household heads read through ({@link SpeakerTransforms}). */
@Command(
        name = "speaker-transform",
        mixinStandardHelpOptions = true,
        description = {
            "Build the speaker transform that household heads read through"
                    + " (headstream.tasks.<t>.input-transform): within-speaker whitening of mel-cepstrum statistics,"
                    + " learned from rendered clips of the voice catalog's TRAIN speakers. Nothing is done when the"
                    + " file is up to date (built by the same recipe)."
        })
public final class SpeakerTransformCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SynthInputs inputs;

    @Option(
            names = "--out",
            description = "The transform's file (default <models-dir>/speaker-transform/mel-cepstrum-wccn.hsit).")
    Path out;

    @Option(
            names = "--clips-per-speaker",
            defaultValue = "" + SpeakerTransforms.DEFAULT_CLIPS,
            description = "Clips rendered per TRAIN speaker (default ${DEFAULT-VALUE}).")
    int clips;

    @Option(
            names = "--seed",
            defaultValue = "" + SpeakerTransforms.DEFAULT_SEED,
            description = "Seed of the clips' texts and synthesis parameters (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "Synthesis threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--force", description = "Build even when the file is up to date.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        if (clips < 2 || clips > 10_000) {
            throw new ParameterException(spec.commandLine(), "--clips-per-speaker must be 2 to 10000, got " + clips);
        }
        if (threads < 1 || threads > 64) {
            throw new ParameterException(spec.commandLine(), "--threads must be 1 to 64, got " + threads);
        }
        PrintWriter pw = spec.commandLine().getOut();
        Path file = out == null ? inputs.modelsDir().resolve(SpeakerTransforms.DEFAULT_FILE) : out;
        InputTransform t = build(inputs.modelsDir(), inputs.cacheDir(), file, seed, clips, threads, force, pw);
        pw.printf(Locale.ROOT, "%s%n  %s%n", file, t);
        return 0;
    }

    /**
     * The transform in {@code file}, built first unless it is up to date (or built again with
     * {@code force}); progress on {@code pw}.
     */
    public static InputTransform build(
            Path modelsDir,
            Path cacheDir,
            Path file,
            long seed,
            int clipsPerSpeaker,
            int threads,
            boolean force,
            PrintWriter pw)
            throws IOException {
        VoiceCatalog catalog = VoiceCatalog.standard();
        if (!force && SpeakerTransforms.upToDate(file, catalog, seed, clipsPerSpeaker)) {
            pw.println("speaker transform " + file + " is up to date");
            pw.flush();
            return InputTransform.read(file);
        }
        pw.println("speaker transform: building " + file + " ("
                + SpeakerTransforms.recipe(catalog, seed, clipsPerSpeaker) + ")");
        pw.flush();
        long t0 = System.nanoTime();
        InputTransform t;
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(modelsDir)) {
            t = SpeakerTransforms.learn(
                    catalog,
                    seed,
                    clipsPerSpeaker,
                    new CachingSynthesizer(MultiEngineSynth.defaults(), cacheDir),
                    backbone,
                    threads,
                    line -> {
                        pw.println("  " + line);
                        pw.flush();
                    });
        }
        t.write(file);
        pw.printf(Locale.ROOT, "speaker transform: written in %.0f s%n", (System.nanoTime() - t0) / 1e9);
        pw.flush();
        return t;
    }
}
