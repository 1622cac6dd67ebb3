package dev.headstream.core.head;

/**
 * What the top {@code Dense} layer's logits mean and how a window's loss is computed from them:
 * the output/loss strategy of a {@link TaskHead}.
 *
 * <ul>
 *   <li>{@link Binary}: one logit, score {@code sigmoid(z)}, binary cross-entropy against a
 *       target in {@code [0, 1]};</li>
 *   <li>{@link Softmax}: {@code C} logits, class probabilities {@code softmax(z)}, cross-entropy
 *       {@code -sum_c t_c log p_c} against a target distribution {@code t} (one-hot for a class
 *       label, soft targets allowed);</li>
 *   <li>{@link MultiLabel}: {@code C} independent sigmoids, loss
 *       {@code sum over labeled c of BCE(z_c, t_c)}. A {@code false} entry of the mask marks an
 *       unlabeled ("?") output: it adds nothing to the loss and gets exactly zero gradient, so a
 *       sample labeled for no output contributes zero loss and zero gradient.</li>
 * </ul>
 *
 * <p>The methods <em>add</em> {@code weight * dLoss/dz} into a caller-owned gradient buffer and
 * return the weighted loss; they allocate nothing and are deterministic. Loss arithmetic runs in
 * double and is stable for any logit. Values are immutable and thread-safe.
 */
public sealed interface HeadOutput permits HeadOutput.Binary, HeadOutput.Softmax, HeadOutput.MultiLabel {

    /** Number of logits the top {@code Dense} layer writes. */
    int outputs();

    /** Writes the output probabilities for {@code logits} into {@code out} (both of length {@link #outputs()}). */
    void probabilities(float[] logits, float[] out);

    /**
     * Adds {@code weight * dL/dz} to {@code gradient} and returns {@code weight * L}.
     *
     * @param targets per-output targets in {@code [0, 1]} (a distribution for {@link Softmax})
     * @param mask    labeled outputs for {@link MultiLabel} ({@code null} = all labeled); must be
     *                {@code null} for the other kinds
     */
    float addLossGradient(float[] logits, float[] targets, boolean[] mask, float weight, float[] gradient);

    /**
     * Output consistency to the source head (Hinton-style distillation): adds the gradient of
     * {@code weight * T^2 * KL(p_source^T || p^T)} with {@code p^T} the temperature-softened
     * output ({@code sigmoid(z/T)} per output, or {@code softmax(z/T)}), and returns that term. It
     * is zero, with zero gradient, where the adapted logits equal the source logits; its gradient
     * is the one of the soft-target cross-entropy (the KL differs by the source's entropy, a
     * constant). Multi-label distillation covers every output, labeled or not.
     */
    float addDistillationGradient(
            float[] logits, float[] sourceLogits, float temperature, float weight, float[] gradient);

    static Binary binary() {
        return new Binary();
    }

    static Softmax softmax(int classes) {
        return new Softmax(classes);
    }

    static MultiLabel multiLabel(int outputs) {
        return new MultiLabel(outputs);
    }

    /** One logit and a sigmoid score. */
    record Binary() implements HeadOutput {
        @Override
        public int outputs() {
            return 1;
        }

        @Override
        public void probabilities(float[] logits, float[] out) {
            out[0] = MlpHead.sigmoid(logits[0]);
        }

        @Override
        public float addLossGradient(float[] logits, float[] targets, boolean[] mask, float weight, float[] gradient) {
            HeadOutput.checkNoMask(mask, this);
            float t = HeadOutput.checkTarget(targets[0], 0);
            float z = logits[0];
            gradient[0] += weight * (MlpHead.sigmoid(z) - t);
            return weight * MlpHead.binaryCrossEntropy(z, t);
        }

        @Override
        public float addDistillationGradient(
                float[] logits, float[] sourceLogits, float temperature, float weight, float[] gradient) {
            return (float) HeadOutput.sigmoidDistillation(logits, sourceLogits, 0, temperature, weight, gradient);
        }
    }

    /** {@code classes} logits, softmax probabilities, cross-entropy against a target distribution. */
    record Softmax(int classes) implements HeadOutput {
        public Softmax {
            if (classes < 2) {
                throw new IllegalArgumentException("a softmax output needs at least 2 classes, got " + classes);
            }
        }

        @Override
        public int outputs() {
            return classes;
        }

