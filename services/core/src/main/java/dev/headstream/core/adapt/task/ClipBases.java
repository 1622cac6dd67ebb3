package dev.headstream.core.adapt.task;

import dev.headstream.core.embed.EmbeddingSequence;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first layer's frozen products ({@link ClipScorer#firstLayerProduct}) of clips' windows,
 * kept for the most recently used clips, for heads whose first layer every user shares (LoRA).
 * Such a product does not depend on the user's head, only on the window, yet a user's clips are
 * scored again and again: a replayed clip in up to 40 optimizer steps per arriving sample, every
 * replayed clip at each publication (the minimum-recall check), the arriving clip before and after
 * its training. Each window's product is computed once while its clip stays here; a window then
 * costs a small fraction of a full pass. The products are the same floats as computed in a pass,
 * so nothing a head scores or trains changes.
 *
 * <p>Clips are told apart by identity (a user's stored replay clips, the reference set's clips),
 * never by value. The least recently used clips leave once the products held pass
 * {@code budgetFloats}, or more than {@link #MAX_CLIPS} clips are held; the engine empties the
 * cache at the start of every batch ({@link #clear}), so that no clip (an erased user's either)
 * outlives the batch that used it here. An arriving sample's embedding, scored before and after
 * its training, has one slot of its own ({@link #maxLogitOfArriving}) rather than a place among
 * the kept clips.
 *
 * <p>Not thread-safe: one per task instance, that is per worker thread.
 */
final class ClipBases {

    /** Floats of products held at most per task instance (4 MB). */
    static final int DEFAULT_BUDGET_FLOATS = 1 << 20;

    /** Clips held at most (each keeps its clip object alive while here). */
    static final int MAX_CLIPS = 1024;

    /** One clip's products, window after window, and which windows are computed yet. */
    static final class Entry {
        final float[] products;
        final boolean[] done;

        Entry(int windows, int width) {
            this.products = new float[Math.multiplyExact(windows, width)];
            this.done = new boolean[windows];
        }
    }

    /** A clip by identity. */
    private record Identity(Object clip) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity other && other.clip == clip;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(clip);
        }
    }

    private final ClipScorer scorer;
    private final int windowFrames;
    private final int width;
    private final long budgetFloats;
    private final LinkedHashMap<Identity, Entry> clips = new LinkedHashMap<>(64, 0.75f, true);
    private long heldFloats;
    /** The arriving sample's embedding whose products {@link #arrivingProducts} holds, or null. */
    private EmbeddingSequence arriving;

    private float[] arrivingProducts = new float[0];

    /**
     * @param scorer       computes the products (its head's first layer)
     * @param windowFrames frames per window
     * @param budgetFloats products held at most; at least one clip's are always kept
     */
    ClipBases(ClipScorer scorer, int windowFrames, long budgetFloats) {
        this.scorer = scorer;
        this.windowFrames = windowFrames;
        this.width = scorer.firstLayerWidth();
        this.budgetFloats = budgetFloats;
    }

    /** Whether the head's first layer is shared, so that products can be kept (else nothing is). */
    boolean enabled() {
        return width > 0;
    }

    /** Floats of one window's product. */
    int width() {
        return width;
    }

    /**
     * The product of window {@code w} of {@code clip} (which has {@code windows} windows), whose
     * frames the caller has in {@code frames[offset ..]}: computed from them on first use.
     *
     * @return the entry holding it at {@code w * width()}
     */
    Entry window(Object clip, int windows, int w, float[] frames, int offset) {
        Entry e = entry(clip, windows);
        ensure(e, w, frames, offset);
        return e;
    }

    /** Every window's product of {@code clip}, whose frames are {@code e}'s. */
    Entry all(Object clip, EmbeddingSequence e) {
        int windows = e.windows(windowFrames);
        Entry entry = entry(clip, windows);
        int pending = -1;
        for (int w = 0; w < windows; w++) {
            if (entry.done[w]) {
                continue;
            }
            if (pending < 0) {
                pending = w;
            } else {
                scorer.firstLayerProducts(
                        e.values(), e.offset(pending), e.offset(w), entry.products, pending * width, w * width);
                entry.done[pending] = true;
                entry.done[w] = true;
                pending = -1;
            }
        }
        if (pending >= 0) {
            ensure(entry, pending, e.values(), e.offset(pending));
        }
        return entry;
    }

    /** Computes window {@code w}'s product into {@code e} from {@code frames[offset ..]} unless done. */
    private void ensure(Entry e, int w, float[] frames, int offset) {
        if (!e.done[w]) {
            scorer.firstLayerProduct(frames, offset, e.products, w * width);
            e.done[w] = true;
        }
    }

    /**
     * {@link ClipScorer#maxLogit} of {@code clip}, whose frames are {@code e}, with its windows'
     * products from here (computed on first use) when {@link #enabled()}: the same float.
     */
    float maxLogit(ClipScorer scorer, float[] trainable, Object clip, EmbeddingSequence e) {
        if (!enabled()) {
            return scorer.maxLogit(trainable, e);
        }
        return scorer.maxLogit(trainable, e, all(clip, e).products);
    }

    /**
     * {@link ClipScorer#maxLogit} of an arriving sample's embedding {@code e}: its products are
     * computed into one slot on first use and reused while {@code e} is the last clip asked for
     * here (the scores before and after its training); the same float.
     */
    float maxLogitOfArriving(ClipScorer scorer, float[] trainable, EmbeddingSequence e) {
        if (!enabled()) {
            return scorer.maxLogit(trainable, e);
        }
        if (arriving != e) {
            int windows = e.windows(windowFrames);
            int n = Math.multiplyExact(Math.max(windows, 0), width);
            if (arrivingProducts.length < n) {
                arrivingProducts = new float[n];
            }
            scorer.firstLayerProducts(e.values(), 0, windows, e::offset, arrivingProducts);
            arriving = e;
        }
        return scorer.maxLogit(trainable, e, arrivingProducts);
    }

    /** Drops every kept clip and the arriving slot. */
    void clear() {
        clips.clear();
        heldFloats = 0;
        arriving = null;
    }

    /** Clips held now. */
    int size() {
        return clips.size();
    }

    private Entry entry(Object clip, int windows) {
        Identity key = new Identity(clip);
        Entry e = clips.get(key);
        if (e != null && e.done.length == windows) {
            return e;
        }
        if (e != null) { // cannot happen for one clip object; dropped rather than trusted
            heldFloats -= e.products.length;
            clips.remove(key);
        }
        e = new Entry(windows, width);
        clips.put(key, e);
        heldFloats += e.products.length;
        Iterator<Map.Entry<Identity, Entry>> eldest = clips.entrySet().iterator();
        while ((heldFloats > budgetFloats || clips.size() > MAX_CLIPS) && clips.size() > 1) {
            Map.Entry<Identity, Entry> x = eldest.next();
            heldFloats -= x.getValue().products.length;
            eldest.remove();
        }
        return e;
    }
}
