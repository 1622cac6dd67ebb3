package dev.headstream.tools.swap;

import dev.headstream.tools.bench.LinePlot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** {@code bench-swap}'s outputs: a table, JSON and a PNG of the latency distribution per level. */
final class SwapReport {

    private SwapReport() {}

    /** What a run was set up with, for the outputs. */
    record Setup(
            String date,
            int cores,
            int partitions,
            int tickMs,
            double capacity,
            double rate,
            boolean autoRate,
            int samples,
            int voices,
            long seed,
            int adapterWarmup,
            String bankId,
            double seconds) {}

    static String table(Setup setup, List<BenchSwapCommand.Level> levels) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "swap latency: sample sent -> a detector scores with a head that includes it (ms; tick %d ms)%n"
                        + "the adapter applied the warm-up burst at %.2f samples/s of distinct users; measured samples"
                        + " sent at %.2f/s (%s)%n",
                setup.tickMs(),
                setup.capacity(),
                setup.rate(),
                setup.autoRate() ? "half of it" : "--rate"));
        b.append(String.format(
                Locale.ROOT,
                "%-7s %9s %10s %7s %7s %7s %7s %7s %9s %14s | %15s %15s %13s %15s%n",
                "users",
                "in use",
                "rate /s",
                "p50",
                "p90",
                "p99",
                "max",
                "mean",
                "p50/tick",
                "batches, ms/b",
                "to batch p50/99",
                "adapter p50/99",
                "build p50/99",
                "to tick p50/99"));
        for (BenchSwapCommand.Level l : levels) {
            SwapLatencies.Summary s = l.summary();
            b.append(String.format(
                    Locale.ROOT,
                    "%-7s %9s %10s %7.0f %7.0f %7.0f %7.0f %7.0f %9.1f %14s | %15s %15s %13s %15s%n",
                    String.format(Locale.ROOT, "%,d", l.users()),
                    s.count() + "/" + l.samples(),
                    String.format(Locale.ROOT, "%.2f", l.achievedRate()),
                    s.total().p50(),
                    s.total().p90(),
                    s.total().p99(),
                    s.total().max(),
                    s.total().mean(),
                    s.total().p50() / setup.tickMs(),
                    String.format(
                            Locale.ROOT,
                            "%.0f, %.0f",
                            l.adapter().batches(),
                            l.adapter().msPerBatch()),
                    pair(s.toBatchStart()),
                    pair(s.batchToFollower()),
                    pair(s.build()),
                    pair(s.untilInUse())));
        }
        b.append("parts: to batch = sent -> the adapter begins the batch (the head's created_time_ms); adapter = from"
                + " there until the follower receives the first version with the sample (training, calibration,"
                + " publication, commit, fetch); build = decoding it against the source head; to tick = built ->"
                + " first scoring tick that uses it; batches, ms/b = the adapter's committed batches while the level's"
                + " measured samples were in flight, and their mean time (processing and commit)\n");
        return b.toString();
    }

    private static String pair(SwapLatencies.Stats s) {
        return String.format(Locale.ROOT, "%.0f / %.0f", s.p50(), s.p99());
    }

    static String json(Setup setup, List<BenchSwapCommand.Level> levels) {
        StringBuilder b = new StringBuilder("{\n");
        b.append(String.format(
                Locale.ROOT,
                "  \"date\": \"%s\",%n  \"cores\": %d,%n  \"partitions\": %d,%n  \"tickMs\": %d,%n"
                        + "  \"warmupBurstRate\": %.3f,%n  \"targetRate\": %.3f,%n  \"rateChosen\": \"%s\",%n"
                        + "  \"samplesPerLevel\": %d,%n  \"voices\": %d,%n  \"seed\": %d,%n"
                        + "  \"adapterWarmupSamples\": %d,%n  \"negativeBank\": \"%s\",%n  \"seconds\": %.1f,%n"
                        + "  \"adapter\": \"one instance for the whole run, default configuration with the negative bank;"
                        + " each level's users erased after it\",%n"
                        + "  \"levels\": [%n",
                setup.date(),
                setup.cores(),
                setup.partitions(),
                setup.tickMs(),
                setup.capacity(),
                setup.rate(),
                setup.autoRate() ? "half the warm-up burst's rate" : "--rate",
                setup.samples(),
                setup.voices(),
                setup.seed(),
                setup.adapterWarmup(),
                setup.bankId(),
                setup.seconds()));
        for (int i = 0; i < levels.size(); i++) {
            BenchSwapCommand.Level l = levels.get(i);
            SwapLatencies.Summary s = l.summary();
            b.append(String.format(
                    Locale.ROOT,
                    "    {%n      \"users\": %d,%n      \"samples\": %d,%n      \"inUse\": %d,%n      \"unresolved\": %d,%n"
                            + "      \"sendFailures\": %d,%n      \"warmupSeconds\": %.2f,%n      \"targetRate\": %.3f,%n"
                            + "      \"achievedRate\": %.3f,%n      \"ticks\": %d,%n      \"lateTicks\": %d,%n"
                            + "      \"headsNotBuilt\": %d,%n      \"loadAverageBefore\": %.2f,%n"
                            + "      \"loadAverageAfter\": %.2f,%n      \"p50OverTick\": %.2f,%n",
                    l.users(),
                    l.samples(),
                    s.count(),
                    l.unresolved(),
                    l.sendFailures(),
                    l.warmupSeconds(),
                    l.targetRate(),
                    l.achievedRate(),
                    l.ticks(),
                    l.lateTicks(),
                    l.skippedHeads(),
                    l.loadBefore(),
                    l.loadAfter(),
                    s.total().p50() / setup.tickMs()));
            AdapterStats a = l.adapter();
            b.append(String.format(
                    Locale.ROOT,
                    "      \"adapter\": {\"batches\": %.0f, \"msPerBatch\": %.1f, \"samplesApplied\": %.0f,"
                            + " \"headsPublished\": %.0f, \"rejected\": %.0f},%n",
                    a.batches(),
                    a.msPerBatch(),
                    a.applied(),
                    a.published(),
                    a.rejected()));
            b.append("      \"latencyMs\": ").append(stats(s.total())).append(",\n");
            b.append("      \"partsMs\": {\n");
            b.append("        \"toBatchStart\": ")
                    .append(stats(s.toBatchStart()))
                    .append(",\n");
            b.append("        \"batchToFollower\": ")
                    .append(stats(s.batchToFollower()))
                    .append(",\n");
            b.append("        \"build\": ").append(stats(s.build())).append(",\n");
            b.append("        \"untilInUse\": ").append(stats(s.untilInUse())).append(",\n");
            b.append("        \"adapterSide\": ").append(stats(s.adapterSide())).append(",\n");
            b.append("        \"detectorSide\": ")
                    .append(stats(s.detectorSide()))
                    .append("\n      },\n");
            b.append("      \"samplesMs\": [")
                    .append(l.latencies().stream()
                            .map(x -> String.format(
                                    Locale.ROOT,
                                    "[%.1f, %.0f, %.1f, %.2f, %.1f]",
                                    x.total(),
                                    x.toBatchStart(),
                                    x.batchToFollower(),
                                    x.build(),
                                    x.untilInUse()))
                            .collect(Collectors.joining(", ")))
                    .append("]\n");
            b.append(i + 1 < levels.size() ? "    },\n" : "    }\n");
        }
        b.append("  ],\n  \"samplesMsColumns\": [\"total\", \"toBatchStart\", \"batchToFollower\", \"build\","
                + " \"untilInUse\"]\n}\n");
        return b.toString();
    }

    private static String stats(SwapLatencies.Stats s) {
        return String.format(
                Locale.ROOT,
                "{\"mean\": %.1f, \"p50\": %.1f, \"p90\": %.1f, \"p99\": %.1f, \"max\": %.1f}",
                s.mean(),
                s.p50(),
                s.p90(),
                s.p99(),
                s.max());
    }

    /** Percentiles 1-99 of the latency and two of its parts, one series per level. */
    static void plot(Path png, Setup setup, List<BenchSwapCommand.Level> levels) throws IOException {
        int[] xs = new int[99];
        for (int p = 1; p <= 99; p++) {
            xs[p - 1] = p;
        }
        LinePlot.write(
                png,
                String.format(
                        Locale.ROOT,
                        "swap latency on the real broker and adapter, %d samples per level at %.2f/s, %d cores (%s)",
                        setup.samples(),
                        setup.rate(),
                        setup.cores(),
                        setup.date()),
                "percentile",
                xs,
                List.of(
                        panel("sent -> a detector scores with a head that includes it", levels, s -> s.total()),
                        panel("adapter side: sent -> the follower receives the head", levels, s -> s.adapterSide()),
                        panel(
                                "detector side: received -> in use (build, next " + setup.tickMs() + " ms tick)",
                                levels,
                                s -> s.detectorSide())),
                false);
    }

    private static LinePlot.Panel panel(
            String title,
            List<BenchSwapCommand.Level> levels,
            Function<SwapLatencies.Summary, SwapLatencies.Stats> part) {
        Map<String, double[]> series = new LinkedHashMap<>();
        double max = 1;
        for (BenchSwapCommand.Level l : levels) {
            double[] sorted = part.apply(l.summary()).sorted();
            double[] ps = Arrays.copyOf(SwapLatencies.percentiles(sorted), 99);
            series.put(BenchSwapCommand.name(l.users()), ps);
            max = Math.max(max, ps[98]);
        }
        return new LinePlot.Panel(title, "ms", 0, LinePlot.niceCeil(max * 1.05), series);
    }
}
