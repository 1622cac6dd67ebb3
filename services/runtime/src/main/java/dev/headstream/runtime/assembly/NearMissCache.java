package dev.headstream.runtime.assembly;

import dev.headstream.core.adapt.task.NearMissLibrary;
import dev.headstream.core.adapt.task.NearMissSet;
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
    private final Function<String, NearMissSet> make;
    /** In access order: the eldest is the phrase used longest ago. */
    private final LinkedHashMap<String, CompletableFuture<NearMissSet>> sets = new LinkedHashMap<>(16, 0.75f, true);

    private long made;

    /**
     * @param capacity phrases kept, at least 1
     * @param make     a phrase's near misses; throws {@link IllegalArgumentException} when the phrase
     *                 has none, {@link IllegalStateException} when they cannot be made now
     */
    public NearMissCache(int capacity, Function<String, NearMissSet> make) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a near-miss cache keeps at least 1 phrase, not " + capacity);
        }
        this.capacity = capacity;
        this.make = Objects.requireNonNull(make, "make");
    }

    @Override
    public NearMissSet of(String phrase) {
        CompletableFuture<NearMissSet> set;
        boolean mine = false;
        synchronized (sets) {
            set = sets.get(phrase);
            if (set == null) {
                set = new CompletableFuture<>();
                sets.put(phrase, set);
                mine = true;
                made++;
                evict();
            }
        }
        if (mine) {
            try {
                set.complete(Objects.requireNonNull(make.apply(phrase), "near misses"));
            } catch (RuntimeException e) {
                if (!(e instanceof IllegalArgumentException)) {
                    synchronized (sets) {
                        sets.remove(phrase, set);
                    }
                }
                set.completeExceptionally(e);
            }
        }
        try {
            return set.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
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
