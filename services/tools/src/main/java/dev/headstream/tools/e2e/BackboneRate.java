package dev.headstream.tools.e2e;

import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.tools.swap.SwapLatencies;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The raw backbone's clips per second, in-process: {@link Backbone#embed} on batches of the
 * adapter's batch size, each batch cut into as many contiguous chunks as the engine has workers
 * and the chunks embedded at once, as the engine does for a batch's valid samples. A warm-up, then
 * rounds of the same number of clips; each round's rate is its clips over the wall time of its
 * {@code embed} calls.
 */
final class BackboneRate {

    private BackboneRate() {}

    /**
     * One measurement.
     *
     * @param when             when it ran, for the reader (before the broker and adapter, after them)
     * @param threads          ONNX Runtime intra-op threads of the backbone
     * @param workers          the engine's worker threads, each embedding one chunk of a batch
     * @param batch            clips per {@code embed} call
     * @param clipsPerRound    clips per round
     * @param meanClipSeconds  mean audio length of the clips
     * @param warmupSeconds    time spent warming up
     * @param rounds           each round's clips per second
     */
    record Result(
            String when,
            int threads,
            int workers,
            int batch,
            int clipsPerRound,
            double meanClipSeconds,
            double warmupSeconds,
            double[] rounds) {

        double median() {
            return median(rounds);
        }

        double min() {
            return Arrays.stream(rounds).min().orElse(Double.NaN);
        }

        double max() {
            return Arrays.stream(rounds).max().orElse(Double.NaN);
        }

        /** The median of {@code values} (the mean of the middle two for an even count); NaN for none. */
        static double median(double[] values) {
            return SwapLatencies.median(values);
        }
    }

    /**
     * Embeds {@code clipsPerRound} clips of {@code inputs} (cycled) per round in batches of
     * {@code batch}: rounds until {@code warmupSeconds} have passed (at least one), not counted,
     * then {@code rounds} measured rounds.
     */
    static Result measure(
            String when,
            Backbone backbone,
            int threads,
            int workers,
            List<BackboneInput> inputs,
            int batch,
            int clipsPerRound,
            double warmupSeconds,
            int rounds) {
        if (inputs.isEmpty() || batch < 1 || clipsPerRound < 1 || rounds < 1 || workers < 1) {
            throw new IllegalArgumentException("needs inputs, and a positive batch, round, round and worker count");
        }
        List<List<BackboneInput>> batches = batches(inputs, batch, clipsPerRound);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            long w0 = System.nanoTime();
            do {
                round(backbone, batches, workers, pool);
            } while (System.nanoTime() - w0 < warmupSeconds * 1e9);
            double warmup = (System.nanoTime() - w0) / 1e9;
            double[] rates = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                rates[r] = clipsPerRound / round(backbone, batches, workers, pool);
            }
            double seconds = 0;
            for (BackboneInput in : inputs) {
                seconds += in instanceof BackboneInput.Audio a ? a.seconds() : Double.NaN;
            }
            return new Result(when, threads, workers, batch, clipsPerRound, seconds / inputs.size(), warmup, rates);
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code total} clips of {@code inputs}, cycled, cut into batches of at most {@code batch}. */
    static List<List<BackboneInput>> batches(List<BackboneInput> inputs, int batch, int total) {
        List<List<BackboneInput>> out = new ArrayList<>();
        List<BackboneInput> current = new ArrayList<>(batch);
        for (int i = 0; i < total; i++) {
            current.add(inputs.get(i % inputs.size()));
            if (current.size() == batch) {
                out.add(current);
                current = new ArrayList<>(batch);
            }
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    /** Seconds to embed every batch, each in {@code workers} chunks at once. */
    private static double round(
            Backbone backbone, List<List<BackboneInput>> batches, int workers, ExecutorService pool) {
        long t0 = System.nanoTime();
        int embedded = 0;
        for (List<BackboneInput> b : batches) {
            int chunks = Math.min(workers, b.size());
            List<Future<Integer>> parts = new ArrayList<>();
            for (int w = 0; w < chunks; w++) {
                List<BackboneInput> chunk = b.subList(w * b.size() / chunks, (w + 1) * b.size() / chunks);
                parts.add(pool.submit(() -> backbone.embed(chunk).size()));
            }
            for (Future<Integer> f : parts) {
                try {
                    embedded += f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while embedding", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("the backbone failed: " + e.getCause(), e.getCause());
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (embedded == 0) {
            throw new IllegalStateException("the backbone embedded nothing");
        }
        return seconds;
    }
}
