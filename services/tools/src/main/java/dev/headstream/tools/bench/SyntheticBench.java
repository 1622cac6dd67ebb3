package dev.headstream.tools.bench;

import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.SourceHead;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticPopulation;
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
public record SyntheticBench(
        SyntheticPopulation population,
        Map<SyntheticClip, EmbeddingSequence> embeddings,
        SourceHead source,
        RehearsalSet rehearsal) {}
