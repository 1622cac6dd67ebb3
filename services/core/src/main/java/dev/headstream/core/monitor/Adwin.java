package dev.headstream.core.monitor;

import java.util.Arrays;

/**
 * ADWIN, adaptive windowing (Bifet and Gavalda, "Learning from time-changing data with adaptive
 * windowing", SDM 2007), in its ADWIN2 form with an exponential histogram, following MOA's
 * {@code ADWIN}: the window of recent values is kept as buckets of {@code 2^i} values (at most
 * {@value #MAX_BUCKETS} per size); every {@value #CLOCK} inputs each split of the window into an
 * older part W0 and a newer part W1 is tested, and while some split has
 * {@code |mean(W0) - mean(W1)| > eps_cut} the oldest bucket is dropped. With {@code n} the window
 * length, {@code v} its variance and {@code m = 1/(n0 - 5 + 1) + 1/(n1 - 5 + 1)},
 * {@code eps_cut = sqrt(2 m v ln(2 ln n / delta)) + (2/3) m ln(2 ln n / delta)}. For values in
 * [0, 1] the paper bounds the probability of a false cut at any one check by {@code delta}, so on
 * a stationary stream the expected number of false alarms is at most {@code delta} per check, that
 * is {@code delta / 32} per input.
 *
 * <p>Storage is fixed at construction ({@code maxRows} bucket sizes, window at most
 * {@code 5 * (2^maxRows - 1)} values; beyond that the oldest bucket is dropped), so
 * {@link #input(double)} allocates nothing.
 *
 * <p>Lifecycle as in {@link ChangeDetector}: {@link #input(double)} returns true on every input
 * that cut the window (a change); {@link #alarm()} stays true from the first cut until
 * {@link #reset()}; {@link #lastChangeWasIncrease()} tells the direction. {@link #statistic()} is
 * the mean of the current window and {@link #threshold()} the confidence {@code delta}. Not
 * thread-safe.
 */
public final class Adwin implements ChangeDetector {

    static final int MAX_BUCKETS = 5;
    static final int CLOCK = 32;
    static final int MIN_WINDOW = 10;
    static final int MIN_SUB_WINDOW = 5;
    private static final int SLOTS = MAX_BUCKETS + 1;

    private final double delta;
    private final int maxRows;
    private final int[] rowSize;
    private final double[] sum;
    private final double[] var;
    private int rows;
    private long width;
    private double total;
    private double variance;
    private long time;
    private long alarmAt = -1;
    private boolean lastIncrease;

    /** ADWIN with confidence {@code delta} and room for windows of about 335 million values. */
    public Adwin(double delta) {
        this(delta, 26);
    }

