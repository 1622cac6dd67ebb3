package dev.headstream.runtime.assembly;

import dev.headstream.core.adapt.task.NearMissLibrary;
import dev.headstream.core.adapt.task.NearMissSet;
import dev.headstream.core.adapt.task.NearMissesBusyException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The near misses of users' phrases for a task with a phrase per user: each phrase's set is made
 * once, by the first worker that asks for it (another worker asking meanwhile waits for that one),
 * and kept while it is among the {@code capacity} phrases used last. A set depends on its phrase
 * alone, so which sets are kept changes only how often one is made again, never a head's bits.
 * A phrase that has no near miss to speak is remembered as such (it cannot get one later); a
 * failure of the tools is not, so the next sample of that phrase tries again. Thread-safe.
 */
public final class NearMissCache implements NearMissLibrary {

    /**
     * Phrases whose near misses are kept by default: about 0.3 MB each with the default 24 clips
     * (2.5 s clips, 28 frames of 96 floats).
     */
    public static final int DEFAULT_PHRASES = 64;

    private final int capacity;
    private final int size;
    /** Phrases' near misses made per batch at most (0: no limit), and how many this batch made. */
    private final int perBatch;

    private int madeThisBatch;
    private final Function<String, NearMissSet> make;
    /** In access order: the eldest is the phrase used longest ago. */
    private final LinkedHashMap<String, CompletableFuture<NearMissSet>> sets = new LinkedHashMap<>(16, 0.75f, true);

    private long made;

    /**
     * @param capacity phrases kept, at least 1
     * @param size     near misses in every phrase's set ({@link Integer#MAX_VALUE}: not known)
     * @param make     a phrase's near misses, {@code size} of them; throws {@link IllegalArgumentException}
     *                 when the phrase has none, {@link IllegalStateException} when they cannot be made now
     */
    public NearMissCache(int capacity, int size, Function<String, NearMissSet> make) {
        this(capacity, size, 0, make);
    }

    /**
     * @param capacity phrases kept, at least 1
     * @param size     near misses in every phrase's set ({@link Integer#MAX_VALUE}: not known)
     * @param perBatch phrases whose near misses one batch may make (0: no limit); an asker beyond it
     *                 gets {@link NearMissesBusyException}
     * @param make     as for {@link #NearMissCache(int, int, Function)}
     */
    public NearMissCache(int capacity, int size, int perBatch, Function<String, NearMissSet> make) {
        if (perBatch < 0) {
            throw new IllegalArgumentException("phrases made per batch must be 0 (no limit) or more, not " + perBatch);
        }
        this.perBatch = perBatch;
        if (capacity < 1) {
            throw new IllegalArgumentException("a near-miss cache keeps at least 1 phrase, not " + capacity);
        }
        if (size < 0) {
            throw new IllegalArgumentException("a phrase's near misses cannot be " + size);
        }
        this.capacity = capacity;
        this.size = size;
        this.make = Objects.requireNonNull(make, "make");
    }

    @Override
    public void startBatch() {
        synchronized (sets) {
            madeThisBatch = 0;
        }
    }

    @Override
    public int nearMissesPerPhrase() {
        return size;
    }

    @Override
    public NearMissSet of(String phrase) {
        CompletableFuture<NearMissSet> set;
        boolean mine = false;
        synchronized (sets) {
            set = sets.get(phrase);
            if (set == null) {
                if (perBatch > 0 && madeThisBatch >= perBatch) {
                    throw new NearMissesBusyException("the near misses of wake phrase '" + phrase + "' are not made yet"
                            + " and this batch already made those of " + madeThisBatch + " phrases (at most " + perBatch
                            + " per batch, headstream.new-phrases-per-batch)");
                }
                madeThisBatch++;
                set = new CompletableFuture<>();
                sets.put(phrase, set);
                mine = true;
                made++;
                evict();
            }
        }
        if (mine) {
            try {
                NearMissSet made = Objects.requireNonNull(make.apply(phrase), "near misses");
                if (size != Integer.MAX_VALUE && made.size() != size) {
                    throw new IllegalStateException(
                            "the near misses of '" + phrase + "' are " + made.size() + " clips, not " + size);
                }
                set.complete(made);
            } catch (Throwable e) {
                // every failure completes the set, so no one waits for it forever; only "no near
                // miss" is the phrase's own answer, the rest is tried again by the next asker
                if (!(e instanceof IllegalArgumentException)) {
                    synchronized (sets) {
                        sets.remove(phrase, set);
                    }
                }
                set.completeExceptionally(e);
                if (e instanceof Error err) {
                    throw err;
                }
            }
        }
        try {
            return set.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("the near misses of '" + phrase + "' could not be made", e.getCause());
        }
    }

    /** Phrases kept now. */
    public int size() {
        synchronized (sets) {
            return sets.size();
        }
    }

    /** How many times a phrase's near misses were made (a phrase evicted and asked for again counts twice). */
    public long made() {
        synchronized (sets) {
            return made;
        }
    }

    /** Drops the phrases used longest ago beyond the capacity; a set still being made stays. */
    private void evict() {
        Iterator<Map.Entry<String, CompletableFuture<NearMissSet>>> it =
                sets.entrySet().iterator();
        int over = sets.size() - capacity;
        while (over > 0 && it.hasNext()) {
            if (it.next().getValue().isDone()) {
                it.remove();
                over--;
            }
        }
    }
}
