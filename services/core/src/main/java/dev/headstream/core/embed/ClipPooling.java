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
