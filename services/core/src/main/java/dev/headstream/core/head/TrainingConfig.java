package dev.headstream.core.head;

import java.util.Objects;

/**
 * How a head trains.
 *
 * @param optimizer       the update rule
 * @param l2SpLambda      strength of the L2-SP penalty {@code lambda / 2 * ||w - w_source||^2} on
 *                        the trainable tail ({@code 0} = off)
 * @param maxGradientNorm clip the mini-batch gradient (including the penalty) to this L2 norm;
 *                        {@link Float#POSITIVE_INFINITY} = no clipping
 */
public record TrainingConfig(Optimizer optimizer, float l2SpLambda, float maxGradientNorm) {

    public TrainingConfig {
        Objects.requireNonNull(optimizer, "optimizer");
        if (!(l2SpLambda >= 0f) || Float.isInfinite(l2SpLambda)) {
            throw new IllegalArgumentException("l2SpLambda must be finite and non-negative, got " + l2SpLambda);
        }
        if (!(maxGradientNorm > 0f)) {
            throw new IllegalArgumentException(
                    "maxGradientNorm must be positive (infinity = off), got " + maxGradientNorm);
        }
    }

    /** Plain training with {@code optimizer}: no L2-SP, no clipping. */
    public static TrainingConfig of(Optimizer optimizer) {
        return new TrainingConfig(optimizer, 0f, Float.POSITIVE_INFINITY);
    }

    public TrainingConfig withL2Sp(float lambda) {
        return new TrainingConfig(optimizer, lambda, maxGradientNorm);
    }

    public TrainingConfig withMaxGradientNorm(float norm) {
        return new TrainingConfig(optimizer, l2SpLambda, norm);
    }
}
