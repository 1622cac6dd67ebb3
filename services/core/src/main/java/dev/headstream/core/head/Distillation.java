package dev.headstream.core.head;

/**
 * Output consistency to the source head for conservative training: per window the loss gains
 * {@code weight * T^2 * KL(p_source^T || p_adapted^T)}, where {@code p^T} is the head's output on
 * temperature-scaled logits {@code z / T} (sigmoid per output, or softmax) and the source output
 * is the frozen source head's on the same input (the soft target). The {@code T^2} factor keeps
 * the gradient's size independent of {@code T} (Hinton et al., 2015). The term is not scaled by
 * the sample weight, so it also applies to windows that carry no label for a task.
 *
 * <p>{@link TaskHeadTrainer} applies it for any temperature. The existing binary
 * {@link HeadTrainer} can apply it exactly at {@code T = 1}: train on
 * {@link #blendedTarget}/{@link #blendedWeight} instead of the label and sample weight (same
 * gradient; the reported loss then differs by the source's entropy, a constant).
 *
 * @param weight      non-negative strength; {@code 0} = off
 * @param temperature positive softening temperature ({@code 1} = plain probabilities)
 */
public record Distillation(float weight, float temperature) {

    /** No distillation. */
    public static final Distillation OFF = new Distillation(0f, 1f);

    public Distillation {
        if (!(weight >= 0f) || Float.isInfinite(weight)) {
            throw new IllegalArgumentException("distillation weight must be finite and non-negative, got " + weight);
        }
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException(
                    "distillation temperature must be positive and finite, got " + temperature);
        }
    }

    /** Whether the term contributes at all. */
    public boolean active() {
        return weight > 0f;
    }

    /**
     * The target that folds this term into a binary cross-entropy at {@code T = 1}:
     * {@code (w y + d sigmoid(z_source)) / (w + d)} for sample weight {@code w}, label {@code y},
     * distillation weight {@code d}.
     *
     * @throws IllegalStateException if the temperature is not 1
     */
    public float blendedTarget(float target, float sampleWeight, float sourceLogit) {
        requireUnitTemperature();
        float total = sampleWeight + weight;
        if (total == 0f) {
            return target;
        }
        float blended = (sampleWeight * target + weight * MlpHead.sigmoid(sourceLogit)) / total;
        return Math.min(1f, Math.max(0f, blended));
    }

    /** The weight to pair with {@link #blendedTarget}: {@code w + d}. */
    public float blendedWeight(float sampleWeight) {
        requireUnitTemperature();
        return sampleWeight + weight;
    }

    private void requireUnitTemperature() {
        if (temperature != 1f) {
            throw new IllegalStateException(
                    "folding distillation into the binary target is exact only at T = 1, got T = " + temperature
                            + "; use TaskHeadTrainer");
        }
    }
}
