package dev.headstream.tools.speakers;

import java.util.List;

/**
 * A linear map learned from labeled speech of speakers outside every household, that keeps what
 * tells speakers apart: {@code y = P^T (x - mean)}. Whitening by the within-speaker covariance
 * (WCCN: every direction in which one speaker's utterances vary gets unit variance), optionally
 * followed by linear discriminant analysis (the directions along which speakers' means spread most,
 * at most speakers - 1 of them). Immutable and thread-safe once fitted.
 */
public final class SpeakerProjection {

    private final float[] mean;
    /** {@code dim x components}, row-major. */
    private final float[] p;

    private final int dim;
    private final int components;

    private SpeakerProjection(float[] mean, float[] p, int dim, int components) {
        this.mean = mean;
        this.p = p;
        this.dim = dim;
        this.components = components;
    }

    /**
     * Fits the projection to {@code xs} with speaker {@code labels} (0-based).
     *
     * @param components number of discriminant directions to keep, or 0 for whitening only (all dims)
     * @param ridge      added to the within-speaker covariance, as a share of its mean variance
     * @throws IllegalArgumentException for fewer than two speakers, mismatched sizes, or more
     *                                  components than speakers - 1
     */
    public static SpeakerProjection fit(List<float[]> xs, int[] labels, int components, double ridge) {
        if (xs.size() != labels.length || xs.isEmpty()) {
            throw new IllegalArgumentException(xs.size() + " vectors, " + labels.length + " labels");
        }
        int dim = xs.get(0).length;
        int classes = 0;
        for (int l : labels) {
            if (l < 0) {
                throw new IllegalArgumentException("negative label " + l);
            }
            classes = Math.max(classes, l + 1);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("need at least two speakers");
        }
        if (components < 0 || components > classes - 1 || components > dim) {
            throw new IllegalArgumentException(
                    "components must be 0 (whiten) or 1.." + Math.min(classes - 1, dim) + ", was " + components);
        }
        int n = xs.size();
        double[] mu = new double[dim];
        double[][] classMean = new double[classes][dim];
        int[] counts = new int[classes];
        for (int i = 0; i < n; i++) {
            float[] x = xs.get(i);
            counts[labels[i]]++;
            for (int d = 0; d < dim; d++) {
                mu[d] += x[d];
                classMean[labels[i]][d] += x[d];
            }
        }
        for (int d = 0; d < dim; d++) {
            mu[d] /= n;
        }
        for (int c = 0; c < classes; c++) {
            if (counts[c] == 0) {
                throw new IllegalArgumentException("speaker " + c + " has no vector");
            }
            for (int d = 0; d < dim; d++) {
                classMean[c][d] /= counts[c];
            }
        }
        double[][] sw = new double[dim][dim];
        double[] r = new double[dim];
        for (int i = 0; i < n; i++) {
            float[] x = xs.get(i);
            double[] m = classMean[labels[i]];
            for (int d = 0; d < dim; d++) {
                r[d] = x[d] - m[d];
            }
            for (int a = 0; a < dim; a++) {
                for (int b = 0; b <= a; b++) {
                    sw[a][b] += r[a] * r[b];
                }
            }
        }
        double trace = 0;
        for (int a = 0; a < dim; a++) {
            for (int b = 0; b <= a; b++) {
                sw[a][b] /= n;
                sw[b][a] = sw[a][b];
            }
            trace += sw[a][a];
        }
        for (int a = 0; a < dim; a++) {
            sw[a][a] += ridge * trace / dim;
        }
        SymmetricEigen e = SymmetricEigen.of(sw);
        double[][] w = new double[dim][dim]; // whitening: columns v_j / sqrt(lambda_j)
        for (int j = 0; j < dim; j++) {
            double s = 1 / Math.sqrt(Math.max(e.values()[j], 1e-12 * trace / dim));
            for (int i = 0; i < dim; i++) {
                w[i][j] = e.vectors()[i][j] * s;
            }
        }
        double[][] proj;
        int out;
        if (components == 0) {
            proj = w;
            out = dim;
        } else {
            // between-speaker scatter in the whitened space: sum_c n_c (W^T (m_c - mu))(...)^T / n
            double[][] sb = new double[dim][dim];
            double[] y = new double[dim];
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j < dim; j++) {
                    double s = 0;
                    for (int i = 0; i < dim; i++) {
                        s += w[i][j] * (classMean[c][i] - mu[i]);
                    }
                    y[j] = s;
                }
                for (int a = 0; a < dim; a++) {
                    for (int b = 0; b < dim; b++) {
                        sb[a][b] += counts[c] * y[a] * y[b] / n;
                    }
                }
            }
            for (int a = 0; a < dim; a++) {
                for (int b = 0; b < a; b++) {
                    double s = (sb[a][b] + sb[b][a]) / 2;
                    sb[a][b] = s;
                    sb[b][a] = s;
                }
            }
            SymmetricEigen between = SymmetricEigen.of(sb);
            proj = new double[dim][components];
            for (int i = 0; i < dim; i++) {
                for (int k = 0; k < components; k++) {
                    double s = 0;
                    for (int j = 0; j < dim; j++) {
                        s += w[i][j] * between.vectors()[j][k];
                    }
                    proj[i][k] = s;
                }
            }
            out = components;
        }
        float[] p = new float[dim * out];
        for (int i = 0; i < dim; i++) {
            for (int k = 0; k < out; k++) {
                p[i * out + k] = (float) proj[i][k];
            }
        }
        float[] meanF = new float[dim];
        for (int d = 0; d < dim; d++) {
            meanF[d] = (float) mu[d];
        }
        return new SpeakerProjection(meanF, p, dim, out);
    }

    public int components() {
        return components;
    }

    /** The mean subtracted first (a copy). */
    public float[] mean() {
        return mean.clone();
    }

    /** {@code P}, {@code dim x components} row-major (a copy). */
    public float[] projection() {
        return p.clone();
    }

    /** {@code P^T (x - mean)}. */
    public float[] apply(float[] x) {
        if (x.length != dim) {
            throw new IllegalArgumentException("vector of " + x.length + ", projection of " + dim);
        }
        double[] y = new double[components];
        for (int i = 0; i < dim; i++) {
            double xi = x[i] - mean[i];
            int o = i * components;
            for (int k = 0; k < components; k++) {
                y[k] += xi * p[o + k];
            }
        }
        float[] out = new float[components];
        for (int k = 0; k < components; k++) {
            out[k] = (float) y[k];
        }
        return out;
    }
}
