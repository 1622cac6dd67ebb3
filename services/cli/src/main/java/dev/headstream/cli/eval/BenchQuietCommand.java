package dev.headstream.cli.eval;

import dev.headstream.cli.bank.BankCommand;
import dev.headstream.cli.synth.ClipAssembler;
import dev.headstream.cli.synth.Phrases;
import dev.headstream.cli.synth.SyntheticUsers;
import dev.headstream.core.adapt.BankTraining;
import dev.headstream.core.adapt.BinaryHeadTask;
import dev.headstream.core.adapt.HeadRecipe;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.head.SourceHead;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Held-out users against the negative bank: recall and false accepts per hour after 8, 16 and 24 clips. */
@Command(name = "bench-quiet", mixinStandardHelpOptions = true,
        description = "Held-out users: recall and false accepts per hour of continuous held-out speech vs training clips.")
public final class BenchQuietCommand implements Callable<Integer> {

    @Option(names = "--models-dir", defaultValue = ".models")
    Path modelsDir;
    @Option(names = "--bank")
    Path bankDir;
    @Option(names = "--cache-dir", defaultValue = ".run/synth-cache")
    Path cacheDir;
    @Option(names = "--users", defaultValue = "10")
    int users;
    @Option(names = "--candidates", defaultValue = "30")
    int candidates;
    @Option(names = "--seed", defaultValue = "42")
    long seed;
    @Option(names = "--clips", defaultValue = "8,16,24", split = ",")
    int[] clips;
    @Option(names = "--holdout", defaultValue = "20")
    int holdout;
    @Option(names = "--target", defaultValue = "0.5")
    double target;
    @Option(names = "--per-step", defaultValue = "8")
    int perStep;
    @Option(names = "--hard-share", defaultValue = "0.5")
    float hardShare;
    @Option(names = "--mine", defaultValue = "512")
    int mine;
    @Option(names = "--pool", defaultValue = "64")
    int pool;
    @Option(names = "--min-recall", defaultValue = "0.5")
    float minRecall;
    @Option(names = "--position", defaultValue = "0.75")
    float position;
    @Option(names = "--steps", defaultValue = "40")
    int steps;
    @Option(names = "--l2sp", defaultValue = "0.01")
    float l2sp;
    @Option(names = "--lr", defaultValue = "0.001")
    float lr;

    @Override
    public Integer call() {
        SourceHead source = QuietBench.heyJarvis(modelsDir);
        int max = Arrays.stream(clips).max().orElse(24);
        SyntheticUsers.Config config = SyntheticUsers.Config.defaults(seed).withUsers(candidates)
                .withTrain(max / 2, max - max / 2).withHoldout(holdout, holdout).withBackground(0, 0)
                .withClip(ClipAssembler.Settings.defaults());
        QuietBench.Population pop = QuietBench.heldOutUsers(config, users, modelsDir, cacheDir, source, System.out::println);
        System.out.println("held-out users: " + pop.users().stream()
                .map(u -> u.id() + "=" + u.speaker().voice().id()).toList());
        NegativeBank bank = NegativeBank.open(bankDir == null ? BankCommand.defaultDir(modelsDir) : bankDir);
        HeadRecipe recipe = HeadRecipe.wakeWordDefault().withThresholdPosition(position).withReplaySteps(steps)
                .withL2sp(l2sp).withLearningRate(lr);
        BankTraining bt = new BankTraining(perStep, hardShare, mine, pool, minRecall);
        List<QuietBench.Figures> f = QuietBench.run(pop, source, recipe, bt, target, bank,
                BinaryHeadTask.AlarmAction.FREEZE, clips, System.out::println);
        System.out.println(String.format(Locale.ROOT, "%-8s %5s %5s %9s %7s %8s %6s %6s", "user", "clips", "held",
                "threshold", "recall", "fa-clips", "acts", "FA/h"));
        for (QuietBench.Figures x : f) {
            System.out.println(String.format(Locale.ROOT, "%-8s %5d %5s %9.5f %7.3f %4d/%-4d %6d %6.2f", x.user(),
                    x.clips(), x.held() ? "held" : "", x.threshold(), x.recall(), x.falseClips(), x.negatives(),
                    x.activations(), x.perHour()));
        }
        for (int c : concat(0, clips)) {
            List<QuietBench.Figures> at = f.stream().filter(x -> x.clips() == c).toList();
            double recall = at.stream().mapToDouble(QuietBench.Figures::recall).average().orElse(0);
            int acts = at.stream().mapToInt(QuietBench.Figures::activations).sum();
            double hours = at.stream().mapToDouble(QuietBench.Figures::hours).sum();
            double worst = at.stream().mapToDouble(QuietBench.Figures::perHour).max().orElse(0);
            long held = at.stream().filter(QuietBench.Figures::held).count();
            System.out.println(String.format(Locale.ROOT,
                    "clips %2d: mean recall %.3f, %d activations in %.2f head-hours = %.2f FA/h (worst user %.2f), held %d of %d",
                    c, recall, acts, hours, hours == 0 ? 0 : acts / hours, worst, held, at.size()));
        }
        return 0;
    }

    private static int[] concat(int first, int[] rest) {
        int[] r = new int[rest.length + 1];
        r[0] = first;
        System.arraycopy(rest, 0, r, 1, rest.length);
        return r;
    }
}
