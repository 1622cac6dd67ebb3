package dev.headstream.tools.speakers;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A two-covariance (simplified PLDA) head with diagonal covariances: in the representation's space
 * an utterance is {@code x = mu + e}, the speaker's mean {@code mu ~ N(m, b)} and the utterance's
 * deviation {@code e ~ N(0, w)}, per dimension, with the centre {@code m}, between-speaker variances
 * {@code b} and within-speaker variances {@code w} estimated from labeled utterances of other
 * people (in {@code bench-speakers}, the clips of the TRAIN speakers, the same clips the
 * representation's transforms were learned from; no member, outside or calibration speaker). A
 * member's score for {@code x} is the log-likelihood ratio of "spoken by the speaker of these
 * {@code n} enrollment utterances" against "spoken by anyone": {@code log N(x; post. mean, post. var
 * + w) - log N(x; m, b + w)}, with the posterior of {@code mu} given the enrollment. The diagonal
 * model fits an LDA output best (there the within-speaker covariance is white and the
 * between-speaker one diagonal). Not modified once built; {@link Model}'s arrays are shared,
 * not copied, and must not be written to.
 */
public final class DiagonalPldaSpeakerHead implements SpeakerHead {

    /** Centre, between- and within-speaker variances per dimension. */
    record Model(double[] centre, double[] between, double[] within) {

        /** Estimates the model from {@code xs} of speakers {@code groups}. */
        static Model learn(List<float[]> xs, List<String> groups) {
            if (xs.size() != groups.size() || xs.isEmpty()) {
                throw new IllegalArgumentException(xs.size() + " vectors, " + groups.size() + " speakers");
            }
            int dim = xs.get(0).length;
            Map<String, double[]> sums = new HashMap<>();
            Map<String, Integer> counts = new HashMap<>();
            double[] centre = new double[dim];
            for (int i = 0; i < xs.size(); i++) {
                double[] s = sums.computeIfAbsent(groups.get(i), g -> new double[dim]);
                counts.merge(groups.get(i), 1, Integer::sum);
                for (int d = 0; d < dim; d++) {
                    s[d] += xs.get(i)[d];
                    centre[d] += xs.get(i)[d] / xs.size();
                }
            }
            if (sums.size() < 2) {
                throw new IllegalArgumentException("need at least two speakers");
            }
            if (xs.size() == sums.size()) {
                throw new IllegalArgumentException("need more than one utterance of some speaker for the"
                        + " within-speaker variances; " + xs.size() + " utterances of " + sums.size() + " speakers");
            }
            double[] within = new double[dim];
            for (int i = 0; i < xs.size(); i++) {
                double[] s = sums.get(groups.get(i));
                int n = counts.get(groups.get(i));
                for (int d = 0; d < dim; d++) {
                    double r = xs.get(i)[d] - s[d] / n;
                    within[d] += r * r / (xs.size() - sums.size());
                }
            }
            double[] between = new double[dim];
            for (Map.Entry<String, double[]> e : sums.entrySet()) {
                int n = counts.get(e.getKey());
                for (int d = 0; d < dim; d++) {
                    double r = e.getValue()[d] / n - centre[d];
                    between[d] += r * r / (sums.size() - 1);
                }
            }
            for (int d = 0; d < dim; d++) {
                within[d] = Math.max(within[d], 1e-9);
                between[d] = Math.max(between[d], 1e-9);
            }
            return new Model(centre, between, within);
        }
    }

    private final Model model;
    private final double[][] postMean;
    private final double[][] predVar;
    private final double[] background;

    public DiagonalPldaSpeakerHead(List<List<float[]>> enrollment, Model model) {
        if (enrollment.isEmpty()) {
            throw new IllegalArgumentException("a household needs members");
        }
        this.model = model;
        int dim = model.centre().length;
        postMean = new double[enrollment.size()][dim];
        predVar = new double[enrollment.size()][dim];
        for (int m = 0; m < enrollment.size(); m++) {
            List<float[]> e = enrollment.get(m);
            if (e.isEmpty()) {
                throw new IllegalArgumentException("member " + m + " has no enrollment vector");
            }
            int n = e.size();
            for (int d = 0; d < dim; d++) {
                double mean = 0;
                for (float[] x : e) {
                    mean += (x[d] - model.centre()[d]) / n;
                }
                double b = model.between()[d];
                double w = model.within()[d];
                double gain = n * b / (n * b + w);
                postMean[m][d] = gain * mean;
                predVar[m][d] = b * w / (n * b + w) + w;
            }
        }
        background = new double[dim];
        for (int d = 0; d < dim; d++) {
            background[d] = model.between()[d] + model.within()[d];
        }
    }

    /** The factory for {@code bench-speakers}, with the model learned from other people's utterances. */
    public static Factory factory(List<float[]> xs, List<String> groups) {
        Model model = Model.learn(xs, groups);
        return new Factory() {
            @Override
            public String name() {
                return "plda";
            }

            @Override
            public SpeakerHead build(List<List<float[]>> enrollment) {
                return new DiagonalPldaSpeakerHead(enrollment, model);
            }
        };
    }

    @Override
    public int members() {
        return postMean.length;
    }

    @Override
    public Score score(float[] x) {
        int dim = background.length;
        if (x.length != dim) {
            throw new IllegalArgumentException("vector of " + x.length + ", model of " + dim);
        }
        double bg = 0;
        for (int d = 0; d < dim; d++) {
            double r = x[d] - model.centre()[d];
            bg += r * r / background[d] + Math.log(background[d]);
        }
        int best = 0;
        double top = Double.NEGATIVE_INFINITY;
        for (int m = 0; m < postMean.length; m++) {
            double s = 0;
            for (int d = 0; d < dim; d++) {
                double r = x[d] - model.centre()[d] - postMean[m][d];
                s += r * r / predVar[m][d] + Math.log(predVar[m][d]);
            }
            double llr = 0.5 * (bg - s);
            if (llr > top) {
                top = llr;
                best = m;
            }
        }
        return new Score(best, (float) top);
    }
}
