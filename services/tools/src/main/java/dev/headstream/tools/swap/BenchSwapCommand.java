package dev.headstream.tools.swap;

import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.head.SourceHead;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.tools.bench.QuietBench;
import dev.headstream.tools.bench.SynthInputs;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code headstream bench-swap}: the swap latency, from a sample being sent to a detector scoring
 * with a head version that includes it, at several numbers of active users, on the real broker
 * (KRaft, child JVM) with the real adapter (child JVM, default configuration with the negative
 * bank). The detector side is a {@link DetectorSide}: a head follower that builds each head as a
 * detector would and a scoring tick every 80 ms.
 *
 * <p>One broker and one adapter for the whole run. First the adapter warm-up, not measured:
 * {@code --adapter-warmup} users send one sample each (their state is created, the code compiled),
 * then one more each in a burst, whose rate is the adapter's capacity for samples of distinct users;
 * {@code --rate auto} sends the measured samples at half of it. Then per level its own users
 * ({@code swap/n<level>-u<index>}): each sends one unmeasured sample (a user's first sample creates
 * its state) and the run waits until all are in use; then {@code --samples} measured samples go
 * round-robin over the level's users at the rate. After the warm-up and after each level, its users
 * are erased ({@code control erase}), so that each level has only its own users resident (the
 * adapter holds at most {@code headstream.max-resident-users}, 1,000 by default). Writes
 * {@code swap.json} and {@code swap.png} into {@code --out}.
 */
@Command(
        name = "bench-swap",
        mixinStandardHelpOptions = true,
        description = "Swap latency on the real broker and adapter: from a sample sent to a detector scoring"
                + " with a head that includes it, p50/p99 at 1, 100 and 1,000 active users. It starts its own"
                + " Kafka broker (KRaft, single node) and adapter process, so it takes no --bootstrap and needs"
                + " no running stack; a full run takes about 10 minutes on 2 cores.")
public final class BenchSwapCommand implements Callable<Integer> {

    static final String TENANT = "swap";
    static final String TASK = "wake";

    @Spec
    CommandSpec spec;

    @Mixin
    SynthInputs inputs;

    @Mixin
    StackOptions stack;

    @Option(
            names = "--users",
            defaultValue = "1,100,1000",
            split = ",",
            description = "Active users of each level, at most the adapter's 1,000 resident users"
                    + " (default ${DEFAULT-VALUE}).")
    int[] levels;

    @Option(
            names = "--samples",
            defaultValue = "200",
            description = "Measured samples per level (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(
            names = "--rate",
            defaultValue = "auto",
            description =
                    "Measured samples per second over all of a level's users, or auto: half the rate at which"
                            + " the adapter applied the warm-up's burst of samples of distinct users (default ${DEFAULT-VALUE}).")
    String rateOption;

    @Option(
            names = "--tick-ms",
            defaultValue = "80",
            description = "The detector's scoring step in ms (default ${DEFAULT-VALUE}).")
    int tickMs;

    @Option(
            names = "--adapter-warmup",
            defaultValue = "64",
            description = "Users of the adapter warm-up, two samples each; the second burst measures the adapter's"
                    + " capacity (default ${DEFAULT-VALUE}).")
    int adapterWarmup;

    @Option(
            names = "--work-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/bench-swap",
            description = "Broker data and the adapter log (default ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--out", description = "Folder for swap.json and swap.png (default: the work dir).")
    Path out;

