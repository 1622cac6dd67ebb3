package dev.headstream.core.adapt.state;

import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.EmbeddingWindows;
import dev.headstream.core.embed.Float16;
import java.util.Arrays;

/**
 * A training clip's embedding sequence as a replay buffer keeps it: half precision, half the
 * bytes of the backbone's float32 output. Training and threshold calibration read replayed
 * clips only through this form, also for the clip that just arrived, so a head restored from
 * the changelog trains exactly as the one that wrote it. Treat as immutable.
 *
 * @param frames embedding frames
 * @param dim    floats per frame
 */
public record StoredClip(int frames, int dim, short[] halfs) implements EmbeddingWindows {

    public StoredClip {
        if (frames < 1 || dim < 1 || halfs.length != (long) frames * dim) {
            throw new IllegalArgumentException(
                    "stored clip of " + frames + " x " + dim + " cannot hold " + halfs.length + " values");
        }
    }

    /** {@code e} rounded to half precision. */
    public static StoredClip of(EmbeddingSequence e) {
        return new StoredClip(e.frames(), e.dim(), Float16.encode(e.values()));
    }

    @Override
    public int windows(int windowFrames) {
        return Math.max(0, frames - windowFrames + 1);
    }

    /** Widens the {@code windowFrames} frames from {@code frame} into {@code dst[0..windowFrames*dim)}. */
    @Override
    public void window(int frame, int windowFrames, float[] dst) {
        if (frame < 0 || frame + windowFrames > frames) {
            throw new IndexOutOfBoundsException(
                    "window at frame " + frame + " of " + windowFrames + " frames in a clip of " + frames);
        }
        Float16.decode(halfs, frame * dim, dst, 0, windowFrames * dim);
    }

    /** The whole clip widened to float32 (a new sequence). */
    public EmbeddingSequence decode() {
        float[] v = new float[halfs.length];
        Float16.decode(halfs, 0, v, 0, v.length);
        return new EmbeddingSequence(frames, dim, v);
    }

    /** Bytes the values take in memory. */
    public long bytes() {
        return (long) halfs.length * Short.BYTES;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredClip c && c.frames == frames && c.dim == dim && Arrays.equals(c.halfs, halfs);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * frames + dim) + Arrays.hashCode(halfs);
    }

    @Override
    public String toString() {
        return "StoredClip[" + frames + " x " + dim + ", float16]";
    }
}