        @Override
        public void probabilities(float[] logits, float[] out) {
            double max = max(logits, classes, 1.0);
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[c] - max);
            }
            for (int c = 0; c < classes; c++) {
                out[c] = (float) (Math.exp(logits[c] - max) / sum);
            }
        }

        @Override
        public float addLossGradient(float[] logits, float[] targets, boolean[] mask, float weight, float[] gradient) {
            HeadOutput.checkNoMask(mask, this);
            double targetSum = 0;
            for (int c = 0; c < classes; c++) {
                targetSum += HeadOutput.checkTarget(targets[c], c);
            }
            if (Math.abs(targetSum - 1.0) > 1e-4) {
                throw new IllegalArgumentException("softmax targets must sum to 1, got " + targetSum);
            }
            double max = max(logits, classes, 1.0);
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[c] - max);
            }
            double logSumExp = max + Math.log(sum);
            double loss = 0;
            for (int c = 0; c < classes; c++) {
                double p = Math.exp(logits[c] - logSumExp);
                gradient[c] += (float) (weight * (p - targets[c]));
                if (targets[c] != 0f) {
                    loss -= targets[c] * (logits[c] - logSumExp);
                }
            }
            return (float) (weight * loss);
        }

        @Override
        public float addDistillationGradient(
                float[] logits, float[] sourceLogits, float temperature, float weight, float[] gradient) {
            double invT = 1.0 / temperature;
            double lseA = logSumExp(logits, classes, invT);
            double lseS = logSumExp(sourceLogits, classes, invT);
            double kl = 0;
            double scale = weight * (double) temperature;
            for (int c = 0; c < classes; c++) {
                double logQ = logits[c] * invT - lseA;
                double logP = sourceLogits[c] * invT - lseS;
                double p = Math.exp(logP);
                kl += p * (logP - logQ);
                gradient[c] += (float) (scale * (Math.exp(logQ) - p));
            }
            return (float) (weight * (double) temperature * temperature * kl);
        }

        private static double max(float[] z, int n, double scale) {
            double m = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < n; c++) {
                m = Math.max(m, z[c] * scale);
            }
            return m;
        }

        private static double logSumExp(float[] z, int n, double scale) {
            double m = max(z, n, scale);
            double s = 0;
            for (int c = 0; c < n; c++) {
                s += Math.exp(z[c] * scale - m);
            }
            return m + Math.log(s);
        }
    }

    /** {@code outputs} independent sigmoids; the loss sums over labeled outputs only. */
    record MultiLabel(int outputs) implements HeadOutput {
        public MultiLabel {
            if (outputs < 1) {
                throw new IllegalArgumentException("a multi-label output needs at least 1 output, got " + outputs);
            }
        }

        @Override
        public void probabilities(float[] logits, float[] out) {
            for (int c = 0; c < outputs; c++) {
                out[c] = MlpHead.sigmoid(logits[c]);
            }
        }

        @Override
        public float addLossGradient(float[] logits, float[] targets, boolean[] mask, float weight, float[] gradient) {
            if (mask != null && mask.length != outputs) {
                throw new IllegalArgumentException("mask must have length " + outputs + ", got " + mask.length);
            }
            double loss = 0;
            for (int c = 0; c < outputs; c++) {
                if (mask == null || mask[c]) {
                    float t = HeadOutput.checkTarget(targets[c], c);
                    float z = logits[c];
                    gradient[c] += weight * (MlpHead.sigmoid(z) - t);
                    loss += MlpHead.binaryCrossEntropy(z, t);
                }
            }
            return (float) (weight * loss);
        }

        @Override
        public float addDistillationGradient(
                float[] logits, float[] sourceLogits, float temperature, float weight, float[] gradient) {
            double kl = 0;
            for (int c = 0; c < outputs; c++) {
                kl += HeadOutput.sigmoidDistillation(logits, sourceLogits, c, temperature, weight, gradient);
            }
            return (float) kl;
        }
    }

    /** {@code weight T^2 KL(sigmoid(zs/T) || sigmoid(z/T))} for output {@code c}; adds its gradient. */
    private static double sigmoidDistillation(
            float[] logits, float[] sourceLogits, int c, float temperature, float weight, float[] gradient) {
        double invT = 1.0 / temperature;
        double za = logits[c] * invT;
        double zs = sourceLogits[c] * invT;
        double p = sigmoid(zs);
        double q = sigmoid(za);
        gradient[c] += (float) (weight * (double) temperature * (q - p));
        double kl = crossEntropy(za, p) - crossEntropy(zs, p);
        return weight * (double) temperature * temperature * Math.max(kl, 0.0);
    }

    private static double sigmoid(double z) {
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    /** {@code -(p log sigmoid(z) + (1-p) log(1 - sigmoid(z)))}, stable for any {@code z}. */
    private static double crossEntropy(double z, double p) {
        return Math.max(z, 0.0) - z * p + Math.log1p(Math.exp(-Math.abs(z)));
    }

    private static float checkTarget(float t, int index) {
        if (!(t >= 0f && t <= 1f)) {
            throw new IllegalArgumentException("target " + index + " must be in [0, 1], got " + t);
        }
        return t;
    }

    private static void checkNoMask(boolean[] mask, HeadOutput output) {
        if (mask != null) {
            throw new IllegalArgumentException("a label mask applies to multi-label outputs only, not " + output);
        }
    }
}
