package dev.headstream.core.embed;

/**
 * The frozen backbone's output for one input: {@code frames} consecutive embedding vectors of
 * {@code dim} floats, row-major ({@code values[f * dim + d]}). For the wake-word backbone each
 * frame is one 80 ms step; a head reads a window of consecutive frames. Treat as immutable.
 *
 * @param frames   number of embedding vectors, at least 1
 * @param dim      floats per vector
 * @param values   {@code frames * dim} floats
 * @param frontEnd the front-end frames the embeddings were computed from, when the caller asked
 *                 for them ({@link Backbone#embedWithFrontEnd}) and the backbone has a front end;
 *                 else null
 */
public record EmbeddingSequence(int frames, int dim, float[] values, FrontEndFrames frontEnd)
        implements EmbeddingWindows {

    public EmbeddingSequence {
        if (frames < 1 || dim < 1 || values.length != frames * dim) {
            throw new IllegalArgumentException(
                    "embedding sequence of " + frames + " x " + dim + " cannot hold " + values.length + " floats");
        }
    }

    /** Embeddings without front-end frames. */
    public EmbeddingSequence(int frames, int dim, float[] values) {
        this(frames, dim, values, null);
    }

    /** The same embeddings with {@code frames} as their front-end frames. */
    public EmbeddingSequence withFrontEnd(FrontEndFrames f) {
        return new EmbeddingSequence(frames, dim, values, f);
    }

    /** Offset of frame {@code f} in {@link #values()}. */
    public int offset(int frame) {
        return frame * dim;
    }

    /** How many windows of {@code windowFrames} consecutive frames fit (0 if none). */
    @Override
    public int windows(int windowFrames) {
        return Math.max(0, frames - windowFrames + 1);
    }

    @Override
    public void window(int frame, int windowFrames, float[] dst) {
        if (frame < 0 || frame + windowFrames > frames) {
            throw new IndexOutOfBoundsException(
                    "window at frame " + frame + " of " + windowFrames + " frames in a clip of " + frames);
        }
        System.arraycopy(values, offset(frame), dst, 0, windowFrames * dim);
    }
}
