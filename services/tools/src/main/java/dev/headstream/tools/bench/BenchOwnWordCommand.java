package dev.headstream.tools.bench;

import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.SourceHead;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.MultiEngineSynth;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.tools.bank.BankCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A user's own wake word, in-process (no Kafka): new phrases enrolled by held-out synthetic users
 * with 3, 5, 8 and 16 clips; a prototype head and the default trained recipe (from hey_jarvis's
 * weights or a fresh seeded start), each with and without synthesized near misses of the phrase;
 * recall on held-out positives and false accepts per hour of held-out continuous speech, each head
 * at its own per-hour threshold. Writes a table, own-word.json and own-word.png ({@link OwnWordBench}).
 */
@Command(
        name = "bench-own-word",
        mixinStandardHelpOptions = true,
        description =
                "A user's own wake word: prototype vs trained heads, recall and false accepts per hour vs enrolment clips.")
public final class BenchOwnWordCommand implements Callable<Integer> {

    /** Issue 18's limit: at most 1 false accept per hour (after 8 clips, with recall at least 0.9). */
    static final double MAX_PER_HOUR = 1.0;

    @Spec
    CommandSpec spec;

    @Mixin
    SynthInputs inputs = new SynthInputs();

    @Option(
            names = "--bank",
            description = "Negative bank to train and calibrate on, and whose evaluation part is the held-out speech"
                    + " (default <models-dir>/negative-bank).")
    Path bankDir;

    @Option(
            names = "--phrases",
            defaultValue = "okay nova,hey marble,wake up luna,hello sunny",
            split = ",",
            description = "The new wake phrases (default ${DEFAULT-VALUE}).")
    List<String> phrases;

    @Option(names = "--users", defaultValue = "4", description = "Users per phrase (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--clips",
            defaultValue = "3,5,8,16",
            split = ",",
            description = "Enrolment clip counts scored (default ${DEFAULT-VALUE}).")
    int[] clips;

    @Option(
            names = "--holdout",
            defaultValue = "12",
            description = "Held-out positives per user (default ${DEFAULT-VALUE}).")
    int holdout;

    @Option(
            names = "--near-miss-variants",
            defaultValue = "12",
            description = "Near-miss phoneme strings per phrase (default ${DEFAULT-VALUE}).")
    int nearMissVariants;

    @Option(
            names = "--near-miss-train",
            defaultValue = "24",
            description = "Near-miss training clips per phrase, bank training voices (default ${DEFAULT-VALUE}).")
    int nearMissTrain;

    @Option(
            names = "--near-miss-test",
            defaultValue = "24",
            description = "Held-out near-miss clips per phrase, users' espeak-ng voices (default ${DEFAULT-VALUE}).")
    int nearMissTest;

    @Option(names = "--seed", defaultValue = "42", description = "Population seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--fresh-seed",
            defaultValue = "7",
            description = "Seed of the fresh (random, He) start of a trained head (default ${DEFAULT-VALUE}).")
    long freshSeed;

    @Option(
            names = "--variants",
            defaultValue = "prototype,prototype+nm,trained_jarvis,trained_jarvis+nm,trained_fresh,trained_fresh+nm",
            split = ",",
            description = "Candidate heads (default ${DEFAULT-VALUE}).")
    List<String> variantKeys;

    @Option(
            names = "--prototype-seed-windows",
            defaultValue = "512",
            description = "Bank training windows that seed a prototype's negative mean (default ${DEFAULT-VALUE}).")
    int prototypeSeedWindows;

