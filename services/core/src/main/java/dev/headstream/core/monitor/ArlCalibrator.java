package dev.headstream.core.monitor;

import java.util.SplittableRandom;
import java.util.function.DoubleFunction;

/**
 * Calibrates a detector's threshold to a false-alarm rate stated as ARL0, the expected number of
 * in-control observations between false alarms, by Monte-Carlo simulation.
 *
 * <p>Method: draw one long in-control stream of {@code N} observations from a {@link NullModel}
 * (seeded; {@code N = clamp(200 * goal, 100,000, 4,000,000)} with {@code goal = targetArl0 *
 * safety}). For a candidate threshold, run a fresh detector over the stream and restart it
 * ({@code reset()}) after every alarm, as the service does after acting on one (a renewal
 * process); the ARL0 estimate is {@code N / alarms}. The same stream is reused for every
 * candidate (common random numbers), and bisection finds the smallest threshold (to a relative
 * 1e-4) whose estimate is at least {@code goal}. At the solution about {@code N / goal} alarms are
 * counted (200 when the cap does not bind), so the estimate's relative standard error is about
 * {@code 1 / sqrt(N / goal)}, 7%. A finite run measured at exactly the target rate exceeds it about
 * half the time, which is what {@code safety > 1} is for: the detector is calibrated to
 * {@code safety} times the configured ARL0, so a measured rate stays below the configured one
 * with high probability. Because a CUSUM's ARL0 grows about exponentially in its threshold,
 * a safety factor of 2 costs only about {@code ln 2 / (2 delta)} (Gaussian null, unit variance)
 * of threshold, i.e. roughly one sample of detection delay for the shifts that matter.
 *
 * <p>Assumes the alarm count is non-increasing in the threshold, true for CUSUM and
 * Page-Hinkley on a fixed stream. Thread-safe (stateless); not for the hot path (allocates the
 * simulated stream and one detector per candidate).
 */
public final class ArlCalibrator {

    static final int MIN_STREAM = 100_000;
    static final int MAX_STREAM = 4_000_000;

    /**
     * The outcome of a calibration.
     *
     * @param threshold the calibrated threshold
     * @param targetArl0 the configured ARL0
     * @param safety the factor the ARL0 was calibrated to beyond the target
     * @param estimatedArl0 simulated ARL0 at {@code threshold} ({@code +inf} when no alarm)
     * @param alarms alarms counted at {@code threshold}
     * @param samples length of the simulated in-control stream
     */
    public record Calibration(
            double threshold, double targetArl0, double safety, double estimatedArl0, long alarms, long samples) {}

    private ArlCalibrator() {}

    /**
     * @param detectorFor builds a fresh detector with the given threshold
     * @param nullModel in-control observations
     * @param targetArl0 configured expected observations between false alarms, {@code >= 10}
     * @param safety {@code >= 1}: calibrate to {@code safety * targetArl0}
     * @param seed fixes the simulated stream
     */
    public static Calibration calibrate(
            DoubleFunction<? extends ChangeDetector> detectorFor,
            NullModel nullModel,
            double targetArl0,
            double safety,
            long seed) {
        if (!(targetArl0 >= 10) || !Double.isFinite(targetArl0)) {
            throw new IllegalArgumentException("target ARL0 must be finite and >= 10: " + targetArl0);
        }
        if (!(safety >= 1) || !Double.isFinite(safety)) {
            throw new IllegalArgumentException("safety must be finite and >= 1: " + safety);
        }
        double goal = targetArl0 * safety;
        int n = (int) Math.min(MAX_STREAM, Math.max(MIN_STREAM, Math.ceil(200 * goal)));
        double[] stream = simulate(nullModel, n, seed);
        double lo = 0;
        double hi = 1;
        int doublings = 0;
        while (countAlarms(detectorFor.apply(hi), stream) * goal > n) {
            lo = hi;
            hi *= 2;
            if (++doublings > 60) {
                throw new IllegalStateException("no threshold reaches ARL0 " + goal + " on this null model");
            }
        }
        while (hi - lo > 1e-4 * hi) {
            double mid = 0.5 * (lo + hi);
            if (countAlarms(detectorFor.apply(mid), stream) * goal > n) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        long alarms = countAlarms(detectorFor.apply(hi), stream);
        return new Calibration(
                hi, targetArl0, safety, alarms == 0 ? Double.POSITIVE_INFINITY : (double) n / alarms, alarms, n);
    }

    /** {@code n} seeded draws from the null model. */
    public static double[] simulate(NullModel nullModel, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = nullModel.sample(rnd);
        }
        return x;
    }

    /**
     * Runs the detector over {@code stream} from a reset, resetting it after every alarm, and
     * returns the number of alarms. Leaves the detector reset or mid-run; it is the caller's.
     */
    public static long countAlarms(ChangeDetector detector, double[] stream) {
        detector.reset();
        long alarms = 0;
        for (double x : stream) {
            if (detector.input(x)) {
                alarms++;
                detector.reset();
            }
        }
        return alarms;
    }
}
