package dev.headstream.cli.eval;

import dev.headstream.cli.synth.SyntheticClip;
import dev.headstream.cli.synth.SyntheticPopulation;
import dev.headstream.core.adapt.RehearsalSet;
import dev.headstream.core.backbone.EmbeddingSequence;
import dev.headstream.core.backbone.ExecutionOptions;
import dev.headstream.core.backbone.ModelFile;
import dev.headstream.core.backbone.WakeWordBackbone;
import dev.headstream.core.head.SourceHead;
import java.nio.file.Path;
import java.util.Map;

/**
 * A synthetic population with every clip embedded once by the real backbone, the hey_jarvis
 * source head and the rehearsal set built from the background speakers: what the offline sweeps
 * evaluate on ({@link QuietBench.Population#asBench} makes one of held-out users).
 *
 * @param population users and background speakers
 * @param embeddings every clip's embedding sequence
 * @param source     the source head
 * @param rehearsal  background negatives split into rehearsal training and threshold calibration
 */
public record SyntheticBench(SyntheticPopulation population, Map<SyntheticClip, EmbeddingSequence> embeddings,
        SourceHead source, RehearsalSet rehearsal) {

    /** The wake-word backbone the benchmarks embed with: one CPU thread, sequence embeddings, clips up to 10 s. */
    public static WakeWordBackbone openBackbone(Path modelsDir) {
        return new WakeWordBackbone(ModelFile.read(modelsDir.resolve("melspectrogram.onnx")),
                ModelFile.read(modelsDir.resolve("embedding_model.onnx")), ExecutionOptions.cpu(1),
                WakeWordBackbone.EmbeddingMode.SEQUENCE, 10);
    }
}
