package dev.headstream.adapter.state;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The guard of a read to a known end: it fails once the read has not moved for {@link #STALL}. A
 * restore's read of the changelog polls until its position reaches the end it took at the start;
 * with the broker gone for good those polls return nothing and the position never moves, so
 * without this the restore (readiness DOWN, the partitions' batches waiting) would wait forever instead of
 * failing and having the process restarted. A broker that restarts within the bound loses nothing:
 * the read goes on from where it stood. Not thread-safe: one per read.
 */
final class ReadProgress {

    /** How long a read may stand still before it fails. */
    static final Duration STALL = Duration.ofSeconds(120);

    private final Duration stall;
    private final LongSupplier nanos;
    private long position = Long.MIN_VALUE;
    private long since;

    ReadProgress() {
        this(STALL, System::nanoTime);
    }

    ReadProgress(Duration stall, LongSupplier nanos) {
        this.stall = stall;
        this.nanos = nanos;
        this.since = nanos.getAsLong();
    }

    /**
     * Notes where the read stands ({@code position}: any measure that grows as records are read,
     * such as the sum of the partitions' positions).
     *
     * @param what names the read, for the message
     * @throws IllegalStateException if the position has not grown for the bound
     */
    void at(long position, String what) {
        long now = nanos.getAsLong();
        if (position > this.position) {
            this.position = position;
            since = now;
        } else if (now - since >= stall.toNanos()) {
            throw new IllegalStateException(what + " made no progress for " + stall.toSeconds() + " s (stuck at "
                    + position + "): is the broker reachable?");
        }
    }
}
