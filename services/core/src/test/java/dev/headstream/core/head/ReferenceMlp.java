package dev.headstream.core.head;

import java.util.List;

/**
 * A deliberately plain double-precision re-implementation of the head's forward pass and loss,
 * written from the formulas (not from {@link MlpHead}), used as the numeric reference in
 * gradient checks.
 */
final class ReferenceMlp {

    private ReferenceMlp() {}

    /** Logit of the head with the full parameter vector {@code p}. Collects pre-ReLU values into {@code preRelu} if non-null. */
    static double logit(HeadArchitecture arch, double[] p, double[] x, List<Double> preRelu) {
        double[] a = x.clone();
        int at = 0;
        for (HeadLayer layer : arch.layers()) {
            if (layer instanceof HeadLayer.Dense d) {
                double[] y = new double[d.outputDim()];
                for (int o = 0; o < d.outputDim(); o++) {
                    double s = p[at + d.inputDim() * d.outputDim() + o];
                    for (int j = 0; j < d.inputDim(); j++) {
                        s += p[at + o * d.inputDim() + j] * a[j];
                    }
                    y[o] = s;
                }
                a = y;
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
                double[] y = new double[dim];
                for (int j = 0; j < dim; j++) {
                    y[j] = p[at + j] * (a[j] - mean) / std + p[at + dim + j];
                }
                a = y;
            } else {
                double[] y = new double[a.length];
                for (int j = 0; j < a.length; j++) {
                    if (preRelu != null) {
                        preRelu.add(a[j]);
                    }
                    y[j] = Math.max(a[j], 0);
                }
                a = y;
            }
            at += layer.parameterCount();
        }
        return a[0];
    }

    /** Weighted binary cross-entropy of {@code sigmoid(z)} against {@code target}: {@code -w (t log s + (1-t) log(1-s))}. */
    static double loss(double z, double target, double weight) {
        double logS = -Math.log1p(Math.exp(-z)); // log sigmoid(z)
        double log1mS = -Math.log1p(Math.exp(z)); // log (1 - sigmoid(z))
        return -weight * (target * logS + (1 - target) * log1mS);
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** Full parameter vector: {@code source} with the tail from {@code offset} replaced by {@code trainable}. */
    static double[] combine(float[] source, float[] trainable, int offset) {
        double[] p = toDouble(source);
        for (int i = 0; i < trainable.length; i++) {
            p[offset + i] = trainable[i];
        }
        return p;
    }
}
