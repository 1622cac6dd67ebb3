package dev.headstream.core.embed;

/**
 * The frames a backbone's front end computed on the way to an input's embeddings: for the
 * wake-word backbone, the 32-band log-mel frames (10 ms apart, scaled {@code x/10 + 2}) that its
 * embedding model read, row-major ({@code values[f * bins + b]}). A pooling that reads the signal
 * below the embeddings (a speaker's voice, say) takes them from here, so the front end runs once
 * per input. Treat as immutable.
 *
 * @param frames number of frames, at least 1
 * @param bins   values per frame
 * @param values {@code frames * bins} floats
 */
public record FrontEndFrames(int frames, int bins, float[] values) {

    public FrontEndFrames {
        if (frames < 1 || bins < 1 || values == null || values.length != (long) frames * bins) {
            throw new IllegalArgumentException("front-end frames of " + frames + " x " + bins + " cannot hold "
                    + (values == null ? "null" : values.length + " floats"));
        }
    }

    /** {@code values} as frames of {@code bins} values; fails if they do not divide evenly. */
    public static FrontEndFrames of(float[] values, int bins) {
        if (bins < 1 || values == null || values.length == 0 || values.length % bins != 0) {
            throw new IllegalArgumentException((values == null ? "null" : values.length + " floats")
                    + " are no whole, non-zero number of " + bins + "-value frames");
        }
        return new FrontEndFrames(values.length / bins, bins, values);
    }
}
