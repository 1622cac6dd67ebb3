package dev.headstream.core.monitor;

/**
 * Sequential test for negative transfer: is the adapted head significantly worse than the source
 * head on the same stream?
 *
 * <p>Each labeled sample is scored by both heads before training on it (prequential, paired), and
 * the gap {@code d_i = clip(loss_adapted_i - loss_source_i, -c, c)} feeds a one-sided CUSUM
 * ({@link Cusum}, Page 1954) with drift allowance {@code delta}: {@code S_i = max(0, S_{i-1} + d_i
 * - delta)}, alarm when {@code S_i > h}. Without negative transfer the gap has mean {@code <= 0}; the
 * threshold {@code h} is calibrated with {@link #calibrate} so that on an in-control stream
 * (mean-zero gaps, the least favourable "no negative transfer" case) the expected number of
 * samples between false alarms is at least the configured ARL0. Clipping bounds the influence of
 * one sample (log-losses are unbounded) and is applied identically in calibration.
 *
 * <p>A second, optional test watches the adapted head against its own past instead of the
 * source: a {@link PageHinkley} test for a rise of its clipped prequential loss
 * ({@link LossRise}). The paired gap cannot see a label flip for a user the source head serves
 * poorly: after the flip both heads are wrong on the flipped negatives, so the gap averages near
 * zero, while the adapted head, confidently right on the old labels, is suddenly wrong on almost
 * every sample. Either test raises the alarm; {@link #alarmTest()} says which.
 *
 * <p>Call order per labeled (train or holdout) sample: both losses, then {@link #input}; read
 * {@link #statistic()}, {@link #threshold()}, {@link #alarm()} and the windowed gap; after acting
 * on an alarm (rollback) call {@link #reset()}. Allocation-free; not thread-safe (work on a
 * {@link #copy()}).
 */
public final class NegativeTransferMonitor implements MonitorState {

    /**
     * @param delta CUSUM drift allowance (about half the smallest mean gap worth an alarm), {@code >= 0}
     * @param threshold CUSUM threshold {@code h}, from {@link #calibrate}
     * @param clip gaps are clipped to {@code [-clip, clip]}; {@code > 0}, may be infinite
     * @param window samples in the published windowed mean gap
     */
    public record Config(double delta, double threshold, double clip, int window, LossRise lossRise) {
        public Config {
            if (!(clip > 0)) {
                throw new IllegalArgumentException("clip must be > 0: " + clip);
            }
            if (window < 1) {
                throw new IllegalArgumentException("window must be >= 1: " + window);
            }
            new Cusum(delta, threshold);
        }

        /** The paired-gap test alone. */
        public Config(double delta, double threshold, double clip, int window) {
            this(delta, threshold, clip, window, null);
        }

        public Config withLossRise(LossRise lossRise) {
            return new Config(delta, threshold, clip, window, lossRise);
        }
    }

    /**
     * The loss-rise test: {@link PageHinkley} (no fading) on the adapted head's prequential log
     * loss clipped to {@code [0, clip]}, alarming after at least {@code minSamples} samples.
     *
     * @param delta     rise of the mean loss tolerated, in nats, {@code >= 0}
     * @param threshold Page-Hinkley threshold {@code lambda}, calibrated on clean users' losses
     *                  ({@link #calibrate(double, double, int, NullModel, double, double, long)})
     * @param clip      losses are clipped to {@code [0, clip]}, {@code > 0}
     * @param minSamples samples since reset before it may alarm
     */
    public record LossRise(double delta, double threshold, double clip, int minSamples) {
        public LossRise {
            if (!(clip > 0) || Double.isInfinite(clip)) {
                throw new IllegalArgumentException("clip must be finite and > 0: " + clip);
            }
            new PageHinkley(delta, threshold, 1.0, minSamples);
        }

        /**
         * Calibrates {@code lambda} by Monte-Carlo ({@link ArlCalibrator}) on clipped draws from
         * {@code lossNull} (e.g. a {@link NullModel#bootstrap} of clean users' prequential losses)
         * to {@code safety * targetArl0} samples between false alarms.
         */
        public static LossRise calibrate(
                double delta,
                double clip,
                int minSamples,
                NullModel lossNull,
                double targetArl0,
                double safety,
                long seed) {
            NullModel clipped = rnd -> Math.min(Math.max(lossNull.sample(rnd), 0), clip);
            double lambda = ArlCalibrator.calibrate(
                            h -> new PageHinkley(delta, h, 1.0, minSamples), clipped, targetArl0, safety, seed)
                    .threshold();
            return new LossRise(delta, lambda, clip, minSamples);
        }
    }

    /** Which test raised an alarm. */
    public enum Test {
        NONE,
        LOSS_GAP,
        LOSS_RISE
    }

    private final Config config;
    private final Cusum cusum;
    private final WindowedMean windowGap;
    private final PageHinkley lossRise;
    private double lastGap;

    public NegativeTransferMonitor(Config config) {
        this.config = config;
        this.cusum = new Cusum(config.delta(), config.threshold());
        this.windowGap = new WindowedMean(config.window());
        LossRise r = config.lossRise();
        this.lossRise = r == null ? null : new PageHinkley(r.delta(), r.threshold(), 1.0, r.minSamples());
    }

