package dev.headstream.tools.bench;

import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.task.BankNegatives;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.tools.bank.BankCommand;
import dev.headstream.tools.swap.SwapLatencies;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * What adapting costs per clip in steady state, in-process and on one thread, beside what the
 * backbone costs to embed the same clips: the held-out users of {@code bench-quiet} trained with
 * the default recipe against the negative bank by one task instance (as one engine worker), their
 * clips round-robin, each head published after every clip and the task's kept clip products
 * dropped every {@code --batch} samples as the engine drops them at each batch (by default one
 * sample per user per batch, the service's case with many users). Each pass starts every user
 * from the source head; the first {@code --warmup-passes} are not counted, so that the JIT has
 * compiled the head kernels. Prints ms per clip of training (the optimizer steps, hard-negative
 * mining and the calibration slice), of publication (calibration on the pool, the minimum-recall
 * check) and of the backbone, per pass and their medians.
 */
@Command(
        name = "bench-adapt",
        mixinStandardHelpOptions = true,
        description = "Steady-state cost per clip of training and publishing a user's head, beside the backbone's, on"
                + " one thread.")
public final class BenchAdaptCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--models-dir",
            defaultValue = "${sys:headstream.home:-.}/.models",
            description = "Verified models (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(
            names = "--cache-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/synth-cache",
            description = "Speech cache (default ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Option(names = "--users", defaultValue = "4", description = "Users (default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--clips", defaultValue = "24", description = "Training clips per user (default ${DEFAULT-VALUE}).")
    int clips;

    @Option(names = "--passes", defaultValue = "3", description = "Counted passes (default ${DEFAULT-VALUE}).")
    int passes;

    @Option(
            names = "--warmup-passes",
            defaultValue = "2",
            description = "Passes not counted, first (default ${DEFAULT-VALUE}).")
    int warmupPasses;

    @Option(names = "--seed", defaultValue = "42", description = "Population seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--batch",
            description = "Samples per batch: the task drops its kept clip products at each (default: --users, that"
                    + " is one sample per user per batch, the case of many users).")
    Integer batchOption;

    private int batch;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        for (Object[] o : new Object[][] {{"--users", users}, {"--clips", clips}, {"--passes", passes}}) {
            if ((int) o[1] < 1) {
                throw new ParameterException(spec.commandLine(), o[0] + " must be positive, got " + o[1]);
            }
        }
        batch = batchOption == null ? users : batchOption;
        if (batch < 1) {
            throw new ParameterException(spec.commandLine(), "--batch must be positive, got " + batch);
        }
        if (warmupPasses < 0) {
            throw new ParameterException(
                    spec.commandLine(), "--warmup-passes must not be negative, got " + warmupPasses);
        }
        SourceHead source = QuietBench.heyJarvis(modelsDir);
        SyntheticUsers.Config config = SyntheticUsers.Config.defaults(seed)
                .withUsers(100)
                .withTrain(clips / 2, clips - clips / 2)
                .withHoldout(20, 20)
                .withBackground(0, 0);
        QuietBench.Population pop = QuietBench.heldOutUsers(config, users, modelsDir, cacheDir, source, pw::println);
        NegativeBank bank = NegativeBank.open(BankCommand.defaultDir(modelsDir));
        EngineSpec.TaskSpec task = EngineSpec.fromProperties(Map.of()).tasks().get(EngineSpec.DEFAULT_TASK);
        BankNegatives prepared = EngineAssembly.prepare(bank, source, task);
        List<SyntheticClip> all = new ArrayList<>();
        for (SyntheticUser u : pop.users()) {
            all.addAll(u.train());
        }
        pw.printf(
                Locale.ROOT,
                "%d users x %d training clips round-robin, batches of %d, %s; %d warm-up and %d counted passes,"
                        + " one thread%n",
                pop.users().size(),
                clips,
                batch,
                prepared,
                warmupPasses,
                passes);
        double[] train = new double[passes];
        double[] publish = new double[passes];
        double[] embed = new double[passes];
        double[] classTrain = new double[passes];
        double[] classPublish = new double[passes];
        // a class task on the same clips: 6 member slots, the class defaults (mean-std, hidden 64, no
        // transform; the speakers demo runs mel-cepstrum through a 76 x 76 transform with hidden 0, a
        // smaller head, not timed here)
        ClassHeadTask who = new ClassHeadTask(
                "speaker",
                ClassRecipe.defaults(
                        TaskKind.Type.MULTI_CLASS,
                        List.of("member-1", "member-2", "member-3", "member-4", "member-5", "member-6"),
                        1),
                96);
        BackboneInfo info = new BackboneInfo("bench", "0".repeat(64), 96, "cpu");
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(modelsDir)) {
            for (int p = 0; p < warmupPasses + passes; p++) {
                long trainNanos = 0;
                long publishNanos = 0;
                int n = 0;
                // one task instance serves every user, as one engine worker does; the users' clips go
                // round-robin and the task starts a batch every --batch samples, as the engine does
                BinaryHeadTask t = EngineAssembly.task("wake", task, source, RehearsalSet.empty(), prepared);
                List<HeadState> states = new ArrayList<>();
                for (SyntheticUser u : pop.users()) {
                    states.add(t.newState("bench/" + u.id() + "/wake"));
                }
                for (int i = 0; i < clips; i++) {
                    for (int k = 0; k < states.size(); k++) {
                        List<SyntheticClip> own = pop.users().get(k).train();
                        if (i >= own.size()) {
                            continue;
                        }
                        if (n % batch == 0) {
                            t.startBatch();
                        }
                        SyntheticClip c = own.get(i);
                        HeadState s = states.get(k);
                        long t0 = System.nanoTime();
                        t.apply(s, pop.embeddings().get(c), c.positive(), 1f, Split.TRAIN);
                        long t1 = System.nanoTime();
                        t.publishIfDue(s, 1);
                        t.sent(s);
                        publishNanos += System.nanoTime() - t1;
                        trainNanos += t1 - t0;
                        n++;
                    }
                }
                long classTrainNanos = 0;
                long classPublishNanos = 0;
                int m = 0;
                List<ClassHeadState> classStates = new ArrayList<>();
                for (SyntheticUser u : pop.users()) {
                    classStates.add(who.newState("bench/" + u.id() + "/speaker"));
                }
                for (int i = 0; i < clips; i++) {
                    for (int k = 0; k < classStates.size(); k++) {
                        List<SyntheticClip> own = pop.users().get(k).train();
                        if (i >= own.size()) {
                            continue;
                        }
                        ClassHeadState s = classStates.get(k);
                        long t0 = System.nanoTime();
                        who.apply(s, pop.embeddings().get(own.get(i)), new Label.ClassIndex(i % 6), 1f, Split.TRAIN);
                        long t1 = System.nanoTime();
                        if (s.publishIfDue(1)) {
                            OutputMessages.classHeadUpdate(who, UserKey.parse("bench/" + k), "speaker", s, info, 0L);
                            s.statusSent();
                        }
                        classPublishNanos += System.nanoTime() - t1;
                        classTrainNanos += t1 - t0;
                        m++;
                    }
                }
                long e0 = System.nanoTime();
                for (SyntheticClip c : all) {
                    backbone.embed(List.of(new BackboneInput.Audio(16_000, c.pcm())));
                }
                double embedMs = (System.nanoTime() - e0) / 1e6 / all.size();
                boolean counted = p >= warmupPasses;
                if (counted) {
                    train[p - warmupPasses] = trainNanos / 1e6 / n;
                    publish[p - warmupPasses] = publishNanos / 1e6 / n;
                    embed[p - warmupPasses] = embedMs;
                    classTrain[p - warmupPasses] = classTrainNanos / 1e6 / m;
                    classPublish[p - warmupPasses] = classPublishNanos / 1e6 / m;
                }
                pw.printf(
                        Locale.ROOT,
                        "pass %d%s: training %.2f ms, publication %.2f ms, backbone %.2f ms per clip; class task"
                                + " %.3f + %.3f ms%n",
                        p + 1,
                        counted ? "" : " (warm-up)",
                        trainNanos / 1e6 / n,
                        publishNanos / 1e6 / n,
                        embedMs,
                        classTrainNanos / 1e6 / m,
                        classPublishNanos / 1e6 / m);
                pw.flush();
            }
        }
        double tr = SwapLatencies.median(train);
        double pu = SwapLatencies.median(publish);
        double em = SwapLatencies.median(embed);
        pw.printf(
                Locale.ROOT,
                "median of %d passes: training %.2f ms + publication %.2f ms = %.2f ms per clip of adaptation;"
                        + " backbone %.2f ms per clip; adaptation / backbone %.2f%n",
                passes,
                tr,
                pu,
                tr + pu,
                em,
                (tr + pu) / em);
        double ct = SwapLatencies.median(classTrain);
        double cp = SwapLatencies.median(classPublish);
        pw.printf(
                Locale.ROOT,
                "class task (multi-class, 6 outputs, the class defaults: 8 steps of 8 examples): training %.3f ms +"
                        + " publication %.3f ms = %.3f ms per clip; / backbone %.3f%n",
                ct,
                cp,
                ct + cp,
                (ct + cp) / em);
        return 0;
    }
}
