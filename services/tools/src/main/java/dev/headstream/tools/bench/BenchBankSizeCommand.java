package dev.headstream.tools.bench;

import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.head.SourceHead;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.tools.bank.BankBuilder;
import dev.headstream.tools.bank.BankCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How big the negative bank must be: builds banks with several hours of training speech (the
 * calibration part fixed) and of calibration speech (the training part fixed), trains the
 * held-out users of {@code bench-quiet} on each, and scores every head on the same held-out speech
 * (the default bank's evaluation part). Writes JSON and a PNG of recall and false accepts per hour
 * against bank size, with each bank's build time and size on disk.
 */
@Command(
        name = "bench-bank-size",
        mixinStandardHelpOptions = true,
        description = "False accepts per hour and recall of held-out users against the negative bank's size.")
public final class BenchBankSizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--models-dir",
            defaultValue = "${sys:headstream.home:-.}/.models",
            description = "Verified models (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(
            names = "--work-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/banks",
            description = "Where the banks are built (default ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(
            names = "--eval-bank",
            description = "Bank whose evaluation part is the held-out speech (default <models-dir>/negative-bank).")
    Path evalBank;

    @Option(
            names = "--cache-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/synth-cache",
            description = "Speech cache (default ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Option(
            names = "--train-hours",
            split = ",",
            defaultValue = "0.25,0.5,1,2,4",
            description =
                    "Training-part sizes, calibration part fixed at --calibration-hours (default ${DEFAULT-VALUE}).")
    double[] trainHours;

    @Option(
            names = "--calibration-hours",
            defaultValue = "1",
            description = "Calibration part of the training-size series (default ${DEFAULT-VALUE}).")
    double calibrationHours;

    @Option(
            names = "--calibration-sizes",
            split = ",",
            defaultValue = "0.25,0.5,1,2",
            description =
                    "Calibration-part sizes, training part fixed at --fixed-train-hours (default ${DEFAULT-VALUE}).")
    double[] calibrationSizes;

    @Option(
            names = "--fixed-train-hours",
            defaultValue = "2",
            description = "Training part of the calibration-size series (default ${DEFAULT-VALUE}).")
    double fixedTrainHours;

    @Option(names = "--users", defaultValue = "12", description = "Held-out users (default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--candidates", defaultValue = "100", description = "Candidates (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(
            names = "--clips",
            defaultValue = "8,16,24",
            split = ",",
            description = "Checkpoints (default ${DEFAULT-VALUE}).")
    int[] clips;

    @Option(names = "--out", defaultValue = "docs/bank", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    /** One bank's figures. */
    record Point(
            String series,
            double trainHours,
            double calibrationHours,
            double buildSeconds,
            long bytes,
            double[] recall,
            double[] perHour,
            double[] worst) {}

    @Override
    public Integer call() throws IOException {
        PrintWriter pw = spec.commandLine().getOut();
        SourceHead source = QuietBench.heyJarvis(modelsDir);
        int max = Arrays.stream(clips).max().orElse(24);
        QuietBench.Population pop = QuietBench.heldOutUsers(
                SyntheticUsers.Config.defaults(42)
                        .withUsers(candidates)
                        .withTrain(max / 2, max - max / 2)
                        .withHoldout(20, 20)
                        .withBackground(0, 0),
                users,
                modelsDir,
                cacheDir,
                source,
                line -> {});
        BankPart evaluation = NegativeBank.open(evalBank != null ? evalBank : BankCommand.defaultDir(modelsDir))
                .evaluation();
        if (evaluation == null) {
            throw new IllegalArgumentException("the evaluation bank has no evaluation part");
        }
        pw.printf(
                Locale.ROOT,
                "bench-bank-size: %d held-out users; held-out speech %.2f h of %d voices%n",
                pop.users().size(),
                evaluation.hours(16),
                evaluation.voices().size());
        List<Point> points = new ArrayList<>();
        for (double t : trainHours) {
            points.add(measure(pw, pop, source, evaluation, "training", t, calibrationHours));
        }
        for (double c : calibrationSizes) {
            points.add(measure(pw, pop, source, evaluation, "calibration", fixedTrainHours, c));
        }
        Files.createDirectories(out);
        StringBuilder json = new StringBuilder(String.format(
                Locale.ROOT,
                "{%n  \"users\": %d,%n  \"evaluationHours\": %.4f,%n" + "  \"clips\": %s,%n  \"banks\": [%n",
                pop.users().size(),
                evaluation.hours(16),
                Arrays.toString(clips)));
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            json.append(String.format(
                    Locale.ROOT,
                    "    {\"series\": \"%s\", \"trainHours\": %.3f, \"calibrationHours\": %.3f,"
                            + " \"buildSeconds\": %.1f, \"bytes\": %d, \"meanRecall\": %s, \"falseAcceptsPerHour\": %s,"
                            + " \"worstHeadPerHour\": %s}%s%n",
                    p.series(),
                    p.trainHours(),
                    p.calibrationHours(),
                    p.buildSeconds(),
                    p.bytes(),
                    Arrays.toString(p.recall()),
                    Arrays.toString(p.perHour()),
                    Arrays.toString(p.worst()),
                    i + 1 < points.size() ? "," : ""));
        }
        Files.writeString(out.resolve("bank-size.json"), json.append("  ]\n}\n").toString());
        plot(
                points,
                clips,
                "training",
                out.resolve("bank-size-training.png"),
                String.format(
                        Locale.ROOT, "minutes of training speech (calibration part %.0f min)", 60 * calibrationHours));
        plot(
                points,
                clips,
                "calibration",
                out.resolve("bank-size-calibration.png"),
                String.format(
                        Locale.ROOT, "minutes of calibration speech (training part %.0f min)", 60 * fixedTrainHours));
        pw.println("bench-bank-size: wrote " + out.resolve("bank-size.json") + ", bank-size-training.png and"
                + " bank-size-calibration.png");
        pw.flush();
        return 0;
    }

    private Point measure(
            PrintWriter pw,
            QuietBench.Population pop,
            SourceHead source,
            BankPart evaluation,
            String series,
            double train,
            double calibration)
            throws IOException {
        Path dir = workDir.resolve(String.format(Locale.ROOT, "train-%.2f-calibration-%.2f", train, calibration));
        long t0 = System.nanoTime();
        BankBuilder.Result built =
                BankCommand.build(dir, modelsDir, train, calibration, 0, BankCommand.SEED, 2, System.out);
        double buildSeconds = built.rebuilt() ? built.seconds() : (System.nanoTime() - t0) / 1e9;
        NegativeBank bank = NegativeBank.open(dir);
        long bytes = Files.size(dir.resolve(NegativeBank.TRAIN_FILE))
                + Files.size(dir.resolve(NegativeBank.CALIBRATION_FILE));
        List<QuietBench.Figures> f = QuietBench.run(
                pop,
                source,
                EngineSpec.defaults(modelsDir).tasks().get(EngineSpec.DEFAULT_TASK),
                bank,
                evaluation,
                clips,
                line -> {});
        double[] recall = new double[clips.length];
        double[] perHour = new double[clips.length];
        double[] worst = new double[clips.length];
        for (int i = 0; i < clips.length; i++) {
            QuietBench.Checkpoint at = QuietBench.Checkpoint.of(f, clips[i]);
            recall[i] = at.recall();
            perHour[i] = at.perHour();
            worst[i] = at.worst();
        }
        pw.printf(
                Locale.ROOT,
                "bench-bank-size: training %.2f h, calibration %.2f h (%d MB, built in %.0f s): recall %s,"
                        + " false accepts per hour %s, worst head %s%n",
                train,
                calibration,
                bytes >> 20,
                buildSeconds,
                fmt(recall),
                fmt(perHour),
                fmt(worst));
        pw.flush();
        return new Point(series, train, calibration, buildSeconds, bytes, recall, perHour, worst);
    }

    static void plot(List<Point> points, int[] clips, String series, Path png, String xLabel) throws IOException {
        List<Point> s = points.stream().filter(p -> p.series().equals(series)).toList();
        if (s.size() < 2) {
            return;
        }
        int[] xs = s.stream()
                .mapToInt(
                        p -> (int) Math.round(60 * (series.equals("training") ? p.trainHours() : p.calibrationHours())))
                .toArray();
        Map<String, double[]> r = new LinkedHashMap<>();
        Map<String, double[]> h = new LinkedHashMap<>();
        double hMax = 1;
        for (int i = 0; i < clips.length; i++) {
            int k = i;
            r.put(
                    clips[i] + " clips",
                    s.stream().mapToDouble(p -> p.recall()[k]).toArray());
            h.put(
                    clips[i] + " clips, mean",
                    s.stream().mapToDouble(p -> p.perHour()[k]).toArray());
            h.put(
                    clips[i] + " clips, worst head",
                    s.stream().mapToDouble(p -> p.worst()[k]).toArray());
            hMax = Math.max(
                    hMax, s.stream().mapToDouble(p -> p.worst()[k]).max().orElse(1));
        }
        LinePlot.write(
                png,
                "Held-out users vs negative bank size",
                xLabel,
                xs,
                List.of(
                        new LinePlot.Panel("mean holdout recall", "recall", 0, 1, r),
                        new LinePlot.Panel(
                                "false accepts per hour of held-out speech", "per hour", 0, Math.ceil(hMax + 0.5), h)));
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", v[i]));
        }
        return b.append(']').toString();
    }
}
