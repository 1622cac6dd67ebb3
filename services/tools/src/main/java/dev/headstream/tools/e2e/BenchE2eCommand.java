package dev.headstream.tools.e2e;

import dev.headstream.cli.Dirs;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.tools.RunInfo;
import dev.headstream.tools.bench.QuietBench;
import dev.headstream.tools.bench.SynthInputs;
import dev.headstream.tools.swap.AdapterEndpoint;
import dev.headstream.tools.swap.AdapterStats;
import dev.headstream.tools.swap.BenchStack;
import dev.headstream.tools.swap.DetectorSide;
import dev.headstream.tools.swap.PacedSends;
import dev.headstream.tools.swap.SampleTraffic;
import dev.headstream.tools.swap.StackOptions;
import dev.headstream.tools.swap.SwapLatencies;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code headstream bench-e2e}: the end-to-end throughput and latency of the service against the raw
 * backbone, in one run (issue 16).
 *
 * <ol>
 *   <li>The raw backbone, in-process, before the broker and the adapter start: built as the adapter
 *       builds it ({@link EngineAssembly#backbone}, same {@code headstream.backbone.*} settings),
 *       fed the pool's clips as the adapter's decoder makes them, in batches of the adapter's
 *       {@code max.poll.records}; clips per second over rounds ({@link BackboneRate}). Again after
 *       the adapter and broker have stopped, unless {@code --no-backbone-after}.
 *   <li>The real broker (KRaft, child JVM) and adapter (child JVM, default configuration with the
 *       negative bank, plus {@code -s} settings). Per level of users ({@code e2e/n<level>-u<index>}):
 *       an unmeasured warm-up (every user's first sample, more rounds until {@code --warmup-clips}),
 *       then a backlog of {@code --backlog} samples round-robin over the level's users, sent at once;
 *       its drain is watched on the adapter's counters every {@code --scrape-ms}, and the rate and
 *       the per-stage split are taken over the {@link DrainWindow} from 10 % to 90 % of it.
 *   <li>At the {@code --latency-users} level, after its drain: samples paced at each
 *       {@code --latency-load} share of that level's measured rate, round-robin over its users; each
 *       sample's latency runs from just before its send to a {@code read_committed}
 *       {@link DetectorSide follower} receiving the first head version that contains it.
 *   <li>Each level's users are erased after it ({@code control erase}). A level above the adapter's
 *       {@code headstream.max-resident-users} is not run and is reported so.
 * </ol>
 *
 * Writes {@code e2e.json} and {@code e2e.png} into {@code --out} ({@link E2eReport}).
 */
@Command(
        name = "bench-e2e",
        mixinStandardHelpOptions = true,
        description = "End-to-end throughput and latency through the real broker and adapter against the raw"
                + " backbone: backbone clips/s, service clips/s per number of users and their ratio, the time per"
                + " clip of each stage, and the latency from send to a committed head version at shares of the"
                + " peak. Starts its own Kafka broker (KRaft) and adapter; about 10 minutes on 2 cores.")
public final class BenchE2eCommand implements Callable<Integer> {

    static final String TENANT = "e2e";
    static final String TASK = "wake";

    /** The adapter's batch size setting (its {@code application.properties}: 64). */
    static final String MAX_POLL_RECORDS = "mp.messaging.incoming.samples.max.poll.records";

    static final int ADAPTER_MAX_POLL_RECORDS = 64;

    /** The measured window of a drain: from 10 % to 90 % of the backlog applied. */
    static final double WINDOW_FROM = 0.1;

    static final double WINDOW_TO = 0.9;

    @Spec
    CommandSpec spec;

    @Mixin
    SynthInputs inputs;

    @Mixin
    StackOptions stack;

    @Option(
            names = "--users",
            defaultValue = "10,1000,100000",
            split = ",",
            description = "Users of each level (default ${DEFAULT-VALUE}); a level above the adapter's"
                    + " headstream.max-resident-users is reported as not run.")
    int[] levels;

    @Option(
            names = "--backlog",
            defaultValue = "640",
            description = "Samples of each level's backlog, round-robin over its users (default ${DEFAULT-VALUE}).")
    int backlog;

    @Option(
            names = "--warmup-clips",
            defaultValue = "128",
            description = "Least samples of a level's unmeasured warm-up: every user's first sample, then more rounds"
                    + " over the users until this many (default ${DEFAULT-VALUE}).")
    int warmupClips;

    @Option(
            names = "--latency-users",
            defaultValue = "10",
            description = "The level whose users the latency is measured with, at shares of its measured rate"
                    + " (default ${DEFAULT-VALUE}).")
    int latencyUsers;

    @Option(
            names = "--latency-load",
            defaultValue = "0.5,0.9",
            split = ",",
            description =
                    "Shares of that level's measured rate to send the latency samples at (default ${DEFAULT-VALUE}).")
    double[] latencyLoads;

    @Option(
            names = "--latency-samples",
            defaultValue = "150",
            description = "Measured latency samples per share (default ${DEFAULT-VALUE}).")
    int latencySamples;

    @Option(
            names = "--backbone-rounds",
            defaultValue = "5",
            description = "Measured rounds of the raw backbone (default ${DEFAULT-VALUE}).")
    int backboneRounds;

    @Option(
            names = "--backbone-clips",
            defaultValue = "256",
            description = "Clips per round of the raw backbone (default ${DEFAULT-VALUE}).")
    int backboneClips;

    @Option(
            names = "--backbone-warmup",
            defaultValue = "3",
            description = "Seconds of unmeasured backbone rounds first (default ${DEFAULT-VALUE}).")
    double backboneWarmup;

    @Option(
            names = "--no-backbone-after",
            description = "Measure the raw backbone only before the broker and adapter start, not again after.")
    boolean noBackboneAfter;

    @Option(
            names = {"--set", "-s"},
            paramLabel = "KEY=VALUE",
            description = "An adapter setting, passed to it as a system property (repeatable), e.g."
                    + " -s headstream.backbone.threads=2 or -s " + MAX_POLL_RECORDS + "=128; the raw"
                    + " backbone takes the same backbone threads and batch size.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(
            names = "--state-on-disk",
            description = "The adapter keeps users' state on disk (headstream.state.dir=<work-dir>/state; no bound on"
                    + " users but the disk budget, unless -s headstream.max-resident-users=N). The first level's users"
                    + " are created by their first samples; each later level's are copied offline into the stopped"
                    + " adapter's store from a first-level user's state, and the adapter's restart with them on disk"
                    + " is timed. Users are not erased between levels.")
    boolean stateOnDisk;

    @Option(
            names = "--scrape-ms",
            defaultValue = "250",
            description = "How often the adapter's counters are read during a drain (default ${DEFAULT-VALUE}).")
    int scrapeMs;

    @Option(
            names = "--work-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/bench-e2e",
            description = "Broker data and the adapter log (default ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--out", description = "Folder for e2e.json and e2e.png (default: the work dir).")
    Path out;

    @Option(
            names = "--timeout",
            defaultValue = "PT10M",
            description = "Longest wait for one phase, ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration timeout;

    private PrintWriter pw;

    /** The adapter's state store with {@code --state-on-disk}, else null. */
    private Path stateDir;

    @Override
    public Integer call() throws Exception {
        pw = spec.commandLine().getOut();
        if (Arrays.stream(levels).anyMatch(n -> n < 1)
                || backlog < 1
                || warmupClips < 0
                || latencySamples < 1
                || Arrays.stream(latencyLoads).anyMatch(f -> !(f > 0))
                || backboneRounds < 1
                || backboneClips < 1
                || stack.voices() < 1
                || stack.partitions() < 1
                || scrapeMs < 1) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--users, --backlog, --latency-load, --latency-samples, --backbone-rounds, --backbone-clips,"
                            + " --voices, --partitions and --scrape-ms must be positive, --warmup-clips at least 0");
        }
        long t0 = System.nanoTime();
        String commandLine = "headstream "
                + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        String started = ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        int cores = Runtime.getRuntime().availableProcessors();
        double loadBefore = load();
        String commit = RunInfo.gitCommit();
        say("%s", commandLine);
        say("%s, %d cores, load average %.2f, commit %s", started, cores, loadBefore, commit);

        Map<String, String> adapterProps = stack.adapterProperties(inputs.modelsDir(), "bench-e2e", TASK);
        if (stateOnDisk) {
            adapterProps.put(
                    "headstream.state.dir",
                    workDir.resolve("state").toAbsolutePath().toString());
            // as the adapter does with its state on disk: no bound on users but the disk budget
            adapterProps.put("headstream.max-resident-users", String.valueOf(AdaptationEngine.UNBOUNDED));
        }
        adapterProps.putAll(settings);
        // the store the adapter uses (-s headstream.state.dir may name another) is the one seeded
        stateDir = stateOnDisk ? Path.of(adapterProps.get("headstream.state.dir")) : null;
        if (stateOnDisk) {
            Dirs.deleteRecursively(stateDir);
        }
        EngineSpec engine;
        int batch;
        try {
            engine = EngineSpec.fromProperties(adapterProps);
            batch = Integer.parseInt(
                    adapterProps.getOrDefault(MAX_POLL_RECORDS, String.valueOf(ADAPTER_MAX_POLL_RECORDS)));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--set: " + e.getMessage());
        }
        String bankId = NegativeBank.open(stack.bankDir(inputs.modelsDir())).id();
        Path outDir = out != null ? out : workDir;
        Files.createDirectories(workDir);
        Files.createDirectories(outDir);

        say("synthesizing %d speakers x 16 training clips (cache %s)", stack.voices(), inputs.cacheDir());
        List<SyntheticUser> pool =
                SampleTraffic.pool(stack.voices(), stack.seed(), inputs.cacheDir(), line -> say("%s", line));
        List<BackboneRate.Result> backbone = new ArrayList<>();
        backbone.add(backbone(engine, pool, batch, "before the broker and adapter started"));

        SourceHead source = QuietBench.heyJarvis(inputs.modelsDir());
        List<E2eReport.Level> results = new ArrayList<>();
        say(
                "the adapter runs its default configuration with the negative bank%s",
                settings.isEmpty() ? "" : ", and " + settings);
        try (BenchStack stackRun = BenchStack.start(stack, workDir, adapterProps, line -> say("%s", line));
                SampleTraffic traffic = new SampleTraffic(stackRun.bootstrap(), TENANT, TASK, pool)) {
            Run run = new Run(stackRun.bootstrap(), source, stackRun.adapter(), traffic);
            List<String> firstUsers = null;
            for (int n : levels) {
                if (n > engine.maxResidentUsers()) {
                    String reason = String.format(
                            Locale.ROOT,
                            "not run: %,d users do not fit the adapter's headstream.max-resident-users (%,d),"
                                    + " which holds every user's state in heap; more needs state on disk"
                                    + " (issue 16)",
                            n,
                            engine.maxResidentUsers());
                    say("%s: %s", name(n), reason);
                    results.add(E2eReport.Level.notRun(n, reason));
                    continue;
                }
                if (stateOnDisk && firstUsers != null) {
                    List<String> levelUsers = SampleTraffic.users(TENANT, "n" + n, n);
                    AdapterState template = StoreSeeder.template(stackRun.bootstrap(), firstUsers.get(0));
                    say(
                            "%s: stopping the adapter, copying %s's state (%,d bytes) to %,d users in its store",
                            name(n), firstUsers.get(0), template.getSerializedSize(), n);
                    double restart = stackRun.restartAdapter(() -> StoreSeeder.seed(
                            engine,
                            stateDir,
                            template,
                            levelUsers,
                            stack.partitions(),
                            line -> say("%s: %s", name(n), line)));
                    run = new Run(stackRun.bootstrap(), source, stackRun.adapter(), traffic);
                    say("%s: the adapter restarted with them on disk, ready after %.1f s", name(n), restart);
                    results.add(run.level(n, n == latencyUsers, restart));
                } else {
                    results.add(run.level(n, n == latencyUsers, Double.NaN));
                    if (firstUsers == null) {
                        firstUsers = SampleTraffic.users(TENANT, "n" + n, n);
                    }
                }
            }
        }
        if (stateOnDisk && !stack.keepData()) {
            // up to tens of GB with 100,000 users
            Dirs.deleteRecursively(stateDir);
        }
        if (!noBackboneAfter) {
            backbone.add(backbone(engine, pool, batch, "after the adapter and broker stopped"));
        }
        E2eReport.Setup setup = new E2eReport.Setup(
                commandLine,
                started,
                (System.nanoTime() - t0) / 1e9,
                cores,
                commit,
                loadBefore,
                load(),
                Map.copyOf(settings),
                bankId,
                batch,
                engine.backbone().threads(),
                engine.maxResidentUsers(),
                stack.partitions(),
                stack.voices(),
                stack.seed(),
                backlog,
                warmupClips,
                scrapeMs);
        E2eReport report = new E2eReport(setup, backbone, results);
        if (results.stream().noneMatch(l -> !l.latency().isEmpty())) {
            say("latency not measured: --latency-users %d is not a level that ran", latencyUsers);
        }
        Files.writeString(outDir.resolve("e2e.json"), report.json(), StandardCharsets.UTF_8);
        report.plot(outDir.resolve("e2e.png"));
        pw.println();
        pw.print(report.table());
        say(
                "done in %.0f s (load average %.2f before, %.2f after); wrote %s and %s",
                setup.seconds(),
                setup.loadBefore(),
                setup.loadAfter(),
                outDir.resolve("e2e.json"),
                outDir.resolve("e2e.png"));
        return 0;
    }

    /** The raw backbone's clips per second on the pool's clips, decoded as the adapter decodes them. */
    private BackboneRate.Result backbone(EngineSpec engine, List<SyntheticUser> pool, int batch, String when) {
        int workers = engine.workers() == 0 ? Runtime.getRuntime().availableProcessors() : engine.workers();
        say(
                "raw backbone (%s): %d threads x %d workers (the engine's), batches of %d",
                when, engine.backbone().threads(), workers, batch);
        try (Backbone backbone = EngineAssembly.backbone(engine)) {
            SampleDecoder decoder =
                    new SampleDecoder(engine.maxSampleBytes(), backbone, Map.of(TASK, TaskKind.binary()));
            List<BackboneInput> clips = new ArrayList<>();
            for (SyntheticUser u : pool) {
                for (SyntheticClip c : u.train()) {
                    byte[] key = SampleRecords.key(TENANT, c.userId()).getBytes(StandardCharsets.UTF_8);
                    clips.add(decoder.decode(
                                    key, SampleRecords.sample(TENANT, TASK, c).toByteArray())
                            .input());
                }
            }
            BackboneRate.Result r = BackboneRate.measure(
                    when,
                    backbone,
                    engine.backbone().threads(),
                    workers,
                    clips,
                    batch,
                    backboneClips,
                    backboneWarmup,
                    backboneRounds);
            say(
                    "raw backbone (%s): %.1f clips/s median over %d rounds of %d clips (%.1f to %.1f; %d distinct"
                            + " clips of %.2f s)",
                    when,
                    r.median(),
                    backboneRounds,
                    backboneClips,
                    r.min(),
                    r.max(),
                    clips.size(),
                    r.meanClipSeconds());
            return r;
        }
    }

    /** The broker, the adapter and the traffic of one run, and the phases run on them. */
    private final class Run {
        private final String bs;
        private final SourceHead source;
        private final AdapterProcess adapter;
        private final SampleTraffic traffic;
        private final AdapterEndpoint endpoint;

        Run(String bs, SourceHead source, AdapterProcess adapter, SampleTraffic traffic) {
            this.bs = bs;
            this.source = source;
            this.adapter = adapter;
            this.traffic = traffic;
            this.endpoint = new AdapterEndpoint(adapter.httpPort());
        }

        /**
         * @param restartSeconds how long the adapter took to restart with the level's users copied into its
         *                       store (their state exists: the warm-up is {@code --warmup-clips} samples
         *                       round-robin, not a sample per user), or NaN when the users are new
         */
        E2eReport.Level level(int n, boolean latency, double restartSeconds) throws Exception {
            String name = name(n);
            List<String> users = SampleTraffic.users(TENANT, "n" + n, n);
            double loadBefore = load();
            boolean seeded = !Double.isNaN(restartSeconds);

            // unmeasured: every user's first sample creates its state; more rounds warm the code
            int rounds = seeded ? 1 : Math.max(1, (warmupClips + n - 1) / n);
            long warmSamples = seeded ? Math.max(1, warmupClips) : (long) n * rounds;
            say(
                    "%s: warm-up, %s (load average %.2f)",
                    name,
                    seeded
                            ? warmSamples + " samples round-robin (their state is on disk already)"
                            : rounds + " sample" + (rounds == 1 ? "" : "s") + " per user",
                    loadBefore);
            Scrape w0 = Scrape.read(endpoint);
            long warmStart = System.nanoTime();
            AtomicLong failures = new AtomicLong();
            if (seeded) {
                for (int i = 0; i < warmSamples; i++) {
                    traffic.send(users.get(i % n), i % n, i / n, (meta, e, nanos, wall) -> count(failures, e));
                }
            } else {
                for (int j = 0; j < rounds; j++) {
                    for (int k = 0; k < n; k++) {
                        traffic.send(users.get(k), k, j, (meta, e, nanos, wall) -> count(failures, e));
                    }
                }
            }
            traffic.flush();
            checkSent(failures, name + " warm-up");
            awaitApplied(w0, warmSamples, name + " warm-up", () -> Scrape.read(endpoint));
            double warmupSeconds = (System.nanoTime() - warmStart) / 1e9;
            say("%s: warm-up done in %.1f s", name, warmupSeconds);

            // the backlog: sent at once, its drain watched on the adapter's counters
            Scrape base = Scrape.read(endpoint);
            say("%s: sending a backlog of %d samples, round-robin", name, backlog);
            E2eReport.Drain drain;
            try (Scraper scraper = Scraper.start(endpoint, scrapeMs)) {
                long sendStart = System.nanoTime();
                int j0 = seeded ? (int) ((warmSamples + n - 1) / n) : rounds;
                for (int i = 0; i < backlog; i++) {
                    int k = i % n;
                    traffic.send(users.get(k), k, j0 + i / n, (meta, e, nanos, wall) -> count(failures, e));
                }
                traffic.flush();
                long acked = System.nanoTime();
                checkSent(failures, name + " backlog");
                say("%s: backlog acknowledged by the broker after %.1f s", name, (acked - sendStart) / 1e9);
                awaitApplied(base, backlog, name + " backlog", scraper::latest);
                List<Scrape> scrapes = scraper.stop();
                DrainWindow window = DrainWindow.of(scrapes, base.applied(), backlog, acked, WINDOW_FROM, WINDOW_TO);
                drain = new E2eReport.Drain(base, sendStart, acked, scrapes, window);
            }
            DrainWindow window = drain.window();
            say(
                    "%s: %.2f clips/s end to end (%s: %.0f samples in %.0f batches over %.1f s, adapter in batches"
                            + " %.0f %% of it)",
                    name,
                    window.rate(),
                    window.fallback()
                            ? "the whole drain, the backlog is too small for 10-90 %"
                            : "10-90 % of the backlog",
                    window.applied(),
                    window.batches(),
                    window.seconds(),
                    100 * window.busy());
            say("%s: ms per clip: %s", name, E2eReport.split(window.msPerClip()));

            List<E2eReport.Latency> latencies = new ArrayList<>();
            if (latency) {
                int next = rounds + (backlog + n - 1) / n;
                try (DetectorSide side =
                        DetectorSide.start(bs, source, users, TASK, Duration.ofMillis(80), Duration.ofMinutes(2))) {
                    for (double share : latencyLoads) {
                        E2eReport.Latency l = latency(users, side, share, share * window.rate(), next);
                        latencies.add(l);
                        next += (latencySamples + n - 1) / n;
                    }
                }
            }
            E2eReport.Store store = null;
            if (stateOnDisk) {
                store = storeNow(restartSeconds);
                say(
                        "%s: %,.0f users held, %,.0f MB of users' records on disk (%,.0f MB of files), adapter heap"
                                + " after a full GC %.0f MB",
                        name,
                        store.usersHeld(),
                        store.diskBytes() / 1e6,
                        store.directoryBytes() / 1e6,
                        store.heapAfterGcBytes() / 1e6);
            } else {
                erase(users, name);
            }
            return new E2eReport.Level(
                    n, null, (int) warmSamples, warmupSeconds, drain, latencies, loadBefore, load(), store);
        }

        /**
         * Sends {@link #latencySamples} samples round-robin over {@code users} at {@code rate}
         * (samples {@code j0}, {@code j0 + 1}, ... of each user) and waits until the follower has a
         * version containing each.
         */
        private E2eReport.Latency latency(List<String> users, DetectorSide side, double share, double rate, int j0)
                throws InterruptedException {
            int n = users.size();
            String what = String.format(Locale.ROOT, "%s at %.0f %% of the peak", name(n), 100 * share);
            double loadBefore = load();
            Scrape before = Scrape.read(endpoint);
            say("%s: sending %d samples at %.2f per second", what, latencySamples, rate);
            PacedSends sent = new PacedSends(latencySamples, rate);
            sent.send(traffic, users, j0, count -> {
                say("%s: %d/%d sent", what, count, latencySamples);
                checkAdapter();
            });
            awaitFollowed(side, sent.lastOffsets(n), what);
            Scrape after = Scrape.read(endpoint);
            AdapterStats during = after.stats().since(before.stats());
            Map<String, Double> stageMs = new LinkedHashMap<>();
            for (String stage : Scrape.stages(before, after)) {
                // per committed batch (an aborted batch's stage time, if any, counts too)
                stageMs.put(
                        stage,
                        during.batches() > 0
                                ? 1000 * (after.stage(stage) - before.stage(stage)) / during.batches()
                                : Double.NaN);
            }
            List<Double> ms = new ArrayList<>();
            for (SwapLatencies.Sent s : sent.acknowledged()) {
                List<SwapLatencies.Built> built = side.built().get(s.head());
                List<SwapLatencies.Built> versions;
                synchronized (built) {
                    versions = List.copyOf(built);
                }
                SwapLatencies.firstContaining(s, versions)
                        .ifPresent(b -> ms.add((b.receivedNanos() - s.sendNanos()) / 1e6));
            }
            E2eReport.Latency l = new E2eReport.Latency(
                    share,
                    rate,
                    sent.achievedRate(),
                    latencySamples,
                    sent.failures(),
                    SwapLatencies.Stats.of(
                            ms.stream().mapToDouble(Double::doubleValue).toArray()),
                    during,
                    loadBefore,
                    load(),
                    stageMs);
            say(
                    "%s: %d of %d seen: p50 %.0f ms, p99 %.0f, max %.0f; sent at %.2f/s; %.0f batches of %.1f samples,"
                            + " %.0f ms each",
                    what,
                    l.ms().sorted().length,
                    latencySamples,
                    l.ms().p50(),
                    l.ms().p99(),
                    l.ms().max(),
                    sent.achievedRate(),
                    during.batches(),
                    during.applied() / during.batches(),
                    during.msPerBatch());
            say("%s: ms per batch: %s", what, E2eReport.split(stageMs));
            return l;
        }

        /** Waits until the follower holds, for every head {@code i}, a version at or past {@code offsets[i]}. */
        private void awaitFollowed(DetectorSide side, long[] offsets, String what) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                int behind = 0;
                for (int i = 0; i < offsets.length; i++) {
                    if (offsets[i] >= 0 && side.followerLastOffset(i) < offsets[i]) {
                        behind++;
                    }
                }
                if (behind == 0) {
                    return;
                }
                checkAdapter();
                if (System.nanoTime() > deadline) {
                    say(
                            "%s: %d heads still behind after %s; their last samples count as not seen",
                            what, behind, timeout);
                    return;
                }
                Thread.sleep(50);
            }
        }

        /**
         * Waits until {@code count} more samples than at {@code from} are applied, with a progress
         * line every 5 s; fails when one is rejected, the adapter dies or {@link #timeout} passes.
         */
        private void awaitApplied(Scrape from, long count, String what, Supplier<Scrape> latest)
                throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            long lastReport = System.nanoTime();
            while (true) {
                Scrape now = latest.get();
                double applied = now.applied() - from.applied();
                double rejected = now.stats().rejected() - from.stats().rejected();
                if (rejected > 0) {
                    throw new IllegalStateException(String.format(
                            Locale.ROOT,
                            "%s: the adapter rejected %.0f samples (reasons in headstream_rejects_total and its log %s)",
                            what,
                            rejected,
                            adapter.log()));
                }
                if (applied >= count) {
                    return;
                }
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    double seconds = (now.nanos() - from.nanos()) / 1e9;
                    lastReport = System.nanoTime();
                    say(
                            "%s: %.0f/%d applied (%.1f/s so far), load average %.2f",
                            what, applied, count, applied / Math.max(seconds, 1e-9), load());
                }
                checkAdapter();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + ": only " + (long) applied + " of " + count
                            + " samples applied after " + timeout + "; adapter log:\n" + adapter.tail());
                }
                Thread.sleep(scrapeMs);
            }
        }

        /** The adapter's users and state on disk now, and its heap after a full GC ({@code jcmd GC.run}). */
        private E2eReport.Store storeNow(double restartSeconds) throws IOException, InterruptedException {
            Process gc = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            Long.toString(adapter.pid()),
                            "GC.run")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            gc.waitFor(60, TimeUnit.SECONDS);
            String text = endpoint.metricsText();
            return new E2eReport.Store(
                    restartSeconds,
                    AdapterEndpoint.sum(text, "headstream_users_resident", ""),
                    AdapterEndpoint.sum(text, "headstream_state_disk_bytes", ""),
                    AdapterEndpoint.sum(text, "jvm_memory_used_bytes", "area=\"heap\""),
                    directoryBytes(stateDir));
        }

        private static double directoryBytes(Path dir) throws IOException {
            try (var files = Files.walk(dir)) {
                return files.filter(Files::isRegularFile)
                        .mapToLong(p -> p.toFile().length())
                        .sum();
            }
        }

        /** Erases {@code users} ({@code control erase}) and waits until the adapter counted them erased. */
        private void erase(List<String> users, String what) throws InterruptedException {
            Scrape before = Scrape.read(endpoint);
            traffic.erase(users, "bench-e2e: " + what + " done");
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Scrape now = Scrape.read(endpoint);
                if (now.erased() - before.erased() >= users.size()) {
                    say("%s: its %d users erased (%.0f resident)", what, users.size(), now.resident());
                    return;
                }
                checkAdapter();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + ": only " + (long) (now.erased() - before.erased()) + " of "
                            + users.size() + " users erased after " + timeout);
                }
                Thread.sleep(200);
            }
        }

        private void checkAdapter() {
            if (!adapter.isAlive()) {
                throw new IllegalStateException("the adapter died:\n" + adapter.tail());
            }
        }
    }

    /** Counts a failed send; true when it succeeded. */
    private static boolean count(AtomicLong failures, Exception e) {
        if (e != null) {
            failures.incrementAndGet();
            return false;
        }
        return true;
    }

    private static void checkSent(AtomicLong failures, String what) {
        if (failures.get() > 0) {
            throw new IllegalStateException(what + ": " + failures.get() + " samples could not be sent");
        }
    }

    /** "10 users", "1,000 users". */
    static String name(int users) {
        return String.format(Locale.ROOT, "%,d user%s", users, users == 1 ? "" : "s");
    }

    /** The machine's 1-minute load average (other work on the machine shows here). */
    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private void say(String format, Object... args) {
        pw.println("bench-e2e: " + String.format(Locale.ROOT, format, args));
        pw.flush();
    }
}
