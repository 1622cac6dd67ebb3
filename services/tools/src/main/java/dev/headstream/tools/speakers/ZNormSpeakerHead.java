package dev.headstream.tools.speakers;

import java.util.List;

/**
 * A prototype head with z-normalised scores: each member's prototype (the mean of its L2-normalised
 * enrollment vectors) is scored by cosine, and that cosine is standardised by the mean and standard
 * deviation of the same prototype's cosines to a cohort of other people's utterances (in
 * {@code bench-speakers}, the clips of the TRAIN speakers, the same clips the representation's
 * transforms were learned from; no member, outside or calibration speaker). The member with the
 * highest standardised score is the best; its standardised score is the score. Immutable once built.
 */
public final class ZNormSpeakerHead implements SpeakerHead {

    private final float[][] prototypes;
    private final double[] cohortMean;
    private final double[] cohortStd;

    /**
     * @param enrollment each member's enrollment vectors
     * @param cohort     other people's utterance vectors (at least two)
     */
    public ZNormSpeakerHead(List<List<float[]>> enrollment, List<float[]> cohort) {
        if (enrollment.isEmpty()) {
            throw new IllegalArgumentException("a household needs members");
        }
        if (cohort.size() < 2) {
            throw new IllegalArgumentException("a cohort needs at least two utterances, got " + cohort.size());
        }
        int members = enrollment.size();
        prototypes = new float[members][];
        cohortMean = new double[members];
        cohortStd = new double[members];
        for (int m = 0; m < members; m++) {
            List<float[]> e = enrollment.get(m);
            if (e.isEmpty()) {
                throw new IllegalArgumentException("member " + m + " has no enrollment vector");
            }
            double[] sum = new double[e.get(0).length];
            for (float[] x : e) {
                double n = norm(x);
                if (!(n > 0)) {
                    throw new IllegalArgumentException("member " + m + " has an enrollment vector of norm " + n);
                }
                for (int d = 0; d < sum.length; d++) {
                    sum[d] += x[d] / n;
                }
            }
            float[] p = new float[sum.length];
            for (int d = 0; d < p.length; d++) {
                p[d] = (float) (sum[d] / e.size());
            }
            prototypes[m] = p;
            double s = 0;
            double ss = 0;
            for (float[] c : cohort) {
                double v = cosine(p, c);
                s += v;
                ss += v * v;
            }
            double mean = s / cohort.size();
            cohortMean[m] = mean;
            cohortStd[m] = Math.sqrt(Math.max(1e-12, ss / cohort.size() - mean * mean));
        }
    }

    /** The factory for {@code bench-speakers}, with its cohort. */
    public static Factory factory(List<float[]> cohort) {
        List<float[]> fixed = List.copyOf(cohort);
        return new Factory() {
            @Override
            public String name() {
                return "znorm";
            }

            @Override
            public SpeakerHead build(List<List<float[]>> enrollment) {
                return new ZNormSpeakerHead(enrollment, fixed);
            }
        };
    }

    @Override
    public int members() {
        return prototypes.length;
    }

    @Override
    public Score score(float[] x) {
        int best = 0;
        double top = Double.NEGATIVE_INFINITY;
        for (int m = 0; m < prototypes.length; m++) {
            double z = (cosine(prototypes[m], x) - cohortMean[m]) / cohortStd[m];
            if (z > top) {
                top = z;
                best = m;
            }
        }
        return new Score(best, (float) top);
    }

    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of " + a.length + " and " + b.length);
        }
        double dot = 0;
        for (int d = 0; d < a.length; d++) {
            dot += (double) a[d] * b[d];
        }
        double n = norm(a) * norm(b);
        return n == 0 ? 0 : dot / n;
    }

    private static double norm(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }
}
