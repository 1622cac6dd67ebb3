package dev.headstream.tools.bench;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.task.BankNegatives;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Split;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.MultiEngineSynth;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.SynthProgress;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.testkit.synth.VoiceCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Held-out users against the negative bank, in-process: users made with voices (and a
 * synthesizer, flite) that the bank's training and calibration parts do not contain, each
 * trained on its stream by the task's code, its head published (calibrated, possibly held at the
 * source) after given numbers of clips, and scored as a detector: recall on the user's holdout
 * positives, false-accepted holdout negatives of all users, and false accepts per hour on the
 * bank's evaluation part (voices in no other part and in no user).
 */
public final class QuietBench {

    /** The figures of one head at one number of training clips. */
    public record Figures(
            String user,
            int clips,
            boolean held,
            float threshold,
            int positives,
            int detected,
            int negatives,
            int falseClips,
            int activations,
            double hours,
            int alarms,
            double trainMs,
            double publishMs) {
        public double recall() {
            return positives == 0 ? 0 : detected / (double) positives;
        }

        public double perHour() {
            return hours == 0 ? 0 : activations / hours;
        }
    }

    /**
     * All heads' figures at one number of training clips: mean recall, activations over the
     * heads' hours of held-out speech, the worst head's rate, heads held at the source, alarms
     * and the mean cost per clip.
     */
    public record Checkpoint(
            int clips,
            int heads,
            double recall,
            int activations,
            double hours,
            double worst,
            long held,
            int alarms,
            double trainMs,
            double publishMs) {

        /** The checkpoint of {@code figures} at {@code clips} (0 = the source head). */
        public static Checkpoint of(List<Figures> figures, int clips) {
            List<Figures> at = figures.stream().filter(x -> x.clips() == clips).toList();
            return new Checkpoint(
                    clips,
                    at.size(),
                    at.stream().mapToDouble(Figures::recall).average().orElse(0),
                    at.stream().mapToInt(Figures::activations).sum(),
                    at.stream().mapToDouble(Figures::hours).sum(),
                    at.stream().mapToDouble(Figures::perHour).max().orElse(0),
                    at.stream().filter(Figures::held).count(),
                    at.stream().mapToInt(Figures::alarms).sum(),
                    at.stream().mapToDouble(Figures::trainMs).average().orElse(0),
                    at.stream().mapToDouble(Figures::publishMs).average().orElse(0));
        }

        /** Activations per hour over all the heads' hours. */
        public double perHour() {
            return hours == 0 ? 0 : activations / hours;
        }
    }

