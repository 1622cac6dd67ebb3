package dev.headstream.tools.bench;

import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.BankPart;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The table, JSON and plot of {@link FusionBench}'s figures beside the recipe's own (bench-quiet). */
final class FusionReport {

    private FusionReport() {}

    static void write(
            FusionBench bench,
            int[] clips,
            List<QuietBench.Figures> recipe,
            int users,
            BankPart evaluation,
            EngineSpec.TaskSpec task,
            Path out,
            PrintWriter pw)
            throws IOException {
        List<FusionBench.Figures> all = bench.figures();
        float[] weights = bench.weights();
        pw.println();
        pw.printf(
                Locale.ROOT,
                "fusion (1 - a) * source + a * adapted; thresholds: 'lowest' = the lowest within %.2f false accepts"
                        + " per hour of calibration speech, 'placed' = the recipe's placement between negatives and"
                        + " the user's positives:%n",
                task.targetFalseAcceptsPerHour());
        pw.printf(
                Locale.ROOT,
                "%6s %-26s | %7s %6s %6s | %7s %6s %6s%n",
                "clips",
                "head",
                "recall",
                "FA/h",
                "worst",
                "recall",
                "FA/h",
                "worst");
        StringBuilder json = new StringBuilder("{\n");
        json.append(String.format(
                Locale.ROOT,
                "  \"users\": %d,%n  \"evaluationHours\": %.4f,%n  \"target\": %.3f,%n  \"rows\": [%n",
                users,
                evaluation.hours(16),
                task.targetFalseAcceptsPerHour()));
        Map<String, double[]> recall = new LinkedHashMap<>();
        Map<String, double[]> perHour = new LinkedHashMap<>();
        String recipeName = "adapted, the recipe's own threshold";
        recall.put(recipeName, new double[clips.length]);
        perHour.put(recipeName, new double[clips.length]);
        for (float w : weights) {
            recall.put(name(w), new double[clips.length]);
            perHour.put(name(w), new double[clips.length]);
        }
        boolean first = true;
        for (int i = 0; i < clips.length; i++) {
            QuietBench.Checkpoint own = QuietBench.Checkpoint.of(recipe, clips[i]);
            recall.get(recipeName)[i] = own.recall();
            perHour.get(recipeName)[i] = own.perHour();
            pw.printf(
                    Locale.ROOT,
                    "%6d %-26s | %7.3f %6.2f %6.2f |%n",
                    clips[i],
                    "recipe (its own threshold)",
                    own.recall(),
                    own.perHour(),
                    own.worst());
            json.append(row(
                    first, clips[i], "recipe", -1, "own", own.recall(), own.activations(), own.hours(), own.worst()));
            first = false;
            for (float w : weights) {
                FusionBench.Summary lowest = FusionBench.Summary.of(all, clips[i], w, FusionBench.Rule.LOWEST);
                FusionBench.Summary placed = FusionBench.Summary.of(all, clips[i], w, FusionBench.Rule.PLACED);
                recall.get(name(w))[i] = placed.recall();
                perHour.get(name(w))[i] = placed.perHour();
                pw.printf(
                        Locale.ROOT,
                        "%6d %-26s | %7.3f %6.2f %6.2f | %7.3f %6.2f %6.2f%n",
                        clips[i],
                        name(w),
                        lowest.recall(),
                        lowest.perHour(),
                        lowest.worst(),
                        placed.recall(),
                        placed.perHour(),
                        placed.worst());
                for (FusionBench.Summary s : List.of(lowest, placed)) {
                    json.append(row(
                            false,
                            clips[i],
                            "fusion",
                            w,
                            s == lowest ? "lowest" : "placed",
                            s.recall(),
                            s.activations(),
                            s.hours(),
                            s.worst()));
                }
            }
        }
        json.append("\n  ]\n}\n");
        if (out == null) {
            return;
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("fusion.json"), json.toString());
        double top = perHour.values().stream()
                .flatMapToDouble(java.util.Arrays::stream)
                .max()
                .orElse(1);
        Map<String, double[]> target = new LinkedHashMap<>(perHour);
        target.put("target", BenchQuietCommand.filled(clips.length, task.targetFalseAcceptsPerHour()));
        LinePlot.write(
                out.resolve("fusion.png"),
                String.format(
                        Locale.ROOT,
                        "source + adapted fusion, %d held-out users, %.1f h of held-out speech",
                        users,
                        evaluation.hours(16)),
                "training clips per user (half positive)",
                clips,
                List.of(
                        new LinePlot.Panel("mean holdout recall, recipe's placement", "recall", 0, 1, recall),
                        new LinePlot.Panel(
                                "false accepts per hour (mean over heads), recipe's placement",
                                "per hour",
                                0,
                                Math.max(1, LinePlot.niceCeil(top + 0.25)),
                                target)),
                false);
        pw.println("bench-quiet: wrote " + out.resolve("fusion.json") + " and fusion.png");
    }

    private static String name(float w) {
        if (w == 0f) {
            return "a = 0 (source alone)";
        }
        if (w == 1f) {
            return "a = 1 (adapted alone)";
        }
        return String.format(Locale.ROOT, "a = %.2f", w);
    }

    private static String row(
            boolean first,
            int clips,
            String head,
            float weight,
            String threshold,
            double recall,
            int acts,
            double hours,
            double worst) {
        return String.format(
                Locale.ROOT,
                "%s    {\"clips\": %d, \"head\": \"%s\", \"weight\": %s, \"threshold\": \"%s\", \"meanRecall\": %.4f,"
                        + " \"falseAccepts\": %d,"
                        + " \"headHours\": %.4f, \"falseAcceptsPerHour\": %.4f, \"worstHeadPerHour\": %.4f}",
                first ? "" : ",\n",
                clips,
                head,
                weight < 0 ? "null" : String.format(Locale.ROOT, "%.2f", weight),
                threshold,
                recall,
                acts,
                hours,
                hours == 0 ? 0 : acts / hours,
                worst);
    }
}
