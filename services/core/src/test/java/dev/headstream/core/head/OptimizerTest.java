package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class OptimizerTest {

    @Test
    void adamFirstStepMovesEachParameterByTheLearningRateAgainstTheGradientSign() {
        float[] p = {1f, -2f, 0.5f};
        float[] g = {0.3f, -4f, 1e-2f};
        Adam adam = Adam.of(0.01f);
        OptimizerState state = adam.newState(3);

        adam.step(p, g, 1f, state);

        // With bias correction, step 1 is lr * g / (|g| + eps'): lr * sign(g) up to eps.
        assertThat(p[0]).isCloseTo(0.99f, offset(1e-6f));
        assertThat(p[1]).isCloseTo(-1.99f, offset(1e-6f));
        assertThat(p[2]).isCloseTo(0.49f, offset(1e-6f));
        assertThat(state.steps()).isEqualTo(1);
    }

    @Test
    void adamMatchesAHandComputedSecondStep() {
        float[] p = {1f};
        Adam adam = new Adam(0.1f, 0.9f, 0.99f, 1e-8f, 0f);
        OptimizerState state = adam.newState(1);
        adam.step(p, new float[] {2f}, 1f, state);
        adam.step(p, new float[] {4f}, 0.5f, state);

        double m = 0.9 * (0.1 * 2) + 0.1 * 2; // gradient 4 * scale 0.5 = 2
        double v = 0.99 * (0.01 * 4) + 0.01 * 4;
        double mHat = m / (1 - 0.81);
        double vHat = v / (1 - 0.9801);
        double expected = 1 - 0.1 - 0.1 * mHat / (Math.sqrt(vHat) + 1e-8);
        assertThat((double) p[0]).isCloseTo(expected, offset(1e-6));
    }

    @Test
    void adamWDecaysWeightsWithoutGradientIndependentlyOfTheMoments() {
        float[] p = {2f, -1f};
        Adam adamW = Adam.adamW(0.1f, 0.5f);
        adamW.step(p, new float[] {0f, 0f}, 1f, adamW.newState(2));

        assertThat(p[0]).isCloseTo(2f * 0.95f, offset(1e-6f));
        assertThat(p[1]).isCloseTo(-0.95f, offset(1e-6f));
    }

    @Test
    void sgdWithMomentumAccumulatesVelocity() {
        float[] p = {1f};
        SgdMomentum sgd = new SgdMomentum(0.1f, 0.9f);
        OptimizerState state = sgd.newState(1);
        sgd.step(p, new float[] {1f}, 1f, state);
        sgd.step(p, new float[] {1f}, 1f, state);

        // v1 = 1, p1 = 0.9; v2 = 0.9 + 1 = 1.9, p2 = 0.9 - 0.19 = 0.71
        assertThat(p[0]).isCloseTo(0.71f, offset(1e-6f));
        assertThat(state.copySlot(0)).containsExactly(1.9f);
    }

    @Test
    void plainSgdKeepsNoState() {
        SgdMomentum sgd = new SgdMomentum(0.5f, 0f);
        OptimizerState state = sgd.newState(2);
        float[] p = {1f, 1f};
        sgd.step(p, new float[] {1f, -2f}, 2f, state);

        assertThat(state.slotCount()).isZero();
        assertThat(p).containsExactly(0f, 3f);
    }

    @Test
    void copiedAndRestoredStatesAreIndependentOfTheOriginal() {
        Adam adam = Adam.of(0.1f);
        OptimizerState state = adam.newState(2);
        adam.step(new float[] {1f, 1f}, new float[] {1f, 2f}, 1f, state);
        OptimizerState copy = state.copy();
        OptimizerState restored = OptimizerState.restore(state.steps(), state.copySlot(0), state.copySlot(1));

        adam.step(new float[] {1f, 1f}, new float[] {1f, 2f}, 1f, state);

        assertThat(copy.sameAs(restored)).isTrue();
        assertThat(copy.sameAs(state)).isFalse();
        assertThat(copy.steps()).isEqualTo(1);
    }

    @Test
    void rejectsAStateMadeForAnotherOptimizer() {
        OptimizerState sgdState = new SgdMomentum(0.1f, 0.9f).newState(2);

        assertThatThrownBy(() -> Adam.of(0.1f).step(new float[2], new float[2], 1f, sgdState))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("optimizer state has 1 slots of length 2, expected 2 of length 2");
    }
}