    /**
     * @param delta confidence in (0, 1): bound on the false-cut probability per check
     * @param maxRows bucket sizes kept, 2..62
     */
    public Adwin(double delta, int maxRows) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in (0, 1): " + delta);
        }
        if (maxRows < 2 || maxRows > 62) {
            throw new IllegalArgumentException("maxRows must be in [2, 62]: " + maxRows);
        }
        this.delta = delta;
        this.maxRows = maxRows;
        rowSize = new int[maxRows];
        sum = new double[maxRows * SLOTS];
        var = new double[maxRows * SLOTS];
    }

    @Override
    public boolean input(double x) {
        Checks.finite(x, "observation");
        time++;
        insert(x);
        if (time % CLOCK != 0 || width <= MIN_WINDOW) {
            return false;
        }
        boolean change = false;
        boolean reduce = true;
        while (reduce) {
            reduce = false;
            boolean exit = false;
            long n0 = 0;
            long n1 = width;
            double u0 = 0;
            double u1 = total;
            for (int i = rows - 1; i >= 0 && !exit; i--) {
                long n2 = 1L << i;
                for (int k = 0; k < rowSize[i]; k++) {
                    double u2 = sum[i * SLOTS + k];
                    n0 += n2;
                    n1 -= n2;
                    u0 += u2;
                    u1 -= u2;
                    if (i == 0 && k == rowSize[i] - 1) {
                        exit = true;
                        break;
                    }
                    if (n1 > MIN_SUB_WINDOW + 1 && n0 > MIN_SUB_WINDOW + 1 && cut(n0, n1, u0 / n0 - u1 / n1)) {
                        reduce = true;
                        change = true;
                        lastIncrease = u1 / n1 > u0 / n0;
                        if (width > 0) {
                            deleteOldest();
                            exit = true;
                            break;
                        }
                    }
                }
            }
        }
        if (change && alarmAt < 0) {
            alarmAt = time;
        }
        return change;
    }

    private boolean cut(long n0, long n1, double diff) {
        double dd = Math.log(2 * Math.log(width) / delta);
        double v = variance / width;
        double m = 1.0 / (n0 - MIN_SUB_WINDOW + 1) + 1.0 / (n1 - MIN_SUB_WINDOW + 1);
        double eps = Math.sqrt(2 * m * v * dd) + 2.0 / 3 * dd * m;
        return Math.abs(diff) > eps;
    }

    private void insert(double x) {
        width++;
        sum[rowSize[0]] = x;
        var[rowSize[0]] = 0;
        rowSize[0]++;
        if (rows == 0) {
            rows = 1;
        }
        if (width > 1) {
            double d = x - total / (width - 1);
            variance += (width - 1) * d * d / width;
        }
        total += x;
        compress();
    }

    private void compress() {
        for (int i = 0; rowSize[i] == SLOTS; i++) {
            if (i + 1 == maxRows) {
                deleteOldest();
                return;
            }
            double n = 1L << i;
            int b = i * SLOTS;
            double d = sum[b] / n - sum[b + 1] / n;
            double incVar = n * n * d * d / (2 * n);
            int nb = (i + 1) * SLOTS + rowSize[i + 1];
            sum[nb] = sum[b] + sum[b + 1];
            var[nb] = var[b] + var[b + 1] + incVar;
            rowSize[i + 1]++;
            if (i + 2 > rows) {
                rows = i + 2;
            }
            shiftLeft(i, 2);
            if (rowSize[i + 1] <= MAX_BUCKETS) {
                return;
            }
        }
    }

    private void deleteOldest() {
        int i = rows - 1;
        long n1 = 1L << i;
        int b = i * SLOTS;
        width -= n1;
        total -= sum[b];
        if (width == 0) {
            total = 0;
            variance = 0;
        } else {
            double d = sum[b] / n1 - total / width;
            variance -= var[b] + n1 * width * d * d / (n1 + width);
            if (variance < 0) {
                variance = 0;
            }
        }
        shiftLeft(i, 1);
        if (rowSize[i] == 0) {
            rows--;
        }
    }

    private void shiftLeft(int row, int by) {
        int b = row * SLOTS;
        int keep = rowSize[row] - by;
        System.arraycopy(sum, b + by, sum, b, keep);
        System.arraycopy(var, b + by, var, b, keep);
        for (int k = keep; k < rowSize[row]; k++) {
            sum[b + k] = 0;
            var[b + k] = 0;
        }
        rowSize[row] = keep;
    }

    /** Values in the current window. */
    public long width() {
        return width;
    }

    /** Mean of the current window; NaN when empty. */
    public double mean() {
        return width == 0 ? Double.NaN : total / width;
    }

    /** Whether the last cut found the newer part of the window to have the higher mean. */
    public boolean lastChangeWasIncrease() {
        return lastIncrease;
    }

    @Override
    public boolean alarm() {
        return alarmAt >= 0;
    }

    /** The mean of the current window. */
    @Override
    public double statistic() {
        return mean();
    }

    /** The confidence {@code delta}. */
    @Override
    public double threshold() {
        return delta;
    }

    @Override
    public long samples() {
        return time;
    }

    @Override
    public long alarmSample() {
        return alarmAt;
    }

    @Override
    public void reset() {
        Arrays.fill(rowSize, 0);
        Arrays.fill(sum, 0);
        Arrays.fill(var, 0);
        rows = 0;
        width = 0;
        total = 0;
        variance = 0;
        time = 0;
        alarmAt = -1;
        lastIncrease = false;
    }

    @Override
    public Adwin copy() {
        Adwin c = new Adwin(delta, maxRows);
        double[] s = new double[stateSize()];
        writeState(s, 0);
        c.readState(s, 0);
        return c;
    }

    @Override
    public int stateSize() {
        return 7 + maxRows + 2 * maxRows * SLOTS;
    }

    @Override
    public int writeState(double[] dst, int offset) {
        Checks.room(dst, offset, stateSize());
        int o = offset;
        dst[o++] = rows;
        dst[o++] = width;
        dst[o++] = total;
        dst[o++] = variance;
        dst[o++] = time;
        dst[o++] = alarmAt;
        dst[o++] = lastIncrease ? 1 : 0;
        for (int r : rowSize) {
            dst[o++] = r;
        }
        System.arraycopy(sum, 0, dst, o, sum.length);
        o += sum.length;
        System.arraycopy(var, 0, dst, o, var.length);
        return o + var.length;
    }

    @Override
    public int readState(double[] src, int offset) {
        Checks.room(src, offset, stateSize());
        int o = offset;
        long r = Checks.count(src[o++]);
        if (r > maxRows) {
            throw new IllegalArgumentException("ADWIN state has " + r + " rows, room for " + maxRows);
        }
        rows = (int) r;
        width = Checks.count(src[o++]);
        total = Checks.finite(src[o++], "total");
        variance = Checks.finite(src[o++], "variance");
        time = Checks.count(src[o++]);
        alarmAt = (long) src[o++];
        lastIncrease = src[o++] != 0;
        for (int i = 0; i < maxRows; i++) {
            long s = Checks.count(src[o++]);
            if (s > SLOTS) {
                throw new IllegalArgumentException("ADWIN row " + i + " has " + s + " buckets");
            }
            rowSize[i] = (int) s;
        }
        System.arraycopy(src, o, sum, 0, sum.length);
        o += sum.length;
        System.arraycopy(src, o, var, 0, var.length);
        return o + var.length;
    }
}
