package dev.headstream.tools.swap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Measured samples sent round-robin over a level's users at a fixed rate: the i-th goes
 * {@code i / rate} seconds after the first, to user {@code i mod n}, as that user's sample
 * {@code first + i / n}. Notes each acknowledged sample's partition, offset and send time.
 *
 * <p>Lifecycle: construct -> {@link #send} once, from one thread; meanwhile {@link #sent(int)} from
 * any thread -> the other accessors once it returned.
 */
public final class PacedSends {

    private static final long PROGRESS_NANOS = 5_000_000_000L;

    private final AtomicReferenceArray<SwapLatencies.Sent> sent;
    private final AtomicLong failures = new AtomicLong();
    private final double rate;
    private volatile double achievedRate;

    /** {@code samples} samples to send at {@code rate} per second. */
    public PacedSends(int samples, double rate) {
        this.sent = new AtomicReferenceArray<>(samples);
        this.rate = rate;
    }

    /**
     * Sends the samples over {@code users}, each user's from its sample {@code first} on, and waits
     * until the broker has answered for all; {@code progress} hears the count sent so far every 5 s.
     */
    public void send(SampleTraffic traffic, List<String> users, int first, IntConsumer progress) {
        int samples = sent.length();
        int n = users.size();
        long step = Math.round(1e9 / rate);
        long start = System.nanoTime();
        long lastReport = start;
        long firstSend = 0;
        long lastSend = 0;
        for (int i = 0; i < samples; i++) {
            long due = start + i * step;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            int k = i % n;
            int index = i;
            lastSend = traffic.send(users.get(k), k, first + i / n, (meta, e, nanos, wall) -> {
                if (e != null) {
                    failures.incrementAndGet();
                } else {
                    sent.set(index, new SwapLatencies.Sent(k, meta.partition(), meta.offset(), nanos, wall));
                }
            });
            if (i == 0) {
                firstSend = lastSend;
            }
            if (System.nanoTime() - lastReport > PROGRESS_NANOS) {
                lastReport = System.nanoTime();
                progress.accept(i + 1);
            }
        }
        traffic.flush();
        achievedRate = samples < 2 ? rate : (samples - 1) / ((lastSend - firstSend) / 1e9);
    }

    /** Samples sent. */
    public int samples() {
        return sent.length();
    }

    /** Samples per second asked for. */
    public double rate() {
        return rate;
    }

    /** Samples per second from the first send to the last. */
    public double achievedRate() {
        return achievedRate;
    }

    /** Samples the broker did not acknowledge. */
    public long failures() {
        return failures.get();
    }

    /** Sample {@code i} as acknowledged; null when it was not. */
    public SwapLatencies.Sent sent(int i) {
        return sent.get(i);
    }

    /** The acknowledged samples, in send order. */
    public List<SwapLatencies.Sent> acknowledged() {
        List<SwapLatencies.Sent> out = new ArrayList<>();
        for (int i = 0; i < sent.length(); i++) {
            if (sent.get(i) != null) {
                out.add(sent.get(i));
            }
        }
        return out;
    }

    /** Per user of the {@code users} sent to, the offset of its last acknowledged sample; -1 for none. */
    public long[] lastOffsets(int users) {
        long[] out = new long[users];
        Arrays.fill(out, -1);
        for (SwapLatencies.Sent s : acknowledged()) {
            out[s.head()] = Math.max(out[s.head()], s.offset());
        }
        return out;
    }
}
