package dev.headstream.tools.e2e;

import dev.headstream.tools.swap.AdapterEndpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the adapter's counters every {@code intervalMs} on a thread of its own while a backlog
 * drains.
 *
 * <p>Lifecycle: {@link #start} (one reading taken before it returns) -> {@link #latest()} from any
 * thread -> {@link #stop()} (returns every reading, in time order; idempotent, and what
 * {@link #close()} does).
 */
final class Scraper implements AutoCloseable {

    /** How long the readings may keep failing before {@link #latest()} gives up. */
    private static final long FAILING_NANOS = 10_000_000_000L;

    private final AdapterEndpoint endpoint;
    private final long intervalMs;
    private final List<Scrape> scrapes = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private Scraper(AdapterEndpoint endpoint, long intervalMs) {
        this.endpoint = endpoint;
        this.intervalMs = intervalMs;
        this.thread = new Thread(this::loop, "bench-e2e-scraper");
        this.thread.setDaemon(true);
    }

    static Scraper start(AdapterEndpoint endpoint, long intervalMs) {
        Scraper s = new Scraper(endpoint, intervalMs);
        s.add(Scrape.read(endpoint));
        s.thread.start();
        return s;
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(intervalMs);
                add(Scrape.read(endpoint));
                failure = null;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
    }

    private synchronized void add(Scrape s) {
        scrapes.add(s);
    }

    /**
     * The newest reading.
     *
     * @throws IllegalStateException when the readings have failed for the last 10 s
     */
    synchronized Scrape latest() {
        Scrape last = scrapes.get(scrapes.size() - 1);
        RuntimeException f = failure;
        if (f != null && System.nanoTime() - last.nanos() > FAILING_NANOS) {
            throw new IllegalStateException("the adapter's metrics could not be read for 10 s: " + f.getMessage(), f);
        }
        return last;
    }

    /** Stops reading; returns every reading taken. */
    List<Scrape> stop() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            return List.copyOf(scrapes);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
