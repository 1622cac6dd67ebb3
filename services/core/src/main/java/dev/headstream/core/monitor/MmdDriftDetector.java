package dev.headstream.core.monitor;

import java.util.Arrays;

/**
 * Domain-drift detector: the maximum mean discrepancy between a user's recent embeddings and a
 * fixed source reference set ({@link MmdReference}), tested by permutation.
 *
 * <p>Statistic: the unbiased estimator MMD^2_u of Gretton, Borgwardt, Rasch, Schoelkopf and Smola,
 * "A kernel two-sample test" (JMLR 2012), with a Gaussian kernel (median-heuristic bandwidth):
 * {@code sum_{i!=j} k(x_i,x_j)/(m(m-1)) + sum_{i!=j} k(y_i,y_j)/(n(n-1)) - 2 sum k(x_i,y_j)/(mn)}
 * for the {@code m} reference embeddings {@code x} and the last {@code n = window} user
 * embeddings {@code y}. Threshold: a permutation test with {@code B} seeded random re-splits of
 * the pooled sample into groups of sizes {@code m} and {@code n}; p-value
 * {@code (1 + #{MMD^2_b >= MMD^2_obs}) / (B + 1)}. A test rejects when {@code p <= alpha}. When
 * reference and user embeddings are exchangeable (drawn independently from the source
 * distribution) {@code P(p <= alpha) <= alpha} holds exactly for any B, averaged over reference
 * draws; conditional on one fixed reference set it holds only approximately, the better the
 * larger {@code m} is relative to {@code n} (use a reference several times the window).
 *
 * <p>Re-testing: once the window is full, a test runs on every {@code testEvery}-th new embedding.
 * Each test's false-rejection probability is at most {@code alpha}, so the expected number of
 * in-control alarms is at most {@code alpha / testEvery} per embedding: for a configured ARL0
 * (embeddings between false alarms) use {@link #alphaFor(int, double)}. Consecutive tests share
 * most of their window, so false alarms come in clusters; their expected count is still bounded.
 *
 * <p>Lifecycle: construct per user with a shared {@link MmdReference}; {@link #input} each new
 * embedding (one per sample, e.g. the clip's mean window embedding, so that samples are
 * independent); after an input read {@link #lastPValue()}, {@link #lastMmd2()},
 * {@link #lastCriticalValue()} and {@link #alarm()} (true from the first rejection until
 * {@link #reset()}). Inputs that do not trigger a test copy {@code d} floats; a test costs
 * {@code O((m + n) n d)} kernel work plus {@code O(B n^2)} and allocates nothing (scratch in the
 * caller's {@link MmdWorkspace}). Permutations are seeded from the configured seed and the test's
 * sequence number, so the same stream gives the same p-values. Not thread-safe.
 */
public final class MmdDriftDetector implements MonitorState {

    /**
     * @param window user embeddings kept (the ring), {@code n >= 2}
     * @param testEvery new embeddings between tests once the ring is full, {@code >= 1}
     * @param permutations B, {@code >= 1}; p-values have resolution {@code 1/(B+1)}
     * @param alpha rejection level in (0, 1)
     * @param seed seeds the permutations (derive it from tenant/user/task)
     */
    public record Config(int window, int testEvery, int permutations, double alpha, long seed) {
        public Config {
            if (window < 2 || testEvery < 1 || permutations < 1) {
                throw new IllegalArgumentException("need window >= 2, testEvery >= 1, permutations >= 1");
            }
            if (!(alpha > 0 && alpha < 1)) {
                throw new IllegalArgumentException("alpha must be in (0, 1): " + alpha);
            }
        }
    }

    private static final int HEADER = 9;

    private final MmdReference reference;
    private final Config config;
    private final int dim;
    private final float[] ring;
    private int next;
    private int filled;
    private long samples;
    private long sinceTest;
    private long tests;
    private double lastMmd2 = Double.NaN;
    private double lastP = Double.NaN;
    private double lastCritical = Double.NaN;
    private long alarmAt = -1;

    public MmdDriftDetector(MmdReference reference, Config config) {
        this.reference = reference;
        this.config = config;
        this.dim = reference.dim();
        this.ring = new float[config.window() * dim];
    }

