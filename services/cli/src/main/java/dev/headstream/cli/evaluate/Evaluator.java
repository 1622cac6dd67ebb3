package dev.headstream.cli.evaluate;

import dev.headstream.cli.Console;
import dev.headstream.cli.ProgressBar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Reads, embeds and scores an evaluation's audio on a pool of worker threads: labeled clips one
 * task per clip ({@link #scoreClips}), long speech recordings in segments of windows
 * ({@link #scoreSpeech}; {@link SegmentScorer} makes a segment's logits equal to those of one run
 * over the whole recording). Every recording is read on demand from a native WAV file (the file
 * itself, or the temporary one sox converted it to, deleted as soon as its last segment is scored),
 * a segment's samples at a time, and at most two segments per thread are in flight, so memory stays
 * bounded whatever the length and format of the speech: only the recordings with segments in flight
 * are open. Progress goes to the console.
 *
 * <p>Call order: construct, call the two methods in any order and any number of times from one
 * thread, then {@link #close()} (stops the pool). A failing task fails the call with its own
 * exception; the remaining tasks are cancelled.
 */
public final class Evaluator implements AutoCloseable {

    private final SegmentScorer scorer;
    private final AudioLoader loader;
    private final Console console;
    private final int threads;
    private final int segmentWindows;
    private final ExecutorService pool;

    /**
     * @param threads        worker threads
     * @param segmentWindows windows per speech segment (4,096 = 5.5 minutes of audio)
     */
    public Evaluator(SegmentScorer scorer, AudioLoader loader, Console console, int threads, int segmentWindows) {
        if (threads < 1 || segmentWindows < 1) {
            throw new IllegalArgumentException(
                    "threads and segment windows must be at least 1, were " + threads + " and " + segmentWindows);
        }
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.console = Objects.requireNonNull(console, "console");
        this.threads = threads;
        this.segmentWindows = segmentWindows;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "eval-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Scores every clip with its user's heads: all windows of the clip (padded at the start to one
     * window when shorter), keeping each head's highest logit.
     *
     * @param headsOf a user's heads, in the order of {@link ClipScore#maxLogits()}
     * @return each user's clip scores, in the order of {@code clips}
     */
    public Map<String, List<ClipScore>> scoreClips(List<LabeledClip> clips, Function<String, List<EvalHead>> headsOf) {
        ProgressBar bar = console.progress("clips", "clips", clips.size());
        List<Future<ClipScore>> futures = new ArrayList<>();
        for (LabeledClip clip : clips) {
            List<EvalHead> heads = headsOf.apply(clip.user());
            futures.add(pool.submit(() -> {
                ClipScore s = scoreClip(clip, heads);
                bar.advance(1);
                return s;
            }));
        }
        List<ClipScore> scores = awaitAll(futures);
        bar.finish();
        Map<String, List<ClipScore>> byUser = new LinkedHashMap<>();
        for (ClipScore s : scores) {
            byUser.computeIfAbsent(s.clip().user(), u -> new ArrayList<>()).add(s);
        }
        return byUser;
    }

    private ClipScore scoreClip(LabeledClip clip, List<EvalHead> heads) {
        int windows;
        float[][] logits;
        Recording r = loader.open(clip.file());
        try (r) {
            windows = SegmentScorer.windows(r.length());
            logits = scorer.score(r, 0, windows, heads);
        }
        float[] max = new float[heads.size()];
        for (int h = 0; h < heads.size(); h++) {
            max[h] = Float.NEGATIVE_INFINITY;
            for (float v : logits[h]) {
                max[h] = Math.max(max[h], v);
            }
        }
        return new ClipScore(clip, r.samples(), r.padding(), r.convertedFrom(), windows, max);
    }

    /**
     * Scores every window of every speech recording with every head. All files are probed first
     * (so that an unreadable file fails the run before any work), then opened one after the other
     * (converted by sox when needed) and scored in segments on the pool; a recording is closed (its
     * converted file deleted) when its last segment is scored, or when the call fails.
     */
    public SpeechScores scoreSpeech(List<Path> files, List<EvalHead> heads) {
        List<AudioLoader.Probe> probes = files.stream().map(loader::probe).toList();
        double totalHours =
                probes.stream().mapToLong(AudioLoader.Probe::approximateSamples).sum()
                        / (double) WavHeader.NATIVE_RATE
                        / 3600.0;
        ProgressBar bar = console.progress("speech", "h", totalHours);
        Semaphore inFlight = new Semaphore(2 * threads);
        Set<Recording> open = ConcurrentHashMap.newKeySet();
        List<SpeechScores.SpeechFile> done = new ArrayList<>();
        List<List<Future<float[][]>>> segments = new ArrayList<>();
        List<Future<float[][]>> all = new ArrayList<>();
        long total = 0;
        try {
            for (AudioLoader.Probe probe : probes) {
                Recording r = loader.open(probe);
                open.add(r);
                int windows = SegmentScorer.windows(r.length());
                done.add(new SpeechScores.SpeechFile(r.file(), r.samples(), r.padding(), r.convertedFrom(), windows));
                total += windows;
                int count = (windows + segmentWindows - 1) / segmentWindows;
                AtomicInteger remaining = new AtomicInteger(count);
                if (count == 0) {
                    close(r, open);
                }
                double hoursPerWindow = probe.approximateSamples() / (double) WavHeader.NATIVE_RATE / 3600.0 / windows;
                List<Future<float[][]>> parts = new ArrayList<>();
                for (int from = 0; from < windows; from += segmentWindows) {
                    int to = Math.min(windows, from + segmentWindows);
                    int first = from;
                    inFlight.acquire();
                    failFast(all);
                    Callable<float[][]> task = () -> {
                        try {
                            float[][] v = scorer.score(r, first, to, heads);
                            bar.advance((to - first) * hoursPerWindow);
                            return v;
                        } finally {
                            if (remaining.decrementAndGet() == 0) {
                                close(r, open);
                            }
                            inFlight.release();
                        }
                    };
                    Future<float[][]> f = pool.submit(task);
                    parts.add(f);
                    all.add(f);
                }
                segments.add(parts);
            }
            awaitAll(all);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            all.forEach(f -> f.cancel(true));
            throw new IllegalStateException("interrupted while scoring speech", e);
        } catch (RuntimeException | Error e) {
            all.forEach(f -> f.cancel(true));
            throw e;
        } finally {
            open.forEach(r -> close(r, open));
        }
        bar.finish();
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "%.0f hours of speech are more than one run scores (%.0f)",
                    SpeechScores.hours(total),
                    SpeechScores.hours(Integer.MAX_VALUE)));
        }
        Map<EvalHead, float[]> logits = new IdentityHashMap<>();
        for (EvalHead h : heads) {
            logits.put(h, new float[(int) total]);
        }
        int at = 0;
        for (List<Future<float[][]>> parts : segments) {
            for (Future<float[][]> f : parts) {
                float[][] v = get(f);
                for (int h = 0; h < heads.size(); h++) {
                    System.arraycopy(v[h], 0, logits.get(heads.get(h)), at, v[h].length);
                }
                at += v[0].length;
            }
        }
        return new SpeechScores(done, logits);
    }

    private static void close(Recording r, Set<Recording> open) {
        open.remove(r);
        r.close();
    }

    /** Throws the first failure among the finished futures, cancelling the others. */
    private static void failFast(List<? extends Future<?>> futures) {
        for (Future<?> f : futures) {
            if (f.isDone() && !f.isCancelled()) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    futures.forEach(x -> x.cancel(true));
                    throw unwrap(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    private static <T> List<T> awaitAll(List<Future<T>> futures) {
        List<T> out = new ArrayList<>(futures.size());
        try {
            for (Future<T> f : futures) {
                out.add(get(f));
            }
        } catch (RuntimeException | Error e) {
            futures.forEach(f -> f.cancel(true));
            throw e;
        }
        return out;
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (CancellationException e) {
            throw new IllegalStateException("a scoring task was cancelled", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for scoring", e);
        }
    }

    private static RuntimeException unwrap(ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException r) {
            return r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(c == null ? e.getMessage() : c.getMessage(), c);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
