package dev.headstream.tools.e2e;

import dev.headstream.cli.JsonText;
import dev.headstream.tools.bench.LinePlot;
import dev.headstream.tools.swap.AdapterStats;
import dev.headstream.tools.swap.SwapLatencies;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code bench-e2e}'s outcome and its outputs: a table, JSON and a PNG (the drains over time, the
 * time per clip of each stage per level, the latency distribution at each load).
 *
 * @param setup    what the run was set up with
 * @param backbone the raw backbone's measurements, the first taken before the broker and adapter
 *                 started (the ratios are to it), a second after they stopped if taken
 * @param levels   each level of users, in the order run
 */
record E2eReport(Setup setup, List<BackboneRate.Result> backbone, List<Level> levels) {

    /** What a run was set up with, for the outputs. */
    record Setup(
            String commandLine,
            String started,
            double seconds,
            int cores,
            String gitCommit,
            double loadBefore,
            double loadAfter,
            Map<String, String> settings,
            String bankId,
            int batch,
            int backboneThreads,
            int maxResidentUsers,
            int partitions,
            int voices,
            long seed,
            int backlog,
            int warmupClips,
            int scrapeMs) {}

    /**
     * A level's backlog and its drain.
     *
     * @param base           the counters just before the backlog was sent
     * @param sendStartNanos just before its first send
     * @param ackedNanos     when the broker had acknowledged all of it
     * @param scrapes        the counters read while it drained, the first before the first send
     * @param window         the measured window
     */
    record Drain(Scrape base, long sendStartNanos, long ackedNanos, List<Scrape> scrapes, DrainWindow window) {

        /** Seconds from the first send until the broker had acknowledged the whole backlog. */
        double ackSeconds() {
            return (ackedNanos - sendStartNanos) / 1e9;
        }

        /** Seconds from the first send until the scrape that saw the whole backlog applied. */
        double drainSeconds() {
            Scrape last = scrapes.get(scrapes.size() - 1);
            return (last.nanos() - sendStartNanos) / 1e9;
        }

        /** Each commit seen: seconds since the first send and samples of the backlog applied by then. */
        List<double[]> commits() {
            List<double[]> out = new ArrayList<>();
            for (int i = 1; i < scrapes.size(); i++) {
                if (scrapes.get(i).applied() > scrapes.get(i - 1).applied()) {
                    out.add(new double[] {
                        (scrapes.get(i).nanos() - sendStartNanos) / 1e9,
                        scrapes.get(i).applied() - base.applied()
                    });
                }
            }
            return out;
        }
    }

    /**
     * One load of the latency measurement.
     *
     * @param share        of the level's measured end-to-end rate
     * @param targetRate   samples per second asked for
     * @param achievedRate samples per second as sent
     * @param samples      samples sent
     * @param sendFailures samples the broker did not acknowledge
     * @param ms           latency from just before the send to the follower receiving the first head
     *                     version that contains the sample, of the samples seen
     * @param adapter      what the adapter did from the first send until the last sample was seen
     * @param msPerBatch   over the same span, milliseconds per committed batch in each stage of the
     *                     engine ({@link Scrape#stages})
     */
    record Latency(
            double share,
            double targetRate,
            double achievedRate,
            int samples,
            long sendFailures,
            SwapLatencies.Stats ms,
            AdapterStats adapter,
            double loadBefore,
            double loadAfter,
            Map<String, Double> msPerBatch) {

        int seen() {
            return ms.sorted().length;
        }
    }

    /**
     * One level of users.
     *
     * @param users         its users
     * @param notRun        why it was not run; null when it ran
     * @param warmupSamples samples of its unmeasured warm-up
     * @param warmupSeconds time until they were applied
     * @param drain         its backlog's drain
     * @param latency       the latency at each load, if measured with this level
     * @param store         the state store on disk after the level ({@code --state-on-disk}), else null
     */
    record Level(
            int users,
            String notRun,
            int warmupSamples,
            double warmupSeconds,
            Drain drain,
            List<Latency> latency,
            double loadBefore,
            double loadAfter,
            Store store) {

        static Level notRun(int users, String reason) {
            return new Level(users, reason, 0, Double.NaN, null, List.of(), Double.NaN, Double.NaN, null);
        }

        boolean ran() {
            return notRun == null;
        }

        /** End-to-end samples applied per second over the measured window. */
        double rate() {
            return drain.window().rate();
        }
    }