    private MmdDriftDetector(MmdDriftDetector o) {
        reference = o.reference;
        config = o.config;
        dim = o.dim;
        ring = o.ring.clone();
        next = o.next;
        filled = o.filled;
        samples = o.samples;
        sinceTest = o.sinceTest;
        tests = o.tests;
        lastMmd2 = o.lastMmd2;
        lastP = o.lastP;
        lastCritical = o.lastCritical;
        alarmAt = o.alarmAt;
    }

    /** Bytes this detector holds per user: its window of embeddings (the reference is shared). */
    public long residentBytes() {
        return (long) ring.length * Float.BYTES;
    }

    /** A deep copy sharing the (immutable) reference. */
    public MmdDriftDetector copy() {
        return new MmdDriftDetector(this);
    }

    /** The rejection level that bounds the in-control alarm rate by one per {@code arl0} embeddings. */
    public static double alphaFor(int testEvery, double arl0) {
        if (!(arl0 > testEvery)) {
            throw new IllegalArgumentException("ARL0 must exceed testEvery: " + arl0);
        }
        return testEvery / arl0;
    }

    /**
     * Adds one user embedding {@code x[offset..offset+dim)} and tests when due.
     *
     * @return true when a test ran on this input and rejected
     * @throws IllegalArgumentException on a non-finite value or a workspace of the wrong size
     */
    public boolean input(float[] x, int offset, MmdWorkspace ws) {
        if (ws.permuted.length != config.permutations()) {
            throw new IllegalArgumentException(
                    "workspace holds " + ws.permuted.length + " permutations, detector uses " + config.permutations());
        }
        for (int t = 0; t < dim; t++) {
            if (!Float.isFinite(x[offset + t])) {
                throw new IllegalArgumentException("embedding holds a non-finite value");
            }
        }
        System.arraycopy(x, offset, ring, next * dim, dim);
        next = next + 1 == config.window() ? 0 : next + 1;
        if (filled < config.window()) {
            filled++;
        }
        samples++;
        sinceTest++;
        if (filled < config.window() || sinceTest < config.testEvery()) {
            return false;
        }
        sinceTest = 0;
        lastP = test(reference, ring, config.window(), mix(config.seed(), tests), config.alpha(), ws);
        lastMmd2 = ws.observed;
        lastCritical = ws.critical;
        tests++;
        boolean reject = lastP <= config.alpha();
        if (reject && alarmAt < 0) {
            alarmAt = samples;
        }
        return reject;
    }

