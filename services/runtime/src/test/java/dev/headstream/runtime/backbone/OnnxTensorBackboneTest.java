package dev.headstream.runtime.backbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.ExecutionOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The generic tensor backbone on a real model: openWakeWord's embedding network fed 76-frame mel
 * windows as plain float tensors must reproduce the wake-word backbone's embeddings.
 */
class OnnxTensorBackboneTest {

    @Test
    void embeddingModelAsTensorBackboneMatchesWakeWordBackbone() {
        try (WakeWordBackbone wake = TestModels.backbone(WakeWordBackbone.EmbeddingMode.WINDOWED);
                OnnxTensorBackbone tensor =
                        new OnnxTensorBackbone(TestModels.model("embedding_model.onnx"), ExecutionOptions.cpu(1))) {
            assertThat(tensor.sampleShape()).containsExactly(76, 32, 1);
            assertThat(tensor.info().embeddingDim()).isEqualTo(96);
            short[] pcm = TestModels.speech("hey jarvis", "en-us+m3", 32_000, 1_600);
            float[] mel = wake.melFrames(pcm);
            EmbeddingSequence expected =
                    wake.embed(List.of(new BackboneInput.Audio(16_000, pcm))).get(0);
            List<BackboneInput> windows = new ArrayList<>();
            for (int w = 0; w < expected.frames(); w++) {
                float[] v = Arrays.copyOfRange(mel, w * 8 * 32, (w * 8 + 76) * 32);
                windows.add(new BackboneInput.Tensor(new long[] {76, 32, 1}, v));
            }
            List<EmbeddingSequence> got = tensor.embed(windows);
            assertThat(got).hasSize(expected.frames());
            for (int w = 0; w < got.size(); w++) {
                assertThat(got.get(w).frames()).isEqualTo(1);
                assertThat(got.get(w).values())
                        .containsExactly(Arrays.copyOfRange(expected.values(), w * 96, (w + 1) * 96));
            }
        }
    }

    @Test
    void rejectsTensorsOfAnotherShapeAndAudio() {
        try (OnnxTensorBackbone tensor =
                new OnnxTensorBackbone(TestModels.model("embedding_model.onnx"), ExecutionOptions.cpu(1))) {
            assertThatThrownBy(() -> tensor.validate(new BackboneInput.Tensor(new long[] {76, 32}, new float[76 * 32])))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("tensor shape [76, 32] does not match the model's [76, 32, 1]");
            assertThatThrownBy(() -> tensor.validate(new BackboneInput.Audio(16_000, new short[32_000])))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("takes float tensors");
        }
    }

    @Test
    void modelWithTwoDynamicDimensionsIsRefusedAtLoad() {
        assertThatThrownBy(
                        () -> new OnnxTensorBackbone(TestModels.model("melspectrogram.onnx"), ExecutionOptions.cpu(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only the batch dimension may be dynamic");
    }
}
