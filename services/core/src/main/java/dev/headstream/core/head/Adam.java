package dev.headstream.core.head;

/**
 * Adam (Kingma and Ba) with bias correction and optional decoupled weight decay (AdamW,
 * Loshchilov and Hutter), in the form PyTorch uses:
 * <pre>
 *   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2
 *   p = p (1 - lr wd) - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * State: slot 0 = {@code m}, slot 1 = {@code v}.
 *
 * @param learningRate positive step size
 * @param beta1        first-moment decay in {@code [0, 1)}
 * @param beta2        second-moment decay in {@code [0, 1)}
 * @param epsilon      positive denominator guard
 * @param weightDecay  decoupled weight decay towards zero; {@code 0} for plain Adam
 */
public record Adam(float learningRate, float beta1, float beta2, float epsilon, float weightDecay) implements Optimizer {

    public Adam {
        if (!(learningRate > 0f) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be positive and finite, got " + learningRate);
        }
        if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f)) {
            throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0f) || Float.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be positive and finite, got " + epsilon);
        }
        if (!(weightDecay >= 0f) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and non-negative, got " + weightDecay);
        }
    }

    /** Adam with beta1 0.9, beta2 0.999, epsilon 1e-8 and no weight decay. */
    public static Adam of(float learningRate) {
        return new Adam(learningRate, 0.9f, 0.999f, 1e-8f, 0f);
    }

    /** AdamW: Adam defaults plus decoupled weight decay. */
    public static Adam adamW(float learningRate, float weightDecay) {
        return new Adam(learningRate, 0.9f, 0.999f, 1e-8f, weightDecay);
    }

    @Override
    public OptimizerState newState(int parameterCount) {
        return new OptimizerState(2, parameterCount);
    }

    @Override
    public void step(float[] parameters, float[] gradient, float gradientScale, OptimizerState state) {
        update(parameters, gradient, gradientScale, state, false);
    }

    @Override
    public void stepAndClear(float[] parameters, float[] gradient, float gradientScale, OptimizerState state) {
        update(parameters, gradient, gradientScale, state, true);
    }

    /** The update loop; {@code clear} zeroes each gradient element once read (the JIT unswitches the loop on it). */
    private void update(float[] parameters, float[] gradient, float gradientScale, OptimizerState state, boolean clear) {
        OptimizerState.checkStep(parameters, gradient, gradientScale);
        int n = parameters.length;
        state.check(2, n);
        long t = state.advance();
        float[] m = state.slot(0);
        float[] v = state.slot(1);
        double correction1 = 1.0 - Math.pow(beta1, t);
        double correction2 = 1.0 - Math.pow(beta2, t);
        float stepSize = (float) (learningRate / correction1);
        float inverseSqrtCorrection2 = (float) (1.0 / Math.sqrt(correction2));
        float decay = 1f - learningRate * weightDecay;
        float b1 = beta1;
        float c1 = 1f - beta1;
        float b2 = beta2;
        float c2 = 1f - beta2;
        float eps = epsilon;
        for (int i = 0; i < n; i++) {
            float g = gradient[i] * gradientScale;
            if (clear) {
                gradient[i] = 0f;
            }
            float mi = b1 * m[i] + c1 * g;
            float vi = b2 * v[i] + c2 * (g * g);
            m[i] = mi;
            v[i] = vi;
            float denominator = (float) Math.sqrt(vi) * inverseSqrtCorrection2 + eps;
            parameters[i] = parameters[i] * decay - stepSize * mi / denominator;
        }
    }
}
