package dev.headstream.core.adapt.task;

import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.MlpHead;
import java.util.function.IntUnaryOperator;

/**
 * Scores a whole clip with a head the way a streaming detector sees it: the maximum over every
 * window of {@code windowFrames} consecutive embedding frames. Works with a top-k
 * {@link MlpHead} (per-user {@code trainable} = its tail) or a {@link LoraMlpHead}
 * (per-user {@code trainable} = its low-rank vector).
 *
 * <p>Not thread-safe (owns a workspace): one per thread. The source array is only read.
 */
public final class ClipScorer {

    /** One window's logit; {@code trainable == null} = the unadapted source head. */
    private interface WindowLogit {
        float logit(float[] trainable, float[] input, int offset);
    }

    /** One window's logit with the first layer's frozen product given ({@link LoraMlpHead#logitWithBase}). */
    private interface BaseLogit {
        float logit(float[] trainable, float[] base, int baseOffset, float[] input, int offset);
    }

    /** Two windows' logits with their first-layer products given ({@link LoraMlpHead#logitsWithBase}). */
    private interface PairLogits {
        void logits(
                float[] trainable,
                float[] base,
                int baseOffset1,
                int baseOffset2,
                float[] input,
                int offset1,
                int offset2,
                float[] dst,
                int d1,
                int d2);
    }

    private final WindowLogit head;
    /** Null when {@link #withBase} is. */
    private final PairLogits pairWithBase;

    private final int windowFrames;
    /** Null when the first layer trains per user (its product then differs per user). */
    private final BaseLogit withBase;

    /** Scratch: two windows' logits. */
    private final float[] pair = new float[2];

    private final LoraMlpHead lora;
    private final MlpHead mlp;
    private final float[] source;
    /** {@link #helpers}: copies for the parts of a loop that other threads score. */
    private ClipScorer[] helpers = new ClipScorer[0];

    public ClipScorer(MlpHead head, float[] source, int windowFrames) {
        MlpHead.Workspace ws = head.newWorkspace();
        this.head = (t, x, o) -> t == null ? head.sourceLogit(source, x, o, ws) : head.logit(source, t, x, o, ws);
        this.windowFrames = windowFrames;
        this.withBase = null;
        this.pairWithBase = null;
        this.lora = null;
        this.mlp = head;
        this.source = source;
    }

    public ClipScorer(LoraMlpHead head, float[] source, int windowFrames) {
        LoraMlpHead.Workspace ws = head.newWorkspace();
        this.head = (t, x, o) -> t == null ? head.sourceLogit(source, x, o, ws) : head.logit(source, t, x, o, ws);
        this.windowFrames = windowFrames;
        this.withBase = (t, b, bo, x, o) -> head.logitWithBase(source, t, b, bo, x, o, ws);
        this.pairWithBase = (t, b, bo1, bo2, x, o1, o2, dst, d1, d2) ->
                head.logitsWithBase(source, t, b, bo1, bo2, x, o1, o2, ws, dst, d1, d2);
        this.lora = head;
        this.mlp = null;
        this.source = source;
    }

    /** A new scorer of the same head with its own workspace (for another thread). */
    public ClipScorer copy() {
        return lora != null ? new ClipScorer(lora, source, windowFrames) : new ClipScorer(mlp, source, windowFrames);
    }

    /**
     * At least {@code n} copies of this scorer, made once and kept, for {@link ScoringHelpers}' parts
     * of this scorer's loops: only the thread that owns this scorer asks for them, and it waits for
     * every part before its next loop, so no copy is ever used by two threads at once.
     */
    ClipScorer[] helpers(int n) {
        if (helpers.length < n) {
            ClipScorer[] more = java.util.Arrays.copyOf(helpers, n);
            for (int i = helpers.length; i < n; i++) {
                more[i] = copy();
            }
            helpers = more;
        }
        return helpers;
    }

    /**
     * Floats of the first layer's frozen product per window, when every user shares that layer's
     * weights (LoRA heads): then {@link #firstLayerProduct} can be computed once per shared window
     * and {@link #windowLogitWithBase} reuses it. 0 when the first layer trains per user.
     */
    public int firstLayerWidth() {
        return lora == null ? 0 : lora.firstLayerWidth();
    }

    /** The first layer's frozen product for one window; thread-safe. Only when {@link #firstLayerWidth()} > 0. */
    public void firstLayerProduct(float[] input, int offset, float[] dst, int dstOffset) {
        if (lora == null) {
            throw new IllegalStateException("the first layer of this head trains per user");
        }
        lora.firstLayerProduct(source, input, offset, dst, dstOffset);
    }