    @Option(names = "--out", description = "Folder for own-word.json and own-word.png (none by default).")
    Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter pw = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Path models = inputs.modelsDir();
        List<OwnWordBench.Variant> variants =
                variantKeys.stream().map(this::variant).toList();
        int[] cps = Arrays.stream(clips).sorted().distinct().toArray();
        int max = cps[cps.length - 1];
        CachingSynthesizer synth = new CachingSynthesizer(MultiEngineSynth.defaults(), inputs.cacheDir());
        List<OwnWordBench.OwnUser> all = new ArrayList<>();
        Map<String, OwnWordBench.PhraseNearMisses> near = new LinkedHashMap<>();
        for (int p = 0; p < phrases.size(); p++) {
            String phrase = phrases.get(p).strip();
            pw.printf(Locale.ROOT, "phrase '%s': synthesizing %d users%n", phrase, users);
            pw.flush();
            all.addAll(OwnWordBench.users(phrase, users, max, holdout, seed + 1000L * p, synth, line -> {
                pw.println(line);
                pw.flush();
            }));
            OwnWordBench.PhraseNearMisses nm =
                    OwnWordBench.nearMisses(phrase, nearMissVariants, nearMissTrain, nearMissTest, seed + p, synth);
            near.put(phrase, nm);
            pw.printf(
                    Locale.ROOT,
                    "  near misses of '%s' (%s): %s%n",
                    phrase,
                    nm.phonemes(),
                    String.join(" | ", nm.variants()));
            pw.flush();
        }
        List<SyntheticClip> clipsToEmbed = Stream.concat(
                        all.stream().flatMap(u -> Stream.concat(u.enrolment().stream(), u.holdout().stream())),
                        near.values().stream().flatMap(n -> Stream.concat(n.train().stream(), n.test().stream())))
                .toList();
        Map<SyntheticClip, EmbeddingSequence> emb;
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(models)) {
            emb = new HashMap<>(OwnWordBench.embed(backbone, clipsToEmbed));
        }
        pw.printf(
                Locale.ROOT,
                "synthesized and embedded %d clips in %.1f s%n",
                clipsToEmbed.size(),
                (System.nanoTime() - t0) / 1e9);
        NegativeBank bank = NegativeBank.open(bankDir == null ? BankCommand.defaultDir(models) : bankDir);
        EngineSpec.TaskSpec task = EngineSpec.fromProperties(Map.of()).tasks().get(EngineSpec.DEFAULT_TASK);
        SourceHead jarvis = QuietBench.heyJarvis(models);
        SourceHead fresh =
                SourceHead.initialized("fresh-" + freshSeed, jarvis.architecture(), SourceHead.Init.RANDOM, freshSeed);
        int frames = task.recipe().windowFrames();
        OwnWordBench.Setting setting = new OwnWordBench.Setting(
                bank,
                new HeldOutSpeech(bank.evaluation(), frames),
                new HeldOutSpeech(bank.calibration(), frames),
                task,
                jarvis,
                fresh,
                cps,
                prototypeSeedWindows);
        pw.println("held-out speech: " + setting.evaluation());
        pw.printf(
                Locale.ROOT,
                "calibration speech: %.2f h%n",
                setting.calibration().hours());
        pw.flush();
        List<OwnWordBench.Figures> f = OwnWordBench.run(setting, all, near, emb, variants, line -> {
            pw.println(line);
            pw.flush();
        });
        double target = task.targetFalseAcceptsPerHour();
        StringBuilder table = new StringBuilder();
        table.append(String.format(
                Locale.ROOT,
                "%-40s %5s %7s %6s %8s %7s %7s %5s%n",
                "head",
                "clips",
                "recall",
                "acts",
                "FA/h",
                "worst",
                "near-ms",
                "held"));
        for (OwnWordBench.Variant v : variants) {
            for (int c : cps) {
                OwnWordBench.Summary s = OwnWordBench.summary(f, v, c, null);
                table.append(String.format(
                        Locale.ROOT,
                        "%-40s %5d %7.3f %6d %8.2f %7.2f %7.3f %5d%n",
                        v.label(),
                        c,
                        s.recall(),
                        s.activations(),
                        s.perHour(),
                        s.worst(),
                        s.nearMissRate(),
                        s.held()));
            }
        }
        pw.print(table);
        StringBuilder perPhrase = new StringBuilder();
        for (String phrase : near.keySet()) {
            for (OwnWordBench.Variant v : variants) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-14s %-40s", phrase, v.label()));
                for (int c : cps) {
                    OwnWordBench.Summary s = OwnWordBench.summary(f, v, c, phrase);
                    line.append(String.format(
                            Locale.ROOT, " | %2d: %.2f, %.2f/h (worst %.2f)", c, s.recall(), s.perHour(), s.worst()));
                }
                perPhrase.append(line).append('\n');
            }
        }
        pw.print(perPhrase);
        // when does a trained head beat the prototype?
        Map<String, Integer> switches = new LinkedHashMap<>();
        for (OwnWordBench.Variant v : variants) {
            if (v.kind() == OwnWordBench.Kind.PROTOTYPE) {
                continue;
            }
            OwnWordBench.Variant proto = new OwnWordBench.Variant(OwnWordBench.Kind.PROTOTYPE, v.nearMisses());
            if (!variants.contains(proto)) {
                continue;
            }
            List<Boolean> beats = new ArrayList<>();
            for (int c : cps) {
                beats.add(OwnWordBench.beats(
                        OwnWordBench.summary(f, v, c, null), OwnWordBench.summary(f, proto, c, null), target));
            }
            int from = OwnWordBench.switchPoint(cps, beats);
            switches.put(v.key(), from);
            pw.printf(
                    Locale.ROOT,
                    "%s beats %s (higher recall at no more false accepts per hour than it or %.2f): %s%n",
                    v.label(),
                    proto.label(),
                    target,
                    from < 0 ? "not at " + max + " clips" : "from " + from + " clips on");
        }
        // which start of a trained head is the better, with and without near misses
        Map<String, String> betterStart = new LinkedHashMap<>();
        for (boolean nm : new boolean[] {false, true}) {
            OwnWordBench.Variant a = new OwnWordBench.Variant(OwnWordBench.Kind.TRAINED_JARVIS, nm);
            OwnWordBench.Variant b = new OwnWordBench.Variant(OwnWordBench.Kind.TRAINED_FRESH, nm);
            if (!variants.contains(a) || !variants.contains(b)) {
                continue;
            }
            List<OwnWordBench.Summary> sa = new ArrayList<>();
            List<OwnWordBench.Summary> sb = new ArrayList<>();
            for (int c : cps) {
                sa.add(OwnWordBench.summary(f, a, c, null));
                sb.add(OwnWordBench.summary(f, b, c, null));
            }
            OwnWordBench.Variant best = OwnWordBench.better(sa, sb, MAX_PER_HOUR) == 0 ? a : b;
            betterStart.put(nm ? "withNearMisses" : "withoutNearMisses", best.key());
            pw.printf(
                    Locale.ROOT,
                    "better start%s (recall where both stay within %.1f false accepts per hour): %s%n",
                    nm ? " with near misses" : "",
                    MAX_PER_HOUR,
                    best.label());
        }
        String date = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        StringBuilder json = new StringBuilder("{\n");
        json.append(String.format(
                Locale.ROOT,
                "  \"date\": \"%s\",%n  \"seed\": %d,%n  \"freshSeed\": %d,%n  \"phrases\": [%s],%n"
                        + "  \"usersPerPhrase\": %d,%n  \"holdoutPositives\": %d,%n  \"bank\": \"%s\",%n"
                        + "  \"evaluationHours\": %.4f,%n  \"calibrationHours\": %.4f,%n  \"targetPerHour\": %.3f,%n",
                date,
                seed,
                freshSeed,
                String.join(
                        ", ", near.keySet().stream().map(p -> "\"" + p + "\"").toList()),
                users,
                holdout,
                bank.id(),
                setting.evaluation().hours(),
                setting.calibration().hours(),
                target));
        json.append("  \"nearMisses\": [\n");
        List<OwnWordBench.PhraseNearMisses> nms = new ArrayList<>(near.values());
        for (int i = 0; i < nms.size(); i++) {
            OwnWordBench.PhraseNearMisses n = nms.get(i);
            json.append(String.format(
                    Locale.ROOT,
                    "    {\"phrase\": \"%s\", \"phonemes\": \"%s\", \"variants\": [%s], \"trainClips\": %d, \"testClips\": %d}%s%n",
                    n.phrase(),
                    escape(n.phonemes()),
                    String.join(
                            ", ",
                            n.variants().stream()
                                    .map(x -> "\"" + escape(x) + "\"")
                                    .toList()),
                    n.train().size(),
                    n.test().size(),
                    i + 1 < nms.size() ? "," : ""));
        }
        json.append("  ],\n  \"switchFromClips\": {");
        json.append(String.join(
                ", ",
                switches.entrySet().stream()
                        .map(e -> "\"" + e.getKey() + "\": " + e.getValue())
                        .toList()));
        json.append("},\n  \"betterStart\": {");
        json.append(String.join(
                ", ",
                betterStart.entrySet().stream()
                        .map(e -> "\"" + e.getKey() + "\": \"" + e.getValue() + "\"")
                        .toList()));
        json.append("},\n  \"summary\": [\n");
        List<String> rows = new ArrayList<>();
        for (OwnWordBench.Variant v : variants) {
            for (String phrase : Stream.concat(Stream.of((String) null), near.keySet().stream())
                    .toList()) {
                for (int c : cps) {
                    OwnWordBench.Summary s = OwnWordBench.summary(f, v, c, phrase);
                    rows.add(String.format(
                            Locale.ROOT,
                            "    {\"variant\": \"%s\", \"phrase\": %s, \"clips\": %d, \"heads\": %d, \"meanRecall\": %.4f,"
                                    + " \"falseAccepts\": %d, \"headHours\": %.4f, \"falseAcceptsPerHour\": %.4f,"
                                    + " \"worstHeadPerHour\": %.4f, \"nearMissAccepted\": %d, \"nearMissClips\": %d, \"held\": %d}",
                            v.key(),
                            phrase == null ? "null" : "\"" + phrase + "\"",
                            c,
                            s.heads(),
                            s.recall(),
                            s.activations(),
                            s.hours(),
                            s.perHour(),
                            s.worst(),
                            s.nearMissAccepted(),
                            s.nearMissClips(),
                            s.held()));
                }
            }
        }
        json.append(String.join(",\n", rows)).append("\n  ],\n  \"heads\": [\n");
        rows.clear();
        for (OwnWordBench.Figures x : f) {
            rows.add(String.format(
                    Locale.ROOT,
                    "    {\"variant\": \"%s\", \"user\": \"%s\", \"voice\": \"%s\", \"clips\": %d, \"held\": %s,"
                            + " \"threshold\": %.6f, \"positives\": %d, \"detected\": %d, \"activations\": %d, \"hours\": %.4f,"
                            + " \"nearMissAccepted\": %d, \"nearMissClips\": %d}",
                    x.variant().key(),
                    x.user(),
                    x.voice(),
                    x.clips(),
                    x.held(),
                    x.threshold(),
                    x.positives(),
                    x.detected(),
                    x.activations(),
                    x.hours(),
                    x.nearMissAccepted(),
                    x.nearMissClips()));
        }
        json.append(String.join(",\n", rows)).append("\n  ]\n}\n");
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("own-word.json"), json.toString());
            // one series name per variant in every panel: one colour and one legend entry each
            Map<String, double[]> recall = new LinkedHashMap<>();
            Map<String, double[]> perHour = new LinkedHashMap<>();
            Map<String, double[]> worst = new LinkedHashMap<>();
            double top = 1;
            for (OwnWordBench.Variant v : variants) {
                double[] r = new double[cps.length];
                double[] h = new double[cps.length];
                double[] w = new double[cps.length];
                for (int i = 0; i < cps.length; i++) {
                    OwnWordBench.Summary s = OwnWordBench.summary(f, v, cps[i], null);
                    r[i] = s.recall();
                    h[i] = s.perHour();
                    w[i] = s.worst();
                    top = Math.max(top, s.worst());
                }
                recall.put(v.label(), r);
                perHour.put(v.label(), h);
                worst.put(v.label(), w);
            }
            double[] goal = new double[cps.length];
            Arrays.fill(goal, 0.9);
            recall.put("issue 18 target: recall 0.9, at most 1 per hour", goal);
            double[] limit = new double[cps.length];
            Arrays.fill(limit, MAX_PER_HOUR);
            perHour.put("issue 18 target: recall 0.9, at most 1 per hour", limit);
            worst.put("issue 18 target: recall 0.9, at most 1 per hour", limit);
            double yMax = Math.ceil(top + 0.5);
            LinePlot.write(
                    out.resolve("own-word.png"),
                    String.format(
                            Locale.ROOT,
                            "own wake word: %d phrases x %d users, %.2f h of held-out speech",
                            near.size(),
                            users,
                            setting.evaluation().hours()),
                    "enrolment clips per user",
                    cps,
                    List.of(
                            new LinePlot.Panel("mean held-out recall", "recall", 0, 1, recall),
                            new LinePlot.Panel("false accepts per hour, all heads", "per hour", 0, yMax, perHour),
                            new LinePlot.Panel("false accepts per hour, worst head", "per hour", 0, yMax, worst)),
                    false);
            Files.writeString(out.resolve("own-word-table.txt"), table + "\n" + perPhrase);
            pw.println(
                    "bench-own-word: wrote " + out.resolve("own-word.json") + ", own-word.png and own-word-table.txt");
        }
        pw.printf(Locale.ROOT, "bench-own-word took %.1f s%n", (System.nanoTime() - t0) / 1e9);
        pw.flush();
        return 0;
    }

    private OwnWordBench.Variant variant(String key) {
        String k = key.strip().toLowerCase(Locale.ROOT);
        boolean nm = k.endsWith("+nm");
        String kind = nm ? k.substring(0, k.length() - 3) : k;
        for (OwnWordBench.Kind x : OwnWordBench.Kind.values()) {
            if (x.name().toLowerCase(Locale.ROOT).equals(kind)) {
                return new OwnWordBench.Variant(x, nm);
            }
        }
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(),
                "--variants: unknown '" + key + "' (prototype, trained_jarvis, trained_fresh, each optionally +nm)");
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
