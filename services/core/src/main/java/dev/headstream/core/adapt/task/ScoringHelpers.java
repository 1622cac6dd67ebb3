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
 * <p>A loop is split only over threads that are idle: the helpers and the caller, less the threads
 * declared {@link #busy} (an engine's workers during a batch) or scoring already. So a full batch on
 * every engine worker scores as it would without helpers, and a lone sample's worker gets the idle
 * cores. A part handed to the helpers is claimed by whoever reaches it first: a helper, or the
 * calling thread once it has scored its own part; the caller claims every part no helper has
 * started before it waits for any, so it never waits for a queue.
 *
 * <p>Helpers: {@code -Dheadstream.scoring-helpers=N} daemon threads, by default one fewer than the
 * cores; 0 turns the splitting off.
 */
public final class ScoringHelpers {

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

    /** Threads the helpers are meant to fill up to: the calling thread and the helpers. */
    private static final int THREADS = HELPERS + 1;

    private static final ThreadPoolExecutor POOL = HELPERS == 0 ? null : pool(HELPERS);

    /** Threads declared busy by {@link #busy} (an engine's workers during a batch). */
    private static final AtomicInteger BUSY = new AtomicInteger();

    /** Threads inside {@link #score} now. */
    private static final AtomicInteger SCORING = new AtomicInteger();

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
     * Declares {@code threads} threads busy until the returned handle is closed: an engine's
     * workers while they apply a batch. Loops are split only over the threads nobody declared busy
     * (nor is scoring), so a full batch on every worker scores without helpers, as if there were
     * none, and a lone sample's worker gets the idle cores.
     */
    public static Busy busy(int threads) {
        BUSY.addAndGet(threads);
        return () -> BUSY.addAndGet(-threads);
    }

    /** {@link #busy}'s handle; closing it twice undeclares twice. */
    public interface Busy extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Scores items {@code 0 .. count - 1}: parts of at least {@link #MIN_PART} items (even
     * boundaries, so two-window passes pair the same windows), as many as there are idle threads,
     * go to the helpers, each with its own copy of {@code scorer} ({@link ClipScorer#helpers}), and
     * the first part is scored here with {@code scorer}. Returns once every part is scored; the
     * gravest failure of any part is rethrown here.
     */
    static void score(ClipScorer scorer, int count, Part work) {
        int scoring = SCORING.incrementAndGet();
        try {
            int idle = THREADS - Math.max(BUSY.get(), scoring);
            int parts = POOL == null ? 1 : Math.min(Math.min(THREADS, 1 + Math.max(0, idle)), count / MIN_PART);
            if (parts <= 1) {
                work.score(scorer, 0, count);
                return;
            }
            split(scorer, count, parts, work);
        } finally {
            SCORING.decrementAndGet();
        }
    }

    private static void split(ClipScorer scorer, int count, int parts, Part work) {
        ClipScorer[] copies = scorer.helpers(parts - 1);
        Claim[] handed = new Claim[parts - 1];
        Throwable failure = null;
        for (int i = 1; i < parts; i++) {
            int from = bound(count, parts, i);
            int to = bound(count, parts, i + 1);
            ClipScorer copy = copies[i - 1];
            handed[i - 1] = new Claim(() -> work.score(copy, from, to));
            if (failure == null) {
                try {
                    POOL.execute(handed[i - 1]);
                } catch (RuntimeException | Error e) {
                    failure = e; // (a thread that cannot be made) the part stays unclaimed: scored here below
                }
            }
        }
        try {
            work.score(scorer, 0, bound(count, parts, 1));
        } catch (RuntimeException | Error e) {
            failure = graver(failure, e);
        }
        for (Claim c : handed) {
            c.claimAndRun(); // every part no helper has started, before waiting for any
        }
        for (Claim c : handed) {
            c.await();
            failure = graver(failure, c.failure);
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

    /** Hands {@code task} to a helper thread (tests: to keep the helpers busy). */
    static void onHelper(Runnable task) {
        POOL.execute(task);
    }

    /**
     * The failure to rethrow of two (also the engine workers' rule): a {@link VirtualMachineError}
     * before any other {@link Error}, an Error before an exception, else the first; the other is
     * added as suppressed.
     */
    public static Throwable graver(Throwable first, Throwable second) {
        if (first == null || second == null || first == second) {
            return first == null ? second : first;
        }
        Throwable keep = rank(second) > rank(first) ? second : first;
        keep.addSuppressed(keep == first ? second : first);
        return keep;
    }

    private static int rank(Throwable t) {
        return t instanceof VirtualMachineError ? 2 : t instanceof Error ? 1 : 0;
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
            claimAndRun();
        }

        /** Runs the part on this thread if no other thread has claimed it. */
        void claimAndRun() {
            if (!claimed.compareAndSet(false, true)) {
                return;
            }
            try {
                work.run();
            } catch (RuntimeException | Error e) {
                failure = e;
            } finally {
                done.countDown();
            }
        }

        /** Waits until the part is done (the part writes into the caller's arrays: regardless of interrupts). */
        void await() {
            boolean interrupted = false;
            while (true) {
                try {
                    done.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
