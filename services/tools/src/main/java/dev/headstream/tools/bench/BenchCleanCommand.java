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
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.speech.ClipAssembler;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.MultiEngineSynth;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.tools.bank.BankCommand;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code headstream bench-clean}: the monitors' false alarms on clean users at scale. Held-out
 * users (voices, and a synthesizer, that no part of the negative bank holds; those the source head
 * serves poorly, as in the headline figures) each stream {@code --samples} correctly labelled
 * clips through the default recipe, trained and calibrated on the negative bank, with the rollback
 * action on, so that each alarm of a negative-transfer test resets it and the next one counts again. Sample {@code i} is the user's training clip
 * {@code i mod 32}, re-assembled from its cached speech with a new placement, level and noise
 * seed on every pass, so no two samples are the same audio. Prints and writes (JSON) the alarms of
 * each test against the configured rate, and every user's holdout recall at the end next to the
 * source head's.
 */
@Command(
        name = "bench-clean",
        mixinStandardHelpOptions = true,
        description =
                "False alarms of the negative-transfer and drift tests on clean users (default 50 x 500 samples).")
public final class BenchCleanCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SynthInputs inputs;

    @Option(
            names = "--out",
            defaultValue = "docs/transfer/bench-clean.json",
            description = "JSON result (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "Population seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--users", defaultValue = "14", description = "Most held-out users (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--candidates",
            defaultValue = "100",
            description = "Candidates they are picked from (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(
            names = "--samples",
            defaultValue = "300",
            description = "Training samples per user (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--negative-bank", description = "Negative bank (default <models-dir>/negative-bank).")
    Path negativeBank;

    /** Drift and holdout in-control rate the tests are calibrated to: one false alarm per this many samples. */
    static final double ARL0 = 1_000;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        if (users < 1 || samples < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--users and --samples must be at least 1");
        }
        SyntheticUsers.Config config = SyntheticUsers.Config.defaults(seed)
                .withUsers(candidates)
                .withTrain(16, 16)
                .withHoldout(10, 10)
                .withBackground(0, 0);
        SourceHead heyJarvis = QuietBench.heyJarvis(inputs.modelsDir);
        QuietBench.Population held =
                QuietBench.heldOutUsers(config, users, inputs.modelsDir, inputs.cacheDir, heyJarvis, line -> {
                    pw.println("bench-clean: " + line.strip());
                    pw.flush();
                });
        SyntheticBench bench = held.asBench(heyJarvis, inputs.modelsDir);
        HeadRecipe recipe = HeadRecipe.wakeWordDefault();
        NegativeBank bank =
                NegativeBank.open(negativeBank != null ? negativeBank : BankCommand.defaultDir(inputs.modelsDir));
        BinaryHeadTask task = new BinaryHeadTask(
                "wake",
                bench.source(),
                recipe,
                RehearsalSet.empty(),
                AlarmAction.ROLLBACK,
                0.5,
                BinaryHeadTask.prepareBank(bank, bench.source(), recipe),
                BankTraining.defaults());
        ClipScorer scorer = new ClipScorer(task.head(), bench.source().parameters(), recipe.windowFrames());
        ClipScorer source = new ClipScorer(
                new MlpHead(bench.source().architecture(), 1), bench.source().parameters(), recipe.windowFrames());
        CachingSynthesizer synth = new CachingSynthesizer(MultiEngineSynth.defaults(), inputs.cacheDir);
        ClipAssembler assembler = new ClipAssembler(config.clip());
        long total = 0;
        int negativeTransferAlarms = 0;
        int driftUsers = 0;
        int errorRiseUsers = 0;
        long driftTests = 0;
        int worse = 0;
        double sourceRecallSum = 0;
        double adaptedRecallSum = 0;
        double worstDrop = 0;
        List<String> rows = new ArrayList<>();
        long t0 = System.nanoTime();
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(inputs.modelsDir)) {
            List<SyntheticUser> population = held.users();
            for (int ui = 0; ui < population.size(); ui++) {
                SyntheticUser u = population.get(ui);
                List<SyntheticClip> train = u.train();
                HeadState s = task.newState("clean/" + u.id() + "/wake");
                for (int i = 0; i < samples; i++) {
                    SyntheticClip c = train.get(i % train.size());
                    int pass = i / train.size();
                    EmbeddingSequence e;
                    if (pass == 0) {
                        e = bench.embeddings().get(c);
                    } else {
                        ClipAssembler.Clip again = assembler.assemble(
                                synth.synthesize(c.spec().synthesis()), c.spec().assemblySeed() * 1_000_003L + pass);
                        e = backbone.embed(List.of(new BackboneInput.Audio(SampleRecords.SAMPLE_RATE_HZ, again.pcm())))
                                .get(0);
                    }
                    task.apply(s, e, c.positive(), 1f, Split.TRAIN);
                    // a version (threshold recalibrated) every 8 samples; the adapter publishes every
                    // sample by default, which would multiply the calibration time here by 8
                    // (docs/transfer/README.md, bench-clean)
                    if (task.publishIfDue(s, 8)) {
                        task.sent(s);
                    }
                }
                total += samples;
                negativeTransferAlarms += s.rollbacks();
                driftUsers += s.driftAlarm() ? 1 : 0;
                errorRiseUsers += s.errorRiseAlarm() ? 1 : 0;
                driftTests += Math.max(
                        0,
                        samples
                                - HeadMonitors.DRIFT.referenceSize()
                                - HeadMonitors.DRIFT.detector().window()
                                + 1);
                task.calibrate(s);
                HoldoutTable t = HoldoutEvaluator.evaluateDetectors(
                        List.of(u),
                        bench.embeddings(),
                        id -> new HoldoutEvaluator.HeadDetector(
                                scorer, task.publishedTrainable(s), task.publishedThreshold(s), s.version()),
                        e -> source.score(null, e));
                double src = t.rows().get(0).sourceRecall();
                double ada = t.rows().get(0).adaptedRecall();
                sourceRecallSum += src;
                adaptedRecallSum += ada;
                worstDrop = Math.max(worstDrop, src - ada);
                worse += ada < src ? 1 : 0;
                rows.add(String.format(
                        Locale.ROOT,
                        "    {\"user\": \"%s\", \"samples\": %d, \"rollbacks\": %d,"
                                + " \"driftAlarmSample\": %d, \"errorRiseAlarm\": %b, \"adwinWidth\": %d, \"sourceRecall\": %.3f,"
                                + " \"adaptedRecall\": %.3f}",
                        u.id(),
                        samples,
                        s.rollbacks(),
                        s.driftAlarmSample(),
                        s.errorRiseAlarm(),
                        s.adwinWidth(),
                        src,
                        ada));
                pw.printf(
                        Locale.ROOT,
                        "bench-clean: %d/%d users, %,d samples, %d negative-transfer alarms, %d drift alarms"
                                + " (%.0f s)%n",
                        ui + 1,
                        population.size(),
                        total,
                        negativeTransferAlarms,
                        driftUsers,
                        (System.nanoTime() - t0) / 1e9);
                pw.flush();
            }
        }
        int n = rows.size();
        pw.printf(Locale.ROOT, "%nclean users: %d x %d samples = %,d%n", n, samples, total);
        pw.printf(
                Locale.ROOT,
                "negative-transfer tests (gap CUSUM or loss rise, rollback resets both): %d false alarms,"
                        + " %.2f per 1,000 samples; configured at most %.2f per 1,000 (ARL0 %.0f, calibrated to 2 x)%n",
                negativeTransferAlarms,
                1000.0 * negativeTransferAlarms / total,
                1000 / ARL0,
                ARL0);
        pw.printf(
                Locale.ROOT,
                "drift test: %d of %d users alarmed in %,d tests (a user alarms at most once; at most %.2f"
                        + " expected per 1,000 tests)%n",
                driftUsers,
                n,
                driftTests,
                1000 / ARL0);
        pw.printf(
                Locale.ROOT,
                "ADWIN on the adapted head's 0/1 error (delta %.3f, a check per 32 samples): %d of %d users"
                        + " with a rising cut (bound: at most %.2f false cuts per 1,000 samples)%n",
                HeadMonitors.ADWIN_DELTA,
                errorRiseUsers,
                n,
                1000 * HeadMonitors.ADWIN_DELTA / 32);
        pw.printf(
                Locale.ROOT,
                "holdout recall at the end: source %.3f, adapted %.3f; %d of %d users below the source,"
                        + " largest drop %.2f%n",
                sourceRecallSum / n,
                adaptedRecallSum / n,
                worse,
                n,
                worstDrop);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(
                out,
                String.format(
                                Locale.ROOT,
                                "{\n  \"population\": \"held-out users (voices and a synthesizer in no"
                                        + " bank part), source-head holdout recall < 0.5\", \"bank\": \"%s\",%n",
                                bank.id())
                        + String.format(
                                Locale.ROOT,
                                "  \"seed\": %d, \"users\": %d, \"samplesPerUser\": %d,"
                                        + " \"samples\": %d,\n  \"negativeTransferFalseAlarms\": %d, \"driftUsersAlarmed\": %d, \"driftTests\": %d,"
                                        + " \"errorRiseUsersAlarmed\": %d,"
                                        + " \"arl0\": %.0f,\n  \"meanSourceRecall\": %.4f, \"meanAdaptedRecall\": %.4f, \"usersBelowSource\": %d,"
                                        + " \"largestRecallDrop\": %.3f,\n  \"perUser\": [\n%s\n  ]\n}%n",
                                seed,
                                n,
                                samples,
                                total,
                                negativeTransferAlarms,
                                driftUsers,
                                driftTests,
                                errorRiseUsers,
                                ARL0,
                                sourceRecallSum / n,
                                adaptedRecallSum / n,
                                worse,
                                worstDrop,
                                String.join(",\n", rows)));
        pw.println("bench-clean: wrote " + out);
        return 0;
    }
}