    /**
     * One permutation test of MMD^2_u between the reference and the {@code n} user embeddings in
     * {@code y} (row-major {@code n x dim}), with {@code ws.permuted.length} permutations. Returns the
     * p-value; leaves the observed statistic in {@code ws.observed} and the permutation
     * distribution's {@code 1 - alpha} quantile in {@code ws.critical}. Allocation-free.
     */
    static double test(MmdReference ref, float[] y, int n, long seed, double alpha, MmdWorkspace ws) {
        int m = ref.size();
        int dim = ref.dim();
        if (ws.referenceSize != m || ws.window != n) {
            throw new IllegalArgumentException("workspace is for " + ws.referenceSize + " + " + ws.window
                    + " embeddings, test needs " + m + " + " + n);
        }
        int total = m + n;
        double[] k = ws.pooled;
        for (int i = 0; i < m; i++) {
            ref.copyKxxRow(i, k, i * total);
        }
        float[] x = ref.data();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double v = ref.kernel(x, i * dim, y, j * dim);
                k[i * total + m + j] = v;
                k[(m + j) * total + i] = v;
            }
        }
        for (int a = 0; a < n; a++) {
            k[(m + a) * total + m + a] = 1;
            for (int b = a + 1; b < n; b++) {
                double v = ref.kernel(y, a * dim, y, b * dim);
                k[(m + a) * total + m + b] = v;
                k[(m + b) * total + m + a] = v;
            }
        }
        double all = 0;
        for (int i = 0; i < total; i++) {
            double r = -k[i * total + i];
            for (int j = 0; j < total; j++) {
                r += k[i * total + j];
            }
            ws.rowSums[i] = r;
            all += r;
        }
        int[] idx = ws.index;
        for (int a = 0; a < n; a++) {
            idx[a] = m + a;
        }
        for (int i = 0; i < m; i++) {
            idx[n + i] = i;
        }
        double obs = splitStatistic(k, ws.rowSums, idx, total, m, n, all);
        long state = seed;
        int exceed = 0;
        int permutations = ws.permuted.length;
        for (int p = 0; p < permutations; p++) {
            for (int t = 0; t < n; t++) {
                state += 0x9E3779B97F4A7C15L;
                long z = mix(state, 0);
                int j = t + (int) (((z >>> 32) * (total - t)) >>> 32);
                int tmp = idx[t];
                idx[t] = idx[j];
                idx[j] = tmp;
            }
            double v = splitStatistic(k, ws.rowSums, idx, total, m, n, all);
            ws.permuted[p] = v;
            if (v >= obs) {
                exceed++;
            }
        }
        Arrays.sort(ws.permuted);
        int q = (int) Math.ceil((1 - alpha) * (permutations + 1)) - 1;
        ws.critical = ws.permuted[Math.max(0, Math.min(permutations - 1, q))];
        ws.observed = obs;
        return (1.0 + exceed) / (permutations + 1);
    }

    /**
     * MMD^2_u with the user group {@code idx[0..n)} and the reference group the rest: with
     * {@code C} the within-user kernel sum over ordered pairs, {@code R} the off-diagonal row sums
     * and {@code T} their total, the cross sum is {@code XY = sum_{i in user} R_i - C} and the
     * within-reference sum {@code T - C - 2 XY}, so one split costs {@code O(n^2)}.
     */
    private static double splitStatistic(double[] k, double[] rowSums, int[] idx, int total, int m, int n, double all) {
        double c = 0;
        double ry = 0;
        for (int a = 0; a < n; a++) {
            int ia = idx[a] * total;
            ry += rowSums[idx[a]];
            for (int b = a + 1; b < n; b++) {
                c += k[ia + idx[b]];
            }
        }
        c *= 2;
        double xy = ry - c;
        double xx = all - c - 2 * xy;
        return xx / ((double) m * (m - 1)) + c / ((double) n * (n - 1)) - 2 * xy / ((double) m * n);
    }

    static long mix(long seed, long counter) {
        long z = seed + 0x9E3779B97F4A7C15L * (counter + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public boolean alarm() {
        return alarmAt >= 0;
    }

    /** The 1-based embedding index (since reset) whose test first rejected, or -1. */
    public long alarmSample() {
        return alarmAt;
    }

    /** p-value of the last test; NaN before the first. */
    public double lastPValue() {
        return lastP;
    }

    /** MMD^2_u of the last test; NaN before the first. */
    public double lastMmd2() {
        return lastMmd2;
    }

    /** The permutation distribution's {@code 1 - alpha} critical value at the last test. */
    public double lastCriticalValue() {
        return lastCritical;
    }

    public long tests() {
        return tests;
    }

    public long samples() {
        return samples;
    }

    public Config config() {
        return config;
    }

    public void reset() {
        Arrays.fill(ring, 0);
        next = 0;
        filled = 0;
        samples = 0;
        sinceTest = 0;
        tests = 0;
        lastMmd2 = Double.NaN;
        lastP = Double.NaN;
        lastCritical = Double.NaN;
        alarmAt = -1;
    }

    @Override
    public int stateSize() {
        return HEADER + ring.length;
    }

    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, stateSize());
        dst[offset] = next;
        dst[offset + 1] = filled;
        dst[offset + 2] = samples;
        dst[offset + 3] = sinceTest;
        dst[offset + 4] = tests;
        dst[offset + 5] = lastMmd2;
        dst[offset + 6] = lastP;
        dst[offset + 7] = lastCritical;
        dst[offset + 8] = alarmAt;
        for (int i = 0; i < ring.length; i++) {
            dst[offset + HEADER + i] = ring[i];
        }
        return offset + stateSize();
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, stateSize());
        long nx = Checks.count(src[offset]);
        long f = Checks.count(src[offset + 1]);
        if (nx >= config.window() || f > config.window()) {
            throw new IllegalArgumentException(
                    "MMD ring position " + nx + "/" + f + " outside window " + config.window());
        }
        next = (int) nx;
        filled = (int) f;
        samples = Checks.count(src[offset + 2]);
        sinceTest = Checks.count(src[offset + 3]);
        tests = Checks.count(src[offset + 4]);
        lastMmd2 = src[offset + 5];
        lastP = src[offset + 6];
        lastCritical = src[offset + 7];
        alarmAt = (long) src[offset + 8];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = (float) src[offset + HEADER + i];
        }
        return offset + stateSize();
    }
}
