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
public record Adam(float learningRate, float beta1, float beta2, float epsilon, float weightDecay)
        implements Optimizer {

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
    private void update(
            float[] parameters, float[] gradient, float gradientScale, OptimizerState state, boolean clear) {
        OptimizerState.checkStep(parameters, gradient, gradientScale);
        int n = parameters.length;
        state.check(2, n);
        long t = state.advance();
        updateRange(
                parameters,
                gradient,
                gradientScale,
                state.slot(0),
                state.slot(1),
                0,
                n,
                stepSize(t),
                inverseSqrtCorrection2(t),
                decay(),
                clear);
    }

    /** The bias-corrected step size of step {@code t} (counted from 1). */
    float stepSize(long t) {
        return (float) (learningRate / (1.0 - Math.pow(beta1, t)));
    }

    /** {@code 1 / sqrt(1 - beta2^t)} for step {@code t}. */
    float inverseSqrtCorrection2(long t) {
        return (float) (1.0 / Math.sqrt(1.0 - Math.pow(beta2, t)));
    }

    /** The decoupled weight-decay factor applied to every parameter each step. */
    float decay() {
        return 1f - learningRate * weightDecay;
    }

    /**
     * The Adam update of {@code parameters[from .. to)} for one step whose constants come from
     * {@link #stepSize}, {@link #inverseSqrtCorrection2} and {@link #decay}; {@code m} and
     * {@code v} are the state's slots. A step may be applied range by range (the step count is
     * advanced once by the caller). Every array is indexed by the loop variable alone, so HotSpot
     * vectorizes the loop for any range.
     */
    void updateRange(
            float[] parameters,
            float[] gradient,
            float gradientScale,
            float[] m,
            float[] v,
            int from,
            int to,
            float stepSize,
            float inverseSqrtCorrection2,
            float decay,
            boolean clear) {
        for (int i = from; i < to; i++) {
            float g = gradient[i] * gradientScale;
            if (clear) {
                gradient[i] = 0f;
            }
            updateElement(parameters, m, v, i, g, stepSize, inverseSqrtCorrection2, decay);
        }
    }

    /**
     * The update of one parameter {@code i} with gradient {@code g}: the one statement of Adam's
     * arithmetic, which {@link #updateRange} and the scalar tail of {@link FusedDenseAdam} share
     * (its vector loop spells the same operations lane-wise). Small enough for the JIT to inline,
     * so {@link #updateRange}'s loop still vectorizes.
     */
    void updateElement(
            float[] parameters,
            float[] m,
            float[] v,
            int i,
            float g,
            float stepSize,
            float inverseSqrtCorrection2,
            float decay) {
        float mi = beta1 * m[i] + (1f - beta1) * g;
        float vi = beta2 * v[i] + (1f - beta2) * (g * g);
        m[i] = mi;
        v[i] = vi;
        float denominator = (float) Math.sqrt(vi) * inverseSqrtCorrection2 + epsilon;
        parameters[i] = parameters[i] * decay - stepSize * mi / denominator;
    }
}
