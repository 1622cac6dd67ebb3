package dev.headstream.tools.speakers;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The transforms of one {@link MelFeatures.Base} and delta choice, learned from utterance
 * summaries of labeled speakers (in {@code bench-speakers}, clips of the catalog's TRAIN speakers,
 * who are no member, outside or calibration speaker): the mean summary (for centring), the within-speaker
 * whitening and the discriminant projection. Immutable and thread-safe once built.
 */
public final class MelRepresentationModel {

    private final float[] centre;
    private final SpeakerProjection whitening;
    private final SpeakerProjection lda;
    private final int speakers;

    private MelRepresentationModel(float[] centre, SpeakerProjection whitening, SpeakerProjection lda, int speakers) {
        this.centre = centre;
        this.whitening = whitening;
        this.lda = lda;
        this.speakers = speakers;
    }

    /**
     * Learns from {@code summaries} of speakers {@code groups} (one each).
     *
     * @param ldaComponents discriminant directions; 0 = speakers - 1
     */
    public static MelRepresentationModel learn(List<float[]> summaries, List<String> groups, int ldaComponents) {
        if (summaries.size() != groups.size() || summaries.isEmpty()) {
            throw new IllegalArgumentException(summaries.size() + " summaries, " + groups.size() + " speakers");
        }
        Map<String, Integer> ids = new HashMap<>();
        int[] labels = new int[groups.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = ids.computeIfAbsent(groups.get(i), g -> ids.size());
        }
        int dim = summaries.get(0).length;
        double[] sum = new double[dim];
        for (float[] x : summaries) {
            for (int d = 0; d < dim; d++) {
                sum[d] += x[d];
            }
        }
        float[] c = new float[dim];
        for (int d = 0; d < dim; d++) {
            c[d] = (float) (sum[d] / summaries.size());
        }
        int components = ldaComponents == 0 ? ids.size() - 1 : Math.min(ldaComponents, ids.size() - 1);
        return new MelRepresentationModel(
                c,
                SpeakerProjection.fit(summaries, labels, 0, RepresentationModel.RIDGE),
                SpeakerProjection.fit(summaries, labels, Math.min(components, dim), RepresentationModel.RIDGE),
                ids.size());
    }

    /** Speakers it was learned from. */
    public int speakers() {
        return speakers;
    }

    /** {@code summary} transformed by {@code transform}. */
    public float[] apply(MelFeatures.Transform transform, float[] summary) {
        return switch (transform) {
            case CENTRED -> {
                if (summary.length != centre.length) {
                    throw new IllegalArgumentException(
                            "summary of " + summary.length + ", learned from " + centre.length);
                }
                float[] out = new float[summary.length];
                for (int d = 0; d < out.length; d++) {
                    out[d] = summary[d] - centre[d];
                }
                yield out;
            }
            case WCCN -> whitening.apply(summary);
            case LDA -> lda.apply(summary);
        };
    }
}
