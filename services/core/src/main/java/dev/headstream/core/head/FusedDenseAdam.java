package dev.headstream.core.head;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The single-window Adam step of a dense layer's weight matrix with its gradient computed on the
 * fly: for a window with input {@code a} and output gradient {@code gOut}, the weight gradient is
 * the outer product {@code gOut a^T}, so each element {@code g = gOut[o] * a[j]} (plus
 * {@code lambda * (w - anchor)} for L2-SP) is formed in a register and fed straight into Adam.
 * The gradient is never written to memory, which saves a write and a read of the whole matrix
 * per update; the update of a large layer is bound by memory traffic (the 128 x 1536 layer of
 * {@code hey_jarvis} and its two moments are 2.4 MB, more than one core's L2).
 *
 * <p>Uses the incubating Vector API ({@code jdk.incubator.vector}): only load this class when
 * {@link #AVAILABLE} says the module is in the boot layer ({@code --add-modules
 * jdk.incubator.vector}); {@link HeadTrainer} falls back to the general path otherwise.
 *
 * <p>Bit-identical to the general path ({@link MlpHead#accumulateGradient} into a zeroed buffer,
 * {@link GradientBatch#complete} with a batch of one, then {@link Adam}): the same operations in
 * the same order, lane by lane, with no fused multiply-add (Java's scalar {@code a * b + c} rounds
 * twice, and so does {@code mul} then {@code add} here); {@code sqrt} is correctly rounded in
 * both. {@code HeadTrainerFusedStepTest} checks equality bit for bit.
 */
final class FusedDenseAdam {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private FusedDenseAdam() {}

    /** Lanes per vector on this machine (16 with AVX-512, 8 with AVX2). */
    static int lanes() {
        return SPECIES.length();
    }

    /**
     * Adam on the {@code out x in} row-major weight block at {@code w[p..]}, with the gradient
     * {@code gOut[o] * a[j] + lambda * (w - anchor)} ({@code anchor} may be null when
     * {@code lambda} is 0). {@code m} and {@code v} are Adam's moments, laid out like {@code w}.
     */
    static void update(
            Adam adam,
            float[] w,
            float[] m,
            float[] v,
            int p,
            int in,
            int out,
            float[] a,
            float[] gOut,
            float[] anchor,
            float lambda,
            float stepSize,
            float inverseSqrtCorrection2,
            float decay) {
        float b1 = adam.beta1();
        float c1 = 1f - adam.beta1();
        float b2 = adam.beta2();
        float c2 = 1f - adam.beta2();
        float eps = adam.epsilon();
        boolean l2 = lambda != 0f;
        int step = SPECIES.length();
        int vectorEnd = SPECIES.loopBound(in);
        for (int o = 0; o < out; o++) {
            float go = gOut[o];
            int base = p + o * in;
            FloatVector vgo = FloatVector.broadcast(SPECIES, go);
            int j = 0;
            for (; j < vectorEnd; j += step) {
                int i = base + j;
                FloatVector wi = FloatVector.fromArray(SPECIES, w, i);
                // + 0: the general path adds the product to a zeroed buffer, which turns -0 into +0
                FloatVector g = vgo.mul(FloatVector.fromArray(SPECIES, a, j)).add(0f);
                if (l2) {
                    g = g.add(wi.sub(FloatVector.fromArray(SPECIES, anchor, i)).mul(lambda));
                }
                FloatVector mi = FloatVector.fromArray(SPECIES, m, i).mul(b1).add(g.mul(c1));
                FloatVector vi = FloatVector.fromArray(SPECIES, v, i)
                        .mul(b2)
                        .add(g.mul(g).mul(c2));
                mi.intoArray(m, i);
                vi.intoArray(v, i);
                FloatVector denominator = vi.lanewise(VectorOperators.SQRT)
                        .mul(inverseSqrtCorrection2)
                        .add(eps);
                wi.mul(decay).sub(mi.mul(stepSize).div(denominator)).intoArray(w, i);
            }
            for (; j < in; j++) {
                int i = base + j;
                float g = 0f + go * a[j];
                if (l2) {
                    g = g + lambda * (w[i] - anchor[i]);
                }
                adam.updateElement(w, m, v, i, g, stepSize, inverseSqrtCorrection2, decay);
            }
        }
    }
}
