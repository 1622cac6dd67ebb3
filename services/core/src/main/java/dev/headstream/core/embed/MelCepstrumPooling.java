package dev.headstream.core.embed;

/**
 * {@code mel-cepstrum} pooling: one vector per clip that describes the voice rather than the
 * words, from the front end's log-mel frames ({@link FrontEndFrames}, 32 bands on the wake-word
 * backbone), not from its embeddings, which are trained to detect words whoever says them.
 *
 * <p>The speech frames are those whose energy (the mean of their bands) is within
 * {@value #SPEECH_DROP} scaled-mel units (20 dB) of the clip's loudest frame. Each frame becomes
 * its cepstrum: the orthonormal DCT-II of its bands, coefficients {@code c1 .. c}{@value #CEPSTRA}
 * ({@code c0}, the level, dropped), followed by their regression deltas over
 * {@code +-}{@value #DELTA_WIDTH} frames (edges repeated; computed over all frames in time order).
 * The clip's vector is the mean and then the population standard deviation of these
 * {@code 2 * }{@value #CEPSTRA} features over the speech frames: {@value #WIDTH} values. Sums are in
 * double in frame order; the cepstra are rounded to float, and the deltas' terms are taken in float
 * from them ({@link #deltas}); each pooled value is rounded to float once. So the same frames give
 * the same bits, in the adapter and in every consumer that scores a head reading this pooling
 * (docs/export.md spells the arithmetic out; {@code MelCepstrumRecipeTest} follows it).
 *
 * <p>This is the statistic {@code bench-speakers} measured as {@code mel-cepstrum-deltas} (see
 * {@code docs/speakers/}). Stateless and thread-safe.
 */
public final class MelCepstrumPooling {

    /** The pooling's name in a head's spec ({@code HeadSpec.pooling}) and in a task's configuration. */
    public static final String NAME = "mel-cepstrum";

    /** Cepstral coefficients kept after {@code c0}. */
    public static final int CEPSTRA = 19;

    /** Frames on either side of a frame that its delta regresses over. */
    public static final int DELTA_WIDTH = 2;

    /** How far below the loudest frame's energy (scaled-mel units, 10 dB each) a frame still counts as speech. */
    public static final double SPEECH_DROP = 2.0;

    /**
     * The level (scaled mel units: dB / 10 + 2) a clip's loudest frame must exceed to be pooled:
     * 10 dB above the wake-word front end's floor of -8 (digital silence). A silent clip has no
     * voice to describe; {@link ClipPooling#unfit} refuses it.
     */
    public static final float SILENCE = -7f;

    /** Values of a pooled vector: mean and standard deviation of the cepstra and their deltas. */
    public static final int WIDTH = 4 * CEPSTRA;

    private MelCepstrumPooling() {}

    /**
     * {@code f} pooled into a new array of {@link #WIDTH} values.
     *
     * @throws IllegalArgumentException if {@code f} has no more bands than {@link #CEPSTRA}
     */
    public static float[] pool(FrontEndFrames f) {
        int frames = f.frames();
        int bins = f.bins();
        float[] mel = f.values();
        boolean[] speech = speechFrames(mel, bins, SPEECH_DROP);
        float[] cepstra = new float[frames * CEPSTRA];
        for (int t = 0; t < frames; t++) {
            cepstrum(mel, t * bins, bins, cepstra, t * CEPSTRA, CEPSTRA);
        }
        float[] d = deltas(cepstra, CEPSTRA, DELTA_WIDTH);
        int width = 2 * CEPSTRA;
        float[] features = new float[frames * width];
        for (int t = 0; t < frames; t++) {
            System.arraycopy(cepstra, t * CEPSTRA, features, t * width, CEPSTRA);
            System.arraycopy(d, t * CEPSTRA, features, t * width + CEPSTRA, CEPSTRA);
        }
        float[][] m = moments(features, width, speech, width);
        float[] out = new float[WIDTH];
        System.arraycopy(m[0], 0, out, 0, width);
        System.arraycopy(m[1], 0, out, width, width);
        return out;
    }

    /** Each frame's energy: the mean of its {@code bins} bands, summed in double. */
    public static float[] energies(float[] mel, int bins) {
        int frames = mel.length / bins;
        float[] e = new float[frames];
        for (int f = 0; f < frames; f++) {
            double s = 0;
            for (int b = 0; b < bins; b++) {
                s += mel[f * bins + b];
            }
            e[f] = (float) (s / bins);
        }
        return e;
    }

