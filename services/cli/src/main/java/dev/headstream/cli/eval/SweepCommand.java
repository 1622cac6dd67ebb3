package dev.headstream.cli.eval;

import dev.headstream.cli.synth.SyntheticClip;
import dev.headstream.cli.synth.SyntheticUser;
import dev.headstream.cli.synth.SyntheticUsers;
import dev.headstream.core.adapt.BinaryHeadTask;
import dev.headstream.core.adapt.HeadRecipe;
import dev.headstream.core.adapt.HeadState;
import dev.headstream.core.adapt.Split;
import dev.headstream.core.head.MlpHead;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The quality sweep: holdout recall and false accepts of per-user heads vs the number of
 * training clips, for the default recipe and one-at-a-time ablations (trainable depth, L2-SP,
 * rehearsal, time shift, replay, low-rank deltas), with bytes per user, run in-process on synthetic users (no Kafka). Writes a
 * Markdown table, JSON and a PNG plot.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Quality sweep of head recipes vs training clips on synthetic users (table, JSON, PNG).")
public final class SweepCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--models-dir", defaultValue = ".models", description = "Verified models (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(names = "--cache-dir", defaultValue = ".run/synth-cache", description = "Speech cache (default ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Option(names = "--out", defaultValue = "docs/sweep", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--users", defaultValue = "8", description = "Users evaluated (poorly served by the source head; default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--candidates", defaultValue = "32", description = "Synthetic users generated to pick them from (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--seed", defaultValue = "1234", description = "Population seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--clips", split = ",", defaultValue = "1,2,4,8,16,32",
            description = "Training clip counts, alternating positive/negative (default ${DEFAULT-VALUE}).")
    int[] clips;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        int maxClips = Arrays.stream(clips).max().orElse(1);
        int perLabel = (maxClips + 1) / 2;
        pw.printf("sweep: building %d candidate users (%d + %d training clips each)%n", candidates, perLabel, perLabel);
        pw.flush();
        SyntheticBench bench = SyntheticBench.build(SyntheticUsers.Config.defaults(seed).withUsers(candidates)
                .withTrain(perLabel, perLabel).withHoldout(10, 10).withBackground(16, 16), modelsDir, cacheDir, line -> {
                    pw.println("sweep: " + line.strip());
                    pw.flush();
                });
        List<SyntheticUser> chosen = bench.poorUsers(users);
        pw.printf("sweep: %d users with source-head recall < 0.5 on their training clips%n", chosen.size());

        HeadRecipe d = HeadRecipe.wakeWordDefault();
        Map<String, HeadRecipe> variants = new LinkedHashMap<>();
        variants.put("all layers (default)", d);
        variants.put("all, no L2-SP", d.withL2sp(0f));
        variants.put("all, no rehearsal", d.withRehearsalPerStep(0));
        variants.put("all, no time shift", d.withTimeShift(false));
        variants.put("all, no replay", d.withReplay(1, 1));
        variants.put("top-2", d.withTrainableTopLayers(2));
        variants.put("top-1", d.withTrainableTopLayers(1));
        variants.put("LoRA r=4", d.withLoraRank(4));
        variants.put("LoRA r=8", d.withLoraRank(8));

        Map<String, double[]> recall = new LinkedHashMap<>();
        Map<String, double[]> falseAccepts = new LinkedHashMap<>();
        Map<String, double[]> msPerClip = new LinkedHashMap<>();
        Map<String, long[]> bytesPerUser = new LinkedHashMap<>();
        double[] sourceRecall = new double[clips.length];
        double[] sourceFa = new double[clips.length];
        for (Map.Entry<String, HeadRecipe> v : variants.entrySet()) {
            double[] r = new double[clips.length];
            double[] f = new double[clips.length];
            double[] ms = new double[clips.length];
            long head = 0;
            long total = 0;
            for (int i = 0; i < clips.length; i++) {
                int n = clips[i];
                BinaryHeadTask task = new BinaryHeadTask("wake", bench.source(), v.getValue(), bench.rehearsal());
                Map<String, HeadState> heads = new HashMap<>();
                long t0 = System.nanoTime();
                int trained = 0;
                for (SyntheticUser u : chosen) {
                    HeadState s = task.newState("sweep/" + u.id() + "/wake");
                    for (SyntheticClip c : u.train().subList(0, Math.min(n, u.train().size()))) {
                        task.apply(s, bench.embeddings().get(c), c.positive(), 1f, Split.TRAIN);
                        trained++;
                    }
                    task.calibrate(s);
                    heads.put(u.id(), s);
                }
                ms[i] = (System.nanoTime() - t0) / 1e6 / Math.max(1, trained);
                head = 0;
                total = 0;
                for (HeadState s : heads.values()) {
                    head += s.residentBytes() - s.replayBytes();
                    total += s.residentBytes();
                }
                head /= Math.max(1, heads.size());
                total /= Math.max(1, heads.size());
                float[] sourceParams = bench.source().parameters();
                MlpHead published = task.head();
                HoldoutTable t = HoldoutEvaluator.evaluate(chosen, bench.embeddings(), id -> {
                    HeadState s = heads.get(id);
                    return new HoldoutEvaluator.UserHead(published, sourceParams, task.publishedTrainable(s), s.threshold(),
                            s.version());
                }, v.getValue().windowFrames());
                HoldoutTable.Summary sum = t.summary(1.01);
                r[i] = sum.meanAdaptedRecall();
                f[i] = 100 * sum.adaptedFalseAcceptRate();
                sourceRecall[i] = sum.meanSourceRecall();
                sourceFa[i] = 100 * sum.sourceFalseAcceptRate();
                pw.printf(Locale.ROOT, "sweep: %-22s clips %2d: recall %.3f, false accepts %.2f%%, %.1f ms/clip%n",
                        v.getKey(), n, r[i], f[i], ms[i]);
                pw.flush();
            }
            recall.put(v.getKey(), r);
            falseAccepts.put(v.getKey(), f);
            msPerClip.put(v.getKey(), ms);
            bytesPerUser.put(v.getKey(), new long[] {head, total});
            pw.printf(Locale.ROOT, "sweep: %-22s bytes per user at %d clips: %d head + optimizer, %d with replay%n",
                    v.getKey(), clips[clips.length - 1], head, total);
        }
        recall.put("source head (no adaptation)", sourceRecall);
        falseAccepts.put("source head (no adaptation)", sourceFa);

        Files.createDirectories(out);
        LinePlot.write(out.resolve("sweep.png"), "Per-user wake-word heads: " + chosen.size()
                + " synthetic users poorly served by hey_jarvis (seed " + seed + ")", "training clips per user", clips,
                List.of(new LinePlot.Panel("mean holdout recall (own positives)", "recall", 0, 1, recall),
                        new LinePlot.Panel("false accepts on all users' holdout negatives", "% of clips", 0,
                                Math.max(1, Math.ceil(falseAccepts.values().stream()
                                        .flatMapToDouble(Arrays::stream).max().orElse(1))), falseAccepts)));
        Files.writeString(out.resolve("sweep.md"), markdown(chosen.size(), recall, falseAccepts, msPerClip, bytesPerUser));
        Files.writeString(out.resolve("sweep.json"), json(recall, falseAccepts, msPerClip, bytesPerUser));
        pw.println();
        pw.print(markdown(chosen.size(), recall, falseAccepts, msPerClip, bytesPerUser));
        pw.println("sweep: wrote " + out.resolve("sweep.md") + ", sweep.json and sweep.png");
        return 0;
    }

    private String markdown(int nUsers, Map<String, double[]> recall, Map<String, double[]> fa, Map<String, double[]> ms,
            Map<String, long[]> bytes) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Holdout recall / false accepts (%% of all users' holdout negatives) of %d users,"
                + " seed %d; `./headstream sweep` reproduces it.%n%n", nUsers, seed));
        b.append("| recipe |");
        for (int n : clips) {
            b.append(' ').append(n).append(" clips |");
        }
        b.append(" ms per clip (at ").append(clips[clips.length - 1]).append(") |")
                .append(" KB per user: head + optimizer / + replay (at ").append(clips[clips.length - 1]).append(") |\n|---|");
        for (int i = 0; i <= clips.length + 1; i++) {
            b.append("---|");
        }
        b.append('\n');
        for (String k : recall.keySet()) {
            b.append("| ").append(k).append(" |");
            for (int i = 0; i < clips.length; i++) {
                b.append(String.format(Locale.ROOT, " %.2f / %.1f%% |", recall.get(k)[i], fa.get(k)[i]));
            }
            double[] m = ms.get(k);
            b.append(m == null ? " - |" : String.format(Locale.ROOT, " %.1f |", m[m.length - 1]));
            long[] kb = bytes.get(k);
            b.append(kb == null ? " - |" : String.format(Locale.ROOT, " %.1f / %.1f |", kb[0] / 1024.0, kb[1] / 1024.0))
                    .append('\n');
        }
        return b.toString();
    }

    private String json(Map<String, double[]> recall, Map<String, double[]> fa, Map<String, double[]> ms,
            Map<String, long[]> bytes) {
        StringBuilder b = new StringBuilder("{\n  \"seed\": " + seed + ",\n  \"clips\": " + Arrays.toString(clips)
                + ",\n  \"recipes\": {\n");
        List<String> keys = new ArrayList<>(recall.keySet());
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            b.append("    \"").append(k).append("\": {\"recall\": ").append(Arrays.toString(recall.get(k)))
                    .append(", \"falseAcceptPercent\": ").append(Arrays.toString(fa.get(k)));
            if (ms.containsKey(k)) {
                b.append(", \"msPerClip\": ").append(Arrays.toString(ms.get(k)));
            }
            if (bytes.containsKey(k)) {
                b.append(", \"headAndOptimizerBytesPerUser\": ").append(bytes.get(k)[0])
                        .append(", \"residentBytesPerUser\": ").append(bytes.get(k)[1]);
            }
            b.append('}').append(i + 1 < keys.size() ? "," : "").append('\n');
        }
        return b.append("  }\n}\n").toString();
    }
}
