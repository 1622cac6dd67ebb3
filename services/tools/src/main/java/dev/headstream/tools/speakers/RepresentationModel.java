package dev.headstream.tools.speakers;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The transforms of every {@link Utterance.Representation}, learned from labeled speech of
 * speakers outside every household and outside the outside voices: per summary statistics the
 * mean summary (for centring), the within-speaker whitening and the discriminant projection;
 * once from the negative bank's training part (continuous speech cut into blocks) and once from
 * clips of the same voices rendered like the members' clips. Immutable once built.
 */
public final class RepresentationModel {

    /** Added to the within-speaker covariance, as a share of its mean variance. */
    static final double RIDGE = 1e-3;

    /** Transforms learned from one labeled set of utterances. */
    static final class Learned {
        private final Map<Utterance.Statistics, float[]> centres = new EnumMap<>(Utterance.Statistics.class);
        private final Map<Utterance.Statistics, SpeakerProjection> whitening =
                new EnumMap<>(Utterance.Statistics.class);
        private final Map<Utterance.Statistics, SpeakerProjection> lda = new EnumMap<>(Utterance.Statistics.class);
        private final int speakers;
        private final int utterances;

        /**
         * @param summaries     each utterance's summary for a statistics ({@code MEAN} and {@code MEAN_STD})
         * @param groups        each utterance's speaker
         * @param ldaComponents discriminant directions; 0 = speakers - 1
         */
        Learned(Function<Utterance.Statistics, List<float[]>> summaries, List<String> groups, int ldaComponents) {
            Map<String, Integer> ids = new HashMap<>();
            int[] labels = new int[groups.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = ids.computeIfAbsent(groups.get(i), g -> ids.size());
            }
            this.speakers = ids.size();
            this.utterances = groups.size();
            int components = ldaComponents == 0 ? speakers - 1 : Math.min(ldaComponents, speakers - 1);
            for (Utterance.Statistics st : List.of(Utterance.Statistics.MEAN, Utterance.Statistics.MEAN_STD)) {
                List<float[]> xs = summaries.apply(st);
                int dim = xs.get(0).length;
                double[] sum = new double[dim];
                for (float[] x : xs) {
                    for (int d = 0; d < dim; d++) {
                        sum[d] += x[d];
                    }
                }
                float[] c = new float[dim];
                for (int d = 0; d < dim; d++) {
                    c[d] = (float) (sum[d] / xs.size());
                }
                centres.put(st, c);
                whitening.put(st, SpeakerProjection.fit(xs, labels, 0, RIDGE));
                lda.put(st, SpeakerProjection.fit(xs, labels, components, RIDGE));
            }
        }

        int speakers() {
            return speakers;
        }

        int utterances() {
            return utterances;
        }

        int ldaComponents() {
            return lda.get(Utterance.Statistics.MEAN).components();
        }
    }

    private final Learned bank;
    private final Learned clips;

    /**
     * @param bank  learned from the bank's training part
     * @param clips learned from rendered clips of the training part's voices
     */
    RepresentationModel(Learned bank, Learned clips) {
        this.bank = bank;
        this.clips = clips;
    }

    /** From the bank's training speech and from training clips ({@code clipSummaries} of speakers {@code clipGroups}). */
    public static RepresentationModel learn(
            CalibrationSpeech bankTraining,
            Function<Utterance.Statistics, List<float[]>> clipSummaries,
            List<String> clipGroups,
            int ldaComponents) {
        return new RepresentationModel(
                new Learned(bankTraining::summaries, bankTraining.groups(), ldaComponents),
                new Learned(clipSummaries, clipGroups, ldaComponents));
    }

    Learned bank() {
        return bank;
    }

    Learned clips() {
        return clips;
    }

    /** {@code summary} (of {@code rep}'s statistics) transformed as {@code rep} says. */
    public float[] apply(Utterance.Representation rep, float[] summary) {
        return switch (rep.transform()) {
            case NONE -> summary;
            case CENTRED -> {
                // frames are centred one by one on the mean frame, which is the mean of the MEAN summaries
                float[] c = bank.centres.get(
                        rep.statistics() == Utterance.Statistics.FRAMES ? Utterance.Statistics.MEAN : rep.statistics());
                float[] out = new float[summary.length];
                for (int d = 0; d < out.length; d++) {
                    out[d] = summary[d] - c[d % c.length];
                }
                yield out;
            }
            case WCCN -> bank.whitening.get(rep.statistics()).apply(summary);
            case LDA -> bank.lda.get(rep.statistics()).apply(summary);
            case WCCN_CLIPS -> clips.whitening.get(rep.statistics()).apply(summary);
            case LDA_CLIPS -> clips.lda.get(rep.statistics()).apply(summary);
        };
    }

    /** {@link #apply} to each. */
    public List<float[]> applyAll(Utterance.Representation rep, List<float[]> summaries) {
        List<float[]> out = new ArrayList<>(summaries.size());
        for (float[] s : summaries) {
            out.add(apply(rep, s));
        }
        return out;
    }
}
