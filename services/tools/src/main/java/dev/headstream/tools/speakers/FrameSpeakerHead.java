package dev.headstream.tools.speakers;

import java.util.List;

/**
 * A speaker head that compares frames, not utterance means: an utterance is its sequence of
 * embedding frames ({@code n x dim} floats), each frame L2-normalised; a member's score is the
 * mean, over the utterance's frames, of the highest cosine to any of the member's enrollment
 * frames. A frame finds the member's frame of the same sound, so the phrase said matters less
 * than with a mean over the utterance.
 */
public final class FrameSpeakerHead implements SpeakerHead {

    private final int dim;
    /** Per member its enrollment frames, normalised, concatenated. */
    private final float[][] frames;

    public FrameSpeakerHead(List<List<float[]>> enrollment, int dim) {
        if (enrollment.isEmpty()) {
            throw new IllegalArgumentException("no members");
        }
        this.dim = dim;
        this.frames = new float[enrollment.size()][];
        for (int c = 0; c < enrollment.size(); c++) {
            int total = 0;
            for (float[] u : enrollment.get(c)) {
                checkShape(u);
                total += u.length;
            }
            if (total == 0) {
                throw new IllegalArgumentException("member " + c + " has no enrollment frames");
            }
            float[] all = new float[total];
            int at = 0;
            for (float[] u : enrollment.get(c)) {
                System.arraycopy(normalised(u, dim), 0, all, at, u.length);
                at += u.length;
            }
            frames[c] = all;
        }
    }

    /** The factory for {@code bench-speakers}, on frames of {@code dim} floats. */
    public static Factory factory(int dim) {
        return new Factory() {
            @Override
            public String name() {
                return "frames";
            }

            @Override
            public SpeakerHead build(List<List<float[]>> enrollment) {
                return new FrameSpeakerHead(enrollment, dim);
            }
        };
    }

    @Override
    public int members() {
        return frames.length;
    }

    @Override
    public Score score(float[] x) {
        checkShape(x);
        float[] q = normalised(x, dim);
        int n = q.length / dim;
        int best = 0;
        float bestScore = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < frames.length; c++) {
            float[] m = frames[c];
            int mn = m.length / dim;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int qo = i * dim;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < mn; j++) {
                    int mo = j * dim;
                    float dot = 0;
                    for (int d = 0; d < dim; d++) {
                        dot += q[qo + d] * m[mo + d];
                    }
                    if (dot > max) {
                        max = dot;
                    }
                }
                sum += max;
            }
            float s = (float) (sum / n);
            if (s > bestScore) {
                bestScore = s;
                best = c;
            }
        }
        return new Score(best, bestScore);
    }

    private void checkShape(float[] u) {
        if (u.length == 0 || u.length % dim != 0) {
            throw new IllegalArgumentException("an utterance of " + u.length + " floats is not frames of " + dim);
        }
    }

    /** Each frame scaled to unit length (a zero frame stays zero). */
    static float[] normalised(float[] u, int dim) {
        float[] out = new float[u.length];
        for (int o = 0; o < u.length; o += dim) {
            double ss = 0;
            for (int d = 0; d < dim; d++) {
                ss += (double) u[o + d] * u[o + d];
            }
            double inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
            for (int d = 0; d < dim; d++) {
                out[o + d] = (float) (u[o + d] * inv);
            }
        }
        return out;
    }
}