    /**
     * Speech frames by energy: those whose {@link #energies energy} is within {@code drop} of the
     * loudest frame's. The loudest frame is always one.
     *
     * @throws IllegalArgumentException if there is no frame
     */
    public static boolean[] speechFrames(float[] mel, int bins, double drop) {
        float[] e = energies(mel, bins);
        if (e.length == 0) {
            throw new IllegalArgumentException("no mel frames");
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float x : e) {
            max = Math.max(max, x);
        }
        boolean[] speech = new boolean[e.length];
        for (int f = 0; f < e.length; f++) {
            speech[f] = e[f] >= max - drop;
        }
        return speech;
    }

    /**
     * Writes the orthonormal DCT-II coefficients {@code 1..count} of the frame of {@code bins}
     * bands at {@code mel[from..]} to {@code out[at..]}. The basis comes from {@link StrictMath}
     * (not {@link Math}, whose {@code cos} may differ by an ulp between JVMs and CPUs), so every
     * consumer gets the same bits; it is computed once per band count.
     *
     * @throws IllegalArgumentException if {@code count >= bins}
     */
    public static void cepstrum(float[] mel, int from, int bins, float[] out, int at, int count) {
        if (count >= bins) {
            throw new IllegalArgumentException(count + " coefficients after c0 from " + bins + " bands");
        }
        double[] basis = basis(bins);
        for (int k = 1; k <= count; k++) {
            double s = 0;
            int row = k * bins;
            for (int n = 0; n < bins; n++) {
                s += mel[from + n] * basis[row + n];
            }
            out[at + k - 1] = (float) s;
        }
    }

    /** The DCT basis of the wake-word front end's band count, built once. */
    private static final double[] BASIS_32 = dctBasis(32);

    /** Row {@code k} (0 .. bins - 1) of the orthonormal DCT-II for {@code bins} bands, scale included, row-major. */
    private static double[] basis(int bins) {
        return bins == 32 ? BASIS_32 : dctBasis(bins);
    }

    private static double[] dctBasis(int bins) {
        double scale = StrictMath.sqrt(2.0 / bins);
        double[] b = new double[bins * bins];
        for (int k = 0; k < bins; k++) {
            for (int n = 0; n < bins; n++) {
                b[k * bins + n] = StrictMath.cos(StrictMath.PI * k * (n + 0.5) / bins) * scale;
            }
        }
        return b;
    }

    /**
     * Regression deltas of row-major {@code frames} ({@code dim} per frame) over {@code +-width}
     * frames, the edges repeated: {@code d_t = sum_n n (x_{t+n} - x_{t-n}) / (2 sum_n n^2)}, each
     * term {@code n (x_{t+n} - x_{t-n})} computed in float, the terms summed in double.
     */
    public static float[] deltas(float[] frames, int dim, int width) {
        int n = frames.length / dim;
        float[] d = new float[frames.length];
        double norm = 0;
        for (int k = 1; k <= width; k++) {
            norm += 2.0 * k * k;
        }
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < dim; j++) {
                double s = 0;
                for (int k = 1; k <= width; k++) {
                    int after = Math.min(n - 1, t + k);
                    int before = Math.max(0, t - k);
                    s += k * (frames[after * dim + j] - frames[before * dim + j]);
                }
                d[t * dim + j] = (float) (s / norm);
            }
        }
        return d;
    }

    /**
     * Mean and population standard deviation of the first {@code k} of each row's {@code dim}
     * features over the {@code selected} rows, summed in double in row order.
     *
     * @throws IllegalArgumentException if no row is selected
     */
    public static float[][] moments(float[] x, int dim, boolean[] selected, int k) {
        double[] sum = new double[k];
        double[] sq = new double[k];
        int n = 0;
        for (int f = 0; f < selected.length; f++) {
            if (!selected[f]) {
                continue;
            }
            n++;
            for (int j = 0; j < k; j++) {
                double v = x[f * dim + j];
                sum[j] += v;
                sq[j] += v * v;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no frame selected");
        }
        float[] mean = new float[k];
        float[] std = new float[k];
        for (int j = 0; j < k; j++) {
            double m = sum[j] / n;
            mean[j] = (float) m;
            std[j] = (float) Math.sqrt(Math.max(0, sq[j] / n - m * m));
        }
        return new float[][] {mean, std};
    }
}
