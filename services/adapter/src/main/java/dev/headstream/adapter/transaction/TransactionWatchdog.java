package dev.headstream.adapter.transaction;

import dev.headstream.adapter.HeadstreamConfig;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Notices a batch commit that neither finishes nor fails within
 * {@code headstream.transaction-stuck-exit-seconds} (a producer stuck after a refused commit) and
 * reports it to {@link ProcessExit} as {@link TransactionOutcome.Stuck}: the instance would
 * otherwise keep its group membership, and could be assigned partitions, with a pipeline that
 * processes nothing. {@link BatchTransaction} marks when a commit begins and ends; a daemon thread
 * checks once a second. Thread-safe.
 */
@ApplicationScoped
public class TransactionWatchdog {

    /** When the running batch's work ended and its commit began (the clock's nanos); 0 = none pending. */
    private final AtomicLong commitSince = new AtomicLong();

    private final LongSupplier nanoClock;
    private ScheduledExecutorService checker;

    @Inject
    HeadstreamConfig config;

    @Inject
    ProcessExit processExit;

    public TransactionWatchdog() {
        this(System::nanoTime);
    }

    TransactionWatchdog(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @PostConstruct
    void start() {
        checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headstream-transaction-watchdog");
            t.setDaemon(true);
            return t;
        });
        checker.scheduleAtFixedRate(this::check, 1, 1, TimeUnit.SECONDS);
    }

    @PreDestroy
    void stop() {
        checker.shutdownNow();
    }

    /** A batch's commit begins now. */
    public void commitStarted() {
        commitSince.set(nanoClock.getAsLong());
    }

    /** The running batch's commit finished, failed or was cancelled. */
    public void commitEnded() {
        commitSince.set(0);
    }

    /** Reports a stuck commit once; the next commit is watched afresh. */
    void check() {
        Duration limit = Duration.ofSeconds(config.transactionStuckExitSeconds());
        long since = commitSince.get();
        if (stuck(since, nanoClock.getAsLong(), limit) && commitSince.compareAndSet(since, 0)) {
            processExit.onOutcome(new TransactionOutcome.Stuck(limit));
        }
    }

    /** Whether a commit that began at {@code since} (0 = none) is stuck at {@code now}. */
    static boolean stuck(long since, long now, Duration limit) {
        return since != 0 && now - since > limit.toNanos();
    }
}
