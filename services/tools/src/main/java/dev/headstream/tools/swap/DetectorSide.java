package dev.headstream.tools.swap;

import dev.headstream.client.HeadFollower;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Provenance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The detector side of a level: a {@link HeadFollower} of the level's users that builds every head
 * as a detector would (decoded against the source head), and a scoring tick that every
 * {@code tickMs} reads the current head of every tracked head id, as a detector scoring its audio
 * every 80 ms would, and notes the first tick at which each version is in use. The follower's
 * {@linkplain HeadFollower.Listener listener} notes every version built and when.
 *
 * <p>Lifecycle: {@link #start} (follower caught up, tick running) -> {@link #tickLastOffset} from any
 * thread while samples flow -> {@link #stop()} (stops the tick and the follower; idempotent, and what
 * {@link #close()} does) -> {@link #built()} and {@link #inUse()}.
 */
public final class DetectorSide implements AutoCloseable {

    /** What the follower holds per head: the decoded head and when it was built. */
    record Head(HeadCodec.Decoded decoded, long receivedNanos, long builtNanos) {}

    private final HeadFollower<Head> follower;
    private final List<String> headIds;
    private final Map<String, Integer> index = new HashMap<>();
    private final List<List<SwapLatencies.Built>> built = new ArrayList<>();
    private final List<List<SwapLatencies.InUse>> inUse = new ArrayList<>();
    /** Per head, the last offset of the version the tick last used; -1 before any. */
    private final AtomicLongArray tickLastOffset;

    private final long tickNanos;
    private final Thread ticker;
    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLong lateTicks = new AtomicLong();
    private final AtomicLong removed = new AtomicLong();
    private volatile boolean running = true;

    private DetectorSide(String bootstrap, SourceHead source, List<String> users, String task, Duration tick) {
        this.headIds = users.stream().map(u -> u + "/" + task).toList();
        for (int i = 0; i < headIds.size(); i++) {
            index.put(headIds.get(i), i);
            built.add(Collections.synchronizedList(new ArrayList<>()));
            inUse.add(new ArrayList<>());
        }
        this.tickLastOffset = new AtomicLongArray(headIds.size());
        for (int i = 0; i < headIds.size(); i++) {
            tickLastOffset.set(i, -1);
        }
        this.tickNanos = tick.toNanos();
        this.follower = HeadFollower.<Head>builder(bootstrap, u -> build(u, source))
                .users(users)
                .listener(new HeadFollower.Listener<>() {
                    @Override
                    public void swapped(HeadFollower.Versioned<Head> previous, HeadFollower.Versioned<Head> current) {
                        Integer i = index.get(current.headId());
                        if (i != null) {
                            Provenance p = current.update().getProvenance();
                            built.get(i)
                                    .add(new SwapLatencies.Built(
                                            current.version(),
                                            p.getSourcePartition(),
                                            p.getLastOffset(),
                                            current.update().getCreatedTimeMs(),
                                            current.head().receivedNanos(),
                                            current.head().builtNanos()));
                        }
                    }

                    @Override
                    public void removed(String headId, HeadFollower.Versioned<Head> previous) {
                        removed.incrementAndGet();
                    }
                })
                .build();
        this.ticker = new Thread(this::tickLoop, "bench-swap-scoring-tick");
        this.ticker.setDaemon(true);
    }

    /**
     * Follows {@code users} (each {@code <tenant>/<user>}), waits until the follower has caught up
     * with the heads committed so far, then starts the scoring tick.
     */
    public static DetectorSide start(
            String bootstrap, SourceHead source, List<String> users, String task, Duration tick, Duration catchUp)
            throws InterruptedException {
        DetectorSide side = new DetectorSide(bootstrap, source, users, task, tick);
        side.follower.start();
        if (!side.follower.awaitCaughtUp(catchUp)) {
            side.stop();
            throw new IllegalStateException("the head follower did not catch up within " + catchUp);
        }
        side.ticker.start();
        return side;
    }

    private static Head build(HeadUpdate u, SourceHead source) {
        long t0 = System.nanoTime();
        HeadCodec.Decoded d = HeadCodec.decode(u, source);
        return new Head(d, t0, System.nanoTime());
    }

    private void tickLoop() {
        long[] lastVersion = new long[headIds.size()];
        long next = System.nanoTime();
        while (running) {
            long now = System.nanoTime();
            if (now - next > tickNanos / 4) {
                lateTicks.incrementAndGet();
            }
            for (int i = 0; i < headIds.size(); i++) {
                HeadFollower.Versioned<Head> v =
                        follower.current(headIds.get(i)).orElse(null);
                if (v != null && v.version() > lastVersion[i]) {
                    lastVersion[i] = v.version();
                    inUse.get(i).add(new SwapLatencies.InUse(v.version(), now));
                    tickLastOffset.set(i, v.update().getProvenance().getLastOffset());
                }
            }
            ticks.incrementAndGet();
            next += tickNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else {
                next = System.nanoTime(); // behind: the next tick now, no burst of catch-up ticks
            }
        }
    }

    /** The index of {@code headId} among the tracked heads. */
    int indexOf(String headId) {
        Integer i = index.get(headId);
        if (i == null) {
            throw new IllegalArgumentException("not tracked: " + headId);
        }
        return i;
    }

    /** Tracked heads. */
    int heads() {
        return headIds.size();
    }

    /** The last offset of the version the scoring tick last used for head {@code i}; -1 before any. */
    long tickLastOffset(int i) {
        return tickLastOffset.get(i);
    }

    /** The last offset of the version the follower holds for head {@code i}; -1 when it holds none. */
    public long followerLastOffset(int i) {
        return follower.current(headIds.get(i))
                .map(v -> v.update().getProvenance().getLastOffset())
                .orElse(-1L);
    }

    /** Scoring ticks run so far. */
    long ticks() {
        return ticks.get();
    }

    /** Ticks that began more than a quarter of the step after their time. */
    long lateTicks() {
        return lateTicks.get();
    }

    /** Heads removed by a tombstone (an erased user). */
    public long removed() {
        return removed.get();
    }

    /** Head records the follower could not build. */
    public long skipped() {
        return follower.skipped() + follower.foreign();
    }

    /** Per head, every version the follower built, in order (read after {@link #stop()}). */
    public List<List<SwapLatencies.Built>> built() {
        return built;
    }

    /** Per head, every version the scoring tick found newly in use, in order (read after {@link #stop()}). */
    List<List<SwapLatencies.InUse>> inUse() {
        return inUse;
    }

    /** Stops the scoring tick and the follower. */
    public void stop() {
        running = false;
        if (ticker.isAlive()) {
            try {
                ticker.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        follower.close();
    }

    @Override
    public void close() {
        stop();
    }
}