    /** {@link #firstLayerProduct} of two windows at once ({@link LoraMlpHead#firstLayerProducts}): the same floats. */
    public void firstLayerProducts(float[] input, int offset1, int offset2, float[] dst, int d1, int d2) {
        if (lora == null) {
            throw new IllegalStateException("the first layer of this head trains per user");
        }
        lora.firstLayerProducts(source, input, offset1, offset2, dst, d1, d2);
    }

    /**
     * The first-layer products of windows {@code from .. to - 1}, window {@code w} read from
     * {@code input[offsetOf(w) ..]} and written to {@code dst[w * firstLayerWidth() ..]}: two windows
     * per pass ({@link #firstLayerProducts}), the last one alone if the count is odd; the same floats
     * as one at a time.
     */
    public void firstLayerProducts(float[] input, int from, int to, IntUnaryOperator offsetOf, float[] dst) {
        int width = firstLayerWidth();
        int w = from;
        for (; w + 1 < to; w += 2) {
            firstLayerProducts(
                    input, offsetOf.applyAsInt(w), offsetOf.applyAsInt(w + 1), dst, w * width, (w + 1) * width);
        }
        if (w < to) {
            firstLayerProduct(input, offsetOf.applyAsInt(w), dst, w * width);
        }
    }

    /**
     * {@link #windowLogit} with the first layer's frozen product read from {@code base}: the same
     * float, cheaper. Falls back to {@link #windowLogit} when {@code base} is null.
     */
    public float windowLogitWithBase(float[] trainable, float[] base, int baseOffset, float[] input, int offset) {
        return base == null || withBase == null
                ? head.logit(trainable, input, offset)
                : withBase.logit(trainable, base, baseOffset, input, offset);
    }

    /**
     * {@link #windowLogitWithBase} of two windows, into {@code dst[d1]} and {@code dst[d2]}: the same
     * floats, about twice as fast per window where the first layer is shared (one pass through the
     * head's matrices for both).
     */
    public void windowLogitsWithBase(
            float[] trainable,
            float[] base,
            int baseOffset1,
            int baseOffset2,
            float[] input,
            int offset1,
            int offset2,
            float[] dst,
            int d1,
            int d2) {
        if (base == null || pairWithBase == null) {
            dst[d1] = head.logit(trainable, input, offset1);
            dst[d2] = head.logit(trainable, input, offset2);
        } else {
            pairWithBase.logits(trainable, base, baseOffset1, baseOffset2, input, offset1, offset2, dst, d1, d2);
        }
    }

    /** Max logit over the clip's windows; {@code trainable == null} scores the unadapted source head. */
    public float maxLogit(float[] trainable, EmbeddingSequence e) {
        int windows = windowsOf(e);
        float best = Float.NEGATIVE_INFINITY;
        for (int w = 0; w < windows; w++) {
            best = Math.max(best, head.logit(trainable, e.values(), e.offset(w)));
        }
        return best;
    }

    /**
     * {@link #maxLogit} with every window's first-layer product taken from {@code products}
     * (window {@code w}'s at {@code w * firstLayerWidth()}): the same float, two windows per pass.
     */
    public float maxLogit(float[] trainable, EmbeddingSequence e, float[] products) {
        int windows = windowsOf(e);
        int width = firstLayerWidth();
        float best = Float.NEGATIVE_INFINITY;
        int w = 0;
        for (; w + 1 < windows; w += 2) {
            windowLogitsWithBase(
                    trainable,
                    products,
                    w * width,
                    (w + 1) * width,
                    e.values(),
                    e.offset(w),
                    e.offset(w + 1),
                    pair,
                    0,
                    1);
            best = Math.max(best, Math.max(pair[0], pair[1]));
        }
        if (w < windows) {
            best = Math.max(best, windowLogitWithBase(trainable, products, w * width, e.values(), e.offset(w)));
        }
        return best;
    }

    /** One window's logit, the window starting at {@code input[offset]}; {@code trainable == null} = the source head. */
    public float windowLogit(float[] trainable, float[] input, int offset) {
        return head.logit(trainable, input, offset);
    }

    /** The windows of {@code e} the head reads; at least one, else IllegalArgumentException. */
    private int windowsOf(EmbeddingSequence e) {
        int windows = e.windows(windowFrames);
        if (windows < 1) {
            throw new IllegalArgumentException(
                    "clip has " + e.frames() + " embedding frames; the head needs " + windowFrames);
        }
        return windows;
    }

    /** Binary log loss of a clip score, with the score kept inside [1e-7, 1 - 1e-7]. */
    static double logLoss(boolean positive, double score) {
        double p = Math.min(Math.max(score, 1e-7), 1 - 1e-7);
        return positive ? -Math.log(p) : -Math.log(1 - p);
    }

    /** {@code sigmoid(maxLogit(...))}. */
    public float score(float[] trainable, EmbeddingSequence e) {
        return MlpHead.sigmoid(maxLogit(trainable, e));
    }
}
