package dev.headstream.core.head;

/**
 * Plain double-precision re-implementation of a {@link TaskArchitecture}'s forward pass and of
 * the output losses, written from the formulas, used as the reference in gradient checks.
 */
final class ReferenceTaskMlp {

    private ReferenceTaskMlp() {}

    /**
     * All logits with the full parameter vector {@code p}; {@code dropScale[l]}, when non-null,
     * multiplies layer {@code l}'s output (a fixed dropout mask).
     */
    static double[] logits(TaskArchitecture arch, double[] p, double[] x, double[][] dropScale) {
        double[] a = x.clone();
        int at = 0;
        for (int l = 0; l < arch.layers().size(); l++) {
            HeadLayer layer = arch.layers().get(l);
            double[] y;
            if (layer instanceof HeadLayer.Dense d) {
                y = new double[d.outputDim()];
                for (int o = 0; o < d.outputDim(); o++) {
                    double s = p[at + d.inputDim() * d.outputDim() + o];
                    for (int j = 0; j < d.inputDim(); j++) {
                        s += p[at + o * d.inputDim() + j] * a[j];
                    }
                    y[o] = s;
                }
            } else if (layer instanceof HeadLayer.LayerNorm n) {
                int dim = n.dim();
                double mean = 0;
                for (double v : a) {
                    mean += v;
                }
                mean /= dim;
                double var = 0;
                for (double v : a) {
                    var += (v - mean) * (v - mean);
                }
                var /= dim;
                double std = Math.sqrt(var + n.epsilon());
                y = new double[dim];
                for (int j = 0; j < dim; j++) {
                    y[j] = p[at + j] * (a[j] - mean) / std + p[at + dim + j];
                }
            } else {
                y = new double[a.length];
                for (int j = 0; j < a.length; j++) {
                    y[j] = Math.max(a[j], 0);
                }
            }
            if (dropScale != null && dropScale[l] != null) {
                for (int j = 0; j < y.length; j++) {
                    y[j] *= dropScale[l][j];
                }
            }
            a = y;
            at += layer.parameterCount();
        }
        return a;
    }

    static double logSigmoid(double z) {
        return -Math.log1p(Math.exp(-z));
    }

    /** {@code -(t log s + (1-t) log(1-s))} with {@code s = sigmoid(z)}. */
    static double bce(double z, double t) {
        return -(t * logSigmoid(z) + (1 - t) * logSigmoid(-z));
    }

    static double[] logSoftmax(double[] z, double scale) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v * scale);
        }
        double s = 0;
        for (double v : z) {
            s += Math.exp(v * scale - max);
        }
        double lse = max + Math.log(s);
        double[] out = new double[z.length];
        for (int c = 0; c < z.length; c++) {
            out[c] = z[c] * scale - lse;
        }
        return out;
    }

    /** Task loss for {@code output} (unweighted). */
    static double taskLoss(HeadOutput output, double[] z, float[] t, boolean[] mask) {
        if (output instanceof HeadOutput.Softmax) {
            double[] logP = logSoftmax(z, 1);
            double loss = 0;
            for (int c = 0; c < z.length; c++) {
                loss -= t[c] * logP[c];
            }
            return loss;
        }
        double loss = 0;
        for (int c = 0; c < z.length; c++) {
            if (mask == null || mask[c]) {
                loss += bce(z[c], t[c]);
            }
        }
        return loss;
    }

    /** {@code T^2 KL(p_source^T || p^T)} for {@code output}. */
    static double distillation(HeadOutput output, double[] z, double[] zSource, double temperature) {
        double kl = 0;
        if (output instanceof HeadOutput.Softmax) {
            double[] logQ = logSoftmax(z, 1 / temperature);
            double[] logP = logSoftmax(zSource, 1 / temperature);
            for (int c = 0; c < z.length; c++) {
                kl += Math.exp(logP[c]) * (logP[c] - logQ[c]);
            }
        } else {
            for (int c = 0; c < z.length; c++) {
                double p = 1 / (1 + Math.exp(-zSource[c] / temperature));
                kl += bce(z[c] / temperature, p) - bce(zSource[c] / temperature, p);
            }
        }
        return temperature * temperature * kl;
    }
}
