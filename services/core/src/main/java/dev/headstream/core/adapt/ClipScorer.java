package dev.headstream.core.adapt;

import dev.headstream.core.backbone.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;

/**
 * Scores a whole clip with a head the way a streaming detector sees it: the maximum over every
 * window of {@code windowFrames} consecutive embedding frames.
 *
 * <p>Not thread-safe (owns a workspace): one per thread. The source array is only read.
 */
public final class ClipScorer {

    private final MlpHead head;
    private final float[] source;
    private final int windowFrames;
    private final MlpHead.Workspace workspace;

    public ClipScorer(MlpHead head, float[] source, int windowFrames) {
        this.head = head;
        this.source = source;
        this.windowFrames = windowFrames;
        this.workspace = head.newWorkspace();
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
            float z = trainable == null
                    ? head.sourceLogit(source, e.values(), e.offset(w), workspace)
                    : head.logit(source, trainable, e.values(), e.offset(w), workspace);
            best = Math.max(best, z);
        }
        return best;
    }

    /** {@code sigmoid(maxLogit(...))}. */
    public float score(float[] trainable, EmbeddingSequence e) {
        return MlpHead.sigmoid(maxLogit(trainable, e));
    }
}
