package dev.headstream.core.head;

/**
 * A first-order optimizer over a flat {@code float[]} parameter vector.
 *
 * <p>Lifecycle: {@link #newState(int)} once per parameter vector (or
 * {@link OptimizerState#restore}), then {@link #step} once per mini-batch with that state. An
 * optimizer is an immutable value, safe to share between threads; the state and the parameters
 * belong to one thread at a time. Steps are deterministic element-wise loops.
 */
public interface Optimizer {

    /** Fresh zeroed state for a parameter vector of {@code parameterCount} floats. */
    OptimizerState newState(int parameterCount);

    /**
     * Updates {@code parameters} in place with {@code gradientScale * gradient} and advances
     * {@code state}. {@code gradient} is read only.
     */
    void step(float[] parameters, float[] gradient, float gradientScale, OptimizerState state);

    /** Checks the common preconditions of {@link #step}. */
    static void checkStep(float[] parameters, float[] gradient, float gradientScale) {
        if (parameters == null || gradient == null || parameters.length != gradient.length) {
            throw new IllegalArgumentException("parameters and gradient must be non-null and of equal length");
        }
        if (!Float.isFinite(gradientScale)) {
            throw new IllegalArgumentException("gradientScale must be finite, got " + gradientScale);
        }
    }
}
