package dev.headstream.core.monitor;

import java.util.Arrays;

/**
 * The fixed source-domain reference set of an MMD drift test: {@code m} embeddings of dimension
 * {@code d}, the Gaussian kernel bandwidth, and the reference-to-reference kernel matrix computed
 * once.
 *
 * <p>Bandwidth: the median heuristic (Gretton et al. 2012), {@code sigma = median ||x_i - x_j||}
 * over the reference pairs, kernel {@code k(x, y) = exp(-||x - y||^2 / (2 sigma^2))}. It is taken on
 * the reference set alone so that it is the same for every user and every test, and does not
 * depend on the user's data (which keeps the permutation test exact).
 *
 * <p>Immutable and thread-safe after construction; share one instance across all users of a task.
 * Memory: {@code m * d} floats plus {@code m * m} doubles.
 */
public final class MmdReference {

    private final float[] data;
    private final int size;
    private final int dim;
    private final double bandwidth;
    private final double gamma;
    private final double[] kxx;

    /**
     * @param data reference embeddings, row-major {@code size x dim}
     * @param dim embedding dimension
     * @param bandwidth the kernel's sigma, or NaN for the median heuristic
     */
    public MmdReference(float[] data, int dim, double bandwidth) {
        if (dim < 1 || data.length == 0 || data.length % dim != 0) {
            throw new IllegalArgumentException(
                    "reference of length " + data.length + " is not a non-empty multiple of dim " + dim);
        }
        for (float v : data) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("reference holds a non-finite value");
            }
        }
        this.data = data.clone();
        this.dim = dim;
        this.size = data.length / dim;
        if (size < 2) {
            throw new IllegalArgumentException("need at least 2 reference embeddings, got " + size);
        }
        this.bandwidth = Double.isNaN(bandwidth) ? medianDistance(this.data, size, dim) : bandwidth;
        if (!(this.bandwidth > 0) || !Double.isFinite(this.bandwidth)) {
            throw new IllegalArgumentException("kernel bandwidth must be finite and > 0: " + this.bandwidth);
        }
        this.gamma = 1 / (2 * this.bandwidth * this.bandwidth);
        this.kxx = new double[size * size];
        for (int i = 0; i < size; i++) {
            kxx[i * size + i] = 1;
            for (int j = i + 1; j < size; j++) {
                double k = kernel(this.data, i * dim, this.data, j * dim);
                kxx[i * size + j] = k;
                kxx[j * size + i] = k;
            }
        }
    }

    /**
     * With the median-heuristic bandwidth, or 1 when every embedding is the same (where the
     * heuristic gives 0; then any different input stands out).
     */
    public static MmdReference withMedianOrUnitBandwidth(float[] data, int dim) {
        if (dim < 1 || data.length == 0 || data.length % dim != 0) {
            throw new IllegalArgumentException(
                    "reference of length " + data.length + " is not a non-empty multiple of dim " + dim);
        }
        return new MmdReference(data, dim, medianDistance(data, data.length / dim, dim) > 0 ? Double.NaN : 1.0);
    }

    /** With the median-heuristic bandwidth. */
    public MmdReference(float[] data, int dim) {
        this(data, dim, Double.NaN);
    }

    static double medianDistance(float[] x, int n, int dim) {
        double[] d = new double[n * (n - 1) / 2];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                d[k++] = Math.sqrt(squaredDistance(x, i * dim, x, j * dim, dim));
            }
        }
        Arrays.sort(d);
        return d.length % 2 == 1 ? d[d.length / 2] : 0.5 * (d[d.length / 2 - 1] + d[d.length / 2]);
    }

    static double squaredDistance(float[] a, int ao, float[] b, int bo, int dim) {
        double s = 0;
        for (int t = 0; t < dim; t++) {
            double e = (double) a[ao + t] - b[bo + t];
            s += e * e;
        }
        return s;
    }

    /** The Gaussian kernel between {@code a[ao..ao+dim)} and {@code b[bo..bo+dim)}. */
    double kernel(float[] a, int ao, float[] b, int bo) {
        return Math.exp(-gamma * squaredDistance(a, ao, b, bo, dim));
    }

    double kxx(int i, int j) {
        return kxx[i * size + j];
    }

    void copyKxxRow(int i, double[] dst, int offset) {
        System.arraycopy(kxx, i * size, dst, offset, size);
    }

    float[] data() {
        return data;
    }

    /** Number of reference embeddings {@code m}. */
    public int size() {
        return size;
    }

    public int dim() {
        return dim;
    }

    /** The kernel bandwidth sigma. */
    public double bandwidth() {
        return bandwidth;
    }
}
