package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FusionHeadTest {

    @Test
    void fusedScoreIsTheWeightedAverageOfSourceAndAdapted() {
        assertThat(new FusionHead(0.25f).fuse(0.2f, 0.6f)).isCloseTo(0.3f, within(1e-7f));
        assertThat(new FusionHead(0f).fuse(0.2f, 0.6f)).isEqualTo(0.2f);
        assertThat(new FusionHead(1f).fuse(0.2f, 0.6f)).isEqualTo(0.6f);
    }

    @Test
    void fusingTwoDistributionsGivesADistribution() {
        float[] source = {0.7f, 0.2f, 0.1f};
        float[] adapted = {0.1f, 0.1f, 0.8f};
        float[] out = new float[3];
        new FusionHead(0.5f).fuse(source, adapted, out);

        assertThat(out).containsExactly(new float[] {0.4f, 0.15f, 0.45f}, within(1e-6f));
        assertThat(out[0] + out[1] + out[2]).isCloseTo(1f, within(1e-6f));
    }

    @Test
    void rejectsAWeightOutsideTheUnitInterval() {
        assertThatThrownBy(() -> new FusionHead(1.5f)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FusionHead(Float.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
