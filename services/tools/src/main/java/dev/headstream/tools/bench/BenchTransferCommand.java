package dev.headstream.tools.bench;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.task.AlarmAction;
import dev.headstream.core.adapt.task.BankTraining;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.adapt.task.HeadMonitors;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.monitor.NullModel;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.speech.ClipAssembler;
import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Voice;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.SampleRecords;
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
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Negative transfer on real speech, in-process: every user's training clips are streamed in
 * order, first with their true labels, then, for poisoned users, with flipped labels from clip
 * {@code k} on (cycling through the user's clips again when they run out); clean users get the
 * same number of clips with true labels. The task rolls a head back to the source on a
 * negative-transfer alarm. Prints per user the alarm delay (poisoned samples until the first
 * rollback), rollbacks of clean users (false alarms) and the final head's holdout recall next
 * to the source head's; writes JSON and a PNG of the loss gap and CUSUM statistic over time.
 */
@Command(
        name = "bench-transfer",
        mixinStandardHelpOptions = true,
        description =
                "Negative-transfer benchmark: label-flipped vs clean synthetic users, alarm delay, rollback, recall.")
public final class BenchTransferCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SynthInputs inputs;

    @Option(names = "--out", defaultValue = "docs/transfer", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Population seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--candidates",
            defaultValue = "40",
            description = "Synthetic users generated (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(
            names = "--users",
            defaultValue = "10",
            description = "Users with source holdout recall < 0.5 used (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--clean-clips",
            defaultValue = "16",
            description = "Clips with true labels before poisoning (k; default ${DEFAULT-VALUE}).")
    int cleanClips;

    @Option(
            names = "--poisoned-clips",
            defaultValue = "40",
            description = "Clips with flipped labels after them (default ${DEFAULT-VALUE}).")
    int poisonedClips;

    @Option(
            names = "--label-noise",
            defaultValue = "0.2",
            description = "Share of labels flipped at random from clip k on in the"
                    + " noisy-label stream (default ${DEFAULT-VALUE}).")
    double labelNoise;

    @Option(
            names = "--drift-snr-db",
            defaultValue = "0",
            description =
                    "Domain change of the drift stream: from clip k on, the"
                            + " user's clips with white noise at this signal-to-noise ratio over the speech (default ${DEFAULT-VALUE} dB).")
    double driftSnrDb;

    @Option(
            names = "--ood-language",
            defaultValue = "de",
            description =
                    "Out-of-domain stream: from clip k on, the user's"
                            + " clips spoken by this espeak-ng language voice (same words, same voice variant, pitch and speed; default ${DEFAULT-VALUE}).")
    String oodLanguage;

    @Option(
            names = "--negative-bank",
            description = "Negative bank the heads train and calibrate on (default" + " <models-dir>/negative-bank).")
    Path negativeBank;

    @Option(
            names = "--action",
            defaultValue = "PROBATION",
            description = "Action on alarm: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    AlarmAction action;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        SyntheticUsers.Config config = SyntheticUsers.Config.defaults(seed)
                .withUsers(candidates)
                .withTrain(16, 16)
                .withHoldout(10, 10)
                .withBackground(0, 0);
        SourceHead heyJarvis = QuietBench.heyJarvis(inputs.modelsDir);
        QuietBench.Population held =
                QuietBench.heldOutUsers(config, users, inputs.modelsDir, inputs.cacheDir, heyJarvis, line -> {
                    pw.println("bench-transfer: " + line.strip());
                    pw.flush();
                });
        SyntheticBench bench = held.asBench(heyJarvis, inputs.modelsDir);
        List<SyntheticUser> chosen = held.users();
        HeadRecipe recipe = HeadRecipe.wakeWordDefault();
        NegativeBank bank =
                NegativeBank.open(negativeBank != null ? negativeBank : BankCommand.defaultDir(inputs.modelsDir));
        BinaryHeadTask task = new BinaryHeadTask(
                "wake",
                bench.source(),
                recipe,
                RehearsalSet.empty(),
                action,
                0.5,
                BinaryHeadTask.prepareBank(bank, bench.source(), recipe),
                BankTraining.defaults());
        ClipScorer scorer = new ClipScorer(task.head(), bench.source().parameters(), recipe.windowFrames());
        ClipScorer source = new ClipScorer(
                new MlpHead(bench.source().architecture(), 1), bench.source().parameters(), recipe.windowFrames());
        int length = cleanClips + poisonedClips;
        int[] xs = new int[length];
        for (int i = 0; i < length; i++) {
            xs[i] = i + 1;
        }
        Map<String, double[]> gaps = new LinkedHashMap<>();
        Map<String, double[]> stats = new LinkedHashMap<>();
        Map<String, double[]> rises = new LinkedHashMap<>();
        Map<String, double[]> poisonedLoss = new LinkedHashMap<>();
        HeadState probe = task.newState("probe");
        StringBuilder json = new StringBuilder(
                "{\n  \"seed\": " + seed + ", \"action\": \"" + action + "\", \"cleanClips\": " + cleanClips
                        + ", \"poisonedClips\": " + poisonedClips
                        + String.format(
                                Locale.ROOT,
                                ", \"gapCusumThreshold\": %.4f, \"lossRiseThreshold\": %.4f",
                                probe.negativeTransferThreshold(),
                                probe.lossRiseThreshold())
                        + ",\n  \"users\": [\n");
        pw.printf(
                Locale.ROOT,
                "tests: gap CUSUM threshold %.2f, loss-rise Page-Hinkley threshold %.2f; action %s%n",
                probe.negativeTransferThreshold(),
                probe.lossRiseThreshold(),
                action);
        List<String> rows = new ArrayList<>();
        double delaySum = 0;
        int detected = 0;
        int cleanAlarms = 0;
        double recallSourceSum = 0;
        double recallPoisonedSum = 0;
        double recallCleanSum = 0;
        double recallNoisySum = 0;
        int driftAlarmed = 0;
        double driftDelaySum = 0;
        double recallDriftSum = 0;
        int mmdDriftAlarmed = 0;
        double mmdDelaySum = 0;
        int mmdCleanAlarmed = 0;
        long mmdCleanTests = 0;
        Map<SyntheticClip, EmbeddingSequence> driftEmbeddings = noisyEmbeddings(chosen, pw);
        Map<SyntheticClip, EmbeddingSequence> oodEmbeddings = foreignEmbeddings(chosen, config, pw);
        int oodLossAlarmed = 0;
        int oodDriftAlarmed = 0;
        double oodDriftDelaySum = 0;
        int oodErrorRise = 0;
        double recallOodSum = 0;
        int noisyAlarmed = 0;
        int noisyFlipped = 0;
        int poisonedReleased = 0;
        int cleanHeldAtEnd = 0;
        pw.printf(
                "%-10s %-9s %12s %10s %12s %12s %9s%n",
                "user", "stream", "alarm after", "rollbacks", "src recall", "final recall", "released");
        for (SyntheticUser u : chosen) {
            double srcRecall = recall(
                    new HoldoutEvaluator.HeadDetector(source, null, BinaryHeadTask.SOURCE_THRESHOLD, 0),
                    u,
                    bench,
                    source);
            recallSourceSum += srcRecall;
            for (String kind : List.of("poisoned", "noisy", "drift", "ood", "clean")) {
                boolean poisoned = kind.equals("poisoned");
                boolean noisy = kind.equals("noisy");
                boolean drift = kind.equals("drift");
                boolean ood = kind.equals("ood");
                SplittableRandom noise = new SplittableRandom(seed * 31 + u.id().hashCode());
                HeadState s = task.newState("bench/" + u.id() + "/" + kind);
                double[] gap = new double[length];
                double[] stat = new double[length];
                double[] loss = new double[length];
                double[] rise = new double[length];
                long firstAlarm = -1;
                long firstDriftAlarm = -1;
                int released = 0;
                for (int i = 0; i < length; i++) {
                    SyntheticClip c = u.train().get(i % u.train().size());
                    boolean flip = i >= cleanClips && (poisoned || noisy && noise.nextDouble() < labelNoise);
                    noisyFlipped += noisy && flip ? 1 : 0;
                    int before = s.rollbacks();
                    EmbeddingSequence e = drift && i >= cleanClips
                            ? driftEmbeddings.get(c)
                            : ood && i >= cleanClips
                                    ? oodEmbeddings.get(c)
                                    : bench.embeddings().get(c);
                    task.apply(s, e, c.positive() != flip, 1f, Split.TRAIN);
                    // published after every sample, as the adapter does by default (threshold
                    // recalibrated; the last good version kept for the *_LAST_GOOD actions)
                    if (task.publishIfDue(s, 1)) {
                        task.sent(s);
                        // a version after the first alarm that is not held at the source: trained on what alarmed
                        released += firstAlarm > 0 && !s.heldAtSource() && s.samplesApplied() > firstAlarm ? 1 : 0;
                    }
                    if (s.driftAlarm() && firstDriftAlarm < 0) {
                        firstDriftAlarm = i + 1L;
                    }
                    gap[i] = s.lastLossGap();
                    loss[i] = s.lastPrequentialLoss();
                    stat[i] = s.rollbacks() > before ? s.negativeTransferThreshold() : s.negativeTransferStatistic();
                    rise[i] = s.rollbacks() > before ? s.lossRiseThreshold() : s.lossRiseStatistic();
                    if (s.rollbacks() > before && firstAlarm < 0) {
                        firstAlarm = i + 1L;
                    }
                }
                task.calibrate(s);
                double finalRecall = recall(
                        new HoldoutEvaluator.HeadDetector(
                                scorer, task.publishedTrainable(s), task.publishedThreshold(s), s.version()),
                        u,
                        bench,
                        source);
                String stream = poisoned
                        ? "flip@" + cleanClips
                        : noisy
                                ? "noisy@" + cleanClips
                                : drift ? "drift@" + cleanClips : ood ? oodLanguage + "@" + cleanClips : "clean";
                String alarm = firstAlarm < 0
                        ? "-"
                        : (poisoned || drift || ood) && firstAlarm > cleanClips
                                ? (firstAlarm - cleanClips) + (poisoned ? " flipped" : " changed")
                                : "clip " + firstAlarm;
                pw.printf(
                        Locale.ROOT,
                        "%-10s %-9s %12s %10d %12.2f %12.2f %9d%n",
                        u.id(),
                        stream,
                        alarm,
                        s.rollbacks(),
                        srcRecall,
                        finalRecall,
                        released);
                pw.flush();
                if (poisoned) {
                    gaps.put(u.id(), gap);
                    stats.put(u.id(), stat);
                    rises.put(u.id(), rise);
                    poisonedLoss.put(u.id(), loss);
                    recallPoisonedSum += finalRecall;
                    poisonedReleased += released;
                    if (firstAlarm > cleanClips) {
                        detected++;
                        delaySum += firstAlarm - cleanClips;
                    }
                } else if (drift) {
                    if (firstAlarm > cleanClips) {
                        driftAlarmed++;
                        driftDelaySum += firstAlarm - cleanClips;
                    }
                    if (firstDriftAlarm > cleanClips) {
                        mmdDriftAlarmed++;
                        mmdDelaySum += firstDriftAlarm - cleanClips;
                    }
                    recallDriftSum += finalRecall;
                } else if (ood) {
                    oodLossAlarmed += firstAlarm > cleanClips ? 1 : 0;
                    if (firstDriftAlarm > cleanClips) {
                        oodDriftAlarmed++;
                        oodDriftDelaySum += firstDriftAlarm - cleanClips;
                    }
                    oodErrorRise += s.errorRiseAlarm() ? 1 : 0;
                    recallOodSum += finalRecall;
                } else if (noisy) {
                    noisyAlarmed += s.rollbacks() > 0 ? 1 : 0;
                    recallNoisySum += finalRecall;
                } else {
                    mmdCleanAlarmed += firstDriftAlarm > 0 ? 1 : 0;
                    mmdCleanTests += Math.max(
                            0,
                            length
                                    - HeadMonitors.DRIFT.referenceSize()
                                    - HeadMonitors.DRIFT.detector().window()
                                    + 1);
                    cleanAlarms += s.rollbacks();
                    recallCleanSum += finalRecall;
                    cleanHeldAtEnd += s.heldAtSource() ? 1 : 0;
                }
                rows.add(String.format(
                        Locale.ROOT,
                        "    {\"user\": \"%s\", \"stream\": \"%s\", \"firstAlarmClip\": %d,"
                                + " \"firstDriftAlarmClip\": %d, \"rollbacks\": %d, \"sourceRecall\": %.3f, \"finalRecall\": %.3f,"
                                + " \"releasedAfterAlarm\": %d, \"heldAtEnd\": %b, \"adaptedLoss\": %s}",
                        u.id(),
                        stream,
                        firstAlarm,
                        firstDriftAlarm,
                        s.rollbacks(),
                        srcRecall,
                        finalRecall,
                        released,
                        s.heldAtSource(),
                        jsonArray(loss)));
            }
        }
        int n = chosen.size();
        pw.printf(
                Locale.ROOT,
                "%npoisoned users (labels flipped from clip %d): %d of %d detected, mean delay %.1f flipped"
                        + " samples; mean holdout recall at the end %.3f (source %.3f); %d published versions after the first alarm"
                        + " not held at the source (action %s)%n",
                cleanClips + 1,
                detected,
                n,
                detected == 0 ? Double.NaN : delaySum / detected,
                recallPoisonedSum / n,
                recallSourceSum / n,
                poisonedReleased,
                action);
        pw.printf(
                Locale.ROOT,
                "clean users (%d clips each): %d rollbacks (false alarms) in %d samples; mean holdout recall"
                        + " %.3f; %d of %d held at the source at the end%n",
                length,
                cleanAlarms,
                n * length,
                recallCleanSum / n,
                cleanHeldAtEnd,
                n);
        pw.printf(
                Locale.ROOT,
                "noisy-label users (%.0f%% of labels flipped at random from clip %d, %d flipped in all): %d of %d"
                        + " alarmed; mean holdout recall at the end %.3f%n",
                100 * labelNoise,
                cleanClips + 1,
                noisyFlipped,
                noisyAlarmed,
                n,
                recallNoisySum / n);
        pw.printf(
                Locale.ROOT,
                "drift users (white noise at %.0f dB SNR from clip %d, true labels): %d of %d alarmed, mean"
                        + " delay %.1f changed samples; mean clean-holdout recall at the end %.3f%n",
                driftSnrDb,
                cleanClips + 1,
                driftAlarmed,
                n,
                driftAlarmed == 0 ? Double.NaN : driftDelaySum / driftAlarmed,
                recallDriftSum / n);
        pw.printf(
                Locale.ROOT,
                "drift test (MMD, window %d clip means vs the user's first %d, %d permutations, alpha %.4f,"
                        + " a test per sample): drift users %d of %d alarmed, mean delay %.1f changed samples; clean users %d of %d"
                        + " alarmed in %d tests%n",
                HeadMonitors.DRIFT.detector().window(),
                HeadMonitors.DRIFT.referenceSize(),
                HeadMonitors.DRIFT.detector().permutations(),
                HeadMonitors.DRIFT.detector().alpha(),
                mmdDriftAlarmed,
                n,
                mmdDriftAlarmed == 0 ? Double.NaN : mmdDelaySum / mmdDriftAlarmed,
                mmdCleanAlarmed,
                n,
                mmdCleanTests);
        pw.printf(
                Locale.ROOT,
                "out-of-domain users (the same words in espeak-ng's '%s' voice from clip %d, true labels):"
                        + " drift test %d of %d alarmed, mean delay %.1f changed samples; negative-transfer tests %d of %d; ADWIN error"
                        + " rise %d of %d; mean holdout recall at the end (original voice) %.3f%n",
                oodLanguage,
                cleanClips + 1,
                oodDriftAlarmed,
                n,
                oodDriftAlarmed == 0 ? Double.NaN : oodDriftDelaySum / oodDriftAlarmed,
                oodLossAlarmed,
                n,
                oodErrorRise,
                n,
                recallOodSum / n);
        json.append(String.join(",\n", rows))
                .append(String.format(
                        Locale.ROOT,
                        "\n  ],\n  \"oodLanguage\": \"%s\","
                                + " \"oodDriftAlarmed\": %d, \"oodDriftMeanDelay\": %.3f, \"oodLossAlarmed\": %d, \"oodErrorRise\": %d,"
                                + " \"meanRecallOodEnd\": %.4f,",
                        oodLanguage,
                        oodDriftAlarmed,
                        oodDriftAlarmed == 0 ? Double.NaN : oodDriftDelaySum / oodDriftAlarmed,
                        oodLossAlarmed,
                        oodErrorRise,
                        recallOodSum / n))
                .append(String.format(
                        Locale.ROOT,
                        "\n  \"mmdDriftAlarmed\": %d,"
                                + " \"mmdMeanDelay\": %.3f, \"mmdCleanAlarmed\": %d, \"mmdCleanTests\": %d,",
                        mmdDriftAlarmed,
                        mmdDriftAlarmed == 0 ? Double.NaN : mmdDelaySum / mmdDriftAlarmed,
                        mmdCleanAlarmed,
                        mmdCleanTests))
                .append(String.format(
                        Locale.ROOT,
                        "\n  \"driftSnrDb\": %.1f,"
                                + " \"driftAlarmed\": %d, \"driftMeanDelay\": %.3f, \"meanRecallDriftEnd\": %.4f,",
                        driftSnrDb,
                        driftAlarmed,
                        driftAlarmed == 0 ? Double.NaN : driftDelaySum / driftAlarmed,
                        recallDriftSum / n))
                .append(String.format(
                        Locale.ROOT,
                        "\n  \"poisonedDetected\": %d,"
                                + " \"meanDelay\": %.3f, \"cleanFalseAlarms\": %d, \"cleanSamples\": %d,"
                                + " \"meanRecallSource\": %.4f, \"meanRecallPoisonedEnd\": %.4f, \"meanRecallCleanEnd\": %.4f,"
                                + " \"labelNoise\": %.3f, \"noisyFlipped\": %d, \"noisyAlarmed\": %d, \"meanRecallNoisyEnd\": %.4f,"
                                + " \"poisonedReleasedAfterAlarm\": %d, \"cleanHeldAtEnd\": %d\n}%n",
                        detected,
                        detected == 0 ? Double.NaN : delaySum / detected,
                        cleanAlarms,
                        n * length,
                        recallSourceSum / n,
                        recallPoisonedSum / n,
                        recallCleanSum / n,
                        labelNoise,
                        noisyFlipped,
                        noisyAlarmed,
                        recallNoisySum / n,
                        poisonedReleased,
                        cleanHeldAtEnd));
        Files.createDirectories(out);
        Files.writeString(out.resolve("bench-transfer.json"), json.toString());
        double gapMax = max(gaps, true);
        LinePlot.write(
                out.resolve("bench-transfer.png"),
                "Labels flipped from clip " + (cleanClips + 1) + " (poisoned users; a rollback resets both tests)",
                "training clip",
                xs,
                List.of(
                        new LinePlot.Panel("loss gap, adapted - source (clipped)", "nats", -gapMax, gapMax, gaps),
                        new LinePlot.Panel(
                                String.format(
                                        Locale.ROOT, "gap CUSUM (threshold %.2f)", probe.negativeTransferThreshold()),
                                "statistic",
                                0,
                                max(stats, false),
                                stats),
                        new LinePlot.Panel(
                                "adapted head's prequential loss", "nats", 0, max(poisonedLoss, false), poisonedLoss),
                        new LinePlot.Panel(
                                String.format(
                                        Locale.ROOT,
                                        "loss-rise Page-Hinkley (threshold %.2f)",
                                        probe.lossRiseThreshold()),
                                "statistic",
                                0,
                                max(rises, false),
                                rises)),
                false);
        pw.println("bench-transfer: wrote " + out.resolve("bench-transfer.json") + " and bench-transfer.png");
        return 0;
    }

    /**
     * The chosen users' training clips with seeded white noise at {@link #driftSnrDb} over their
     * speech (a domain change: the same words in a much noisier room), embedded by the backbone.
     */
    private Map<SyntheticClip, EmbeddingSequence> noisyEmbeddings(List<SyntheticUser> users, PrintWriter pw) {
        List<SyntheticClip> clips =
                users.stream().flatMap(u -> u.train().stream()).toList();
        pw.printf(
                Locale.ROOT,
                "bench-transfer: embedding %d clips with white noise at %.0f dB SNR for the drift stream%n",
                clips.size(),
                driftSnrDb);
        pw.flush();
        Map<SyntheticClip, EmbeddingSequence> out = new HashMap<>();
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(inputs.modelsDir)) {
            for (SyntheticClip c : clips) {
                short[] noisy = withNoise(
                        c, driftSnrDb, new SplittableRandom(seed ^ c.sampleId().hashCode()));
                out.put(
                        c,
                        backbone.embed(List.of(new BackboneInput.Audio(SampleRecords.SAMPLE_RATE_HZ, noisy)))
                                .get(0));
            }
        }
        return out;
    }

    /**
     * The chosen users' training clips spoken by the {@link #oodLanguage} voice instead of their own
     * language voice (same text, variant, pitch, speed, tempo, placement and noise): an
     * out-of-domain voice and language, embedded by the backbone.
     */
    private Map<SyntheticClip, EmbeddingSequence> foreignEmbeddings(
            List<SyntheticUser> users, SyntheticUsers.Config config, PrintWriter pw) {
        List<SyntheticClip> clips =
                users.stream().flatMap(u -> u.train().stream()).toList();
        pw.printf(
                Locale.ROOT,
                "bench-transfer: synthesizing and embedding %d clips in espeak-ng's '%s' voice for the"
                        + " out-of-domain stream%n",
                clips.size(),
                oodLanguage);
        pw.flush();
        CachingSynthesizer synth = new CachingSynthesizer(new SpeechSynth(), inputs.cacheDir);
        ClipAssembler assembler = new ClipAssembler(config.clip());
        Map<SyntheticClip, EmbeddingSequence> out = new HashMap<>();
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(inputs.modelsDir)) {
            for (SyntheticClip c : clips) {
                SynthRequest r = c.spec().synthesis();
                SynthRequest foreign = new SynthRequest(
                        r.text(),
                        new Voice(oodLanguage, r.voice().variant()),
                        r.pitch(),
                        r.speedWpm(),
                        r.amplitude(),
                        r.tempo());
                short[] pcm = assembler
                        .assemble(synth.synthesize(foreign), c.spec().assemblySeed())
                        .pcm();
                out.put(
                        c,
                        backbone.embed(List.of(new BackboneInput.Audio(SampleRecords.SAMPLE_RATE_HZ, pcm)))
                                .get(0));
            }
        }
        return out;
    }

    /** {@code c}'s audio plus Gaussian white noise whose power is the speech's power at {@code snrDb} below it. */
    static short[] withNoise(SyntheticClip c, double snrDb, SplittableRandom rnd) {
        return withNoise(c.pcm(), c.speechStart(), c.speechEnd(), snrDb, rnd);
    }

    /** {@code pcm} plus Gaussian white noise at {@code snrDb} below the mean power of {@code pcm[speechStart, speechEnd)}. */
    static short[] withNoise(short[] pcm, int speechStart, int speechEnd, double snrDb, SplittableRandom rnd) {
        int from = Math.max(0, speechStart);
        int to = speechEnd > from ? Math.min(pcm.length, speechEnd) : pcm.length;
        double power = 0;
        for (int i = from; i < to; i++) {
            power += (double) pcm[i] * pcm[i];
        }
        power /= Math.max(1, to - from);
        double sd = Math.sqrt(power / Math.pow(10, snrDb / 10));
        short[] out = new short[pcm.length];
        for (int i = 0; i < pcm.length; i++) {
            double v = pcm[i] + sd * NullModel.gaussian(rnd);
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(v)));
        }
        return out;
    }

    private static double max(Map<String, double[]> series, boolean absolute) {
        double m = series.values().stream()
                .flatMapToDouble(Arrays::stream)
                .filter(Double::isFinite)
                .map(v -> absolute ? Math.abs(v) : v)
                .max()
                .orElse(1);
        return m > 0 ? m : 1;
    }

    private static String jsonArray(double[] values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", values[i]));
        }
        return b.append(']').toString();
    }

    /** {@code head}'s recall on {@code u}'s holdout positives, as {@link HoldoutEvaluator} measures it. */
    private static double recall(
            HoldoutEvaluator.UserDetector head, SyntheticUser u, SyntheticBench b, ClipScorer source) {
        return HoldoutEvaluator.evaluateDetectors(List.of(u), b.embeddings(), id -> head, e -> source.score(null, e))
                .rows()
                .get(0)
                .adaptedRecall();
    }
}
