package dev.headstream.tools.bench;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.Adam;
import dev.headstream.core.head.HeadEngine;
import dev.headstream.core.head.NativeHeadEngine;
import dev.headstream.core.head.OptimizerState;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.head.TrainingConfig;
import dev.headstream.core.ingest.Split;
import dev.headstream.dl4j.Dl4jHeadEngine;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code headstream bench-heads}: single-sample (batch 1) training updates per second of the
 * {@code hey_jarvis}-shaped head for top-1, top-2 and all-layers training, native engine vs the
 * Deeplearning4j reference engine in the same run (each with warm-up), then the memory of resident
 * top-1 user heads: bytes per head as stored (trainable tail + Adam {@code m}, {@code v} + step
 * counter, in an {@link OptimizerState}) and the heap used by {@code --users} such heads in a map
 * keyed by user id (used heap after GC, before and after). Prints a table and writes JSON.
 */
@Command(
        name = "bench-heads",
        mixinStandardHelpOptions = true,
        description =
                "Benchmark head training: native vs DL4J updates/s, bytes per resident top-1 head, heap of N heads.")
public final class BenchHeadsCommand implements Callable<Integer> {

    static final long TARGET_RATIO = 30;
    static final long TARGET_BYTES_PER_USER = 4096;
    static final long TARGET_HEAP_PER_MILLION = 4L << 30;

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--models-dir",
            defaultValue = "${sys:headstream.home:-.}/.models",
            description = "Verified openWakeWord models (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(
            names = "--head",
            defaultValue = "hey_jarvis_v0.1.onnx",
            description = "Source head file in the models folder (default ${DEFAULT-VALUE}).")
    String headFile;

    @Option(
            names = "--depths",
            split = ",",
            defaultValue = "1,2,all",
            description = "Trainable depths to measure: numbers or 'all' (default ${DEFAULT-VALUE}).")
    List<String> depths;

    @Option(
            names = "--seconds",
            defaultValue = "10",
            description = "Measured seconds per engine and depth, after warm-up (default ${DEFAULT-VALUE}).")
    double seconds;

    @Option(
            names = "--rounds",
            defaultValue = "5",
            description = "Alternating native/DL4J rounds the measured seconds are split"
                    + " into, so both engines see the same machine load (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--warmup-seconds",
            defaultValue = "8",
            description = "Warm-up seconds per engine and depth (default ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(
            names = "--users",
            defaultValue = "1000000",
            description =
                    "Resident top-1 heads to allocate for the heap measurement (default ${DEFAULT-VALUE}; 0 skips it).")
    int users;

    @Option(
            names = "--out",
            defaultValue = "bench-heads.json",
            description = "JSON result file (default ${DEFAULT-VALUE}).")
    Path out;

    /** What a resident top-1 user head holds: its trainable tail and its optimizer state. */
    record ResidentHead(float[] trainable, OptimizerState optimizer) {}

    /**
     * One depth's result: totals over all rounds, and each round's ratio (native and DL4J
     * measured back to back, so a round's ratio sees one machine load).
     */
    record Throughput(
            int k,
            String label,
            int trainable,
            boolean fused,
            long nativeUpdates,
            double nativeSeconds,
            long generalUpdates,
            double generalSeconds,
            long dl4jUpdates,
            double dl4jSeconds,
            double[] roundRatios) {
        double minRatio() {
            return Arrays.stream(roundRatios).min().orElse(Double.NaN);
        }

        double maxRatio() {
            return Arrays.stream(roundRatios).max().orElse(Double.NaN);
        }

        double nativePerSecond() {
            return nativeUpdates / nativeSeconds;
        }

        double dl4jPerSecond() {
            return dl4jUpdates / dl4jSeconds;
        }

        /** The native engine with every step on the general mini-batch path (no fused kernel). */
        double generalPerSecond() {
            return generalUpdates / generalSeconds;
        }

        double generalRatio() {
            return generalPerSecond() / dl4jPerSecond();
        }

        double ratio() {
            return nativePerSecond() / dl4jPerSecond();
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (rounds < 1 || !(seconds > 0) || !(warmupSeconds >= 0)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--rounds must be at least 1, --seconds positive and --warmup-seconds non-negative");
        }
        SourceHead source = OnnxHeadImporter.importHead(modelsDir.resolve(headFile));
        int maxK = source.architecture().parameterisedLayerCount();
        int dim = source.architecture().inputDim();
        o.printf(
                Locale.ROOT,
                "bench-heads: %s (%d parameters, %d parameterised layers), %d CPUs, max heap %d MiB%n",
                source.id(),
                source.architecture().parameterCount(),
                maxK,
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        o.flush();
        float[] windows = new float[256 * dim];
        float[] targets = new float[256];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < windows.length; i++) {
            windows[i] = (float) (random.nextGaussian() * 2.0);
        }
        for (int i = 0; i < targets.length; i++) {
            targets[i] = i % 2;
        }
        TrainingConfig config = TrainingConfig.of(Adam.of(1e-3f));
        List<Throughput> results = new ArrayList<>();
        for (String d : depths) {
            int k = d.equalsIgnoreCase("all") ? maxK : Integer.parseInt(d.trim());
            String label = k == maxK ? "all (" + k + ")" : "top-" + k;
            results.add(measure(
                    o,
                    k,
                    label,
                    source.architecture().trainableLength(k),
                    new NativeHeadEngine(source, k, config),
                    new NativeHeadEngine(source, k, config, false),
                    new Dl4jHeadEngine(source, k, config),
                    windows,
                    targets,
                    dim));
        }

        int tailLength = source.architecture().trainableLength(1);
        long payloadBytes = 3L * tailLength * Float.BYTES + Long.BYTES;
        long storedBytes = residentHeadBytes(tailLength);
        HeapResult heap = users > 0 ? measureHeap(o, source, users) : null;

        o.println();
        o.printf(
                Locale.ROOT,
                "single-sample (batch 1) Adam updates per second, same run, same inputs, %d alternating rounds%n",
                rounds);
        o.printf(
                Locale.ROOT,
                "%-10s %10s %6s %12s %12s %10s %10s %16s %14s %8s%n",
                "depth",
                "trainable",
                "fused",
                "native/s",
                "general/s",
                "dl4j/s",
                "ratio",
                "rounds min-max",
                "general ratio",
                "target");
        for (Throughput t : results) {
            o.printf(
                    Locale.ROOT,
                    "%-10s %10d %6s %12.0f %12.0f %10.1f %9.1fx %16s %13.1fx %8s%n",
                    t.label,
                    t.trainable,
                    t.fused ? "yes" : "no",
                    t.nativePerSecond(),
                    t.generalPerSecond(),
                    t.dl4jPerSecond(),
                    t.ratio(),
                    String.format(Locale.ROOT, "%.1f-%.1fx", t.minRatio(), t.maxRatio()),
                    t.generalRatio(),
                    t.ratio() >= TARGET_RATIO ? "ok" : "MISSED");
        }
        o.println("  native: single-window steps, fused Adam kernel where it applies (needs --add-modules"
                + " jdk.incubator.vector; ./headstream bench-heads passes it); general: the same engine with every step"
                + " on the mini-batch path");
        o.println();
        o.printf(
                Locale.ROOT,
                "top-1 resident head: %d trainable floats; payload %d B (tail + Adam m, v + step); as stored"
                        + " (objects, compressed oops) %d B per user; target <= %d B: %s%n",
                tailLength,
                payloadBytes,
                storedBytes,
                TARGET_BYTES_PER_USER,
                storedBytes <= TARGET_BYTES_PER_USER ? "ok" : "MISSED");
        if (heap != null) {
            o.printf(
                    Locale.ROOT,
                    "%d resident top-1 heads in a HashMap by user id: %.1f MiB heap, %.0f B per user"
                            + " (%.0f B head state + id and map entry); scaled to 1,000,000: %.2f GiB; target <= 4 GiB: %s%n",
                    heap.users,
                    heap.bytes / 1048576.0,
                    heap.bytesPerUser(),
                    heap.headBytesPerUser(),
                    heap.bytesPerUser() * 1e6 / (1L << 30),
                    heap.bytesPerUser() * 1e6 <= TARGET_HEAP_PER_MILLION ? "ok" : "MISSED");
        }
        DefaultRecipeCost recipeCost = measureDefaultRecipe(o, source);
        o.println();
        o.printf(
                Locale.ROOT,
                "default recipe (%s): per user %d B = vector %d + optimizer %d + replay %d (%d clips of %d frames,"
                        + " float16) + monitor %d; target <= %d B: %s%n",
                recipeCost.recipe,
                recipeCost.total,
                recipeCost.trainable,
                recipeCost.optimizer,
                recipeCost.replay,
                recipeCost.replayClips,
                CLIP_FRAMES,
                recipeCost.monitor,
                TARGET_RECIPE_BYTES,
                recipeCost.total <= TARGET_RECIPE_BYTES ? "ok" : "MISSED");
        o.printf(
                Locale.ROOT,
                "default recipe: %.2f ms training per arriving sample (%d samples, full replay buffer),"
                        + " %.2f ms per threshold calibration%n",
                recipeCost.msPerSample,
                recipeCost.samples,
                recipeCost.msPerCalibration);
        Files.writeString(out, json(source, results, tailLength, payloadBytes, storedBytes, heap, recipeCost));
        o.println("wrote " + out.toAbsolutePath());
        o.flush();
        return 0;
    }

    private record Measured(long updates, double seconds) {}

    /**
     * Warms both engines up, then measures them in {@code rounds} alternating rounds of
     * {@code seconds / rounds} each (native first), so slow drifts of the machine's load hit both.
     */
    private Throughput measure(
            PrintWriter o,
            int k,
            String label,
            int trainable,
            NativeHeadEngine nativeEngine,
            NativeHeadEngine generalEngine,
            HeadEngine dl4jEngine,
            float[] windows,
            float[] targets,
            int dim) {
        try (NativeHeadEngine nat = nativeEngine;
                NativeHeadEngine gen = generalEngine;
                HeadEngine dl = dl4jEngine) {
            HeadEngine.User nativeUser = nat.newUser();
            HeadEngine.User generalUser = gen.newUser();
            HeadEngine.User dl4jUser = dl.newUser();
            float[] window = new float[dim];
            float[] target = new float[1];
            o.printf(
                    Locale.ROOT,
                    "  %-8s warm-up %.1f s per engine, then %d rounds of %.1f s per engine%n",
                    label,
                    warmupSeconds,
                    rounds,
                    seconds / rounds);
            o.flush();
            run(nat, nativeUser, windows, targets, window, target, dim, warmupSeconds);
            run(gen, generalUser, windows, targets, window, target, dim, warmupSeconds);
            run(dl, dl4jUser, windows, targets, window, target, dim, warmupSeconds);
            long generalUpdates = 0;
            double generalSeconds = 0;
            long nativeUpdates = 0;
            long dl4jUpdates = 0;
            double nativeSeconds = 0;
            double dl4jSeconds = 0;
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                Measured n = run(nat, nativeUser, windows, targets, window, target, dim, seconds / rounds);
                Measured g = run(gen, generalUser, windows, targets, window, target, dim, seconds / rounds);
                Measured d = run(dl, dl4jUser, windows, targets, window, target, dim, seconds / rounds);
                nativeUpdates += n.updates;
                nativeSeconds += n.seconds;
                generalUpdates += g.updates;
                generalSeconds += g.seconds;
                dl4jUpdates += d.updates;
                dl4jSeconds += d.seconds;
                ratios[r] = (n.updates / n.seconds) / (d.updates / d.seconds);
                o.printf(
                        Locale.ROOT,
                        "  %-8s round %d: native %.1f/s, general %.1f/s, dl4j %.1f/s, ratio %.1fx%n",
                        label,
                        r + 1,
                        n.updates / n.seconds,
                        g.updates / g.seconds,
                        d.updates / d.seconds,
                        ratios[r]);
                o.flush();
            }
            return new Throughput(
                    k,
                    label,
                    trainable,
                    nat.fusesSingleWindow(),
                    nativeUpdates,
                    nativeSeconds,
                    generalUpdates,
                    generalSeconds,
                    dl4jUpdates,
                    dl4jSeconds,
                    ratios);
        }
    }

    private static Measured run(
            HeadEngine engine,
            HeadEngine.User user,
            float[] windows,
            float[] targets,
            float[] window,
            float[] target,
            int dim,
            double seconds) {
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        long n = 0;
        long now;
        do {
            for (int b = 0; b < 8; b++) {
                int i = (int) (n % targets.length);
                System.arraycopy(windows, i * dim, window, 0, dim);
                target[0] = targets[i];
                engine.trainStep(user, window, target);
                n++;
            }
            now = System.nanoTime();
        } while (now - start < budget);
        return new Measured(n, (now - start) / 1e9);
    }

    /**
     * Bytes of one resident top-1 head as the JVM lays it out with compressed oops (the default
     * below 32 GiB heaps): the {@link ResidentHead} record, the tail {@code float[]}, the
     * {@link OptimizerState} object, its {@code float[][]} of two slots and the two slot arrays.
     */
    static long residentHeadBytes(int tailLength) {
        long floatArray = align(16 + 4L * tailLength);
        long record = align(12 + 4 + 4);
        long state = align(12 + 4 + 8);
        long slots = align(16 + 2 * 4);
        return record + floatArray + state + slots + 2 * floatArray;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    record HeapResult(int users, long bytes, long headBytes) {
        double bytesPerUser() {
            return bytes / (double) users;
        }

        double headBytesPerUser() {
            return headBytes / (double) users;
        }
    }

    private HeapResult measureHeap(PrintWriter o, SourceHead source, int count) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Adam adam = Adam.of(1e-3f);
        float[] start = source.trainableTail(1);
        o.printf(Locale.ROOT, "  heap: allocating %,d resident top-1 heads ...%n", count);
        o.flush();
        long before = usedAfterGc(memory);
        Map<String, ResidentHead> heads = new HashMap<>(count * 4 / 3 + 1);
        for (int i = 0; i < count; i++) {
            heads.put("tenant-a/user-" + i, new ResidentHead(start.clone(), adam.newState(start.length)));
            if ((i + 1) % 200_000 == 0) {
                o.printf(Locale.ROOT, "    %,d%n", i + 1);
                o.flush();
            }
        }
        long withMap = usedAfterGc(memory) - before;
        // the head state alone: drop the keys and map, keep the values reachable
        List<ResidentHead> values = new ArrayList<>(heads.values());
        heads = null;
        long valuesOnly = usedAfterGc(memory) - before - align(16 + 4L * count);
        if (values.size() != count) {
            throw new IllegalStateException("lost heads: " + values.size());
        }
        return new HeapResult(count, withMap, valuesOnly);
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Frames of a 2.5 s clip's embedding sequence (the demo's clips). */
    static final int CLIP_FRAMES = 22;

    /** Issue target for the default recipe's bytes per user. */
    static final long TARGET_RECIPE_BYTES = 256 * 1024;

    /** The default recipe's per-user bytes and per-sample training cost. */
    record DefaultRecipeCost(
            String recipe,
            long trainable,
            long optimizer,
            long replay,
            int replayClips,
            long monitor,
            long total,
            int samples,
            double msPerSample,
            double msPerCalibration) {}

    /**
     * Trains one user's head with {@link HeadRecipe#wakeWordDefault()} on random 2.5 s clips (a
     * random rehearsal set of 256 clips), first filling the replay buffer, then timing
     * {@code apply} for as many samples as fit in {@code seconds}.
     */
    private DefaultRecipeCost measureDefaultRecipe(PrintWriter o, SourceHead source) {
        HeadRecipe recipe = HeadRecipe.wakeWordDefault();
        int dim = source.architecture().inputDim() / recipe.windowFrames();
        SplittableRandom random = new SplittableRandom(7);
        Supplier<EmbeddingSequence> clip = () -> {
            float[] v = new float[CLIP_FRAMES * dim];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() * 2.0);
            }
            return new EmbeddingSequence(CLIP_FRAMES, dim, v);
        };
        List<EmbeddingSequence> reference = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            reference.add(clip.get());
        }
        BinaryHeadTask task = new BinaryHeadTask(
                "wake", source, recipe, RehearsalSet.split(reference, RehearsalSet.CALIBRATION_EVERY));
        HeadState s = task.newState("bench/user/wake");
        o.printf(Locale.ROOT, "  default recipe: filling a %d-clip replay buffer%n", recipe.replayBuffer());
        o.flush();
        for (int i = 0; i < recipe.replayBuffer(); i++) {
            task.apply(s, clip.get(), i % 2 == 0, 1f, Split.TRAIN);
        }
        List<EmbeddingSequence> arriving = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            arriving.add(clip.get());
        }
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        int n = 0;
        while (n < 10 || System.nanoTime() < deadline) {
            task.apply(s, arriving.get(n % arriving.size()), n % 2 == 0, 1f, Split.TRAIN);
            n++;
        }
        double msPerSample = (System.nanoTime() - t0) / 1e6 / n;
        long c0 = System.nanoTime();
        int calibrations = 5;
        for (int i = 0; i < calibrations; i++) {
            task.calibrate(s);
        }
        double msPerCalibration = (System.nanoTime() - c0) / 1e6 / calibrations;
        o.printf(Locale.ROOT, "  default recipe: %d samples in %.2f s%n", n, msPerSample * n / 1e3);
        long monitor = s.residentBytes() - s.trainableBytes() - s.optimizerBytes() - s.replayBytes();
        return new DefaultRecipeCost(
                describe(recipe),
                s.trainableBytes(),
                s.optimizerBytes(),
                s.replayBytes(),
                recipe.replayBuffer(),
                monitor,
                s.residentBytes(),
                n,
                msPerSample,
                msPerCalibration);
    }

    private static String describe(HeadRecipe r) {
        return (r.loraRank() > 0 ? "LoRA r=" + r.loraRank() : "top-" + r.trainableTopLayers()) + ", " + r.optimizer()
                + " "
                + r.learningRate() + ", " + r.replaySteps() + " steps x (" + r.userWindowsPerStep() + " own + "
                + r.rehearsalPerStep() + " rehearsal windows)";
    }

    private static String json(
            SourceHead source,
            List<Throughput> results,
            int tailLength,
            long payloadBytes,
            long storedBytes,
            HeapResult heap,
            DefaultRecipeCost recipe) {
        StringBuilder b = new StringBuilder();
        b.append("{\n  \"head\": \"").append(source.id()).append("\",\n");
        b.append("  \"parameters\": ")
                .append(source.architecture().parameterCount())
                .append(",\n");
        b.append("  \"cpus\": ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(",\n");
        b.append("  \"javaVersion\": \"")
                .append(System.getProperty("java.version"))
                .append("\",\n");
        b.append("  \"vectorApi\": ")
                .append(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent())
                .append(",\n");
        b.append("  \"updatesPerSecond\": [\n");
        for (int i = 0; i < results.size(); i++) {
            Throughput t = results.get(i);
            b.append(String.format(
                    Locale.ROOT,
                    "    {\"trainableTopK\": %d, \"label\": \"%s\", \"trainableParameters\": %d,"
                            + " \"fused\": %s, \"native\": %.1f, \"nativeGeneral\": %.1f, \"dl4j\": %.2f, \"ratio\": %.2f,"
                            + " \"generalRatio\": %.2f, \"nativeUpdates\": %d, \"generalUpdates\": %d, \"dl4jUpdates\": %d,"
                            + " \"roundRatios\": %s, \"meetsTarget\": %s}",
                    t.k,
                    t.label,
                    t.trainable,
                    t.fused,
                    t.nativePerSecond(),
                    t.generalPerSecond(),
                    t.dl4jPerSecond(),
                    t.ratio(),
                    t.generalRatio(),
                    t.nativeUpdates,
                    t.generalUpdates,
                    t.dl4jUpdates,
                    Arrays.toString(t.roundRatios),
                    t.ratio() >= TARGET_RATIO));
            b.append(i + 1 < results.size() ? ",\n" : "\n");
        }
        b.append("  ],\n");
        b.append("  \"ratioTarget\": ").append(TARGET_RATIO).append(",\n");
        b.append(String.format(
                Locale.ROOT,
                "  \"top1\": {\"trainableFloats\": %d, \"payloadBytes\": %d, \"storedBytesPerUser\": %d,"
                        + " \"targetBytesPerUser\": %d},%n",
                tailLength,
                payloadBytes,
                storedBytes,
                TARGET_BYTES_PER_USER));
        b.append(String.format(
                Locale.ROOT,
                "  \"defaultRecipe\": {\"recipe\": \"%s\", \"trainableBytes\": %d,"
                        + " \"optimizerBytes\": %d, \"replayBytes\": %d, \"replayClips\": %d, \"clipFrames\": %d,"
                        + " \"monitorBytes\": %d, \"bytesPerUser\": %d, \"targetBytesPerUser\": %d, \"samples\": %d,"
                        + " \"msPerSample\": %.3f, \"msPerCalibration\": %.3f},%n",
                recipe.recipe,
                recipe.trainable,
                recipe.optimizer,
                recipe.replay,
                recipe.replayClips,
                CLIP_FRAMES,
                recipe.monitor,
                recipe.total,
                TARGET_RECIPE_BYTES,
                recipe.samples,
                recipe.msPerSample,
                recipe.msPerCalibration));
        if (heap == null) {
            b.append("  \"heap\": null\n}\n");
        } else {
            b.append(String.format(
                    Locale.ROOT,
                    "  \"heap\": {\"users\": %d, \"usedBytes\": %d, \"bytesPerUser\": %.1f,"
                            + " \"headStateBytesPerUser\": %.1f, \"projectedBytesPerMillion\": %.0f, \"targetBytesPerMillion\": %d}%n}%n",
                    heap.users,
                    heap.bytes,
                    heap.bytesPerUser(),
                    heap.headBytesPerUser(),
                    heap.bytesPerUser() * 1e6,
                    TARGET_HEAP_PER_MILLION));
        }
        return b.toString();
    }
}
