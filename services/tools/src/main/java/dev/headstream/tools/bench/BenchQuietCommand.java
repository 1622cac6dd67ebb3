package dev.headstream.tools.bench;

import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.head.SourceHead;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.tools.bank.BankCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The quiet-heads benchmark, in-process (no Kafka): held-out users (voices, and a synthesizer,
 * that the bank's training and calibration parts do not contain) trained with the default recipe
 * against the negative bank, each head published after every clip as the adapter does, and scored
 * after 8, 16 and 24 clips: recall on the user's holdout positives and false accepts per hour of
 * held-out continuous speech, beside the source head. Writes a table, JSON and a PNG.
 */
@Command(
        name = "bench-quiet",
        mixinStandardHelpOptions = true,
        description =
                "Held-out users: recall and false accepts per hour of held-out continuous speech vs training clips.")
public final class BenchQuietCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--models-dir",
            defaultValue = "${sys:headstream.home:-.}/.models",
            description = "Verified models (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(
            names = "--bank",
            description = "Negative bank to train and calibrate on (default <models-dir>/negative-bank).")
    Path bankDir;

    @Option(names = "--eval-bank", description = "Bank whose evaluation part is the held-out speech (default: --bank).")
    Path evalBankDir;

    @Option(
            names = "--cache-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/synth-cache",
            description = "Speech cache (default ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Option(names = "--users", defaultValue = "12", description = "Users (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--candidates",
            defaultValue = "100",
            description = "Candidates to pick them from (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--seed", defaultValue = "42", description = "Population seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--clips",
            defaultValue = "8,16,24",
            split = ",",
            description = "Checkpoints (default ${DEFAULT-VALUE}).")
    int[] clips;

    @Option(
            names = "--holdout",
            defaultValue = "20",
            description = "Holdout clips per label per user (default ${DEFAULT-VALUE}).")
    int holdout;

    @Option(
            names = {"--set", "-s"},
            paramLabel = "KEY=VALUE",
            description = "An engine setting of the wake task, as the adapter takes it (repeatable), for example"
                    + " -s headstream.tasks.wake.target-false-accepts-per-hour=0.25; default: the adapter's defaults.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(
            names = "--target",
            description = "Shorthand for -s headstream.tasks.wake.target-false-accepts-per-hour=VALUE.")
    String target;

    @Option(names = "--out", description = "Folder for quiet.json and quiet.png (none by default).")
    Path out;

    @Option(
            names = "--any-users",
            description = "Take the first --users candidates whatever the source head's recall on them (default: only"
                    + " those it serves poorly, below 0.5 recall on their holdout positives).")
    boolean anyUsers;

    @Option(
            names = "--fusion",
            split = ",",
            paramLabel = "WEIGHT",
            description = "Also measure the fusion (1 - a) * source + a * adapted of the source head and each adapted"
                    + " head at these weights a in [0, 1], with two thresholds: the lowest within the target on the"
                    + " calibration speech, and the recipe's placement; writes fusion.json and fusion.png to --out"
                    + " (none by default).")
    float[] fusion;

    @Override
    public Integer call() throws IOException {
        PrintWriter pw = spec.commandLine().getOut();
        if (fusion != null) {
            try {
                FusionBench.checkWeights(fusion);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--fusion: " + e.getMessage());
            }
        }
        SourceHead source = QuietBench.heyJarvis(modelsDir);
        int max = Arrays.stream(clips).max().orElse(24);
        SyntheticUsers.Config config = SyntheticUsers.Config.defaults(seed)
                .withUsers(candidates)
                .withTrain(max / 2, max - max / 2)
                .withHoldout(holdout, holdout)
                .withBackground(0, 0);
        QuietBench.Population pop =
                QuietBench.heldOutUsers(config, users, !anyUsers, modelsDir, cacheDir, source, pw::println);
        pw.printf(
                "held-out users (%s; %d of %d candidates below 0.5 source recall): %s%n",
                anyUsers ? "the first candidates" : "the first candidates below 0.5",
                pop.poorCandidates(),
                candidates,
                pop.users().stream()
                        .map(u -> u.id() + "=" + u.speaker().voice().id())
                        .toList());
        NegativeBank bank = NegativeBank.open(bankDir == null ? BankCommand.defaultDir(modelsDir) : bankDir);
        BankPart evaluation = evalBankDir == null
                ? bank.evaluation()
                : NegativeBank.open(evalBankDir).evaluation();
        if (evaluation == null) {
            throw new IllegalArgumentException(
                    "no evaluation part in " + (evalBankDir == null ? bank.directory() : evalBankDir));
        }
        EngineSpec.TaskSpec task = taskSpec();
        FusionBench fusionBench = fusion == null
                ? null
                : new FusionBench(
                        fusion,
                        task.targetFalseAcceptsPerHour(),
                        task.recipe().thresholdPosition(),
                        pop.embeddings(),
                        16);
        List<QuietBench.Figures> f = QuietBench.run(pop, source, task, bank, evaluation, clips, fusionBench, line -> {
            pw.println(line);
            pw.flush();
        });
        pw.println(String.format(
                Locale.ROOT,
                "%-8s %5s %5s %9s %7s %9s %6s %6s %6s",
                "user",
                "clips",
                "held",
                "threshold",
                "recall",
                "fa-clips",
                "acts",
                "FA/h",
                "alarms"));
        for (QuietBench.Figures x : f) {
            pw.println(String.format(
                    Locale.ROOT,
                    "%-8s %5d %5s %9.5f %7.3f %4d/%-4d %6d %6.2f %6d",
                    x.user(),
                    x.clips(),
                    x.held() ? "held" : "",
                    x.threshold(),
                    x.recall(),
                    x.falseClips(),
                    x.negatives(),
                    x.activations(),
                    x.perHour(),
                    x.alarms()));
        }
        int[] xs = new int[clips.length + 1];
        System.arraycopy(clips, 0, xs, 1, clips.length);
        double[] recall = new double[xs.length];
        double[] perHour = new double[xs.length];
        double[] worst = new double[xs.length];
        StringBuilder json = new StringBuilder("{\n");
        json.append(String.format(
                Locale.ROOT,
                "  \"seed\": %d,%n  \"users\": %d,%n  \"candidates\": %d,%n"
                        + "  \"evaluationHours\": %.4f,%n  \"evaluationVoices\": %d,%n  \"bank\": \"%s\",%n  \"target\": %.3f,%n"
                        + "  \"checkpoints\": [%n",
                seed,
                pop.users().size(),
                candidates,
                evaluation.hours(16),
                evaluation.voices().size(),
                bank.id(),
                task.targetFalseAcceptsPerHour()));
        for (int i = 0; i < xs.length; i++) {
            int c = xs[i];
            QuietBench.Checkpoint at = QuietBench.Checkpoint.of(f, c);
            recall[i] = at.recall();
            perHour[i] = at.perHour();
            worst[i] = at.worst();
            int acts = at.activations();
            double hours = at.hours();
            long held = at.held();
            int alarms = at.alarms();
            double trainMs = at.trainMs();
            double publishMs = at.publishMs();
            String line = String.format(
                    Locale.ROOT,
                    "%s: mean recall %.3f, %d false accepts in %.2f head-hours = %.2f per"
                            + " hour (worst head %.2f), held at source %d of %d, negative-transfer alarms %d%s",
                    c == 0 ? "source head" : c + " clips",
                    recall[i],
                    acts,
                    hours,
                    perHour[i],
                    worst[i],
                    held,
                    at.heads(),
                    alarms,
                    c == 0
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    "; training %.1f ms, publication %.1f ms per clip",
                                    trainMs,
                                    publishMs));
            pw.println(line);
            json.append(String.format(
                    Locale.ROOT,
                    "    {\"clips\": %d, \"meanRecall\": %.4f, \"falseAccepts\": %d,"
                            + " \"headHours\": %.4f, \"falseAcceptsPerHour\": %.4f, \"worstHeadPerHour\": %.4f, \"held\": %d,"
                            + " \"alarms\": %d, \"trainMsPerClip\": %.2f, \"publishMsPerClip\": %.2f}%s%n",
                    c,
                    recall[i],
                    acts,
                    hours,
                    perHour[i],
                    worst[i],
                    held,
                    alarms,
                    trainMs,
                    publishMs,
                    i + 1 < xs.length ? "," : ""));
        }
        json.append("  ],\n  \"heads\": [\n");
        for (int i = 0; i < f.size(); i++) {
            QuietBench.Figures x = f.get(i);
            json.append(String.format(
                    Locale.ROOT,
                    "    {\"user\": \"%s\", \"clips\": %d, \"held\": %s, \"threshold\": %.6f,"
                            + " \"positives\": %d, \"detected\": %d, \"negatives\": %d, \"falseClips\": %d, \"activations\": %d,"
                            + " \"hours\": %.4f, \"alarms\": %d}%s%n",
                    x.user(),
                    x.clips(),
                    x.held(),
                    x.threshold(),
                    x.positives(),
                    x.detected(),
                    x.negatives(),
                    x.falseClips(),
                    x.activations(),
                    x.hours(),
                    x.alarms(),
                    i + 1 < f.size() ? "," : ""));
        }
        json.append("  ]\n}\n");
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("quiet.json"), json.toString());
            int[] cx = Arrays.copyOfRange(xs, 1, xs.length);
            Map<String, double[]> r = new LinkedHashMap<>();
            r.put("adapted (mean)", Arrays.copyOfRange(recall, 1, xs.length));
            r.put("source head (base network)", filled(cx.length, recall[0]));
            Map<String, double[]> h = new LinkedHashMap<>();
            h.put("adapted, mean over heads", Arrays.copyOfRange(perHour, 1, xs.length));
            h.put("adapted, worst head", Arrays.copyOfRange(worst, 1, xs.length));
            h.put("source head (base network)", filled(cx.length, perHour[0]));
            h.put("target", filled(cx.length, task.targetFalseAcceptsPerHour()));
            double hMax = Math.max(1, Math.ceil(Arrays.stream(perHour).max().orElse(1) + 0.5));
            LinePlot.write(
                    out.resolve("quiet.png"),
                    String.format(
                            Locale.ROOT,
                            "%d held-out users, %.1f h of held-out" + " speech (%d voices)",
                            pop.users().size(),
                            evaluation.hours(16),
                            evaluation.voices().size()),
                    "training clips per user (half positive)",
                    cx,
                    List.of(
                            new LinePlot.Panel("mean holdout recall", "recall", 0, 1, r),
                            new LinePlot.Panel(
                                    "false accepts per hour of held-out speech",
                                    "per hour",
                                    0,
                                    Math.max(hMax, Arrays.stream(worst).max().orElse(1) + 0.5),
                                    h)),
                    false);
            pw.println("bench-quiet: wrote " + out.resolve("quiet.json") + " and quiet.png");
        }
        if (fusionBench != null) {
            FusionReport.write(fusionBench, clips, f, pop.users().size(), evaluation, task, out, pw);
        }
        pw.flush();
        return 0;
    }

    static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    /** The wake task as the adapter would run it with {@code --set} (and {@code --target}) applied. */
    private EngineSpec.TaskSpec taskSpec() {
        Map<String, String> p = new LinkedHashMap<>(settings);
        if (target != null) {
            p.put(EngineSpec.PREFIX + "tasks." + EngineSpec.DEFAULT_TASK + ".target-false-accepts-per-hour", target);
        }
        for (String key : p.keySet()) {
            if (!key.startsWith(EngineSpec.PREFIX + "tasks." + EngineSpec.DEFAULT_TASK + ".")) {
                throw new ParameterException(
                        spec.commandLine(), "--set " + key + ": bench-quiet takes the wake task's keys only");
            }
        }
        try {
            return EngineSpec.fromProperties(p).tasks().get(EngineSpec.DEFAULT_TASK);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
