package dev.headstream.tools.bench;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.StoredClip;
import dev.headstream.core.adapt.task.AlarmAction;
import dev.headstream.core.adapt.task.BankTraining;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.adapt.task.RehearsalReservoir;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.tools.bank.BankCommand;
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
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The quality sweep: holdout recall and false accepts of per-user heads vs the number of
 * training clips, for the default recipe and one-at-a-time ablations (trainable depth, L2-SP,
 * rehearsal, time shift, replay, low-rank deltas), with bytes per user, run in-process on synthetic users (no Kafka). Writes a
 * Markdown table, JSON and a PNG plot.
 */
@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        description = "Quality sweep of head recipes vs training clips on synthetic users (table, JSON, PNG).")
public final class SweepCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SynthInputs inputs;

    @Option(names = "--out", defaultValue = "docs/sweep", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--users",
            defaultValue = "12",
            description = "Most users evaluated (source-head holdout recall < 0.5; default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--candidates",
            defaultValue = "100",
            description = "Held-out candidate users to pick them from (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--seed", defaultValue = "42", description = "Population seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--seeds",
            split = ",",
            description = "Several population seeds, pooled (replaces --seed): recall"
                    + " over every population's chosen users, false accepts over every population's head x negative pairs,"
                    + " each population's heads scored on its own users' negatives.")
    long[] seeds;

    @Option(
            names = "--clips",
            split = ",",
            defaultValue = "1,2,4,8,16,24,32",
            description = "Training clip counts, alternating positive/negative (default ${DEFAULT-VALUE}).")
    int[] clips;

    @Option(names = "--only", description = "Only the recipes whose name matches this regular expression.")
    Pattern only;

    @Option(
            names = "--background-near-misses",
            defaultValue = "0.5",
            description = "Share of near misses in the rehearsal reference set (default ${DEFAULT-VALUE}).")
    double backgroundNearMisses;

    @Option(names = "--verbose", description = "List every false accept.")
    boolean verbose;

    @Option(
            names = "--negative-bank",
            description =
                    "Negative bank: training and calibration speech for the recipes"
                            + " that use it, evaluation speech for false accepts per hour (default <models-dir>/negative-bank).")
    Path negativeBank;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        clips = Arrays.stream(clips).distinct().sorted().toArray();
        if (clips.length == 0 || clips[0] < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--clips must be positive counts");
        }
        int maxClips = clips[clips.length - 1];
        int perLabel = (maxClips + 1) / 2;
        if (seeds == null || seeds.length == 0) {
            seeds = new long[] {seed};
        }
        List<Population> populations = new ArrayList<>();
        for (long populationSeed : seeds) {
            pw.printf(
                    "sweep: seed %d: building %d candidate users (%d + %d training clips each)%n",
                    populationSeed, candidates, perLabel, perLabel);
            pw.flush();
            SourceHead heyJarvis = QuietBench.heyJarvis(inputs.modelsDir);
            QuietBench.Population held = QuietBench.heldOutUsers(
                    SyntheticUsers.Config.defaults(populationSeed)
                            .withUsers(candidates)
                            .withTrain(perLabel, perLabel)
                            .withHoldout(10, 10)
                            .withBackground(16, 16)
                            .withBackgroundNearMisses(backgroundNearMisses),
                    users,
                    inputs.modelsDir,
                    inputs.cacheDir,
                    heyJarvis,
                    line -> {
                        pw.println("sweep: " + line.strip());
                        pw.flush();
                    });
            SyntheticBench bench = held.asBench(heyJarvis, inputs.modelsDir);
            List<SyntheticUser> chosen = held.users();
            pw.printf(
                    "sweep: seed %d: %d users with source-head recall < 0.5 on their holdout positives (%d of %d"
                            + " candidates)%n",
                    populationSeed, chosen.size(), held.poorCandidates(), candidates);
            populations.add(new Population(populationSeed, bench, chosen));
        }
        int chosenUsers = populations.stream().mapToInt(p -> p.chosen.size()).sum();
        SourceHead sourceHead = populations.get(0).bench.source();
        NegativeBank bank =
                NegativeBank.open(negativeBank != null ? negativeBank : BankCommand.defaultDir(inputs.modelsDir));
        if (bank.evaluation() == null) {
            throw new IllegalArgumentException("negative bank " + bank.directory() + " has no evaluation part");
        }
        HeldOutSpeech speech = new HeldOutSpeech(bank.evaluation(), WINDOW_FRAMES);
        pw.println("sweep: false accepts per hour at the largest clip count, on " + speech.hours()
                + " h of held-out speech");

        List<Variant> variants = variants(sourceHead);
        if (only != null) {
            variants.removeIf(v -> !only.matcher(v.name()).find());
        }
        pw.printf("sweep: %d recipes x %d clip counts%n", variants.size(), clips.length);

        Map<String, double[]> recall = new LinkedHashMap<>();
        Map<String, double[]> falseAccepts = new LinkedHashMap<>();
        Map<String, double[]> msPerClip = new LinkedHashMap<>();
        Map<String, long[]> bytesPerUser = new LinkedHashMap<>();
        Map<String, double[]> perHour = new LinkedHashMap<>();
        double[] sourcePerHour = new double[2];
        double[] sourceRecall = new double[clips.length];
        double[] sourceFa = new double[clips.length];
        ClipScorer sourceScorer = new ClipScorer(
                new MlpHead(sourceHead.architecture(), 1),
                sourceHead.parameters(),
                HeadRecipe.wakeWordDefault().windowFrames());
        for (Variant v : variants) {
            double[] r = new double[clips.length];
            double[] f = new double[clips.length];
            double[] ms = new double[clips.length];
            long head = 0;
            long total = 0;
            HoldoutTable[] pooled = new HoldoutTable[clips.length];
            for (int i = 0; i < clips.length; i++) {
                pooled[i] = new HoldoutTable();
            }
            for (Population pop : populations) {
                List<Trained> trained = v.train(pop.chosen, clips, pop.bench, bank);
                for (int i = 0; i < clips.length; i++) {
                    Trained t = trained.get(i);
                    // mean over populations of the per-clip training cost and the bytes per user
                    ms[i] += t.msPerClip() / populations.size();
                    if (i == clips.length - 1) {
                        head += t.headBytes();
                        total += t.residentBytes();
                    }
                    HoldoutTable table = HoldoutEvaluator.evaluateDetectors(
                            pop.chosen,
                            pop.bench.embeddings(),
                            t.detectors()::get,
                            e -> sourceScorer.score(null, e),
                            i < clips.length - 1
                                    ? null
                                    : new HoldoutEvaluator.SpeechScoring(
                                            speech, (fr, o) -> MlpHead.sigmoid(sourceScorer.windowLogit(null, fr, o))));
                    pooled[i].addAll(table, seeds.length > 1 ? "seed " + pop.seed + ": " : "");
                }
            }
            head /= populations.size();
            total /= populations.size();
            for (int i = 0; i < clips.length; i++) {
                int n = clips[i];
                HoldoutTable table = pooled[i];
                HoldoutTable.Summary sum = table.summary(1.01);
                r[i] = sum.meanAdaptedRecall();
                f[i] = 100 * sum.adaptedFalseAcceptRate();
                sourceRecall[i] = sum.meanSourceRecall();
                sourceFa[i] = 100 * sum.sourceFalseAcceptRate();
                pw.printf(
                        Locale.ROOT,
                        "sweep: %-40s clips %2d: recall %.3f, false accepts %.2f%%, %.1f ms/clip%s%n",
                        v.name(),
                        n,
                        r[i],
                        f[i],
                        ms[i],
                        i < clips.length - 1
                                ? ""
                                : String.format(
                                        Locale.ROOT,
                                        ", %.2f false accepts per hour (%d in %.1f head-hours; worst head %.2f)",
                                        sum.adaptedPerHour(),
                                        sum.adaptedActivations(),
                                        sum.speechHours(),
                                        sum.worstAdaptedPerHour()));
                if (i == clips.length - 1) {
                    perHour.put(v.name(), new double[] {sum.adaptedPerHour(), sum.worstAdaptedPerHour()});
                    sourcePerHour[0] = sum.sourcePerHour();
                    sourcePerHour[1] = sum.sourcePerHour();
                }
                if (verbose) {
                    table.falseAccepts()
                            .forEach((user, accepted) ->
                                    accepted.forEach(c -> pw.printf("sweep:     %s accepted %s%n", user, c)));
                }
                pw.flush();
            }
            recall.put(v.name(), r);
            falseAccepts.put(v.name(), f);
            msPerClip.put(v.name(), ms);
            bytesPerUser.put(v.name(), new long[] {head, total});
            pw.printf(
                    Locale.ROOT,
                    "sweep: %-40s bytes per user at %d clips: %d head + optimizer, %d with replay%n",
                    v.name(),
                    clips[clips.length - 1],
                    head,
                    total);
        }

        Files.createDirectories(out);
        double faMax = Math.max(
                1,
                Math.ceil(falseAccepts.values().stream()
                        .flatMapToDouble(Arrays::stream)
                        .max()
                        .orElse(1)));
        List<String> pngs = new ArrayList<>();
        for (Group g : Group.values()) {
            Map<String, double[]> r = new LinkedHashMap<>();
            Map<String, double[]> f = new LinkedHashMap<>();
            for (Variant v : variants) {
                if (v.group() == g || (g != Group.HEADS && v.name().equals(g.base))) {
                    r.put(v.name(), recall.get(v.name()));
                    f.put(v.name(), falseAccepts.get(v.name()));
                }
            }
            if (r.isEmpty()) {
                continue;
            }
            r.put(SOURCE_ROW, sourceRecall);
            f.put(SOURCE_ROW, sourceFa);
            LinePlot.write(
                    out.resolve(g.png),
                    g.title + ": " + chosenUsers + " synthetic users poorly served by hey_jarvis (" + seedText() + ")",
                    "training clips per user",
                    clips,
                    List.of(
                            new LinePlot.Panel("mean holdout recall (own positives)", "recall", 0, 1, r),
                            new LinePlot.Panel(
                                    "false accepts on all users' holdout negatives", "% of clips", 0, faMax, f)));
            pngs.add(g.png);
        }
        recall.put(SOURCE_ROW, sourceRecall);
        falseAccepts.put(SOURCE_ROW, sourceFa);
        perHour.put(SOURCE_ROW, sourcePerHour);
        String md = markdown(chosenUsers, recall, falseAccepts, msPerClip, bytesPerUser, perHour, speech);
        Files.writeString(out.resolve("sweep.md"), md);
        Files.writeString(out.resolve("sweep.json"), json(recall, falseAccepts, msPerClip, bytesPerUser, perHour));
        pw.println();
        pw.print(md);
        pw.println("sweep: wrote " + out.resolve("sweep.md") + ", sweep.json and " + String.join(", ", pngs));
        return 0;
    }

    private static final String SOURCE_ROW = "source head (hey_jarvis base network, no adaptation)";

    /** One synthetic population: its seed, its users and embeddings, and the users the sweep evaluates. */
    private record Population(long seed, SyntheticBench bench, List<SyntheticUser> chosen) {}

    private String seedText() {
        return seeds.length == 1
                ? "seed " + seeds[0]
                : "seeds " + Arrays.toString(seeds).replaceAll("[\\[\\]]", "");
    }

    /** Which plot a recipe belongs to. */
    enum Group {
        HEADS("sweep.png", "Head types", null),
        DEFAULT_ABLATIONS("sweep-default-ablations.png", "The default recipe, one part removed or added", DEFAULT_NAME),
        ALL_LAYERS_ABLATIONS(
                "sweep-all-layers-ablations.png", "All layers, one part removed or added", ALL_LAYERS_NAME);

        final String png;
        final String title;
        final String base;

        Group(String png, String title, String base) {
            this.png = png;
            this.title = title;
            this.base = base;
        }
    }

    static final String DEFAULT_NAME = "LoRA r=4 (default)";
    static final String ALL_LAYERS_NAME = "all layers";

    /** Embedding frames a wake-word head window reads. */
    static final int WINDOW_FRAMES = HeadRecipe.wakeWordDefault().windowFrames();

    /** Online-rehearsal reservoir size of the sweep's online variant. */
    static final int ONLINE_CAPACITY = 256;

    /** Learning rate of the linear baseline (from zero, not from a source head). */
    static final float LINEAR_LEARNING_RATE = 1e-2f;

    /** A recipe of the sweep; {@code recipe == null} is the prototype baseline. */
    record Variant(
            String name,
            Group group,
            HeadRecipe recipe,
            SourceHead source,
            boolean calibrate,
            boolean online,
            boolean useBank) {

        Variant(String name, Group group, HeadRecipe recipe, SourceHead source, boolean calibrate) {
            this(name, group, recipe, source, calibrate, false, true);
        }

        Variant(String name, Group group, HeadRecipe recipe, SourceHead source, boolean calibrate, boolean online) {
            this(name, group, recipe, source, calibrate, online, true);
        }

        /**
         * Streams each user's training clips once and snapshots every user's detector after each
         * count in {@code checkpoints} (ascending): the head after {@code n} clips of an online
         * stream is the same whether or not more clips follow, so one pass serves every count.
         */
        List<Trained> train(List<SyntheticUser> users, int[] checkpoints, SyntheticBench bench, NegativeBank bank) {
            List<Map<String, HoldoutEvaluator.UserDetector>> detectors = new ArrayList<>();
            for (int i = 0; i < checkpoints.length; i++) {
                detectors.add(new HashMap<>());
            }
            long[] head = new long[checkpoints.length];
            long[] total = new long[checkpoints.length];
            long trainingNanos = 0;
            int trained = 0;
            BinaryHeadTask task = recipe == null
                    ? null
                    : new BinaryHeadTask(
                            "wake",
                            source,
                            recipe,
                            online ? RehearsalSet.empty() : bench.rehearsal(),
                            AlarmAction.PUBLISH_ONLY,
                            useBank ? 0.5 : 0,
                            useBank ? BinaryHeadTask.prepareBank(bank, source, recipe) : null,
                            BankTraining.defaults());
            RehearsalReservoir reservoir = online ? onlineReservoir(bench) : null;
            ClipScorer scorer =
                    task == null ? null : new ClipScorer(task.head(), source.parameters(), recipe.windowFrames());
            for (SyntheticUser u : users) {
                PrototypeDetector p = task != null
                        ? null
                        : new PrototypeDetector(
                                bench.source().architecture().inputDim() / WINDOW_FRAMES,
                                WINDOW_FRAMES,
                                bench.rehearsal());
                HeadState s = task == null ? null : task.newState("sweep/" + u.id() + "/wake");
                int next = 0;
                for (int n = 1; n <= u.train().size() && next < checkpoints.length; n++) {
                    SyntheticClip c = u.train().get(n - 1);
                    long t0 = System.nanoTime();
                    if (p != null) {
                        p.learn(bench.embeddings().get(c), c.positive());
                    } else {
                        task.apply(s, bench.embeddings().get(c), c.positive(), 1f, Split.TRAIN, reservoir);
                    }
                    trainingNanos += System.nanoTime() - t0;
                    trained++;
                    while (next < checkpoints.length
                            && (checkpoints[next] == n || n == u.train().size())) {
                        if (p != null) {
                            PrototypeDetector snap = p.copy();
                            snap.calibrate(HeadRecipe.wakeWordDefault().thresholdPosition());
                            detectors.get(next).put(u.id(), snap);
                            head[next] += snap.stateBytes();
                            total[next] += snap.stateBytes();
                        } else {
                            HeadState snap = s.copy();
                            if (calibrate) {
                                task.calibrate(snap);
                            }
                            detectors
                                    .get(next)
                                    .put(
                                            u.id(),
                                            new HoldoutEvaluator.HeadDetector(
                                                    scorer,
                                                    task.publishedTrainable(snap),
                                                    task.publishedThreshold(snap),
                                                    snap.samplesApplied()));
                            head[next] += snap.residentBytes() - snap.replayBytes();
                            total[next] += snap.residentBytes();
                        }
                        next++;
                    }
                }
            }
            double ms = trainingNanos / 1e6 / Math.max(1, trained);
            List<Trained> out = new ArrayList<>();
            for (int i = 0; i < checkpoints.length; i++) {
                out.add(new Trained(
                        detectors.get(i),
                        ms,
                        head[i] / Math.max(1, users.size()),
                        total[i] / Math.max(1, users.size())));
            }
            return out;
        }

        /**
         * The steady state of online rehearsal without an operator reference set: a reservoir of
         * {@link #ONLINE_CAPACITY} clips offered every candidate user's training negatives.
         */
        private static RehearsalReservoir onlineReservoir(SyntheticBench bench) {
            RehearsalReservoir r = new RehearsalReservoir(ONLINE_CAPACITY, 1L);
            for (SyntheticUser u : bench.population().users()) {
                for (SyntheticClip c : u.train()) {
                    if (!c.positive()) {
                        r.offer(
                                new UserKey("sweep", u.id()),
                                StoredClip.of(bench.embeddings().get(c)));
                    }
                }
            }
            return r;
        }
    }

    /** Every user's detector after {@code n} clips, with the training cost and mean bytes per user. */
    record Trained(
            Map<String, HoldoutEvaluator.UserDetector> detectors,
            double msPerClip,
            long headBytes,
            long residentBytes) {}

    /**
     * The sweep's recipes: head types with every technique on, then the default and the
     * all-layers recipe each with one technique removed (or, for distillation, added).
     */
    static List<Variant> variants(SourceHead source) {
        HeadRecipe d = HeadRecipe.wakeWordDefault();
        HeadRecipe all =
                d.withLoraRank(0).withTrainableTopLayers(source.architecture().parameterisedLayerCount());
        SourceHead linear = SourceHead.initialized(
                "linear-zero-init",
                HeadArchitecture.builder(source.architecture().inputDim())
                        .dense(1)
                        .build(),
                SourceHead.Init.ZERO,
                0L);
        List<Variant> v = new ArrayList<>();
        v.add(new Variant("prototype (cosine class means)", Group.HEADS, null, source, true));
        v.add(new Variant(
                "linear on the raw window (from zero)",
                Group.HEADS,
                all.withTrainableTopLayers(1).withLearningRate(LINEAR_LEARNING_RATE),
                linear,
                true));
        v.add(new Variant("top-1", Group.HEADS, all.withTrainableTopLayers(1), source, true));
        v.add(new Variant("top-2", Group.HEADS, all.withTrainableTopLayers(2), source, true));
        v.add(new Variant(ALL_LAYERS_NAME, Group.HEADS, all, source, true));
        v.add(new Variant(DEFAULT_NAME, Group.HEADS, d, source, true));
        v.add(new Variant("LoRA r=8", Group.HEADS, d.withLoraRank(8), source, true));
        for (Group g : List.of(Group.DEFAULT_ABLATIONS, Group.ALL_LAYERS_ABLATIONS)) {
            HeadRecipe base = g == Group.DEFAULT_ABLATIONS ? d : all;
            String p = g == Group.DEFAULT_ABLATIONS ? "default" : ALL_LAYERS_NAME;
            boolean dflt = g == Group.DEFAULT_ABLATIONS;
            v.add(new Variant(p + ", no L2-SP", g, base.withL2sp(0f), source, true));
            v.add(new Variant(p + ", constant L2-SP (no half-life)", g, base.withL2spHalfLife(0), source, true));
            v.add(new Variant(p + ", distillation 0.3 (T=2)", g, base.withDistillation(0.3f, 2f), source, true));
            v.add(new Variant(p + ", no rehearsal", g, base.withRehearsalPerStep(0), source, true));
            v.add(new Variant(p + ", no negative bank (reference set only)", g, base, source, true, false, false));
            v.add(new Variant(p + ", online reservoir, no reference set", g, base, source, true, true));
            v.add(new Variant(p + ", no time shift", g, base.withTimeShift(false), source, true));
            v.add(new Variant(p + ", no replay", g, base.withReplay(1, 1), source, true));
            if (dflt) {
                v.add(new Variant(p + ", threshold 0.5 (uncalibrated)", g, base, source, false));
            }
        }
        return v;
    }

    private String markdown(
            int nUsers,
            Map<String, double[]> recall,
            Map<String, double[]> fa,
            Map<String, double[]> ms,
            Map<String, long[]> bytes,
            Map<String, double[]> perHour,
            HeldOutSpeech speech) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "Holdout recall / false accepts (%% of all users' holdout negatives) of %d"
                        + " held-out users (voices and a synthesizer, flite, in no part of the negative bank), %s, whose"
                        + " source-head holdout recall is below 0.5 (%d + %d training clips available, 10 + 10 holdout,"
                        + " a rehearsal reference set of 16 background speakers x 16 clips, %.0f%% of them near misses, and the"
                        + " negative bank unless a row says otherwise); false accepts count each head against its own"
                        + " population's negatives. False accepts per hour: every head after %d clips on %.2f h of held-out"
                        + " continuous speech (the bank's evaluation part), scored every 80 ms with a 2 s refractory period;"
                        + " mean over heads / worst head. `./headstream sweep` reproduces it.%n%n",
                nUsers,
                seedText(),
                (clips[clips.length - 1] + 1) / 2,
                (clips[clips.length - 1] + 1) / 2,
                100 * backgroundNearMisses,
                clips[clips.length - 1],
                speech.hours()));
        b.append("| recipe |");
        for (int n : clips) {
            b.append(' ').append(n).append(" clips |");
        }
        b.append(" false accepts per hour (mean / worst) at ")
                .append(clips[clips.length - 1])
                .append(" |");
        b.append(" ms per training clip |")
                .append(" KB per user: head + optimizer / + replay (at ")
                .append(clips[clips.length - 1])
                .append(") |\n|---|");
        for (int i = 0; i <= clips.length + 2; i++) {
            b.append("---|");
        }
        b.append('\n');
        for (String k : recall.keySet()) {
            b.append("| ").append(k).append(" |");
            for (int i = 0; i < clips.length; i++) {
                b.append(String.format(Locale.ROOT, " %.2f / %.1f%% |", recall.get(k)[i], fa.get(k)[i]));
            }
            double[] h = perHour.get(k);
            b.append(h == null ? " - |" : String.format(Locale.ROOT, " %.2f / %.2f |", h[0], h[1]));
            double[] m = ms.get(k);
            b.append(m == null ? " - |" : String.format(Locale.ROOT, " %.1f |", m[m.length - 1]));
            long[] kb = bytes.get(k);
            b.append(kb == null ? " - |" : String.format(Locale.ROOT, " %.1f / %.1f |", kb[0] / 1024.0, kb[1] / 1024.0))
                    .append('\n');
        }
        return b.toString();
    }

    private String json(
            Map<String, double[]> recall,
            Map<String, double[]> fa,
            Map<String, double[]> ms,
            Map<String, long[]> bytes,
            Map<String, double[]> perHour) {
        StringBuilder b = new StringBuilder("{\n  \"seeds\": " + Arrays.toString(seeds) + ",\n  \"clips\": "
                + Arrays.toString(clips) + ",\n  \"recipes\": {\n");
        List<String> keys = new ArrayList<>(recall.keySet());
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            b.append("    \"")
                    .append(k)
                    .append("\": {\"recall\": ")
                    .append(Arrays.toString(recall.get(k)))
                    .append(", \"falseAcceptPercent\": ")
                    .append(Arrays.toString(fa.get(k)));
            if (perHour.containsKey(k)) {
                b.append(", \"falseAcceptsPerHourAtLastCount\": ")
                        .append(perHour.get(k)[0])
                        .append(", \"worstHeadFalseAcceptsPerHour\": ")
                        .append(perHour.get(k)[1]);
            }
            if (ms.containsKey(k)) {
                b.append(", \"msPerClip\": ").append(Arrays.toString(ms.get(k)));
            }
            if (bytes.containsKey(k)) {
                b.append(", \"headAndOptimizerBytesPerUser\": ")
                        .append(bytes.get(k)[0])
                        .append(", \"residentBytesPerUser\": ")
                        .append(bytes.get(k)[1]);
            }
            b.append('}').append(i + 1 < keys.size() ? "," : "").append('\n');
        }
        return b.append("  }\n}\n").toString();
    }
}
