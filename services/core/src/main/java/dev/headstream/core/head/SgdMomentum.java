package dev.headstream.core.head;

/**
 * Stochastic gradient descent with heavy-ball momentum, in PyTorch's form:
 * {@code v = momentum v + g; p = p - lr v}. With {@code momentum = 0} it is plain SGD and keeps
 * no state. State: slot 0 = {@code v} (absent when {@code momentum = 0}).
 *
 * @param learningRate positive step size
 * @param momentum     in {@code [0, 1)}
 */
public record SgdMomentum(float learningRate, float momentum) implements Optimizer {

    public SgdMomentum {
        if (!(learningRate > 0f) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be positive and finite, got " + learningRate);
        }
        if (!(momentum >= 0f && momentum < 1f)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
    }

    @Override
    public OptimizerState newState(int parameterCount) {
        return new OptimizerState(momentum == 0f ? 0 : 1, parameterCount);
    }

    @Override
    public void step(float[] parameters, float[] gradient, float gradientScale, OptimizerState state) {
        OptimizerState.checkStep(parameters, gradient, gradientScale);
        int n = parameters.length;
        float lr = learningRate;
        if (momentum == 0f) {
            state.check(0, n);
            state.advance();
            for (int i = 0; i < n; i++) {
                parameters[i] -= lr * (gradient[i] * gradientScale);
            }
            return;
        }
        state.check(1, n);
        state.advance();
        float[] velocity = state.slot(0);
        float mu = momentum;
        for (int i = 0; i < n; i++) {
            float vi = mu * velocity[i] + gradient[i] * gradientScale;
            velocity[i] = vi;
            parameters[i] -= lr * vi;
        }
    }
}
