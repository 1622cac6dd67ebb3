package dev.headstream.cli.replay;

import dev.headstream.core.adapt.AdaptationEngine;
import dev.headstream.core.adapt.RateLimit;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Rebuilds heads from headstream.samples and compares them bit for bit with the published ones. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Rebuild every head from headstream.samples with the adapter's code and default recipe and"
                + " compare it bit for bit with its newest published version. Exit 1 if any differs.")
public final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", defaultValue = "127.0.0.1:9092", description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--models-dir", defaultValue = ".models", description = "Verified models (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(names = "--source-head", defaultValue = "hey_jarvis_v0.1.onnx", description = "Source head file (default ${DEFAULT-VALUE}).")
    String sourceHead;

    @Option(names = "--task", defaultValue = "wake", description = "Task name (default ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--rehearsal-set", description = "The adapter's rehearsal reference set file, if it used one.")
    Path rehearsalSet;

    @Option(names = "--online-rehearsal-capacity", defaultValue = "0",
            description = "The adapter's headstream.online-rehearsal.capacity (default ${DEFAULT-VALUE}: off).")
    int onlineCapacity;

    @Option(names = "--online-rehearsal-excluded-tenants", split = ",",
            description = "The adapter's headstream.online-rehearsal.excluded-tenants.")
    java.util.Set<String> excludedTenants = java.util.Set.of();

    @Option(names = "--rate-limit-per-minute", defaultValue = "0",
            description = "The adapter's headstream.rate-limit.samples-per-minute (default ${DEFAULT-VALUE}: off).")
    double ratePerMinute;

    @Option(names = "--rate-limit-burst", defaultValue = "60",
            description = "The adapter's headstream.rate-limit.burst (default ${DEFAULT-VALUE}).")
    double rateBurst;

    @Option(names = "--on-negative-transfer", defaultValue = "PROBATION",
            description = "The task's headstream.tasks.<task>.on-negative-transfer: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}, the adapter's).")
    dev.headstream.core.adapt.BinaryHeadTask.AlarmAction onAlarm;

    @Option(names = "--negative-bank", description = "The adapter's headstream.negative-bank.directory "
            + "(default <models-dir>/negative-bank).")
    Path negativeBank;

    @Option(names = "--no-negative-bank", description = "The adapter ran with headstream.negative-bank.enabled=false.")
    boolean noNegativeBank;

    @Option(names = "--target-false-accepts-per-hour", defaultValue = "0.5",
            description = "The task's headstream.tasks.<task>.target-false-accepts-per-hour (default ${DEFAULT-VALUE}).")
    double target;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        HeadReplay.Config config = HeadReplay.Config.defaults(modelsDir).withTask(task, sourceHead)
                .withRehearsalSet(rehearsalSet)
                .withBank(noNegativeBank ? null : negativeBank != null ? negativeBank : modelsDir.resolve("negative-bank"))
                .withTarget(target)
                .withOnline(new AdaptationEngine.OnlineRehearsal(onlineCapacity, excludedTenants))
                .withRateLimit(new RateLimit(ratePerMinute, rateBurst)).withOnAlarm(onAlarm);
        HeadReplay.Result r = HeadReplay.run(bootstrap, config, Duration.ofSeconds(60));
        out.printf("replay: %d heads rebuilt from %s: %d bit-identical to their newest published version, %d differ,"
                + " %d not compared%n", r.heads(), "headstream.samples", r.identical(), r.differences().size(),
                r.notCompared().size());
        r.differences().forEach(d -> out.println("  " + d));
        r.notCompared().forEach(d -> out.println("  not compared: " + d));
        return r.differences().isEmpty() ? 0 : 1;
    }
}
