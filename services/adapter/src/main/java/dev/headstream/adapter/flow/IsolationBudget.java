package dev.headstream.adapter.flow;

import dev.headstream.adapter.HeadstreamConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * The circuit breaker of poison-record isolation ({@code headstream.poison.max-isolated-*}): at most
 * {@link #perBatch()} records of one batch, and at most {@code perWindow} records of this instance
 * within {@code window}, may be isolated and rejected. Past either, the failure is taken for a
 * systemic one (a backbone or runtime outage, a limit of the batch's size): {@link PoisonIsolation}
 * throws {@link SystemicFailure} and the batch aborts instead. Isolations count when their batch's
 * preparation passes ({@link #spent}). Thread-safe.
 */
final class IsolationBudget {

    private final int perBatch;
    private final int perWindow;
    private final Duration window;
    private final LongSupplier nanoClock;
    private final Deque<Long> spent = new ArrayDeque<>();

    /**
     * @param perBatch  most isolated records per batch, at least 1
     * @param perWindow most isolated records per instance within {@code window}, at least 1
     * @param window    the sliding window, positive
     * @param nanoClock the clock
     */
    IsolationBudget(int perBatch, int perWindow, Duration window, LongSupplier nanoClock) {
        if (perBatch < 1 || perWindow < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("headstream.poison.max-isolated-per-batch and max-isolated-per-window"
                    + " must be at least 1 and isolation-window-seconds positive: " + perBatch + ", " + perWindow
                    + ", " + window.toSeconds());
        }
        this.perBatch = perBatch;
        this.perWindow = perWindow;
        this.window = window;
        this.nanoClock = nanoClock;
    }

    /** The budget {@code config} sets. */
    static IsolationBudget of(HeadstreamConfig.Poison config) {
        return new IsolationBudget(
                config.maxIsolatedPerBatch(),
                config.maxIsolatedPerWindow(),
                Duration.ofSeconds(config.isolationWindowSeconds()),
                System::nanoTime);
    }

    /** The defaults: 4 per batch, 16 per 10 minutes. */
    static IsolationBudget defaults() {
        return new IsolationBudget(4, 16, Duration.ofMinutes(10), System::nanoTime);
    }

    /** Most isolated records per batch. */
    int perBatch() {
        return perBatch;
    }

    /** Most isolated records per instance within the window. */
    int perWindow() {
        return perWindow;
    }

    /** Whether a batch may have {@code records} isolated records: within the batch's cap and the window's. */
    synchronized boolean allows(int records) {
        return records <= perBatch && inWindow() + records <= perWindow;
    }

    /** {@code records} records were isolated now. */
    synchronized void spent(int records) {
        long now = nanoClock.getAsLong();
        for (int i = 0; i < records; i++) {
            spent.addLast(now);
        }
    }

    /** Records isolated within the window up to now. */
    synchronized int inWindow() {
        long now = nanoClock.getAsLong();
        while (!spent.isEmpty() && now - spent.peekFirst() > window.toNanos()) {
            spent.removeFirst();
        }
        return spent.size();
    }
}
