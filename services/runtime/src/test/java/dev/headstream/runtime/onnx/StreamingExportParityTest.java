package dev.headstream.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.runtime.backbone.StreamingReference;
import dev.headstream.runtime.backbone.TestModels;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Export parity as a detector sees it: a user's adapted head (rank-4 LoRA deltas on hey_jarvis,
 * the default recipe's form), exported to ONNX and run by a plain streaming implementation of
 * openWakeWord's runtime ({@link StreamingReference}: unmodified mel and embedding models step by
 * step, the exported head in ONNX Runtime on the newest 16 embeddings) on 30 s of real speech,
 * gives the product's per-step scores (streaming front end, the head scored in Java) within 1e-4.
 */
class StreamingExportParityTest {

    @Test
    void anExportedHeadScoresEveryStepOfASpeechStreamAsTheProductDoes() throws Exception {
        SourceHead source = OnnxHeadImporter.importHead(HeadModels.path("hey_jarvis_v0.1.onnx"));
        LoraMlpHead lora = new LoraMlpHead(source.architecture(), 4, 8f, true);
        float[] trainable = lora.initialTrainable(source.parameters(), 21);
        SplittableRandom rnd = new SplittableRandom(4);
        for (int i = 0; i < trainable.length; i++) {
            trainable[i] += (float) (rnd.nextGaussian() * 0.05);
        }
        short[] pcm = speech();

        float[] product;
        try (WakeWordBackbone backbone = TestModels.backbone(WakeWordBackbone.EmbeddingMode.SEQUENCE)) {
            EmbeddingSequence e = backbone.embedStream(pcm);
            LoraMlpHead.Workspace ws = lora.newWorkspace();
            float[] parameters = source.parameters();
            product = new float[e.windows(16)];
            for (int w = 0; w < product.length; w++) {
                product[w] = MlpHead.sigmoid(lora.logit(parameters, trainable, e.values(), e.offset(w), ws));
            }
        }
        byte[] exported = OnnxHeadExporter.export(
                source.architecture(),
                lora.merged(source.parameters(), trainable),
                OnnxHeadExporter.ModelInterface.of(HeadModels.bytes("hey_jarvis_v0.1.onnx")),
                new OnnxHeadExporter.Metadata("test/alice/wake", 3, source.id(), source.sha256(), "", 0.9f));
        float[] reference;
        try (OrtHead head = new OrtHead(exported);
                StreamingReference runtime = new StreamingReference(TestModels.dir())) {
            reference = runtime.scores(pcm, window -> {
                try {
                    return head.score(window);
                } catch (OrtException ex) {
                    throw new IllegalStateException(ex);
                }
            });
        }
        assertThat(reference).hasSize(product.length);
        double max = 0;
        double maxLogit = 0;
        int steep = 0;
        for (int i = 0; i < product.length; i++) {
            max = Math.max(max, Math.abs(product[i] - reference[i]));
            if (reference[i] > 0.01f && reference[i] < 0.99f) {
                // where the sigmoid is steep, compare logits too: a score difference cannot hide there
                steep++;
                maxLogit = Math.max(maxLogit, Math.abs(logit(product[i]) - logit(reference[i])));
            }
        }
        System.out.printf(
                "exported head, streaming reference vs product: %d steps, max |score diff| %.3g; %d steps"
                        + " between 0.01 and 0.99, max |logit diff| %.3g%n",
                product.length, max, steep, maxLogit);
        assertThat(product.length).isGreaterThan(300);
        assertThat(steep)
                .as("steps where the score is neither near 0 nor near 1")
                .isGreaterThanOrEqualTo(10);
        assertThat(max).isLessThanOrEqualTo(1e-4);
        assertThat(maxLogit).isLessThanOrEqualTo(1e-3);
    }

    private static double logit(float p) {
        return Math.log(p / (1.0 - p));
    }

    /** 30 s of five speakers, the wake word among them, with gaps of silence. */
    private static short[] speech() {
        String[][] lines = {
            {"the meeting moved to thursday afternoon", "en-us+m3"}, {"hey jarvis turn it down", "en-029+f2"},
            {"I think the train leaves at nine", "en-gb-x-rp+m1"}, {"hey jarvis what time is it", "en-us+f4"},
            {"we should plant the tomatoes next week", "en-gb-scotland+m2"},
        };
        short[] out = new short[480_000];
        int at = 8_000;
        for (String[] l : lines) {
            short[] s = TestModels.speech(l[0], l[1], 64_000, 4_000);
            System.arraycopy(s, 0, out, at, s.length);
            at += s.length + 16_000;
        }
        return out;
    }
}
