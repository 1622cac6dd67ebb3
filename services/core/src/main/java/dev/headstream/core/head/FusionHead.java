package dev.headstream.core.head;

/**
 * Conservative deployment by output fusion: the published score is the weighted average
 * {@code (1 - a) * source + a * adapted} of the source head's and the adapted head's outputs
 * (probabilities, not logits, so the result stays in {@code [0, 1]} and a softmax output stays a
 * distribution). {@code a = 0} serves the source head unchanged, {@code a = 1} the adapted head.
 * Apply it per window before any max-over-windows, and calibrate the per-user threshold on the
 * fused score. Immutable and thread-safe.
 *
 * @param adaptedWeight weight {@code a} of the adapted head's output, in {@code [0, 1]}
 */
public record FusionHead(float adaptedWeight) {

    public FusionHead {
        if (!(adaptedWeight >= 0f && adaptedWeight <= 1f)) {
            throw new IllegalArgumentException("adaptedWeight must be in [0, 1], got " + adaptedWeight);
        }
    }

    /** The fused score of one output. */
    public float fuse(float sourceScore, float adaptedScore) {
        return (1f - adaptedWeight) * sourceScore + adaptedWeight * adaptedScore;
    }

    /** Fuses output vectors element-wise into {@code out} (which may be one of the inputs). */
    public void fuse(float[] sourceScores, float[] adaptedScores, float[] out) {
        if (sourceScores.length != adaptedScores.length || out.length != sourceScores.length) {
            throw new IllegalArgumentException("fused vectors must have equal lengths, got " + sourceScores.length
                    + ", " + adaptedScores.length + " and " + out.length);
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = fuse(sourceScores[i], adaptedScores[i]);
        }
    }
}