    private NegativeTransferMonitor(NegativeTransferMonitor o) {
        config = o.config;
        cusum = o.cusum.copy();
        windowGap = o.windowGap.copy();
        lossRise = o.lossRise == null ? null : o.lossRise.copy();
        lastGap = o.lastGap;
    }

    public NegativeTransferMonitor copy() {
        return new NegativeTransferMonitor(this);
    }

    /**
     * Calibrates {@code h} by Monte-Carlo ({@link ArlCalibrator}): the CUSUM with the given
     * {@code delta} on clipped draws from {@code gapNull}, to {@code safety * targetArl0}.
     *
     * @param gapNull in-control paired gaps, e.g. {@link NullModel#gaussian}(0, sd) or a centred
     *     {@link NullModel#bootstrap} of gaps observed on clean users
     */
    public static ArlCalibrator.Calibration calibrate(
            double delta, double clip, NullModel gapNull, double targetArl0, double safety, long seed) {
        NullModel clipped = rnd -> clip(gapNull.sample(rnd), clip);
        return ArlCalibrator.calibrate(h -> new Cusum(delta, h), clipped, targetArl0, safety, seed);
    }

    /** A monitor with {@code h} calibrated as in {@link #calibrate}. */
    public static NegativeTransferMonitor calibrated(
            double delta, double clip, int window, NullModel gapNull, double targetArl0, double safety, long seed) {
        double h = calibrate(delta, clip, gapNull, targetArl0, safety, seed).threshold();
        return new NegativeTransferMonitor(new Config(delta, h, clip, window));
    }

    /**
     * Feeds one paired prequential evaluation.
     *
     * @return true when this sample raised the alarm
     * @throws IllegalArgumentException when a loss is not finite
     */
    public boolean input(double lossAdapted, double lossSource) {
        Checks.finite(lossAdapted, "adapted loss");
        Checks.finite(lossSource, "source loss");
        lastGap = clip(lossAdapted - lossSource, config.clip());
        windowGap.add(lastGap);
        boolean gapAlarm = cusum.input(lastGap);
        boolean riseAlarm = lossRise != null
                && lossRise.input(
                        Math.min(Math.max(lossAdapted, 0), config.lossRise().clip()));
        return gapAlarm || riseAlarm;
    }

    /** The test that raised the current alarm (the paired gap first when both have), or {@link Test#NONE}. */
    public Test alarmTest() {
        return cusum.alarm() ? Test.LOSS_GAP : lossRise != null && lossRise.alarm() ? Test.LOSS_RISE : Test.NONE;
    }

    /** Whether the loss-rise test is in alarm (false when it is off). */
    public boolean lossRiseAlarm() {
        return lossRise != null && lossRise.alarm();
    }

    /** The loss-rise test's Page-Hinkley statistic; NaN when the test is off. */
    public double lossRiseStatistic() {
        return lossRise == null ? Double.NaN : lossRise.statistic();
    }

    /** The loss-rise test's threshold; NaN when the test is off. */
    public double lossRiseThreshold() {
        return lossRise == null ? Double.NaN : lossRise.threshold();
    }

    /** The loss-rise test's running mean loss since reset; NaN when the test is off. */
    public double lossRiseMean() {
        return lossRise == null ? Double.NaN : lossRise.mean();
    }

    static double clip(double d, double c) {
        return d > c ? c : d < -c ? -c : d;
    }

    /** The last clipped gap. */
    public double lastGap() {
        return lastGap;
    }

    /** Mean clipped gap over the last {@code window} samples; NaN when empty. */
    public double windowGap() {
        return windowGap.mean();
    }

    public double statistic() {
        return cusum.statistic();
    }

    public double threshold() {
        return cusum.threshold();
    }

    public boolean alarm() {
        return cusum.alarm() || lossRise != null && lossRise.alarm();
    }

    /** 1-based sample index (since reset) of the first alarm of either test, or -1. */
    public long alarmSample() {
        long a = cusum.alarmSample();
        long b = lossRise == null ? -1 : lossRise.alarmSample();
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    public long samples() {
        return cusum.samples();
    }

    public Config config() {
        return config;
    }

    public void reset() {
        cusum.reset();
        windowGap.reset();
        if (lossRise != null) {
            lossRise.reset();
        }
        lastGap = 0;
    }

    @Override
    public int stateSize() {
        return 1 + cusum.stateSize() + windowGap.stateSize() + (lossRise == null ? 0 : lossRise.stateSize());
    }

    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, stateSize());
        dst[offset] = lastGap;
        int o = cusum.writeState(dst, offset + 1);
        o = windowGap.writeState(dst, o);
        return lossRise == null ? o : lossRise.writeState(dst, o);
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, stateSize());
        lastGap = Checks.finite(src[offset], "last gap");
        int o = cusum.readState(src, offset + 1);
        o = windowGap.readState(src, o);
        return lossRise == null ? o : lossRise.readState(src, o);
    }
}