    @Option(
            names = "--timeout",
            defaultValue = "PT5M",
            description = "Longest wait for a phase's heads, ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration timeout;

    private PrintWriter pw;

    /**
     * One level's outcome.
     *
     * @param warmupSeconds time until every user's first (unmeasured) sample was in use
     * @param achievedRate  measured samples per second as sent
     * @param adapter       what the adapter did from the first measured send until the last was in use
     * @param loadBefore    the machine's 1-minute load average when the measured samples began
     * @param loadAfter     the same when the last was in use
     */
    record Level(
            int users,
            int samples,
            double warmupSeconds,
            double targetRate,
            double achievedRate,
            List<SwapLatencies.Latency> latencies,
            SwapLatencies.Summary summary,
            long sendFailures,
            long ticks,
            long lateTicks,
            long skippedHeads,
            AdapterStats adapter,
            double loadBefore,
            double loadAfter) {

        int unresolved() {
            return samples - latencies.size();
        }
    }

    @Override
    public Integer call() throws Exception {
        pw = spec.commandLine().getOut();
        Double fixedRate = "auto".equals(rateOption) ? null : Double.valueOf(rateOption);
        if (Arrays.stream(levels).anyMatch(n -> n < 1)
                || samples < 1
                || (fixedRate != null && !(fixedRate > 0))
                || tickMs < 1
                || stack.voices() < 1
                || adapterWarmup < 1) {
            throw new IllegalArgumentException(
                    "--users, --samples, --rate, --tick-ms, --voices and --adapter-warmup must be positive");
        }
        long t0 = System.nanoTime();
        String bankId = NegativeBank.open(stack.bankDir(inputs.modelsDir())).id();
        Path outDir = out != null ? out : workDir;
        Files.createDirectories(workDir);
        Files.createDirectories(outDir);
        say("synthesizing %d speakers x 16 training clips (cache %s)", stack.voices(), inputs.cacheDir());
        List<SyntheticUser> pool =
                SampleTraffic.pool(stack.voices(), stack.seed(), inputs.cacheDir(), line -> say("%s", line));
        SourceHead source = QuietBench.heyJarvis(inputs.modelsDir());
        List<Level> results = new ArrayList<>();
        double capacity;
        double rate;
        try (BenchStack stackRun = BenchStack.start(
                        stack,
                        workDir,
                        stack.adapterProperties(inputs.modelsDir(), "bench-swap", TASK),
                        line -> say("%s", line));
                SampleTraffic traffic = new SampleTraffic(stackRun.bootstrap(), TENANT, TASK, pool)) {
            Run run = new Run(stackRun.bootstrap(), source, stackRun.adapter(), traffic);
            capacity = run.adapterWarmup();
            rate = fixedRate != null ? fixedRate : capacity / 2;
            say(
                    "measured samples go at %.2f per second (%s)",
                    rate, fixedRate != null ? "--rate" : "half the warm-up burst's rate");
            for (int n : levels) {
                Level level = run.level(n, rate);
                results.add(level);
                print(level);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        SwapReport.Setup setup = new SwapReport.Setup(
                LocalDate.now().toString(),
                Runtime.getRuntime().availableProcessors(),
                stack.partitions(),
                tickMs,
                capacity,
                rate,
                fixedRate == null,
                samples,
                stack.voices(),
                stack.seed(),
                adapterWarmup,
                bankId,
                seconds);
        Files.writeString(outDir.resolve("swap.json"), SwapReport.json(setup, results), StandardCharsets.UTF_8);
        SwapReport.plot(outDir.resolve("swap.png"), setup, results);
        pw.println();
        pw.print(SwapReport.table(setup, results));
        say("done in %.0f s; wrote %s and %s", seconds, outDir.resolve("swap.json"), outDir.resolve("swap.png"));
        return 0;
    }

    /** The broker, the adapter and the producer of one run, and the phases run on them. */
    private final class Run {
        private final String bs;
        private final SourceHead source;
        private final AdapterProcess adapter;
        private final SampleTraffic traffic;

        Run(String bs, SourceHead source, AdapterProcess adapter, SampleTraffic traffic) {
            this.bs = bs;
            this.source = source;
            this.adapter = adapter;
            this.traffic = traffic;
        }

        /**
         * The adapter warm-up: each warm-up user's first sample (state created, code compiled), then
         * a second sample each in one burst. Returns the burst's rate: samples applied per second,
         * from its first send until all were in use. The warm-up users are erased after.
         */
        double adapterWarmup() throws InterruptedException {
            List<String> users = users("warm", adapterWarmup);
            try (DetectorSide side = DetectorSide.start(bs, source, users, TASK, tick(), timeout)) {
                long w0 = System.nanoTime();
                burst(side, users, 0, "adapter warm-up, first samples");
                say(
                        "adapter warm-up: %d users created in %.1f s; a second sample each, in one burst",
                        users.size(), (System.nanoTime() - w0) / 1e9);
                long b0 = System.nanoTime();
                burst(side, users, 1, "adapter warm-up, burst");
                double capacity = users.size() / ((System.nanoTime() - b0) / 1e9);
                say(
                        "adapter warm-up: the burst of %d samples of distinct users was applied at %.2f per second",
                        users.size(), capacity);
                erase(side, users, "adapter warm-up");
                return capacity;
            }
        }

        Level level(int n, double rate) throws InterruptedException {
            String name = name(n);
            List<String> users = users("n" + n, n);
            say("%s: following their heads", name);
            try (DetectorSide side = DetectorSide.start(bs, source, users, TASK, tick(), timeout)) {
                // each user's first sample creates its state in the adapter: sent here, not measured
                long w0 = System.nanoTime();
                burst(side, users, 0, name + " warm-up");
                double warmup = (System.nanoTime() - w0) / 1e9;
                say("%s: warm-up done in %.1f s (%.1f new users per second)", name, warmup, n / warmup);

                double loadBefore = load();
                AdapterStats before = AdapterStats.read(adapter.httpPort());
                say(
                        "%s: sending %d measured samples at %.2f per second (machine load average %.2f)",
                        name, samples, rate, loadBefore);
                PacedSends sent = new PacedSends(samples, rate);
                sent.send(traffic, users, 1, count -> {
                    say("%s: %d/%d measured samples sent, %d in use", name, count, samples, inUse(side, sent));
                    checkAdapter();
                });
                awaitInUse(side, sent.lastOffsets(n), name, false);
                AdapterStats during = AdapterStats.read(adapter.httpPort()).since(before);
                double loadAfter = load();
                erase(side, users, name);
                side.stop();
                List<SwapLatencies.Sent> acknowledged = sent.acknowledged();
                List<SwapLatencies.Latency> latencies = SwapLatencies.all(acknowledged, side.built(), side.inUse());
                return new Level(
                        n,
                        samples,
                        warmup,
                        rate,
                        sent.achievedRate(),
                        latencies,
                        SwapLatencies.Summary.of(latencies),
                        sent.failures(),
                        side.ticks(),
                        side.lateTicks(),
                        side.skipped(),
                        during,
                        loadBefore,
                        loadAfter);
            }
        }

        /** Sends sample {@code j} of every user at once and waits until all are in use. */
        private void burst(DetectorSide side, List<String> users, int j, String what) throws InterruptedException {
            long[] offsets = new long[users.size()];
            AtomicLong failures = new AtomicLong();
            for (int k = 0; k < users.size(); k++) {
                int user = k;
                traffic.send(users.get(k), k, j, (meta, e, nanos, wall) -> {
                    if (e != null) {
                        failures.incrementAndGet();
                    } else {
                        offsets[user] = meta.offset();
                    }
                });
            }
            traffic.flush(); // the callbacks have run when flush returns
            if (failures.get() > 0) {
                throw new IllegalStateException(what + ": " + failures.get() + " samples could not be sent");
            }
            awaitInUse(side, offsets, what, true);
        }

        /** Erases {@code users} ({@code control erase}) and waits until the follower saw their heads removed. */
        private void erase(DetectorSide side, List<String> users, String what) throws InterruptedException {
            long removedBefore = side.removed();
            traffic.erase(users, "bench-swap: " + what + " done");
            long deadline = System.nanoTime() + timeout.toNanos();
            while (side.removed() - removedBefore < users.size()) {
                checkAdapter();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + ": only " + (side.removed() - removedBefore) + " of "
                            + users.size() + " users erased after " + timeout + "; adapter log:\n" + adapter.tail());
                }
                Thread.sleep(100);
            }
            say("%s: its %d users erased", what, users.size());
        }

        /**
         * Waits until the scoring tick uses, for every head {@code i}, a version at or past
         * {@code offsets[i]} (heads at -1 are not waited for). On timeout fails when {@code fail}, else
         * says so and returns.
         */
        private void awaitInUse(DetectorSide side, long[] offsets, String what, boolean fail)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            long lastReport = System.nanoTime();
            int waitedFor = (int) Arrays.stream(offsets).filter(o -> o >= 0).count();
            while (true) {
                int followed = 0;
                int used = 0;
                for (int i = 0; i < offsets.length; i++) {
                    if (offsets[i] < 0) {
                        continue;
                    }
                    if (side.tickLastOffset(i) >= offsets[i]) {
                        used++;
                        followed++;
                    } else if (side.followerLastOffset(i) >= offsets[i]) {
                        followed++;
                    }
                }
                if (used == waitedFor) {
                    return;
                }
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    lastReport = System.nanoTime();
                    say("%s: %d/%d heads up to date at the follower, %d in use", what, followed, waitedFor, used);
                }
                checkAdapter();
                if (System.nanoTime() > deadline) {
                    String msg = String.format(
                            Locale.ROOT,
                            "%s: only %d of %d heads up to date in use after %s",
                            what,
                            used,
                            waitedFor,
                            timeout);
                    if (fail) {
                        throw new IllegalStateException(msg + "; adapter log:\n" + adapter.tail());
                    }
                    say("%s; the rest count as unresolved", msg);
                    return;
                }
                Thread.sleep(100);
            }
        }

