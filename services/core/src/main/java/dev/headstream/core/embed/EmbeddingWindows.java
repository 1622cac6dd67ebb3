package dev.headstream.core.embed;

/**
 * A clip's embedding frames as a head reads them: windows of consecutive frames, copied out as
 * float32 whatever the clip stores.
 */
public interface EmbeddingWindows {

    /** How many windows of {@code windowFrames} consecutive frames fit (0 if none). */
    int windows(int windowFrames);

    /**
     * Copies the {@code windowFrames} frames from {@code frame} into {@code dst[0..windowFrames*dim)}.
     *
     * @throws IndexOutOfBoundsException if the window does not lie inside the clip
     */
    void window(int frame, int windowFrames, float[] dst);
}
