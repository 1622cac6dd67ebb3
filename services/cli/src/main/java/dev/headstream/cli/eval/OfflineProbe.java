package dev.headstream.cli.eval;

import dev.headstream.cli.synth.CachingSynthesizer;
import dev.headstream.cli.synth.SpeechSynth;
import dev.headstream.cli.synth.SynthProgress;
import dev.headstream.cli.synth.SyntheticClip;
import dev.headstream.cli.synth.SyntheticPopulation;
import dev.headstream.cli.synth.SyntheticUser;
import dev.headstream.cli.synth.SyntheticUsers;
import dev.headstream.core.adapt.BinaryHeadTask;
import dev.headstream.core.adapt.HeadRecipe;
import dev.headstream.core.adapt.HeadState;
import dev.headstream.core.adapt.RehearsalSet;
import dev.headstream.core.adapt.Split;
import dev.headstream.core.backbone.BackboneInput;
import dev.headstream.core.backbone.EmbeddingSequence;
import dev.headstream.core.backbone.ExecutionOptions;
import dev.headstream.core.backbone.ModelFile;
import dev.headstream.core.backbone.WakeWordBackbone;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.onnx.OnnxHeadImporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the wake-word adaptation recipe in-process over synthetic users, without Kafka: a quick
 * way to measure a recipe. Usage: {@code OfflineProbe <modelsDir> <cacheDir> <users> <seed> [k lr l2sp steps userWin rehearsal]}.
 */
public final class OfflineProbe {

    private OfflineProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path models = Path.of(args[0]);
        int users = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        HeadRecipe d = HeadRecipe.wakeWordDefault();
        HeadRecipe recipe = args.length > 4 ? new HeadRecipe(Integer.parseInt(args[4]), d.optimizer(), Float.parseFloat(args[5]),
                Float.parseFloat(args[6]), d.maxGradientNorm(), Integer.parseInt(args[7]), d.replayBuffer(),
                Integer.parseInt(args[8]), Integer.parseInt(args[9]), d.windowFrames(),
                args.length > 10 ? Float.parseFloat(args[10]) : d.thresholdPosition()) : d;
        int bgSpeakers = args.length > 11 ? Integer.parseInt(args[11]) : 8;
        SyntheticPopulation pop = new SyntheticUsers(SyntheticUsers.Config.defaults(seed).withUsers(users).withBackground(bgSpeakers, 16))
                .generate(new CachingSynthesizer(new SpeechSynth(), Path.of(args[1])), 2,
                        SynthProgress.lines(100, System.out::println));
        long t0 = System.nanoTime();
        try (WakeWordBackbone backbone = new WakeWordBackbone(ModelFile.read(models.resolve("melspectrogram.onnx")),
                ModelFile.read(models.resolve("embedding_model.onnx")), ExecutionOptions.cpu(1),
                WakeWordBackbone.EmbeddingMode.SEQUENCE, 10)) {
            Map<SyntheticClip, EmbeddingSequence> emb = new HashMap<>();
            List<SyntheticClip> all = pop.allClips().toList();
            List<BackboneInput> in = new ArrayList<>();
            for (SyntheticClip c : all) {
                in.add(new BackboneInput.Audio(16_000, c.pcm()));
            }
            List<EmbeddingSequence> out = backbone.embed(in);
            for (int i = 0; i < all.size(); i++) {
                emb.put(all.get(i), out.get(i));
            }
            System.out.printf("embedded %d clips in %.1f s%n", all.size(), (System.nanoTime() - t0) / 1e9);
            RehearsalSet rehearsal = RehearsalSet.split(pop.background().stream().map(emb::get).toList(), 4);
            SourceHead src = OnnxHeadImporter.importHead(models.resolve("hey_jarvis_v0.1.onnx"));
            BinaryHeadTask task = new BinaryHeadTask("wake", src, recipe, rehearsal);
            Map<String, HeadState> heads = new HashMap<>();
            long t1 = System.nanoTime();
            int trained = 0;
            for (SyntheticUser u : pop.users()) {
                HeadState s = task.newState("demo/" + u.id() + "/wake");
                for (SyntheticClip c : u.train()) {
                    task.apply(s, emb.get(c), c.positive(), 1f, Split.TRAIN);
                    trained++;
                }
                task.calibrate(s);
                heads.put(u.id(), s);
            }
            System.out.printf("trained %d clips in %.1f s (%.1f ms per clip), recipe %s%n", trained,
                    (System.nanoTime() - t1) / 1e9, (System.nanoTime() - t1) / 1e6 / trained, recipe);
            float[] sourceParams = src.parameters();
            HoldoutTable table = HoldoutEvaluator.evaluate(pop.users(), emb, id -> {
                HeadState s = heads.get(id);
                return new HoldoutEvaluator.UserHead(task.head(), sourceParams, s.trainable(), s.threshold(),
                        s.version());
            }, recipe.windowFrames());
            System.out.print(table.render(0.5));
        }
    }
}
