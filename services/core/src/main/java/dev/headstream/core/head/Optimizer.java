package dev.headstream.core.head;

import java.util.Arrays;

/**
 * A first-order optimizer over a flat {@code float[]} parameter vector.
 *
 * <p>Lifecycle: {@link #newState(int)} once per parameter vector (or
 * {@link OptimizerState#restore}), then {@link #step} once per mini-batch with that state. An
 * optimizer is an immutable value, safe to share between threads; the state and the parameters
 * belong to one thread at a time. Steps are deterministic element-wise loops. Implementations
 * live in this package, because only they create and write an {@link OptimizerState}.
 */
public interface Optimizer {

    /** Fresh zeroed state for a parameter vector of {@code parameterCount} floats. */
    OptimizerState newState(int parameterCount);

    /**
     * Updates {@code parameters} in place with {@code gradientScale * gradient} and advances
     * {@code state}. {@code gradient} is read only.
     */
    void step(float[] parameters, float[] gradient, float gradientScale, OptimizerState state);

    /**
     * {@link #step} followed by zeroing {@code gradient}, ready for the next batch. The same
     * parameter and state values as {@code step}; an optimizer may fuse the zeroing into its update
     * loop (Adam does: one pass over the gradient instead of two).
     */
    default void stepAndClear(float[] parameters, float[] gradient, float gradientScale, OptimizerState state) {
        step(parameters, gradient, gradientScale, state);
        Arrays.fill(gradient, 0f);
    }
}