        private void checkAdapter() {
            if (!adapter.isAlive()) {
                throw new IllegalStateException("the adapter died:\n" + adapter.tail());
            }
        }
    }

    /** "1 user", "1,000 users". */
    static String name(int users) {
        return String.format(Locale.ROOT, "%,d user%s", users, users == 1 ? "" : "s");
    }

    /** {@code n} users {@code <tenant>/<prefix>-u<index>}. */
    private static List<String> users(String prefix, int n) {
        return SampleTraffic.users(TENANT, prefix, n);
    }

    /** How many measured samples are in use so far. */
    private static int inUse(DetectorSide side, PacedSends sent) {
        int n = 0;
        for (int i = 0; i < sent.samples(); i++) {
            SwapLatencies.Sent s = sent.sent(i);
            if (s != null && side.tickLastOffset(s.head()) >= s.offset()) {
                n++;
            }
        }
        return n;
    }

    /** The machine's 1-minute load average (other work on the machine shows here). */
    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private Duration tick() {
        return Duration.ofMillis(tickMs);
    }

    private void print(Level l) {
        SwapLatencies.Summary s = l.summary();
        say(
                "%s: %d of %d samples in use: p50 %.0f ms, p90 %.0f, p99 %.0f, max %.0f (p50 = %.1f scoring steps);"
                        + " %.2f samples/s sent",
                name(l.users()),
                s.count(),
                l.samples(),
                s.total().p50(),
                s.total().p90(),
                s.total().p99(),
                s.total().max(),
                s.total().p50() / tickMs,
                l.achievedRate());
    }

    private void say(String format, Object... args) {
        pw.println("bench-swap: " + String.format(Locale.ROOT, format, args));
        pw.flush();
    }
}
