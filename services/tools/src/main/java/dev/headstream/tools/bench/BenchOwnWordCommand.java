package dev.headstream.tools.bench;

import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.WakePhrase;
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
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A user's own wake word, in-process (no Kafka): new phrases enrolled by held-out synthetic users
 * with 3, 5, 8 and 16 clips; a prototype head and the default trained recipe (from hey_jarvis's
 * weights or a fresh seeded start), each with and without synthesized near misses of the phrase;
 * recall on held-out positives and false accepts per hour of held-out continuous speech, each head
 * at its own per-hour threshold; held-out near misses are phoneme strings no head trained on. Every
 * trained head is compared with the prototype the recipe publishes (without near misses); mean
 * recall comes with a per-user bootstrap 95 % interval. Writes a table, own-word.json and
 * own-word.png ({@link OwnWordBench}). Options are checked before any synthesis.
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
            description = "The new wake phrases, each as the service takes one (English words: letters, spaces and"
                    + " apostrophes, starting with a letter, at most 64 characters), none of them 'hey jarvis', no"
                    + " two the same (default ${DEFAULT-VALUE}).")
    List<String> phrases;

    @Option(names = "--users", defaultValue = "4", description = "Users per phrase (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--clips",
            defaultValue = "3,5,8,16",
            split = ",",
            description = "Enrolment clip counts scored, positive and increasing (default ${DEFAULT-VALUE}).")
    int[] clips;

    @Option(
            names = "--holdout",
            defaultValue = "12",
            description = "Held-out positives per user (default ${DEFAULT-VALUE}).")
    int holdout;

    @Option(
            names = "--near-miss-variants",
            defaultValue = "12",
            description = "Near-miss phoneme strings per phrase to train on; as many other strings are held"
                    + " out for testing (default ${DEFAULT-VALUE}).")
    int nearMissVariants;

    @Option(
            names = "--near-miss-train",
            defaultValue = "24",
            description = "Near-miss training clips per phrase, bank training voices; a trained head learns "
                    + OwnWordBench.NEAR_MISSES_PER_POSITIVE
                    + " before each enrolment clip until none is left (default ${DEFAULT-VALUE}).")
    int nearMissTrain;

    @Option(
            names = "--near-miss-test",
            defaultValue = "24",
            description = "Held-out near-miss clips per phrase (of the held-out strings), users' espeak-ng voices"
                    + " (default ${DEFAULT-VALUE}).")
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
        List<OwnWordBench.Variant> variants = validated();
        PrintWriter pw = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        Path models = inputs.modelsDir();
        int[] cps = clips.clone();
        int max = cps[cps.length - 1];
        CachingSynthesizer synth = new CachingSynthesizer(MultiEngineSynth.defaults(), inputs.cacheDir());
        List<OwnWordBench.OwnUser> all = new ArrayList<>();
        Map<String, OwnWordBench.PhraseNearMisses> near = new LinkedHashMap<>();
        for (int p = 0; p < phrases.size(); p++) {
            String phrase = phrases.get(p);
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
                    "  near misses of '%s' (%s): train %s; held out %s%n",
                    phrase,
                    nm.phonemes(),
                    String.join(" | ", nm.trainVariants()),
                    String.join(" | ", nm.testVariants()));
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
                "%-40s %5s %7s %15s %6s %8s %7s %9s %5s%n",
                "head",
                "clips",
                "recall",
                "95% (users)",
                "acts",
                "FA/h",
                "worst",
                "nm-unseen",
                "held"));
        for (OwnWordBench.Variant v : variants) {
            for (int c : cps) {
                OwnWordBench.Summary s = OwnWordBench.summary(f, v, c, null);
                double[] ci = OwnWordBench.recallInterval(OwnWordBench.heads(f, v, c, null));
                table.append(String.format(
                        Locale.ROOT,
                        "%-40s %5d %7.3f %15s %6d %8.2f %7.2f %9.3f %5d%n",
                        v.label(),
                        c,
                        s.recall(),
                        String.format(Locale.ROOT, "%.3f-%.3f", ci[0], ci[1]),
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
        // when does a trained head beat the prototype the recipe publishes until then?
        Map<String, Integer> switches = new LinkedHashMap<>();
        OwnWordBench.Variant proto = OwnWordBench.PUBLISHED_PROTOTYPE;
        if (!variants.contains(proto)) {
            pw.println(
                    "no switch point: --variants does not list " + proto.key() + ", the head it is measured against");
        }
        for (OwnWordBench.Variant v : variants) {
            if (v.kind() == OwnWordBench.Kind.PROTOTYPE || !variants.contains(proto)) {
                continue;
            }
            List<Boolean> beats = new ArrayList<>();
            for (int c : cps) {
                beats.add(OwnWordBench.beats(
                        OwnWordBench.summary(f, v, c, null), OwnWordBench.summary(f, proto, c, null), target));
            }
            int from = OwnWordBench.switchPoint(cps, beats);
            switches.put(v.key() + " vs " + proto.key(), from);
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
                        + "  \"evaluationHours\": %.4f,%n  \"calibrationHours\": %.4f,%n  \"targetPerHour\": %.3f,%n"
                        + "  \"nearMissesPerPositive\": %d,%n  \"publishedPrototype\": \"%s\",%n"
                        + "  \"bootstrap\": {\"unit\": \"user\", \"resamples\": %d, \"seed\": %d, \"level\": 0.95},%n",
                date,
                seed,
                freshSeed,
                String.join(
                        ", ",
                        near.keySet().stream().map(BenchOwnWordCommand::quote).toList()),
                users,
                holdout,
                escape(bank.id()),
                setting.evaluation().hours(),
                setting.calibration().hours(),
                target,
                OwnWordBench.NEAR_MISSES_PER_POSITIVE,
                OwnWordBench.PUBLISHED_PROTOTYPE.key(),
                OwnWordBench.BOOTSTRAP_RESAMPLES,
                OwnWordBench.BOOTSTRAP_SEED));
        json.append("  \"nearMisses\": [\n");
        List<OwnWordBench.PhraseNearMisses> nms = new ArrayList<>(near.values());
        for (int i = 0; i < nms.size(); i++) {
            OwnWordBench.PhraseNearMisses n = nms.get(i);
            json.append(String.format(
                    Locale.ROOT,
                    "    {\"phrase\": %s, \"phonemes\": %s, \"trainVariants\": [%s], \"testVariants\": [%s],"
                            + " \"trainClips\": %d, \"testClips\": %d}%s%n",
                    quote(n.phrase()),
                    quote(n.phonemes()),
                    String.join(
                            ", ",
                            n.trainVariants().stream()
                                    .map(BenchOwnWordCommand::quote)
                                    .toList()),
                    String.join(
                            ", ",
                            n.testVariants().stream()
                                    .map(BenchOwnWordCommand::quote)
                                    .toList()),
                    n.train().size(),
                    n.test().size(),
                    i + 1 < nms.size() ? "," : ""));
        }
        json.append("  ],\n  \"switchFromClips\": {");
        json.append(String.join(
                ", ",
                switches.entrySet().stream()
                        .map(e -> quote(e.getKey()) + ": " + e.getValue())
                        .toList()));
        json.append("},\n  \"betterStart\": {");
        json.append(String.join(
                ", ",
                betterStart.entrySet().stream()
                        .map(e -> quote(e.getKey()) + ": " + quote(e.getValue()))
                        .toList()));
        json.append("},\n  \"summary\": [\n");
        List<String> rows = new ArrayList<>();
        for (OwnWordBench.Variant v : variants) {
            for (String phrase : Stream.concat(Stream.of((String) null), near.keySet().stream())
                    .toList()) {
                for (int c : cps) {
                    List<OwnWordBench.Figures> heads = OwnWordBench.heads(f, v, c, phrase);
                    OwnWordBench.Summary s = OwnWordBench.Summary.of(heads);
                    double[] ci = OwnWordBench.recallInterval(heads);
                    rows.add(String.format(
                            Locale.ROOT,
                            "    {\"variant\": \"%s\", \"phrase\": %s, \"clips\": %d, \"heads\": %d, \"meanRecall\": %.4f,"
                                    + " \"meanRecallLow95\": %.4f, \"meanRecallHigh95\": %.4f, \"falseAccepts\": %d, \"headHours\": %.4f, \"falseAcceptsPerHour\": %.4f,"
                                    + " \"worstHeadPerHour\": %.4f, \"unseenNearMissAccepted\": %d, \"unseenNearMissClips\": %d,"
                                    + " \"held\": %d}",
                            v.key(),
                            phrase == null ? "null" : quote(phrase),
                            c,
                            s.heads(),
                            s.recall(),
                            ci[0],
                            ci[1],
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
                    "    {\"variant\": \"%s\", \"user\": %s, \"voice\": %s, \"clips\": %d, \"held\": %s,"
                            + " \"threshold\": %.6f, \"positives\": %d, \"detected\": %d, \"activations\": %d, \"hours\": %.4f,"
                            + " \"unseenNearMissAccepted\": %d, \"unseenNearMissClips\": %d}",
                    x.variant().key(),
                    quote(x.user()),
                    quote(x.voice()),
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
            String targetLabel = "issue 18: recall 0.9, 1/h";
            recall.put(targetLabel, goal);
            double[] limit = new double[cps.length];
            Arrays.fill(limit, MAX_PER_HOUR);
            perHour.put(targetLabel, limit);
            worst.put(targetLabel, limit);
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

    /**
     * Checks every option before anything is synthesized; the phrases come back stripped.
     *
     * @return the candidate heads
     * @throws ParameterException naming the option at fault
     */
    List<OwnWordBench.Variant> validated() {
        if (clips == null || clips.length == 0) {
            throw bad("--clips: give at least one enrolment clip count");
        }
        for (int i = 0; i < clips.length; i++) {
            if (clips[i] < 1) {
                throw bad("--clips: clip counts must be at least 1, got " + clips[i]);
            }
            if (i > 0 && clips[i] <= clips[i - 1]) {
                throw bad("--clips: clip counts must increase, got " + clips[i - 1] + " then " + clips[i]);
            }
        }
        positive("--users", users);
        positive("--holdout", holdout);
        positive("--near-miss-variants", nearMissVariants);
        positive("--near-miss-train", nearMissTrain);
        positive("--near-miss-test", nearMissTest);
        positive("--prototype-seed-windows", prototypeSeedWindows);
        if (phrases == null || phrases.isEmpty()) {
            throw bad("--phrases: give at least one phrase");
        }
        List<String> stripped = new ArrayList<>();
        for (String p : phrases) {
            String phrase = WakePhrase.collapsed(p);
            if (phrase.isEmpty()) {
                throw bad("--phrases: an empty phrase");
            }
            if (!WakePhrase.speakable(phrase)) {
                // the service's own rule (a task's phrase, a user's in a sample), so the bench measures
                // only phrases the service would take
                throw bad("--phrases: '" + phrase + "' must be " + WakePhrase.RULE);
            }
            String norm = WakePhrase.ofUser(phrase);
            if (norm.equals("hey jarvis")) {
                throw bad("--phrases: 'hey jarvis' is the source head's phrase, not a user's own");
            }
            if (stripped.stream().anyMatch(x -> WakePhrase.ofUser(x).equals(norm))) {
                throw bad("--phrases: '" + phrase + "' given twice");
            }
            stripped.add(phrase);
        }
        phrases = stripped;
        if (variantKeys == null || variantKeys.isEmpty()) {
            throw bad("--variants: give at least one candidate head");
        }
        List<OwnWordBench.Variant> out = new ArrayList<>();
        for (String key : variantKeys) {
            OwnWordBench.Variant v = variant(key);
            if (out.contains(v)) {
                throw bad("--variants: '" + v.key() + "' given twice");
            }
            out.add(v);
        }
        return out;
    }

    private void positive(String option, int value) {
        if (value < 1) {
            throw bad(option + ": must be at least 1, got " + value);
        }
    }

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
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
        throw bad("--variants: unknown '" + key + "' (prototype, trained_jarvis, trained_fresh, each optionally +nm)");
    }

    /** {@code s} as a JSON string, quoted. */
    static String quote(String s) {
        return "\"" + escape(s) + "\"";
    }

    /** {@code s} escaped for the inside of a JSON string (RFC 8259: quote, backslash, control characters). */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
