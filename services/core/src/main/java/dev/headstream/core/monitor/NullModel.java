package dev.headstream.core.monitor;

import java.util.SplittableRandom;

/**
 * A generator of in-control ("no change") observations for calibrating a detector's threshold
 * by simulation. Implementations are stateless apart from their parameters; all randomness
 * comes from the supplied generator, so a seed fixes the sample.
 */
@FunctionalInterface
public interface NullModel {

    double sample(SplittableRandom rnd);

    /** Gaussian with the given mean and standard deviation. */
    static NullModel gaussian(double mean, double sd) {
        Checks.finite(mean, "mean");
        if (!(sd > 0) || !Double.isFinite(sd)) {
            throw new IllegalArgumentException("sd must be finite and > 0: " + sd);
        }
        return rnd -> mean + sd * gaussian(rnd);
    }

    /** 0/1 with {@code P(1) = p}. */
    static NullModel bernoulli(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("p must be in [0, 1]: " + p);
        }
        return rnd -> rnd.nextDouble() < p ? 1 : 0;
    }

    /**
     * The bootstrap: draws with replacement from a reference sample (for instance paired loss gaps
     * of users known to be clean). With {@code centre} the sample's mean is subtracted first, so the
     * null is "no difference on average" whatever the reference users' mean was (a conservative
     * null when adaptation usually helps, i.e. the reference mean is negative).
     */
    static NullModel bootstrap(double[] reference, boolean centre) {
        if (reference.length < 2) {
            throw new IllegalArgumentException("need at least 2 reference values, got " + reference.length);
        }
        double[] r = reference.clone();
        double m = 0;
        for (double v : r) {
            m += Checks.finite(v, "reference value");
        }
        m /= r.length;
        if (centre) {
            for (int i = 0; i < r.length; i++) {
                r[i] -= m;
            }
        }
        return rnd -> r[rnd.nextInt(r.length)];
    }

    /** A standard normal deviate by the polar method (deterministic for a given generator state). */
    static double gaussian(SplittableRandom rnd) {
        double u;
        double v;
        double s;
        do {
            u = 2 * rnd.nextDouble() - 1;
            v = 2 * rnd.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }
}
