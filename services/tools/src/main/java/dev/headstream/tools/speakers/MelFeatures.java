package dev.headstream.tools.speakers;

import dev.headstream.core.embed.MelCepstrumPooling;
import java.util.Arrays;
import java.util.Locale;

/**
 * Per-utterance speaker vectors from the streaming front end's log-mel frames (the 32-band frames
 * that {@code melspectrogram.onnx} gives every 10 ms, scaled {@code x/10 + 2}, one 80 ms step at a
 * time, before the embedding model): classic speaker-recognition statistics. Speech frames are
 * picked by energy; each frame becomes a feature vector (the log-mel bands, or their cepstrum
 * without c0, optionally minus the utterance's mean cepstrum, optionally with deltas); the
 * utterance is summarised by the mean and standard deviation of its speech frames' features.
 * Transforms (centring, whitening, LDA) are learned elsewhere ({@link MelRepresentationModel}).
 * Stateless; thread-safe.
 */
public final class MelFeatures {

    /** Cepstral coefficients kept after c0 (c1..c19 of the 32-band DCT). */
    public static final int CEPSTRA = MelCepstrumPooling.CEPSTRA;

    /** Frames on either side of a frame that its delta regresses over. */
    public static final int DELTA_WIDTH = MelCepstrumPooling.DELTA_WIDTH;

    /** What each speech frame becomes. */
    public enum Base {
        /** The 32 log-mel bands as they are. */
        LOGMEL,
        /** DCT-II (orthonormal) of the 32 bands, c1..c19: c0 (the frame's level) dropped. */
        CEPSTRUM,
        /** {@link #CEPSTRUM} minus the utterance's mean cepstrum: only the spread remains (standard deviations). */
        CEPSTRUM_CMN
    }

    /** What is done to the summary before scoring, learned from the bank's TRAIN voices' clips. */
    public enum Transform {
        /** Minus the mean summary of the training speakers' clips. */
        CENTRED,
        /** Whitened by the within-speaker covariance of the training speakers' clips. */
        WCCN,
        /** Whitened, then projected on the training speakers' discriminant directions. */
        LDA
    }

    /**
     * A mel representation.
     *
     * @param base      per-frame features
     * @param deltas    whether each frame's delta features are appended
     * @param transform what is learned from training speakers' clips and applied to the summary
     */
    public record Representation(Base base, boolean deltas, Transform transform) {

        /** The name in output: {@code mel-cepstrum-deltas-lda}. */
        public String label() {
            return "mel-" + base.name().toLowerCase(Locale.ROOT).replace('_', '-') + (deltas ? "-deltas" : "") + "-"
                    + transform.name().toLowerCase(Locale.ROOT);
        }

        /** The representation whose {@link #label()} is {@code label}. */
        public static Representation parse(String label) {
            for (Base b : Base.values()) {
                for (boolean d : new boolean[] {false, true}) {
                    for (Transform t : Transform.values()) {
                        Representation r = new Representation(b, d, t);
                        if (r.label().equals(label)) {
                            return r;
                        }
                    }
                }
            }
            throw new IllegalArgumentException("no mel representation " + label);
        }
    }

    private MelFeatures() {}

    /** Each frame's energy: the mean of its {@code bins} log-mel bands ({@link MelCepstrumPooling#energies}). */
    static float[] energies(float[] mel, int bins) {
        return MelCepstrumPooling.energies(mel, bins);
    }

    /** Speech frames by energy ({@link MelCepstrumPooling#speechFrames}). */
    static boolean[] speechFrames(float[] mel, int bins, double drop) {
        return MelCepstrumPooling.speechFrames(mel, bins, drop);
    }

    /** Orthonormal DCT-II coefficients {@code 1..count} of one frame ({@link MelCepstrumPooling#cepstrum}). */
    static float[] cepstrum(float[] mel, int from, int bins, int count) {
        float[] c = new float[count];
        MelCepstrumPooling.cepstrum(mel, from, bins, c, 0, count);
        return c;
    }

    /** Regression deltas ({@link MelCepstrumPooling#deltas}). */
    static float[] deltas(float[] frames, int dim, int width) {
        return MelCepstrumPooling.deltas(frames, dim, width);
    }

    /**
     * The summary of an utterance's mel frames for {@code base} and {@code deltas}, before the
     * transform: the mean then the standard deviation of each feature over the speech frames
     * ({@link #speechFrames} at {@code drop}); for {@link Base#CEPSTRUM_CMN} only the standard
     * deviations (its means are zero). Deltas are computed over all frames, in time order, then
     * summarised over the speech frames.
     */
    public static float[] summary(float[] mel, int bins, Base base, boolean deltas, double drop) {
        int frames = mel.length / bins;
        if (frames == 0 || mel.length % bins != 0) {
            throw new IllegalArgumentException(mel.length + " floats are no whole number of " + bins + "-band frames");
        }
        boolean[] speech = speechFrames(mel, bins, drop);
        int dim = base == Base.LOGMEL ? bins : CEPSTRA;
        float[] x = new float[frames * dim];
        for (int f = 0; f < frames; f++) {
            if (base == Base.LOGMEL) {
                System.arraycopy(mel, f * bins, x, f * dim, bins);
            } else {
                System.arraycopy(cepstrum(mel, f * bins, bins, CEPSTRA), 0, x, f * dim, dim);
            }
        }
        if (base == Base.CEPSTRUM_CMN) {
            float[] mean = moments(x, dim, speech, dim)[0];
            for (int f = 0; f < frames; f++) {
                for (int j = 0; j < dim; j++) {
                    x[f * dim + j] -= mean[j];
                }
            }
        }
        float[] features = x;
        int width = dim;
        if (deltas) {
            float[] d = deltas(x, dim, DELTA_WIDTH);
            width = 2 * dim;
            features = new float[frames * width];
            for (int f = 0; f < frames; f++) {
                System.arraycopy(x, f * dim, features, f * width, dim);
                System.arraycopy(d, f * dim, features, f * width + dim, dim);
            }
        }
        float[][] m = moments(features, width, speech, width);
        if (base == Base.CEPSTRUM_CMN) {
            // the static part's mean is zero by construction; keep the deltas' means
            float[] out = new float[deltas ? width + dim : width];
            System.arraycopy(m[1], 0, out, 0, width);
            if (deltas) {
                System.arraycopy(m[0], dim, out, width, dim);
            }
            return out;
        }
        float[] out = Arrays.copyOf(m[0], 2 * width);
        System.arraycopy(m[1], 0, out, width, width);
        return out;
    }

    private static float[][] moments(float[] x, int dim, boolean[] selected, int k) {
        return MelCepstrumPooling.moments(x, dim, selected, k);
    }
}
