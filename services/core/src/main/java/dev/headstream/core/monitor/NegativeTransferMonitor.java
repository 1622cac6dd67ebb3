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
    public record Config(double delta, double threshold, double clip, int window) {
        public Config {
            if (!(clip > 0)) {
                throw new IllegalArgumentException("clip must be > 0: " + clip);
            }
            if (window < 1) {
                throw new IllegalArgumentException("window must be >= 1: " + window);
            }
            new Cusum(delta, threshold);
        }
    }

    private final Config config;
    private final Cusum cusum;
    private final WindowedMean windowGap;
    private double lastGap;

    public NegativeTransferMonitor(Config config) {
        this.config = config;
        this.cusum = new Cusum(config.delta(), config.threshold());
        this.windowGap = new WindowedMean(config.window());
    }

    private NegativeTransferMonitor(NegativeTransferMonitor o) {
        config = o.config;
        cusum = o.cusum.copy();
        windowGap = o.windowGap.copy();
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
    public static ArlCalibrator.Calibration calibrate(double delta, double clip, NullModel gapNull, double targetArl0,
            double safety, long seed) {
        NullModel clipped = rnd -> clip(gapNull.sample(rnd), clip);
        return ArlCalibrator.calibrate(h -> new Cusum(delta, h), clipped, targetArl0, safety, seed);
    }

    /** A monitor with {@code h} calibrated as in {@link #calibrate}. */
    public static NegativeTransferMonitor calibrated(double delta, double clip, int window, NullModel gapNull,
            double targetArl0, double safety, long seed) {
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
        return cusum.input(lastGap);
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
        return cusum.alarm();
    }

    /** 1-based sample index (since reset) of the alarm, or -1. */
    public long alarmSample() {
        return cusum.alarmSample();
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
        lastGap = 0;
    }

    @Override
    public int stateSize() {
        return 1 + cusum.stateSize() + windowGap.stateSize();
    }

    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, stateSize());
        dst[offset] = lastGap;
        int o = cusum.writeState(dst, offset + 1);
        return windowGap.writeState(dst, o);
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, stateSize());
        lastGap = Checks.finite(src[offset], "last gap");
        int o = cusum.readState(src, offset + 1);
        return windowGap.readState(src, o);
    }
}
