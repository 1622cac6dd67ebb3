package dev.headstream.tools.bank;

import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.testkit.synth.CorpusPlan;
import dev.headstream.testkit.synth.MultiEngineSynth;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.ReadSpeech;
import dev.headstream.testkit.synth.StreamSpec;
import dev.headstream.testkit.synth.TextCorpus;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bank build} and {@code bank info}: the negative bank of other people's speech. */
@Command(
        name = "bank",
        mixinStandardHelpOptions = true,
        description = "Build or describe the negative bank: hours of other people's speech, embedded once.",
        subcommands = {BankCommand.Build.class, BankCommand.Info.class})
public final class BankCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** The default bank: 2 h of training speech, 1 h of calibration speech, 2.1 h of evaluation speech (2.08 h scored). */
    public static final double TRAIN_HOURS = 2.0;

    public static final double CALIBRATION_HOURS = 1.0;
    public static final double EVALUATION_HOURS = 2.1;
    /** The default bank's corpus seed. */
    public static final long SEED = 42;
    /** Changes whenever the way a bank is embedded or stored changes. */
    static final String FORMAT = "bank-v2";

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: build or info");
    }

    /** The default bank directory inside a models directory. */
    public static Path defaultDir(Path modelsDir) {
        return modelsDir.resolve("negative-bank");
    }

    /**
     * Builds (or finds up to date) the bank with these hours per part into {@code dir}.
     *
     * @return what was done
     */
    public static BankBuilder.Result build(
            Path dir,
            Path modelsDir,
            double trainHours,
            double calibrationHours,
            double evaluationHours,
            long seed,
            int threads,
            PrintStream log) {
        Map<Part, Double> hours = new LinkedHashMap<>();
        hours.put(Part.TRAIN, trainHours);
        hours.put(Part.CALIBRATION, calibrationHours);
        if (evaluationHours > 0) {
            hours.put(Part.EVALUATION, evaluationHours);
        }
        CorpusPlan plan = CorpusPlan.of(hours, seed);
        ReadSpeech reader = new ReadSpeech(MultiEngineSynth.defaults(), TextCorpus.fortunes());
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(modelsDir)) {
            String recipe = FORMAT + "-" + reader.recipeId(plan) + "-"
                    + backbone.info().sha256().substring(0, 12);
            List<BankBuilder.Source> sources = new ArrayList<>();
            for (StreamSpec s : plan.streams()) {
                String part = switch (s.part()) {
                    case TRAIN -> "train";
                    case CALIBRATION -> "calibration";
                    case EVALUATION -> "evaluation";
                    case USERS -> throw new IllegalStateException("a bank holds no user voices");
                };
                sources.add(new BankBuilder.Source(
                        s.id(), part, s.voice().voice().id(), s.seconds(), () -> reader.render(s)));
            }
            return BankBuilder.build(dir, recipe, sources, backbone, threads, log);
        }
    }

    @Command(
            name = "build",
            mixinStandardHelpOptions = true,
            description = "Synthesize and embed the bank (skipped when the directory already holds this recipe).")
    static final class Build implements Callable<Integer> {
        @Option(
                names = "--models-dir",
                defaultValue = "${sys:headstream.home:-.}/.models",
                description = "Verified models (default ${DEFAULT-VALUE}).")
        Path modelsDir;

        @Option(names = "--out", description = "Bank directory (default <models-dir>/negative-bank).")
        Path out;

        @Option(
                names = "--train-hours",
                defaultValue = "" + TRAIN_HOURS,
                description = "Hours of training speech (default ${DEFAULT-VALUE}).")
        double trainHours;

        @Option(
                names = "--calibration-hours",
                defaultValue = "" + CALIBRATION_HOURS,
                description = "Hours of calibration speech (default ${DEFAULT-VALUE}).")
        double calibrationHours;

        @Option(
                names = "--evaluation-hours",
                defaultValue = "" + EVALUATION_HOURS,
                description = "Hours of held-out evaluation speech; 0 for none (default ${DEFAULT-VALUE}).")
        double evaluationHours;

        @Option(names = "--seed", defaultValue = "" + SEED, description = "Corpus seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(
                names = "--threads",
                defaultValue = "2",
                description = "Streams rendered at once (default ${DEFAULT-VALUE}).")
        int threads;

        @Override
        public Integer call() {
            if (!(trainHours > 0 && calibrationHours > 0 && evaluationHours >= 0) || threads < 1) {
                throw new IllegalArgumentException(
                        "need --train-hours > 0, --calibration-hours > 0, --evaluation-hours >= 0"
                                + " and --threads >= 1");
            }
            build(
                    out == null ? defaultDir(modelsDir) : out,
                    modelsDir,
                    trainHours,
                    calibrationHours,
                    evaluationHours,
                    seed,
                    threads,
                    System.out);
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Describe a built bank.")
    static final class Info implements Callable<Integer> {
        @Option(
                names = "--models-dir",
                defaultValue = "${sys:headstream.home:-.}/.models",
                description = "Verified models (default ${DEFAULT-VALUE}).")
        Path modelsDir;

        @Option(names = "--bank", description = "Bank directory (default <models-dir>/negative-bank).")
        Path bank;

        @Override
        public Integer call() {
            NegativeBank b = NegativeBank.open(bank == null ? defaultDir(modelsDir) : bank);
            System.out.println(
                    "bank " + b.directory() + " id " + b.id() + " recipe " + BankBuilder.builtRecipe(b.directory()));
            for (BankPart p : new BankPart[] {b.train(), b.calibration(), b.evaluation()}) {
                if (p != null) {
                    System.out.printf(
                            Locale.ROOT,
                            "  %-18s %.3f h scored (16-frame windows), %d segments, %d voices: %s%n",
                            p.file().getFileName(),
                            p.hours(16),
                            p.segments(),
                            p.voices().size(),
                            String.join(" ", p.voices()));
                }
            }
            return 0;
        }
    }
}