    /**
     * Everything a population needs to be trained and scored.
     *
     * @param users          the chosen users
     * @param embeddings     every chosen user's clips, embedded
     * @param background     background speakers' clips (negatives of TRAIN voices), for an optional reference set
     * @param poorCandidates how many candidates the source head served poorly (recall below 0.5)
     */
    public record Population(
            List<SyntheticUser> users,
            Map<SyntheticClip, EmbeddingSequence> embeddings,
            List<SyntheticClip> background,
            int poorCandidates) {

        /**
         * The chosen users and the background speakers as a {@link SyntheticBench}: background clips
         * embedded and split into a rehearsal reference set.
         */
        public SyntheticBench asBench(SourceHead source, Path modelsDir) {
            Map<SyntheticClip, EmbeddingSequence> all = new HashMap<>(embeddings);
            try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(modelsDir)) {
                for (SyntheticClip c : background) {
                    embed(backbone, all, c);
                }
            }
            RehearsalSet rehearsal =
                    RehearsalSet.split(background.stream().map(all::get).toList(), RehearsalSet.CALIBRATION_EVERY);
            return new SyntheticBench(new SyntheticPopulation(users, background), Map.copyOf(all), source, rehearsal);
        }
    }

    private QuietBench() {}

    /**
     * The held-out population: {@code candidates} users from the USERS voices, the first
     * {@code max} whose source-head recall on their holdout positives is below 0.5.
     */
    public static Population heldOutUsers(
            SyntheticUsers.Config config,
            int max,
            Path modelsDir,
            Path cacheDir,
            SourceHead source,
            Consumer<String> log) {
        return heldOutUsers(config, max, true, modelsDir, cacheDir, source, log);
    }

    /**
     * {@link #heldOutUsers(SyntheticUsers.Config, int, Path, Path, SourceHead, Consumer)}, or with
     * {@code poorOnly == false} the first {@code max} candidates whatever the source head's recall
     * on them (so that no figure on their holdout clips is biased by a choice made on those clips);
     * {@link Population#poorCandidates()} counts the poorly served candidates either way.
     */
    public static Population heldOutUsers(
            SyntheticUsers.Config config,
            int max,
            boolean poorOnly,
            Path modelsDir,
            Path cacheDir,
            SourceHead source,
            Consumer<String> log) {
        VoiceCatalog catalog = VoiceCatalog.standard();
        SyntheticUsers users = new SyntheticUsers(config, catalog.pool(Part.USERS), catalog.pool(Part.TRAIN));
        CachingSynthesizer synth = new CachingSynthesizer(MultiEngineSynth.defaults(), cacheDir);
        // first every candidate's holdout positives (the choice needs no more), then the chosen users' other clips
        SyntheticPopulation positives = users.generate(
                synth,
                2,
                SynthProgress.lines(200, line -> log.accept("  holdout positives: " + line)),
                c -> c.split() == dev.headstream.testkit.synth.Split.HOLDOUT && c.positive());
        Map<SyntheticClip, EmbeddingSequence> emb = new HashMap<>();
        ClipScorer scorer = new ClipScorer(new MlpHead(source.architecture(), 1), source.parameters(), 16);
        Set<String> chosenIds = new LinkedHashSet<>();
        int poor = 0;
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(modelsDir)) {
            for (SyntheticUser u : positives.users()) {
                List<SyntheticClip> pos = u.holdout();
                long hits = pos.stream()
                        .filter(c -> scorer.score(null, embed(backbone, emb, c)) >= BinaryHeadTask.SOURCE_THRESHOLD)
                        .count();
                boolean servedPoorly = hits < 0.5 * pos.size();
                poor += servedPoorly ? 1 : 0;
                if ((servedPoorly || !poorOnly) && chosenIds.size() < max) {
                    chosenIds.add(u.id());
                }
            }
            SyntheticPopulation pop = users.generate(
                    synth,
                    2,
                    SynthProgress.lines(200, line -> log.accept("  chosen users and background: " + line)),
                    c -> chosenIds.contains(c.speakerId()) || c.speakerId().startsWith("bg-"));
            List<SyntheticUser> chosen =
                    pop.users().stream().filter(u -> chosenIds.contains(u.id())).toList();
            for (SyntheticUser u : chosen) {
                u.stream().forEach(c -> embed(backbone, emb, c));
            }
            emb.keySet()
                    .retainAll(chosen.stream().flatMap(u -> u.stream().stream()).collect(Collectors.toSet()));
            return new Population(chosen, emb, pop.background(), poor);
        }
    }

    private static EmbeddingSequence embed(
            WakeWordBackbone backbone, Map<SyntheticClip, EmbeddingSequence> emb, SyntheticClip c) {
        return emb.computeIfAbsent(c, k -> embedClip(backbone, k));
    }

    public static SourceHead heyJarvis(Path modelsDir) {
        try {
            return OnnxHeadImporter.importHead(modelsDir.resolve("hey_jarvis_v0.1.onnx"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the hey_jarvis source head", e);
        }
    }

    /**
     * Trains every user of {@code pop} (two threads) and scores its published head after each of
     * {@code checkpoints} training clips; also the source head (clips = 0).
     */
    public static List<Figures> run(
            Population pop,
            SourceHead source,
            EngineSpec.TaskSpec taskSpec,
            NegativeBank bank,
            BankPart evaluation,
            int[] checkpoints,
            Consumer<String> log) {
        return run(pop, source, taskSpec, bank, evaluation, checkpoints, null, log);
    }

    /**
     * Another look at every published head at the checkpoints, beside the bench's own figures (for
     * example {@link FusionBench}). {@link #at} runs on the user's worker thread, several users at
     * once.
     */
    public interface CheckpointProbe {

        /** Once, before any user trains: the bank as the heads train on it, and the evaluation part. */
        void start(BankNegatives prepared, BankNegatives.Part evaluation, ClipScorer scorer);

        /**
         * A user's head at a checkpoint.
         *
         * @param published      the published tail ({@code null}: the head is held at the source)
         * @param scorer         the user's own scorer (this thread's)
         * @param evaluationLogits the head's logit at every evaluation step (do not modify)
         */
        void at(SyntheticUser user, int clips, float[] published, ClipScorer scorer, float[] evaluationLogits);
    }

    /** {@link #run(Population, SourceHead, EngineSpec.TaskSpec, NegativeBank, BankPart, int[], Consumer)} with a probe (or {@code null}). */
    public static List<Figures> run(
            Population pop,
            SourceHead source,
            EngineSpec.TaskSpec taskSpec,
            NegativeBank bank,
            BankPart evaluation,
            int[] checkpoints,
            CheckpointProbe checkpointProbe,
            Consumer<String> log) {
        long t0 = System.nanoTime();
        HeadRecipe recipe = taskSpec.recipe();
        BankNegatives prepared = EngineAssembly.prepare(bank, source, taskSpec);
        BinaryHeadTask probe = EngineAssembly.task("wake", taskSpec, source, RehearsalSet.empty(), prepared);
        ClipScorer evalScorer = new ClipScorer(new MlpHead(source.architecture(), 1), source.parameters(), 16);
        BankNegatives.Part eval = BankNegatives.Part.prepare(evaluation, probeScorer(source, recipe), 16);
        log.accept(String.format(
                Locale.ROOT,
                "prepared %s; evaluation part %.2f h in %.1f s",
                prepared,
                eval.hours(),
                (System.nanoTime() - t0) / 1e9));
        if (checkpointProbe != null) {
            checkpointProbe.start(prepared, eval, probeScorer(source, recipe));
        }
        List<SyntheticClip> negatives = pop.users().stream()
                .flatMap(u -> u.holdout().stream())
                .filter(c -> !c.positive())
                .toList();
        List<Figures> out = new ArrayList<>();
        // the source head
        float[] srcLogits = new float[eval.count()];
        eval.logits(probeScorer(source, recipe), null, srcLogits);
        int srcActivations = Detections.count(srcLogits, eval.bounds(), logitOf(BinaryHeadTask.SOURCE_THRESHOLD));
        for (SyntheticUser u : pop.users()) {
            out.add(score(
                    u,
                    0,
                    false,
                    BinaryHeadTask.SOURCE_THRESHOLD,
                    pop,
                    negatives,
                    evalScorer,
                    null,
                    srcActivations,
                    eval.hours(),
                    0,
                    0,
                    0));
        }
        Map<String, List<Figures>> byUser = new ConcurrentHashMap<>();
        IntStream.range(0, pop.users().size()).parallel().forEach(i -> {
            SyntheticUser u = pop.users().get(i);
            BinaryHeadTask task = EngineAssembly.task("wake", taskSpec, source, RehearsalSet.empty(), prepared);
            ClipScorer scorer = probeScorer(source, recipe);
            HeadState s = task.newState("bench/" + u.id() + "/wake");
            List<Figures> figures = new ArrayList<>();
            float[] logits = new float[eval.count()];
            int n = 0;
            long trainNanos = 0;
            long publishNanos = 0;
            int publications = 0;
            for (SyntheticClip c : u.train()) {
                long t = System.nanoTime();
                task.apply(s, pop.embeddings().get(c), c.positive(), 1f, Split.TRAIN);
                trainNanos += System.nanoTime() - t;
                n++;
                // the adapter publishes after every training sample (publish-every 1): so does the bench
                t = System.nanoTime();
                task.publishIfDue(s, 1);
                task.sent(s);
                publishNanos += System.nanoTime() - t;
                publications++;
                for (int cp : checkpoints) {
                    if (cp == n) {
                        float[] published = s.heldAtSource() ? null : s.trainable();
                        float threshold = task.publishedThreshold(s);
                        eval.logits(scorer, published, logits);
                        int act = Detections.count(logits, eval.bounds(), logitOf(threshold));
                        if (checkpointProbe != null) {
                            checkpointProbe.at(u, n, published, scorer, logits);
                        }
                        figures.add(score(
                                u,
                                n,
                                s.heldAtSource(),
                                threshold,
                                pop,
                                negatives,
                                scorer,
                                published,
                                act,
                                eval.hours(),
                                s.rollbacks(),
                                trainNanos / 1e6 / n,
                                publishNanos / 1e6 / publications));
                        log.accept(String.format(
                                Locale.ROOT,
                                "  %s after %2d clips: %s threshold %.4f, calibration %d in %.2f h, eval %d in %.2f h%s",
                                u.id(),
                                n,
                                s.heldAtSource() ? "HELD" : "adapted",
                                threshold,
                                s.calibrationFalseAccepts(),
                                s.calibrationHours(),
                                act,
                                eval.hours(),
                                s.heldAtSource() ? " (" + s.heldReason() + ")" : ""));
                    }
                }
            }
            byUser.put(u.id(), figures);
        });
        for (SyntheticUser u : pop.users()) {
            out.addAll(byUser.get(u.id()));
        }
        log.accept(String.format(
                Locale.ROOT,
                "trained and scored %d users in %.1f s",
                pop.users().size(),
                (System.nanoTime() - t0) / 1e9));
        return out;
    }

    private static ClipScorer probeScorer(SourceHead source, HeadRecipe recipe) {
        return BinaryHeadTask.scorerFor(source, recipe);
    }

    private static Figures score(
            SyntheticUser u,
            int clips,
            boolean held,
            float threshold,
            Population pop,
            List<SyntheticClip> negatives,
            ClipScorer scorer,
            float[] trainable,
            int activations,
            double hours,
            int alarms,
            double trainMs,
            double publishMs) {
        int pos = 0;
        int det = 0;
        for (SyntheticClip c : u.holdout()) {
            if (c.positive()) {
                pos++;
                det += scorer.score(trainable, pop.embeddings().get(c)) >= threshold ? 1 : 0;
            }
        }
        int fa = 0;
        for (SyntheticClip c : negatives) {
            fa += scorer.score(trainable, pop.embeddings().get(c)) >= threshold ? 1 : 0;
        }
        return new Figures(
                u.id(),
                clips,
                held,
                threshold,
                pos,
                det,
                negatives.size(),
                fa,
                activations,
                hours,
                alarms,
                trainMs,
                publishMs);
    }

    static float logitOf(float threshold) {
        return Detections.logitOf(threshold);
    }

    /** One clip's embedding sequence: one backbone run of its 16 kHz audio (the mel model never batches clips). */
    static EmbeddingSequence embedClip(WakeWordBackbone backbone, SyntheticClip clip) {
        return backbone.embed(List.of(new BackboneInput.Audio(16_000, clip.pcm())))
                .get(0);
    }
}
