package dev.headstream.tools.speakers;

/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations: {@code A = V diag(w) V^T}
 * with eigenvalues in descending order and eigenvectors as the columns of {@code V}.
 *
 * @param values  eigenvalues, descending
 * @param vectors {@code n x n}, row-major; column {@code j} belongs to {@code values[j]}
 */
public record SymmetricEigen(double[] values, double[][] vectors) {

    private static final int MAX_SWEEPS = 100;

    /**
     * Decomposes {@code a} ({@code n x n}, symmetric; not modified).
     *
     * @throws IllegalArgumentException when {@code a} is not square and symmetric (to 1e-9 relative)
     * @throws IllegalStateException when the off-diagonal part is still above 1e-10 of the largest
     *     entry after {@value #MAX_SWEEPS} sweeps
     */
    public static SymmetricEigen of(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][];
        double scale = 0;
        for (int i = 0; i < n; i++) {
            if (a[i].length != n) {
                throw new IllegalArgumentException("matrix is not square");
            }
            m[i] = a[i].clone();
            for (int j = 0; j < n; j++) {
                scale = Math.max(scale, Math.abs(a[i][j]));
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                if (Math.abs(a[i][j] - a[j][i]) > 1e-9 * Math.max(scale, 1e-300)) {
                    throw new IllegalArgumentException("matrix is not symmetric at " + i + ", " + j);
                }
            }
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; ; sweep++) {
            double off = offDiagonal(m);
            if (off <= 1e-30 * Math.max(scale * scale, 1e-300)) {
                break;
            }
            if (sweep == MAX_SWEEPS) {
                if (off <= 1e-20 * Math.max(scale * scale, 1e-300)) {
                    break;
                }
                throw new IllegalStateException("Jacobi rotations did not converge in " + MAX_SWEEPS
                        + " sweeps: off-diagonal norm " + Math.sqrt(off) + " of largest entry " + scale);
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (m[p][q] == 0) {
                        continue;
                    }
                    double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double mkp = m[k][p];
                        double mkq = m[k][q];
                        m[k][p] = c * mkp - s * mkq;
                        m[k][q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++) {
                        double mpk = m[p][k];
                        double mqk = m[q][k];
                        m[p][k] = c * mpk - s * mqk;
                        m[q][k] = s * mpk + c * mqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        double[] diag = new double[n];
        for (int i = 0; i < n; i++) {
            diag[i] = m[i][i];
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(diag[y], diag[x]));
        double[] values = new double[n];
        double[][] vectors = new double[n][n];
        for (int j = 0; j < n; j++) {
            values[j] = diag[order[j]];
            for (int i = 0; i < n; i++) {
                vectors[i][j] = v[i][order[j]];
            }
        }
        return new SymmetricEigen(values, vectors);
    }

    private static double offDiagonal(double[][] m) {
        double off = 0;
        for (int p = 0; p < m.length; p++) {
            for (int q = p + 1; q < m.length; q++) {
                off += m[p][q] * m[p][q];
            }
        }
        return off;
    }
}
