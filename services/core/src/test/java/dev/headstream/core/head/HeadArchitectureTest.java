package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HeadArchitectureTest {

    @Test
    void heyJarvisShapeHasItsParameterCountAndLayerOffsets() {
        HeadArchitecture arch = TestHeads.heyJarvisShape();

        assertThat(arch.parameterCount()).isEqualTo(1536 * 128 + 128 + 256 + 128 * 128 + 128 + 256 + 128 + 1);
        assertThat(arch.parameterisedLayerCount()).isEqualTo(5);
        assertThat(arch.parameterOffset(0)).isZero();
        assertThat(arch.parameterOffset(1)).isEqualTo(196_736);
        assertThat(arch.parameterOffset(3)).isEqualTo(196_992);
        assertThat(arch.parameterOffset(6)).isEqualTo(213_760);
    }

    @Test
    void trainableTopKIsAContiguousTailCountingParameterisedLayersFromTheTop() {
        HeadArchitecture arch = TestHeads.heyJarvisShape();

        assertThat(arch.trainableLength(0)).isZero();
        assertThat(arch.trainableLength(1)).isEqualTo(129);
        assertThat(arch.firstTrainableLayer(1)).isEqualTo(6);
        assertThat(arch.trainableLength(2)).isEqualTo(129 + 256);
        assertThat(arch.firstTrainableLayer(2)).isEqualTo(4);
        assertThat(arch.trainableLength(3)).isEqualTo(129 + 256 + 128 * 128 + 128);
        assertThat(arch.trainableOffset(5)).isZero();
        assertThat(arch.trainableLength(5)).isEqualTo(arch.parameterCount());
    }

    @Test
    void rejectsLayersWhoseWidthsDoNotChain() {
        assertThatThrownBy(() -> new HeadArchitecture(
                        10, List.of(new HeadLayer.Dense(10, 4), new HeadLayer.Relu(5), new HeadLayer.Dense(5, 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("layer 1 (Relu[dim=5]) reads 5 values but the layer below writes 4");
    }

    @Test
    void rejectsAHeadWhoseTopIsNotASingleLogit() {
        assertThatThrownBy(() -> HeadArchitecture.builder(4).dense(2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "the top layer must be a Dense with one output (the logit), got Dense[inputDim=4, outputDim=2]");
    }

    @Test
    void rejectsATrainableDepthBeyondTheParameterisedLayers() {
        assertThatThrownBy(() -> TestHeads.heyJarvisShape().trainableOffset(6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trainable top k must be in [0, 5], got 6");
    }
}