    /**
     * The adapter's state on disk after a level ({@code --state-on-disk}).
     *
     * @param restartSeconds   from the adapter's process start to its readiness, restarted with the level's users
     *                         copied into its store (NaN for the first level, whose users samples created)
     * @param usersHeld        users the adapter held after the level
     * @param diskBytes        bytes of users' state records on disk
     * @param heapAfterGcBytes the adapter's used heap right after a full GC
     * @param directoryBytes   bytes of the store's files (RocksDB's own, not yet compacted data included)
     */
    record Store(
            double restartSeconds,
            double usersHeld,
            double diskBytes,
            double heapAfterGcBytes,
            double directoryBytes) {}

    /** The raw backbone's median clips per second before the broker and adapter started. */
    double backboneRate() {
        return backbone.get(0).median();
    }

    /** {@code ms per clip} as {@code "decode 0.3, embed 10.1, ..., other 6.0 (total 57.1)"}. */
    static String split(Map<String, Double> msPerClip) {
        double total =
                msPerClip.values().stream().mapToDouble(Double::doubleValue).sum();
        return msPerClip.entrySet().stream()
                        .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue()))
                        .collect(Collectors.joining(", "))
                + String.format(Locale.ROOT, " (total %.1f)", total);
    }

    String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "bench-e2e, %s, %d cores, commit %s, load average %.2f before and %.2f after, %.0f s%n",
                setup.started(),
                setup.cores(),
                setup.gitCommit(),
                setup.loadBefore(),
                setup.loadAfter(),
                setup.seconds()));
        for (BackboneRate.Result r : backbone) {
            b.append(String.format(
                    Locale.ROOT,
                    "raw backbone %s: %.1f clips/s median of %d rounds (%.1f to %.1f), %d thread%s x %d worker%s,"
                            + " batches of %d, clips of %.2f s%n",
                    r.when(),
                    r.median(),
                    r.rounds().length,
                    r.min(),
                    r.max(),
                    r.threads(),
                    r.threads() == 1 ? "" : "s",
                    r.workers(),
                    r.workers() == 1 ? "" : "s",
                    r.batch(),
                    r.meanClipSeconds()));
        }
        List<String> stages = stages();
        b.append(String.format(Locale.ROOT, "%-9s %9s %11s %26s |", "users", "clips/s", "x backbone", "window"));
        for (String s : stages) {
            b.append(String.format(Locale.ROOT, " %8s", abbreviate(s)));
        }
        b.append(String.format(Locale.ROOT, " %8s   (ms per clip)%n", "total"));
        for (Level l : levels) {
            String users = String.format(Locale.ROOT, "%,d", l.users());
            if (!l.ran()) {
                b.append(String.format(Locale.ROOT, "%-9s %s%n", users, l.notRun()));
                continue;
            }
            DrainWindow w = l.drain().window();
            b.append(String.format(
                    Locale.ROOT,
                    "%-9s %9.2f %11.3f %26s |",
                    users,
                    w.rate(),
                    w.rate() / backboneRate(),
                    String.format(
                            Locale.ROOT,
                            "%.0f in %.0f batches, %.1f s%s",
                            w.applied(),
                            w.batches(),
                            w.seconds(),
                            w.fallback() ? "*" : "")));
            Map<String, Double> split = w.msPerClip();
            for (String s : stages) {
                b.append(String.format(Locale.ROOT, " %8.1f", split.getOrDefault(s, 0.0)));
            }
            b.append(String.format(Locale.ROOT, " %8.1f%n", 1000 / w.rate()));
        }
        b.append("window: samples applied from the first commit at or past 10 % of the backlog (after the broker had"
                + " it all) to the last at or below 90 %; * = backlog too small, the whole drain\n");
        if (levels.stream().anyMatch(l -> l.store() != null)) {
            b.append(String.format(
                    Locale.ROOT,
                    "state on disk: %-9s %12s %12s %15s %12s %16s%n",
                    "users",
                    "restart s",
                    "users held",
                    "records GB",
                    "files GB",
                    "heap after GC MB"));
            for (Level l : levels) {
                if (l.store() != null) {
                    b.append(String.format(
                            Locale.ROOT,
                            "               %-9s %12s %12.0f %15.3f %12.3f %16.0f%n",
                            String.format(Locale.ROOT, "%,d", l.users()),
                            Double.isNaN(l.store().restartSeconds())
                                    ? "-"
                                    : String.format(
                                            Locale.ROOT, "%.1f", l.store().restartSeconds()),
                            l.store().usersHeld(),
                            l.store().diskBytes() / 1e9,
                            l.store().directoryBytes() / 1e9,
                            l.store().heapAfterGcBytes() / 1e6));
                }
            }
            b.append("restart: from the adapter's process start to its readiness, with the level's users copied"
                    + " into its stopped store\n");
        }
        for (Level l : levels) {
            if (l.latency().isEmpty()) {
                continue;
            }
            b.append(String.format(
                    Locale.ROOT,
                    "latency with %,d users, from send to the follower receiving a committed head version with the"
                            + " sample (ms):%n",
                    l.users()));
            b.append(String.format(
                    Locale.ROOT,
                    "%-9s %8s %9s %7s %7s %7s %7s %7s %9s %11s %8s%n",
                    "load",
                    "rate/s",
                    "seen",
                    "p50",
                    "p90",
                    "p99",
                    "max",
                    "mean",
                    "batches",
                    "samples/b",
                    "ms/b"));
            for (Latency x : l.latency()) {
                b.append(String.format(
                        Locale.ROOT,
                        "%-9s %8.2f %9s %7.0f %7.0f %7.0f %7.0f %7.0f %9.0f %11.1f %8.0f%n",
                        String.format(Locale.ROOT, "%.0f %%", 100 * x.share()),
                        x.achievedRate(),
                        x.seen() + "/" + x.samples(),
                        x.ms().p50(),
                        x.ms().p90(),
                        x.ms().p99(),
                        x.ms().max(),
                        x.ms().mean(),
                        x.adapter().batches(),
                        x.adapter().applied() / x.adapter().batches(),
                        x.adapter().msPerBatch()));
            }
        }
        return b.toString();
    }

    String json() {
        JsonText j = new JsonText().beginObject();
        j.field("benchmark", "bench-e2e")
                .field("commandLine", setup.commandLine())
                .field("started", setup.started())
                .field("seconds", setup.seconds())
                .field("cores", setup.cores())
                .field("gitCommit", setup.gitCommit());
        j.name("loadAverage")
                .beginObject()
                .field("before", setup.loadBefore())
                .field("after", setup.loadAfter())
                .endObject();
        j.name("adapter")
                .beginObject()
                .field("configuration", "default, with the negative bank, plus settings")
                .name("settings")
                .beginObject();
        new TreeMap<>(setup.settings()).forEach(j::field);
        j.endObject()
                .field("maxPollRecords", setup.batch())
                .field("backboneThreads", setup.backboneThreads())
                .field("maxResidentUsers", setup.maxResidentUsers())
                .field("stateOnDisk", levels.stream().anyMatch(l -> l.store() != null))
                .field("partitions", setup.partitions())
                .field("negativeBank", setup.bankId())
                .endObject();
        j.name("workload")
                .beginObject()
                .field("voices", setup.voices())
                .field("clipsPerVoice", 16)
                .field("seed", setup.seed())
                .field("backlog", setup.backlog())
                .field("warmupSamplesAtLeast", setup.warmupClips())
                .name("window")
                .numbers(new double[] {BenchE2eCommand.WINDOW_FROM, BenchE2eCommand.WINDOW_TO})
                .field("scrapeMs", setup.scrapeMs())
                .endObject();
        j.name("backbone").beginArray();
        for (BackboneRate.Result r : backbone) {
            j.beginObject()
                    .field("when", r.when())
                    .field("threads", r.threads())
                    .field("workers", r.workers())
                    .field("batch", r.batch())
                    .field("clipsPerRound", r.clipsPerRound())
                    .field("meanClipSeconds", r.meanClipSeconds())
                    .field("warmupSeconds", r.warmupSeconds())
                    .name("clipsPerSecond")
                    .beginObject()
                    .field("median", r.median())
                    .field("min", r.min())
                    .field("max", r.max())
                    .endObject()
                    .name("rounds")
                    .numbers(r.rounds())
                    .endObject();
        }
        j.endArray();
        j.name("levels").beginArray();
        for (Level l : levels) {
            j.beginObject().field("users", l.users()).field("run", l.ran());
            if (!l.ran()) {
                j.field("reason", l.notRun()).endObject();
                continue;
            }
            DrainWindow w = l.drain().window();
            j.field("clipsPerSecond", w.rate()).field("ratioToBackbone", w.rate() / backboneRate());
            if (backbone.size() > 1) {
                j.field("ratioToBackboneAfter", w.rate() / backbone.get(1).median());
            }
            j.name("msPerClip").beginObject();
            w.msPerClip().forEach(j::field);
            j.field("total", 1000 / w.rate()).endObject();
            j.name("warmup")
                    .beginObject()
                    .field("samples", l.warmupSamples())
                    .field("seconds", l.warmupSeconds())
                    .endObject();
            j.name("window")
                    .beginObject()
                    .field("wholeDrain", w.fallback())
                    .field("samples", w.applied())
                    .field("batches", w.batches())
                    .field("seconds", w.seconds())
                    .field("shareInBatches", w.busy())
                    .field("rejected", w.rejected())
                    .endObject();
            j.name("backlog")
                    .beginObject()
                    .field("samples", setup.backlog())
                    .field("acknowledgedAfterSeconds", l.drain().ackSeconds())
                    .field("drainedAfterSeconds", l.drain().drainSeconds())
                    .name("commits")
                    .beginArray();
            for (double[] c : l.drain().commits()) {
                j.numbers(c);
            }
            j.endArray().endObject();
            j.name("loadAverage")
                    .beginObject()
                    .field("before", l.loadBefore())
                    .field("after", l.loadAfter())
                    .endObject();
            if (l.store() != null) {
                j.name("stateOnDisk")
                        .beginObject()
                        .field("restartReadySeconds", l.store().restartSeconds())
                        .field("usersHeld", l.store().usersHeld())
                        .field("usersRecordsBytes", l.store().diskBytes())
                        .field("directoryBytes", l.store().directoryBytes())
                        .field("heapAfterFullGcBytes", l.store().heapAfterGcBytes())
                        .endObject();
            }
            if (!l.latency().isEmpty()) {
                j.name("latency").beginArray();
                for (Latency x : l.latency()) {
                    latency(j, x);
                }
                j.endArray();
            }
            j.endObject();
        }
        j.endArray();
        j.field(
                "latencyMeasures",
                "from just before the send to a read_committed follower of headstream.heads receiving the first"
                        + " head version whose provenance (partition, last offset) contains the sample");
        return j.endObject().toString();
    }

    private static void latency(JsonText j, Latency x) {
        j.beginObject()
                .field("share", x.share())
                .field("targetRate", x.targetRate())
                .field("achievedRate", x.achievedRate())
                .field("samples", x.samples())
                .field("seen", x.seen())
                .field("sendFailures", x.sendFailures())
                .name("ms")
                .beginObject()
                .field("p50", x.ms().p50())
                .field("p90", x.ms().p90())
                .field("p99", x.ms().p99())
                .field("max", x.ms().max())
                .field("mean", x.ms().mean())
                .endObject()
                .name("adapter")
                .beginObject()
                .field("batches", x.adapter().batches())
                .field("samplesApplied", x.adapter().applied())
                .field("msPerBatch", x.adapter().msPerBatch())
                .endObject();
        j.name("msPerBatchByStage").beginObject();
        x.msPerBatch().forEach(j::field);
        j.endObject()
                .name("loadAverage")
                .beginObject()
                .field("before", x.loadBefore())
                .field("after", x.loadAfter())
                .endObject()
                .name("samplesMsSorted")
                .numbers(x.ms().sorted())
                .endObject();
    }

    /** Three panels: each drain over time beside the backbone's pace, ms per clip by stage, latency percentiles. */
    void plot(Path png) throws IOException {
        List<LinePlot.Chart> charts = new ArrayList<>();
        List<Level> ran = levels.stream().filter(Level::ran).toList();
        if (!ran.isEmpty()) {
            charts.add(drains(ran));
            charts.add(stagesChart(ran));
        }
        for (Level l : ran) {
            if (!l.latency().isEmpty()) {
                charts.add(latencies(l));
            }
        }
        if (charts.isEmpty()) {
            return;
        }
        LinePlot.write(
                png,
                String.format(
                        Locale.ROOT,
                        "bench-e2e: the service end to end vs the raw backbone (%.1f clips/s)%s, %d cores, load %.2f ->"
                                + " %.2f (%s)",
                        backboneRate(),
                        levels.stream().anyMatch(l -> l.store() != null) ? ", users' state on disk" : "",
                        setup.cores(),
                        setup.loadBefore(),
                        setup.loadAfter(),
                        setup.started().substring(0, 10)),
                charts);
    }

    private LinePlot.Chart drains(List<Level> ran) {
        int seconds = 1;
        for (Level l : ran) {
            seconds = Math.max(seconds, (int) Math.ceil(l.drain().drainSeconds()));
        }
        int[] xs = new int[seconds + 1];
        for (int t = 0; t <= seconds; t++) {
            xs[t] = t;
        }
        Map<String, double[]> series = new LinkedHashMap<>();
        for (Level l : ran) {
            double[] ys = new double[xs.length];
            List<double[]> commits = l.drain().commits();
            int c = 0;
            double applied = 0;
            for (int t = 0; t <= seconds; t++) {
                while (c < commits.size() && commits.get(c)[0] <= t) {
                    applied = commits.get(c)[1];
                    c++;
                }
                ys[t] = applied;
            }
            series.put(BenchE2eCommand.name(l.users()), ys);
        }
        double[] pace = new double[xs.length];
        for (int t = 0; t <= seconds; t++) {
            pace[t] = Math.min(setup.backlog(), backboneRate() * t);
        }
        series.put("raw backbone's pace", pace);
        return new LinePlot.Chart(
                new LinePlot.Panel("backlog applied since its first send", "samples", 0, setup.backlog(), series),
                "seconds",
                xs,
                false);
    }

    private LinePlot.Chart stagesChart(List<Level> ran) {
        int[] xs = ran.stream().mapToInt(Level::users).toArray();
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String s : stages()) {
            double[] ys = new double[xs.length];
            for (int i = 0; i < xs.length; i++) {
                ys[i] = ran.get(i).drain().window().msPerClip().getOrDefault(s, 0.0);
            }
            series.put(s, ys);
        }
        double max = ran.stream().mapToDouble(l -> 1000 / l.rate()).max().orElse(1);
        return LinePlot.Chart.stacked(
                new LinePlot.Panel(
                        String.format(
                                Locale.ROOT, "ms per clip by stage (the raw backbone: %.1f ms)", 1000 / backboneRate()),
                        "ms",
                        0,
                        LinePlot.niceCeil(max * 1.05),
                        series),
                "users",
                xs);
    }

    private static LinePlot.Chart latencies(Level l) {
        int[] xs = new int[99];
        for (int p = 1; p <= 99; p++) {
            xs[p - 1] = p;
        }
        Map<String, double[]> series = new LinkedHashMap<>();
        double max = 1;
        for (Latency x : l.latency()) {
            double[] ps = Arrays.copyOf(SwapLatencies.percentiles(x.ms().sorted()), 99);
            series.put(
                    String.format(Locale.ROOT, "%.0f %% of the peak (%.1f/s)", 100 * x.share(), x.achievedRate()), ps);
            max = Math.max(max, ps[98]);
        }
        return new LinePlot.Chart(
                new LinePlot.Panel(
                        String.format(Locale.ROOT, "send -> committed head at the follower, %,d users", l.users()),
                        "ms",
                        0,
                        LinePlot.niceCeil(max * 1.05),
                        series),
                "percentile",
                xs,
                false);
    }

    /** The stages the levels report, in batch order, then the rest of the time. */
    private List<String> stages() {
        List<String> out = new ArrayList<>();
        for (Level l : levels) {
            if (l.ran()) {
                for (String s : l.drain().window().msPerClip().keySet()) {
                    if (!out.contains(s)) {
                        out.add(s);
                    }
                }
            }
        }
        return out;
    }

    private static String abbreviate(String stage) {
        return stage.equals("encode_state") ? "state" : stage.equals("transaction") ? "txn" : stage;
    }
}
