package dev.headstream.core.adapt;

import dev.headstream.core.backbone.EmbeddingSequence;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.MlpHead;

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

    private final WindowLogit head;
    private final int windowFrames;

    public ClipScorer(MlpHead head, float[] source, int windowFrames) {
        MlpHead.Workspace ws = head.newWorkspace();
        this.head = (t, x, o) -> t == null ? head.sourceLogit(source, x, o, ws) : head.logit(source, t, x, o, ws);
        this.windowFrames = windowFrames;
    }

    public ClipScorer(LoraMlpHead head, float[] source, int windowFrames) {
        LoraMlpHead.Workspace ws = head.newWorkspace();
        this.head = (t, x, o) -> t == null ? head.sourceLogit(source, x, o, ws) : head.logit(source, t, x, o, ws);
        this.windowFrames = windowFrames;
    }

    /** Max logit over the clip's windows; {@code trainable == null} scores the unadapted source head. */
    public float maxLogit(float[] trainable, EmbeddingSequence e) {
        int windows = e.windows(windowFrames);
        if (windows < 1) {
            throw new IllegalArgumentException("clip has " + e.frames() + " embedding frames; the head needs "
                    + windowFrames);
        }
        float best = Float.NEGATIVE_INFINITY;
        for (int w = 0; w < windows; w++) {
            best = Math.max(best, head.logit(trainable, e.values(), e.offset(w)));
        }
        return best;
    }

    /** One window's logit, the window starting at {@code input[offset]}; {@code trainable == null} = the source head. */
    public float windowLogit(float[] trainable, float[] input, int offset) {
        return head.logit(trainable, input, offset);
    }

    /** {@code sigmoid(maxLogit(...))}. */
    public float score(float[] trainable, EmbeddingSequence e) {
        return MlpHead.sigmoid(maxLogit(trainable, e));
    }
}
