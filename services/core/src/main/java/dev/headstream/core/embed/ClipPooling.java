package dev.headstream.core.embed;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a class head turns one clip, whatever its length, into its input vector; named in the
 * task's configuration ({@code headstream.tasks.<t>.pooling}) and in every head's spec
 * ({@code HeadSpec.pooling}), so that the adapter and every consumer pool alike.
 */
public enum ClipPooling {

    /** Mean and standard deviation of the embedding frames ({@link MeanStdPooling}): what was said. */
    MEAN_STD(MeanStdPooling.NAME),

    /** Mean and standard deviation of the front end's cepstra ({@link MelCepstrumPooling}): who said it. */
    MEL_CEPSTRUM(MelCepstrumPooling.NAME);

    private final String label;

    ClipPooling(String label) {
        this.label = label;
    }

    /** The name in configuration and in a head's spec. */
    public String label() {
        return label;
    }

    /**
     * The pooling named {@code name}.
     *
     * @throws IllegalArgumentException naming the known ones
     */
    public static ClipPooling parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (ClipPooling p : values()) {
            if (p.label.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no pooling '" + name + "'; known: "
                + Arrays.stream(values()).map(ClipPooling::label).toList());
    }

    /** Whether it reads the front-end frames ({@link Backbone#embedWithFrontEnd}). */
    public boolean readsFrontEnd() {
        return this == MEL_CEPSTRUM;
    }

    /** The pooled width for embeddings of {@code embeddingDim} values. */
    public int width(int embeddingDim) {
        return this == MEAN_STD ? MeanStdPooling.width(embeddingDim) : MelCepstrumPooling.WIDTH;
    }

    /**
     * Why a head of {@code inputs} values cannot read this pooling (an odd width for
     * {@code mean-std}, any but {@value MelCepstrumPooling#WIDTH} for {@code mel-cepstrum}), or null.
     */
    public String unfitInput(int inputs) {
        if (this == MEAN_STD && (inputs < 2 || inputs % 2 != 0)) {
            return "a head reading " + label + " takes 2 * dim values, not " + inputs;
        }
        if (this == MEL_CEPSTRUM && inputs != MelCepstrumPooling.WIDTH) {
            return "a head reading " + label + " takes " + MelCepstrumPooling.WIDTH + " values, not " + inputs;
        }
        return null;
    }

    /** Why {@code e} cannot be pooled this way (no front-end frames, too few bands), or null. */
    public String unfit(EmbeddingSequence e) {
        if (this == MEAN_STD) {
            return e.frames() < 1 ? "pooling " + label + " needs at least one embedding frame" : null;
        }
        FrontEndFrames f = e.frontEnd();
        if (f == null) {
            return "pooling " + label + " reads the front end's frames, and the backbone gave none"
                    + " (it needs an audio backbone with a mel front end)";
        }
        if (f.bins() <= MelCepstrumPooling.CEPSTRA) {
            return "pooling " + label + " needs more than " + MelCepstrumPooling.CEPSTRA + " bands per frame; the"
                    + " front end gave " + f.bins();
        }
        float loudest = Float.NEGATIVE_INFINITY;
        for (float level : MelCepstrumPooling.energies(f.values(), f.bins())) {
            loudest = Math.max(loudest, level);
        }
        if (!(loudest > MelCepstrumPooling.SILENCE)) {
            return String.format(
                    java.util.Locale.ROOT,
                    "pooling %s needs speech, and the clip is silent: its loudest frame is at %.2f, not above %.1f"
                            + " (the front end's floor is -8, 100 dB below full scale)",
                    label,
                    loudest,
                    MelCepstrumPooling.SILENCE);
        }
        return null;
    }

    /**
     * {@code e} pooled into a new vector of {@link #width} values.
     *
     * @throws IllegalArgumentException with {@link #unfit}'s reason
     */
    public float[] pool(EmbeddingSequence e) {
        String why = unfit(e);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        return this == MEAN_STD ? MeanStdPooling.pool(e) : MelCepstrumPooling.pool(e.frontEnd());
    }
}
