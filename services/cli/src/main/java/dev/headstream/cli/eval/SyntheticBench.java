package dev.headstream.cli.eval;

import dev.headstream.cli.produce.SampleRecords;
import dev.headstream.cli.synth.CachingSynthesizer;
import dev.headstream.cli.synth.SpeechSynth;
import dev.headstream.cli.synth.SynthProgress;
import dev.headstream.cli.synth.SyntheticClip;
import dev.headstream.cli.synth.SyntheticPopulation;
import dev.headstream.cli.synth.SyntheticUser;
import dev.headstream.cli.synth.SyntheticUsers;
import dev.headstream.core.adapt.BinaryHeadTask;
import dev.headstream.core.adapt.ClipScorer;
import dev.headstream.core.adapt.RehearsalSet;
import dev.headstream.core.backbone.BackboneInput;
import dev.headstream.core.backbone.EmbeddingSequence;
import dev.headstream.core.backbone.ExecutionOptions;
import dev.headstream.core.backbone.ModelFile;
import dev.headstream.core.backbone.WakeWordBackbone;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.onnx.OnnxHeadImporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A synthetic population with every clip embedded once by the real backbone, the hey_jarvis
 * source head and the rehearsal set built from the background speakers: what the demo and the
 * offline sweeps evaluate on.
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

    /** Synthesizes (cached) and embeds {@code config}'s population. */
    public static SyntheticBench build(SyntheticUsers.Config config, Path modelsDir, Path cacheDir, Consumer<String> log) {
        SyntheticPopulation pop = new SyntheticUsers(config).generate(new CachingSynthesizer(new SpeechSynth(), cacheDir), 2,
                SynthProgress.lines(100, line -> log.accept("  " + line)));
        List<SyntheticClip> all = pop.allClips().toList();
        log.accept("embedding " + all.size() + " clips with the wake-word backbone");
        Map<SyntheticClip, EmbeddingSequence> emb = new HashMap<>();
        try (WakeWordBackbone backbone = openBackbone(modelsDir)) {
            for (int i = 0; i < all.size(); i += 64) {
                List<SyntheticClip> part = all.subList(i, Math.min(all.size(), i + 64));
                List<EmbeddingSequence> e = backbone.embed(part.stream()
                        .map(c -> (BackboneInput) new BackboneInput.Audio(SampleRecords.SAMPLE_RATE_HZ, c.pcm())).toList());
                for (int j = 0; j < part.size(); j++) {
                    emb.put(part.get(j), e.get(j));
                }
            }
        }
        SourceHead source;
        try {
            source = OnnxHeadImporter.importHead(modelsDir.resolve("hey_jarvis_v0.1.onnx"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the hey_jarvis source head", e);
        }
        RehearsalSet rehearsal = RehearsalSet.split(pop.background().stream().map(emb::get).toList(),
                RehearsalSet.CALIBRATION_EVERY);
        return new SyntheticBench(pop, Map.copyOf(emb), source, rehearsal);
    }

    /**
     * The first {@code max} users for whom the source head is poor: recall below 0.5 at its 0.5
     * threshold on the user's own training positives (never on holdout clips).
     */
    public List<SyntheticUser> poorUsers(int max) {
        return poorUsers(max, SyntheticUser::train);
    }

    /**
     * The first {@code max} users whose source-head recall on their own holdout positives is
     * below 0.5: the population an evaluation of adaptation is defined on (selecting users by
     * the source head's holdout scores does not leak holdout clips into any adapted head).
     */
    public List<SyntheticUser> poorUsersOnHoldout(int max) {
        return poorUsers(max, SyntheticUser::holdout);
    }

    private List<SyntheticUser> poorUsers(int max, java.util.function.Function<SyntheticUser, List<SyntheticClip>> clips) {
        ClipScorer scorer = new ClipScorer(new MlpHead(source.architecture(), 1), source.parameters(), 16);
        List<SyntheticUser> chosen = new ArrayList<>();
        for (SyntheticUser u : population.users()) {
            List<SyntheticClip> pos = clips.apply(u).stream().filter(SyntheticClip::positive).toList();
            long hits = pos.stream()
                    .filter(c -> scorer.score(null, embeddings.get(c)) >= BinaryHeadTask.SOURCE_THRESHOLD).count();
            if (hits < 0.5 * pos.size() && chosen.size() < max) {
                chosen.add(u);
            }
        }
        return chosen;
    }
}
