package dev.headstream.core.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MeanStdPoolingTest {

    @Test
    void givesPerDimensionTheMeanThenThePopulationStandardDeviation() {
        // 3 frames of 2 dims: dim 0 is 1, 2, 6; dim 1 is 4, 4, 4
        EmbeddingSequence e = new EmbeddingSequence(3, 2, new float[] {1, 4, 2, 4, 6, 4});

        float[] pooled = MeanStdPooling.pool(e);

        assertThat(pooled).hasSize(MeanStdPooling.width(2));
        assertThat(pooled[0]).isEqualTo(3f);
        assertThat(pooled[1]).isEqualTo(4f);
        assertThat((double) pooled[2]).isCloseTo(Math.sqrt(14.0 / 3), within(1e-6));
        assertThat(pooled[3]).isEqualTo(0f);
    }

    @Test
    void oneFrameHasNoSpread() {
        float[] pooled = MeanStdPooling.pool(new EmbeddingSequence(1, 3, new float[] {-1, 0.5f, 9}));

        assertThat(pooled).containsExactly(-1, 0.5f, 9, 0, 0, 0);
    }

    @Test
    void writesAtAnOffsetWithoutTouchingTheRest() {
        EmbeddingSequence e = new EmbeddingSequence(2, 2, new float[] {1, 2, 3, 4});
        float[] out = {9, 9, 9, 9, 9, 9};

        MeanStdPooling.pool(e, out, 1);

        assertThat(out).containsExactly(9, 2, 3, 1, 1, 9);
        assertThatThrownBy(() -> MeanStdPooling.pool(e, out, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside an array of length 6");
    }
}
