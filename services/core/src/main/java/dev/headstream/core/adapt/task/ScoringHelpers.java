package dev.headstream.core.adapt.task;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spreads one long scoring loop (a head's bank windows: the calibration pool at a publication, a
 * calibration slice, the hard-negative candidates) over helper threads, so that a lone sample, which
 * one engine worker applies while the other cores idle, does not wait for one core to score a few
 * thousand windows. Every window's logit is computed by the same kernel into its own slot whichever
 * thread scores it, so the results are the same bits with or without helpers.
 *
 * <p>A part handed to the helpers is claimed by whoever reaches it first: a helper, or the calling
 * thread once it has scored its own part. So a caller never waits for a part that no helper has
 * started, and when every core is busy (a full batch on every engine worker) the caller simply scores
 * everything itself, as it would without helpers.
 *
 * <p>Helpers: {@code -Dheadstream.scoring-helpers=N} daemon threads, by default one fewer than the
 * cores; 0 turns the splitting off.
 */
final class ScoringHelpers {

    /** A part of a loop: score items {@code from .. to - 1} with {@code scorer}. */
    interface Part {
        void score(ClipScorer scorer, int from, int to);
    }

    /** Fewest items per part: below it, handing the part over costs more than it saves. */
    static final int MIN_PART = 256;

    static final int HELPERS = Math.max(
            0,
            Integer.getInteger(
                    "headstream.scoring-helpers", Runtime.getRuntime().availableProcessors() - 1));

    private static final ThreadPoolExecutor POOL = HELPERS == 0 ? null : pool(HELPERS);

    private ScoringHelpers() {}

    private static ThreadPoolExecutor pool(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor p =
                new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "headstream-scoring-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /**
     * Scores items {@code 0 .. count - 1}: parts of at least {@link #MIN_PART} items (even
     * boundaries, so two-window passes pair the same windows) go to the helpers, each with its own
     * copy of {@code scorer} ({@link ClipScorer#helpers}), and the first part is scored here with
     * {@code scorer}. Returns once every part is scored; a part's failure is rethrown here.
     */
    static void score(ClipScorer scorer, int count, Part work) {
        int parts = POOL == null ? 1 : Math.min(HELPERS + 1, count / MIN_PART);
        if (parts <= 1) {
            work.score(scorer, 0, count);
            return;
        }
        ClipScorer[] copies = scorer.helpers(parts - 1);
        Claim[] handed = new Claim[parts - 1];
        for (int i = 1; i < parts; i++) {
            int from = bound(count, parts, i);
            int to = bound(count, parts, i + 1);
            ClipScorer copy = copies[i - 1];
            handed[i - 1] = new Claim(() -> work.score(copy, from, to));
            POOL.execute(handed[i - 1]);
        }
        Throwable failure = null;
        try {
            work.score(scorer, 0, bound(count, parts, 1));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Claim c : handed) {
            c.runOrAwait();
        }
        for (Claim c : handed) {
            failure = first(failure, c.failure);
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    /** Where part {@code i} of {@code parts} starts (an even item number, {@code count} for the end). */
    static int bound(int count, int parts, int i) {
        return i == parts ? count : (int) ((long) count * i / parts) & ~1;
    }

    private static Throwable first(Throwable a, Throwable b) {
        if (a == null) {
            return b;
        }
        if (b != null && b != a) {
            a.addSuppressed(b);
        }
        return a;
    }

    /** A part run once, by whichever thread claims it first. */
    private static final class Claim implements Runnable {
        private final Runnable work;
        private final AtomicBoolean claimed = new AtomicBoolean();
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile Throwable failure;

        Claim(Runnable work) {
            this.work = work;
        }

        @Override
        public void run() {
            if (claimed.compareAndSet(false, true)) {
                runHere();
            }
        }

        /** Runs the part here if no helper has claimed it, else waits for the helper to finish it. */
        void runOrAwait() {
            if (claimed.compareAndSet(false, true)) {
                runHere();
                return;
            }
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the part writes into the caller's arrays: wait for it regardless
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private void runHere() {
            try {
                work.run();
            } catch (RuntimeException | Error e) {
                failure = e;
            } finally {
                done.countDown();
            }
        }
    }
}
