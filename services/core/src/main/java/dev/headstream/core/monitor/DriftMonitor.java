package dev.headstream.core.monitor;

/**
 * A user's own audio domain and whether it changed: the first {@code referenceSize} embeddings
 * (one per sample, e.g. a clip's mean frame embedding) become the user's reference, then a
 * {@link MmdDriftDetector} tests every later window of embeddings against it. An alarm means
 * "this user's input no longer looks like their first samples" (a new room, microphone or
 * language), which the loss-based negative-transfer tests do not see when the head keeps fitting
 * the new data. The alarm stays until {@link #reset()}.
 *
 * <p>Memory: the reference ({@code referenceSize x dim} floats, plus its kernel matrix) and the
 * detector's window. Allocation-free per input once the reference is complete; not thread-safe
 * (work on a {@link #copy()}).
 */
public final class DriftMonitor implements MonitorState {

    /**
     * @param referenceSize embeddings that form the user's reference, {@code >= 2}
     * @param detector      the MMD test on later windows (its seed is mixed with each user's seed)
     */
    public record Config(int referenceSize, MmdDriftDetector.Config detector) {
        public Config {
            if (referenceSize < 2) {
                throw new IllegalArgumentException("referenceSize must be >= 2: " + referenceSize);
            }
        }
    }

    private final Config config;
    private final int dim;
    private final long seed;
    /** The reference being collected; null once complete (the detector's reference holds it then). */
    private float[] collecting;

    private int collected;
    private MmdReference reference;
    private MmdDriftDetector detector;

    public DriftMonitor(Config config, int dim, long seed) {
        if (dim < 1) {
            throw new IllegalArgumentException("dim must be >= 1: " + dim);
        }
        this.config = config;
        this.dim = dim;
        this.seed = seed;
    }

    private DriftMonitor(DriftMonitor o) {
        config = o.config;
        dim = o.dim;
        seed = o.seed;
        collecting = o.collecting == null ? null : o.collecting.clone();
        collected = o.collected;
        reference = o.reference;
        detector = o.detector == null ? null : o.detector.copy();
    }

    /** A deep copy; a complete reference is immutable and shared. */
    public DriftMonitor copy() {
        return new DriftMonitor(this);
    }

    /** A workspace that fits every monitor of {@code config}. */
    public static MmdWorkspace workspace(Config config) {
        return new MmdWorkspace(
                config.referenceSize(),
                config.detector().window(),
                config.detector().permutations());
    }

    /**
     * Adds one embedding: into the reference while it fills, else to the detector's window.
     *
     * @return true when this input's test rejected (see {@link MmdDriftDetector#input})
     */
    public boolean input(float[] x, int offset, MmdWorkspace ws) {
        if (detector != null) {
            return detector.input(x, offset, ws);
        }
        for (int t = 0; t < dim; t++) {
            Checks.finite(x[offset + t], "embedding");
        }
        if (collecting == null) {
            collecting = new float[config.referenceSize() * dim];
        }
        System.arraycopy(x, offset, collecting, collected * dim, dim);
        collected++;
        if (collected == config.referenceSize()) {
            complete(collecting);
            collecting = null;
        }
        return false;
    }

    /**
     * Builds the reference and the detector. The kernel bandwidth is the median heuristic, or 1 when
     * every reference embedding is the same (then any different input stands out).
     */
    private void complete(float[] data) {
        reference = MmdReference.withMedianOrUnitBandwidth(data, dim);
        MmdDriftDetector.Config d = config.detector();
        detector = new MmdDriftDetector(
                reference,
                new MmdDriftDetector.Config(d.window(), d.testEvery(), d.permutations(), d.alpha(), d.seed() ^ seed));
    }

    /** Whether the reference is complete (tests run from then on). */
    public boolean ready() {
        return detector != null;
    }

    public boolean alarm() {
        return detector != null && detector.alarm();
    }

    /** Embeddings after the reference up to the first rejection (1-based), or -1. */
    public long alarmSample() {
        return detector == null ? -1 : detector.alarmSample();
    }

    /** MMD^2 of the last test; NaN before the first. */
    public double statistic() {
        return detector == null ? Double.NaN : detector.lastMmd2();
    }

    /** The permutation critical value of the last test; NaN before the first. */
    public double threshold() {
        return detector == null ? Double.NaN : detector.lastCriticalValue();
    }

    public double pValue() {
        return detector == null ? Double.NaN : detector.lastPValue();
    }

    public long tests() {
        return detector == null ? 0 : detector.tests();
    }

    public Config config() {
        return config;
    }

    /** Forgets the reference and the window: the next {@code referenceSize} embeddings form a new reference. */
    public void reset() {
        collecting = null;
        collected = 0;
        reference = null;
        detector = null;
    }

    /** Bytes held per user: the reference (and its kernel matrix once built) and the detector's window. */
    public long residentBytes() {
        long ref = (long) config.referenceSize() * dim * Float.BYTES;
        if (detector == null) {
            return collecting == null ? 0 : ref;
        }
        long kernel = (long) config.referenceSize() * config.referenceSize() * Double.BYTES;
        return ref + kernel + (long) config.detector().window() * dim * Float.BYTES;
    }

    @Override
    public int stateSize() {
        if (collected == 0) {
            return 1;
        }
        return 1 + config.referenceSize() * dim + (detector == null ? 0 : detector.stateSize());
    }

    /** Layout: [collected], then (if any) the reference rows (unfilled rows 0), then the detector's state if complete. */
    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, stateSize());
        dst[offset] = collected;
        if (collected == 0) {
            return offset + 1;
        }
        float[] data = detector != null ? reference.data() : collecting;
        for (int i = 0; i < data.length; i++) {
            dst[offset + 1 + i] = data[i];
        }
        int o = offset + 1 + data.length;
        return detector == null ? o : detector.writeState(dst, o);
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, 1);
        long c = Checks.count(src[offset]);
        if (c > config.referenceSize()) {
            throw new IllegalArgumentException("drift reference holds " + c + " of at most " + config.referenceSize());
        }
        reset();
        if (c == 0) {
            return offset + 1;
        }
        int n = config.referenceSize() * dim;
        Checks.room(src, offset, 1 + n);
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) Checks.finite(src[offset + 1 + i], "drift reference value");
        }
        collected = (int) c;
        int o = offset + 1 + n;
        if (collected < config.referenceSize()) {
            collecting = data;
            return o;
        }
        complete(data);
        return detector.readState(src, o);
    }
}
