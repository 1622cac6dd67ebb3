package dev.headstream.tools.speakers;

import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.runtime.backbone.WakeWordBackbone;

/**
 * Per-utterance vectors from a clip's embedding frames (the streaming front end's 96-d
 * embeddings, one per 80 ms step): a summary of a range of frames (their mean, or mean and
 * standard deviation), then optionally a transform learned from other people's speech (centring,
 * whitening, discriminant projection), so that cosine scoring compares what is particular to a
 * voice rather than what all speech shares.
 */
public final class Utterance {

    /** How the frames of an utterance are summarised. */
    public enum Statistics {
        /** The mean of the frames (96 floats). */
        MEAN,
        /** The mean, then the standard deviation of each dimension (192 floats). */
        MEAN_STD,
        /** The frames themselves ({@code n x 96} floats), for a head that compares frames. */
        FRAMES
    }

    /** What is done to the summary before scoring. */
    public enum Transform {
        NONE,
        /** Minus the mean summary of other people's speech. */
        CENTRED,
        /** Whitened by the within-speaker covariance of other people's speech ({@link SpeakerProjection}). */
        WCCN,
        /** Whitened, then projected on the discriminant directions of other people's speech. */
        LDA,
        /** {@link #WCCN} learned from clips of other people rendered like the members' clips. */
        WCCN_CLIPS,
        /** {@link #LDA} learned from clips of other people rendered like the members' clips. */
        LDA_CLIPS
    }

    /** How a clip becomes one vector: which frames, which summary, which transform. */
    public enum Representation {
        MEAN_ALL(false, Statistics.MEAN, Transform.NONE),
        MEAN_SPEECH(true, Statistics.MEAN, Transform.NONE),
        MEAN_SPEECH_CENTRED(true, Statistics.MEAN, Transform.CENTRED),
        MEAN_SPEECH_WCCN(true, Statistics.MEAN, Transform.WCCN),
        MEAN_SPEECH_LDA(true, Statistics.MEAN, Transform.LDA),
        MEANSTD_SPEECH_WCCN(true, Statistics.MEAN_STD, Transform.WCCN),
        MEANSTD_SPEECH_LDA(true, Statistics.MEAN_STD, Transform.LDA),
        FRAMES_SPEECH_CENTRED(true, Statistics.FRAMES, Transform.CENTRED),
        MEAN_SPEECH_WCCN_CLIPS(true, Statistics.MEAN, Transform.WCCN_CLIPS),
        MEAN_SPEECH_LDA_CLIPS(true, Statistics.MEAN, Transform.LDA_CLIPS),
        MEANSTD_SPEECH_WCCN_CLIPS(true, Statistics.MEAN_STD, Transform.WCCN_CLIPS),
        MEANSTD_SPEECH_LDA_CLIPS(true, Statistics.MEAN_STD, Transform.LDA_CLIPS);

        private final boolean speechOnly;
        private final Statistics statistics;
        private final Transform transform;

        Representation(boolean speechOnly, Statistics statistics, Transform transform) {
            this.speechOnly = speechOnly;
            this.statistics = statistics;
            this.transform = transform;
        }

        /** Only the frames whose window is centred in the speech (else every frame of the clip). */
        public boolean speechOnly() {
            return speechOnly;
        }

        public Statistics statistics() {
            return statistics;
        }

        public Transform transform() {
            return transform;
        }

        /** The name in output: {@code mean-speech-lda}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** Samples a 76-mel-frame embedding window spans. */
    static final int WINDOW_SAMPLES = WakeWordBackbone.WINDOW_MEL_FRAMES * WakeWordBackbone.HOP_SAMPLES;

    private Utterance() {}

    /**
     * The first and one-past-last frame whose window centre lies within {@code [speechStart,
     * speechEnd)} on the streaming front end (frame {@code f}'s window ends at sample
     * {@code (f + 1 + warm-up steps) * 1,280}); when none does, the one frame whose centre is closest.
     */
    static int[] speechFrames(int frames, int speechStart, int speechEnd) {
        int first = -1;
        int last = -1;
        int closest = 0;
        long closestDistance = Long.MAX_VALUE;
        for (int f = 0; f < frames; f++) {
            long centre = windowEnd(f) - WINDOW_SAMPLES / 2;
            if (centre >= speechStart && centre < speechEnd) {
                if (first < 0) {
                    first = f;
                }
                last = f;
            }
            long distance = centre < speechStart ? speechStart - centre : centre - speechEnd;
            if (distance < closestDistance) {
                closestDistance = distance;
                closest = f;
            }
        }
        return first < 0 ? new int[] {closest, closest + 1} : new int[] {first, last + 1};
    }

    /** One past the last audio sample frame {@code f} reads on the streaming front end. */
    static long windowEnd(int f) {
        return (long) (f + 1 + WakeWordBackbone.WARM_UP_STEPS) * WakeWordBackbone.STEP_SAMPLES;
    }

    /**
     * The summary of frames {@code [from, to)} of row-major {@code values} ({@code dim} per frame):
     * their mean, and for {@link Statistics#MEAN_STD} then each dimension's (population) standard deviation.
     */
    public static float[] summary(float[] values, int dim, int from, int to, Statistics statistics) {
        if (from < 0 || to <= from || to * dim > values.length) {
            throw new IllegalArgumentException("frames [" + from + ", " + to + ") outside " + values.length / dim);
        }
        double[] sum = new double[dim];
        for (int f = from; f < to; f++) {
            int o = f * dim;
            for (int d = 0; d < dim; d++) {
                sum[d] += values[o + d];
            }
        }
        if (statistics == Statistics.FRAMES) {
            return java.util.Arrays.copyOfRange(values, from * dim, to * dim);
        }
        int n = to - from;
        float[] out = new float[statistics == Statistics.MEAN ? dim : 2 * dim];
        for (int d = 0; d < dim; d++) {
            out[d] = (float) (sum[d] / n);
        }
        if (statistics == Statistics.MEAN_STD) {
            for (int d = 0; d < dim; d++) {
                double m = sum[d] / n;
                double ss = 0;
                for (int f = from; f < to; f++) {
                    double r = values[f * dim + d] - m;
                    ss += r * r;
                }
                out[dim + d] = (float) Math.sqrt(ss / n);
            }
        }
        return out;
    }

    /** The summary of a clip for {@code rep}, before its transform. */
    public static float[] summary(Representation rep, EmbeddingSequence seq, int speechStart, int speechEnd) {
        int[] range =
                rep.speechOnly() ? speechFrames(seq.frames(), speechStart, speechEnd) : new int[] {0, seq.frames()};
        return summary(seq.values(), seq.dim(), range[0], range[1], rep.statistics());
    }
}
