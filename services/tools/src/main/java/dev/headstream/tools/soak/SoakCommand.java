package dev.headstream.tools.soak;

import dev.headstream.cli.Dirs;
import dev.headstream.core.wire.SampleFile;
import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.testkit.audit.OutputAudit;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SynthProgress;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.tools.bench.SynthInputs;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code headstream soak}: issue 5's fault scenarios at full size (10,000 samples over 200 users by
 * default), each on its own fresh broker; see {@link FaultSoak}. Prints each scenario's invariants
 * and writes them as JSON; exits with 1 when any scenario broke one.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description =
                "Fault scenarios on the real broker (kill -9 x3, rebalance 1->3->1, broker restart): exactly-once output and replay-equal heads.")
public final class SoakCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SynthInputs inputs;

    @Option(
            names = "--scenario",
            defaultValue = "all",
            description = "kill, rebalance, broker-restart or all (default ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--users", defaultValue = "200", description = "Users streaming (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--samples-per-user",
            defaultValue = "50",
            description = "Samples per user (default ${DEFAULT-VALUE}).")
    int samplesPerUser;

    @Option(
            names = "--partitions",
            defaultValue = "6",
            description = "Partitions per topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
            names = "--replay-steps",
            defaultValue = "2",
            description =
                    "Training steps per arriving sample (the adapter default is 40; fewer keep a full-size run short; default ${DEFAULT-VALUE}).")
    int replaySteps;

    @Option(
            names = "--in-flight",
            defaultValue = "256",
            description = "Most samples sent ahead of the committed output (default ${DEFAULT-VALUE}).")
    int inFlight;

    @Option(
            names = "--voices",
            defaultValue = "8",
            description = "Synthetic speakers whose clips the users stream (default ${DEFAULT-VALUE}).")
    int voices;

    @Option(
            names = "--adapter-jar",
            defaultValue = "services/adapter/target/quarkus-app/quarkus-run.jar",
            description = "The adapter's quarkus-run.jar (default ${DEFAULT-VALUE}).")
    Path adapterJar;

    @Option(
            names = "--work-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/soak",
            description = "Broker data and adapter logs (default ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(
            names = "--timeout",
            defaultValue = "PT40M",
            description = "Per scenario (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = "--negative-bank",
            description = "Negative bank the adapters use (default <models-dir>/negative-bank).")
    Path negativeBank;

    @Option(
            names = "--keep-data",
            description = "Keep a passed scenario's broker data (a failed one's is always kept).")
    boolean keepData;

    @Option(
            names = "--state-on-disk",
            description = "Each adapter instance keeps its users' state on disk (headstream.state.dir), restarts"
                    + " restoring from its checkpoints.")
    boolean stateOnDisk;

    @Option(
            names = "--out",
            defaultValue = "${sys:headstream.home:-.}/.run/soak/soak.json",
            description = "JSON result (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        List<FaultSoak.Scenario> scenarios = "all".equals(scenario)
                ? List.of(FaultSoak.Scenario.values())
                : List.of(Stream.of(FaultSoak.Scenario.values())
                        .filter(s -> s.label().equals(scenario))
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(
                                "--scenario must be kill, rebalance, broker-restart or all, not '" + scenario + "'")));
        Files.createDirectories(workDir);
        pw.printf("soak: synthesizing %d speakers with espeak-ng + sox (cache %s)%n", voices, inputs.cacheDir());
        pw.flush();
        SyntheticPopulation pop = new SyntheticUsers(SyntheticUsers.Config.defaults(5)
                        .withUsers(voices)
                        .withTrain(8, 8)
                        .withHoldout(0, 0)
                        .withBackground(4, 8))
                .generate(new CachingSynthesizer(new SpeechSynth(), inputs.cacheDir()), 2, SynthProgress.none());
        Path rehearsal = workDir.resolve("rehearsal.samples.pb");
        SampleFile.write(
                rehearsal,
                pop.background().stream()
                        .map(c -> SampleRecords.sample("reference", FaultSoak.TASK, c))
                        .toList());
        List<FaultSoak.Report> reports = new ArrayList<>();
        for (FaultSoak.Scenario s : scenarios) {
            Path dir = workDir.resolve(s.label());
            Dirs.deleteRecursively(dir);
            FaultSoak.Config config = new FaultSoak.Config(
                    s,
                    users,
                    samplesPerUser,
                    partitions,
                    replaySteps,
                    inFlight,
                    inputs.modelsDir(),
                    adapterJar,
                    dir,
                    rehearsal,
                    negativeBank != null ? negativeBank : inputs.modelsDir().resolve("negative-bank"),
                    timeout,
                    stateOnDisk);
            pw.printf(
                    Locale.ROOT,
                    "soak %s: %,d samples over %d users, %d partitions, replay steps %d (logs in %s)%n",
                    s.label(),
                    config.samples(),
                    users,
                    partitions,
                    replaySteps,
                    dir);
            pw.flush();
            FaultSoak.Report r = FaultSoak.run(config, pop.users(), line -> {
                pw.println(line);
                pw.flush();
            });
            reports.add(r);
            print(pw, r);
            if (r.passed() && !keepData) {
                // a passed full-size run leaves gigabytes of head versions (compaction held off for the
                // audit; the size is in docs/soak/README.md)
                Dirs.deleteRecursively(dir.resolve("kafka"));
                pw.println("soak " + s.label()
                        + ": removed the broker data (--keep-data keeps it); adapter logs stay in " + dir);
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json(reports));
        pw.println("soak: wrote " + out);
        boolean passed = reports.stream().allMatch(FaultSoak.Report::passed);
        pw.println(passed ? "soak: PASSED" : "soak: FAILED");
        return passed ? 0 : 1;
    }

    static void print(PrintWriter pw, FaultSoak.Report r) {
        OutputAudit.Result a = r.audit();
        pw.printf(
                Locale.ROOT,
                "soak %s: %s in %.0f s%n",
                r.config().scenario().label(),
                r.passed() ? "PASSED" : "FAILED",
                r.streamSeconds());
        pw.printf(
                Locale.ROOT,
                "  samples sent %,d (send failures %d), metrics records %,d (one per sample: %s)%n",
                r.config().samples(),
                r.sendFailures(),
                a.metricsRecords(),
                a.metricsRecords() == r.config().samples() ? "yes" : "NO");
        pw.printf(
                Locale.ROOT,
                "  heads %d of %d users, %,d versions, rejects %d%n",
                a.heads(),
                r.config().users(),
                a.headRecords(),
                a.rejectCount());
        pw.printf(
                Locale.ROOT,
                "  replay: %d of %d heads bit-identical, %d differences%n",
                r.replay().identical(),
                r.replay().heads(),
                r.replay().differences().size());
        pw.printf(
                "  faults injected %d of %d; instances that exited by themselves (restarted): %d%n",
                r.faultsInjected(), r.faultsPlanned(), r.unexpectedExits());
        r.events().forEach(e -> pw.println("  event " + e));
        a.errors().forEach(e -> pw.println("  VIOLATION " + e));
        r.replay().differences().stream().limit(20).forEach(d -> pw.println("  DIFFERENCE " + d));
        pw.flush();
    }

    private static String json(List<FaultSoak.Report> reports) {
        StringBuilder b = new StringBuilder("[\n");
        for (int i = 0; i < reports.size(); i++) {
            FaultSoak.Report r = reports.get(i);
            OutputAudit.Result a = r.audit();
            b.append(String.format(
                    Locale.ROOT,
                    "  {\"scenario\": \"%s\", \"passed\": %b, \"users\": %d, \"samples\": %d,"
                            + " \"partitions\": %d, \"replaySteps\": %d, \"streamSeconds\": %.1f, \"sendFailures\": %d,"
                            + " \"metricsRecords\": %d, \"heads\": %d, \"headVersions\": %d, \"rejects\": %d, \"violations\": %d,"
                            + " \"replayIdentical\": %d, \"replayDifferences\": %d, \"faultsInjected\": %d, \"unexpectedExits\": %d}%s%n",
                    r.config().scenario().label(),
                    r.passed(),
                    r.config().users(),
                    r.config().samples(),
                    r.config().partitions(),
                    r.config().replaySteps(),
                    r.streamSeconds(),
                    r.sendFailures(),
                    a.metricsRecords(),
                    a.heads(),
                    a.headRecords(),
                    a.rejectCount(),
                    a.errors().size(),
                    r.replay().identical(),
                    r.replay().differences().size(),
                    r.faultsInjected(),
                    r.unexpectedExits(),
                    i + 1 < reports.size() ? "," : ""));
        }
        return b.append("]\n").toString();
    }
}
