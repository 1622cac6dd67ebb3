package dev.headstream.core.embed;

/**
 * {@code mean-std} pooling: one vector per clip, whatever its length, from its embedding frames.
 * Per dimension {@code d} of a {@code dim}-wide sequence, {@code out[d]} is the mean over all
 * frames and {@code out[dim + d]} their population standard deviation (divided by the frame
 * count), both summed in double in frame order and rounded to float once. This is what a class
 * head reads, in the adapter and in every consumer that scores one; the same frames give the same
 * bits.
 *
 * <p>Stateless and thread-safe.
 */
public final class MeanStdPooling {

    /** The pooling's name in a head's spec ({@code HeadSpec.pooling}). */
    public static final String NAME = "mean-std";

    private MeanStdPooling() {}

    /** The pooled width for embeddings of {@code dim} values: {@code 2 * dim}. */
    public static int width(int dim) {
        return 2 * dim;
    }

    /** {@code e} pooled into a new array of {@link #width} values. */
    public static float[] pool(EmbeddingSequence e) {
        float[] out = new float[width(e.dim())];
        pool(e, out, 0);
        return out;
    }

    /**
     * Writes {@code e} pooled into {@code out[offset .. offset + 2 * e.dim())}; allocates nothing.
     *
     * @throws IllegalArgumentException if that range is outside {@code out}
     */
    public static void pool(EmbeddingSequence e, float[] out, int offset) {
        int frames = e.frames();
        int dim = e.dim();
        if (out == null || offset < 0 || offset > out.length - width(dim)) {
            throw new IllegalArgumentException("pooled vector [" + offset + ", " + offset + " + " + width(dim)
                    + ") is outside an array of length " + (out == null ? "null" : out.length));
        }
        float[] v = e.values();
        for (int d = 0; d < dim; d++) {
            double sum = 0;
            for (int f = 0; f < frames; f++) {
                sum += v[f * dim + d];
            }
            double mean = sum / frames;
            double sq = 0;
            for (int f = 0; f < frames; f++) {
                double x = v[f * dim + d] - mean;
                sq += x * x;
            }
            out[offset + d] = (float) mean;
            out[offset + dim + d] = (float) Math.sqrt(sq / frames);
        }
    }
}
