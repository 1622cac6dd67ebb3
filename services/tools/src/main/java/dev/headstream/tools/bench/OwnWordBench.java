package dev.headstream.tools.bench;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.task.BankNegatives;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.SourceHead;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.speech.ClipAssembler;
import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.NearMisses;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import dev.headstream.runtime.speech.Voice;
import dev.headstream.testkit.synth.CatalogVoice;
import dev.headstream.testkit.synth.ClipSpec;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.Phrases;
import dev.headstream.testkit.synth.Speaker;
import dev.headstream.testkit.synth.Split;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.testkit.synth.VoiceCatalog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * A user's own wake word, in-process: synthetic users (USERS voices, in no bank part) each
 * enroll a new phrase with a few clips, and after 3, 5, ... clips each candidate head is scored as
 * a detector: recall on the user's held-out positives, false accepts per hour on the bank's
 * evaluation part (every 80 ms step, 2 s refractory period), and accepted clips among held-out
 * near misses of the phrase: phoneme strings that no head trained on, spoken by the users' part's
 * voices. Candidate heads:
 * <ul>
 *   <li>a prototype head ({@link PrototypeDetector}: positive mean of the user's clips, negative
 *       mean seeded from the bank's training speech), its threshold set per hour on the bank's
 *       calibration part like a trained head's;</li>
 *   <li>the default binary recipe (the task's code, negative bank, per-hour calibration, publish
 *       after every clip), started from {@code hey_jarvis}'s weights (transfer of the network, not
 *       of its meaning) or from a seeded random initialisation;</li>
 *   <li>each of them with or without synthesized near misses of the phrase as extra negatives
 *       (other phoneme strings than the held-out ones, spoken by the bank's training voices).</li>
 * </ul>
 * A trained head that the task holds at its start (it cannot meet the target at a useful recall)
 * is no detector for the new phrase: the recipe publishes the prototype without near misses then,
 * so its figures are that prototype's at the same clips ({@link #resolveHeld}), and it is counted
 * as held. That prototype is scored whenever a trained head is, whether asked for or not.
 *
 * <p>Deterministic given the seed: every clip is a function of its plan, every head of its stream.
 */
public final class OwnWordBench {

    /** How a candidate head starts. */
    public enum Kind {
        PROTOTYPE("prototype"),
        TRAINED_JARVIS("trained, jarvis init"),
        TRAINED_FRESH("trained, fresh init");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One candidate recipe: a kind, with or without near-miss negatives. */
    public record Variant(Kind kind, boolean nearMisses) {
        public String label() {
            return kind.label() + (nearMisses ? " + near misses" : "");
        }

        public String key() {
            return kind.name().toLowerCase(Locale.ROOT) + (nearMisses ? "+nm" : "");
        }
    }

    /** One user's enrolment and test clips. */
    public record OwnUser(String phrase, Speaker speaker, List<SyntheticClip> enrolment, List<SyntheticClip> holdout) {
        public String id() {
            return phrase.replace(' ', '_') + "/" + speaker.id();
        }
    }

    /**
     * A phrase's near misses: {@code trainVariants} spoken by training voices (for training),
     * {@code testVariants}, disjoint from them, by users' voices (for testing).
     */
    public record PhraseNearMisses(
            String phrase,
            String phonemes,
            List<String> trainVariants,
            List<String> testVariants,
            List<SyntheticClip> train,
            List<SyntheticClip> test) {}

    /** Near-miss phoneme strings split into training and held-out ones: disjoint, together all drawn. */
    public record NearMissSplit(List<String> train, List<String> test) {}

    /**
     * Near misses a trained head learns before each enrolment clip, while it has any left: a fixed
     * schedule (2 before each of the first 12 positives for 24 clips), whatever clip counts are scored.
     */
    public static final int NEAR_MISSES_PER_POSITIVE = 2;

    /** Resamples of the per-user bootstrap of mean recall. */
    public static final int BOOTSTRAP_RESAMPLES = 10_000;

    /** Seed of the per-user bootstrap of mean recall (fixed: the same figures give the same interval). */
    public static final long BOOTSTRAP_SEED = 20_261_203L;

    /** The variant the recipe publishes until a trained head takes over, and whenever one is held. */
    public static final Variant PUBLISHED_PROTOTYPE = new Variant(Kind.PROTOTYPE, false);

    private static final dev.headstream.core.ingest.Split TRAINING = dev.headstream.core.ingest.Split.TRAIN;

    /**
     * The figures of one head at one number of enrolment clips; {@code nearMissClips} and
     * {@code nearMissAccepted} count the phrase's held-out near-miss clips, of strings no head trained on.
     */
    public record Figures(
            Variant variant,
            String phrase,
            String user,
            String voice,
            int clips,
            boolean held,
            float threshold,
            int positives,
            int detected,
            int activations,
            double hours,
            int nearMissClips,
            int nearMissAccepted) {
        public double recall() {
            return positives == 0 ? 0 : detected / (double) positives;
        }

        public double perHour() {
            return hours == 0 ? 0 : activations / hours;
        }
    }

    /** Many heads' figures pooled: mean recall, activations over head-hours, the worst head's rate. */
    public record Summary(
            int heads,
            double recall,
            int activations,
            double hours,
            double worst,
            int held,
            int nearMissClips,
            int nearMissAccepted) {
        public static Summary of(List<Figures> f) {
            return new Summary(
                    f.size(),
                    f.stream().mapToDouble(Figures::recall).average().orElse(0),
                    f.stream().mapToInt(Figures::activations).sum(),
                    f.stream().mapToDouble(Figures::hours).sum(),
                    f.stream().mapToDouble(Figures::perHour).max().orElse(0),
                    (int) f.stream().filter(Figures::held).count(),
                    f.stream().mapToInt(Figures::nearMissClips).sum(),
                    f.stream().mapToInt(Figures::nearMissAccepted).sum());
        }

        public double perHour() {
            return hours == 0 ? 0 : activations / hours;
        }

        public double nearMissRate() {
            return nearMissClips == 0 ? 0 : nearMissAccepted / (double) nearMissClips;
        }
    }

    private OwnWordBench() {}

    /**
     * Whether {@code trained} beats {@code prototype} at one clip count: higher mean recall, and
     * false accepts per hour no higher than the prototype's or, if that is lower, the target.
     */
    public static boolean beats(Summary trained, Summary prototype, double targetPerHour) {
        return trained.recall() > prototype.recall()
                && trained.perHour() <= Math.max(prototype.perHour(), targetPerHour) + 1e-12;
    }

    /**
     * The smallest of {@code clips} (ascending) from which {@code beats.get(i)} holds at that and every
     * larger clip count; -1 when it does not hold at the largest.
     */
    public static int switchPoint(int[] clips, List<Boolean> beats) {
        if (clips.length != beats.size()) {
            throw new IllegalArgumentException("one verdict per clip count");
        }
        int from = -1;
        for (int i = clips.length - 1; i >= 0 && beats.get(i); i--) {
            from = clips[i];
        }
        return from;
    }

    /**
     * The better of two trained starts over the same clip counts: the higher recall averaged over
     * the clip counts where both meet the false-accept limit {@code maxPerHour}, a start that meets
     * it where the other does not counting as better there; ties: the first.
     */
    public static int better(List<Summary> a, List<Summary> b, double maxPerHour) {
        double score = 0;
        for (int i = 0; i < a.size(); i++) {
            boolean okA = a.get(i).perHour() <= maxPerHour;
            boolean okB = b.get(i).perHour() <= maxPerHour;
            if (okA && okB) {
                score += a.get(i).recall() - b.get(i).recall();
            } else if (okA) {
                score += 1;
            } else if (okB) {
                score -= 1;
            }
        }
        return score >= 0 ? 0 : 1;
    }

    /**
     * The users of {@code phrase}: {@code count} USERS-voice speakers of a population seeded by
     * {@code seed}, each with {@code enrolment} + {@code holdout} positive clips in which the kit's
     * carrier phrases end with {@code phrase} instead of "hey jarvis" (same per-clip pitch, speed,
     * tempo, placement, level and noise variation as the kit's clips).
     */
    public static List<OwnUser> users(
            String phrase, int count, int enrolment, int holdout, long seed, Synthesizer synth, Consumer<String> log) {
        VoiceCatalog catalog = VoiceCatalog.standard();
        SyntheticUsers.Config config = SyntheticUsers.Config.defaults(seed)
                .withUsers(count)
                .withTrain(enrolment, 0)
                .withHoldout(holdout, 0)
                .withBackground(0, 0);
        SyntheticUsers kit = new SyntheticUsers(config, catalog.pool(Part.USERS), catalog.pool(Part.TRAIN));
        ClipAssembler assembler = new ClipAssembler(config.clip());
        List<OwnUser> out = new ArrayList<>();
        for (Speaker sp : kit.users()) {
            List<ClipSpec> specs = kit.plan(sp.id()).stream()
                    .filter(ClipSpec::positive)
                    .map(c -> withPhrase(c, phrase))
                    .toList();
            List<SyntheticClip> clips = SyntheticUsers.render(synth, assembler, specs, RENDER_THREADS);
            out.add(new OwnUser(
                    phrase,
                    sp,
                    clips.stream().filter(c -> c.split() == Split.TRAIN).toList(),
                    clips.stream().filter(c -> c.split() == Split.HOLDOUT).toList()));
            log.accept(String.format(
                    Locale.ROOT, "  %s: %s, %d clips", phrase, sp.voice().id(), clips.size()));
        }
        return out;
    }

    private static ClipSpec withPhrase(ClipSpec c, String phrase) {
        SynthRequest r = c.synthesis();
        String text = r.text().replace(Phrases.WAKE_WORD, phrase);
        if (text.equals(r.text())) {
            throw new IllegalStateException("positive clip without the wake word: " + r.text());
        }
        return new ClipSpec(
                c.speakerId(),
                c.sampleId(),
                true,
                c.split(),
                new SynthRequest(text, r.voice(), r.pitch(), r.speedWpm(), r.amplitude(), r.tempo()),
                c.assemblySeed());
    }

    /** Threads that synthesize a bench's clips. */
    private static final int RENDER_THREADS = 2;

    /**
     * Near misses of {@code phrase}: up to {@code 2 x variants} phoneme strings one phoneme away
     * ({@link NearMisses}), split into training and held-out strings ({@link #split});
     * {@code trainClips} clips of the training strings spoken by the espeak-ng voices of the bank's
     * training part and {@code testClips} of the held-out strings by the espeak-ng voices of the
     * users' part, each at the voice's pitch and speed with the kit's jitter.
     *
     * @throws IllegalStateException if the phrase has fewer than 2 near misses
     */
    public static PhraseNearMisses nearMisses(
            String phrase, int variants, int trainClips, int testClips, long seed, Synthesizer synth) {
        String phonemes = NearMisses.phonemesOf(phrase, new Voice("en-us", ""));
        List<String> near = NearMisses.variants(phonemes, 2 * variants, seed);
        if (near.size() < 2) {
            throw new IllegalStateException(
                    "fewer than 2 near misses for '" + phrase + "' (" + phonemes + "): " + near);
        }
        NearMissSplit strings = split(near);
        ClipAssembler assembler =
                new ClipAssembler(SyntheticUsers.Config.defaults(seed).clip());
        List<SyntheticClip> train = SyntheticUsers.render(
                synth, assembler, nearMissSpecs(phrase, true, strings.train(), trainClips, seed), RENDER_THREADS);
        List<SyntheticClip> test = SyntheticUsers.render(
                synth, assembler, nearMissSpecs(phrase, false, strings.test(), testClips, seed), RENDER_THREADS);
        return new PhraseNearMisses(phrase, phonemes, strings.train(), strings.test(), train, test);
    }

    /**
     * Splits near-miss strings (in {@link NearMisses#variants}' order, which spreads each rank of
     * closeness over the phrase) into training and held-out strings: even positions train, odd
     * positions are held out. Disjoint; deterministic; the held-out part has {@code size / 2}.
     */
    static NearMissSplit split(List<String> variants) {
        if (Set.copyOf(variants).size() != variants.size()) {
            throw new IllegalArgumentException("near-miss strings repeat: " + variants);
        }
        List<String> train = new ArrayList<>();
        List<String> test = new ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            (i % 2 == 0 ? train : test).add(variants.get(i));
        }
        return new NearMissSplit(List.copyOf(train), List.copyOf(test));
    }

    /**
     * {@code count} near-miss clips of {@code strings} (cycled): for training by the espeak-ng
     * voices of the bank's training part (split TRAIN), for testing by those of the users' part
     * (split HOLDOUT), voices shuffled and cycled, each with the kit's jitter.
     */
    static List<ClipSpec> nearMissSpecs(String phrase, boolean training, List<String> strings, int count, long seed) {
        String label = training ? "train" : "test";
        List<CatalogVoice> voices =
                VoiceCatalog.standard().voices(training ? Part.TRAIN : Part.USERS, Engine.ESPEAK_NG);
        SplittableRandom random = new SplittableRandom(seed ^ (phrase + "/" + label).hashCode());
        List<CatalogVoice> shuffled = new ArrayList<>(voices);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            Collections.swap(shuffled, i, random.nextInt(i + 1));
        }
        List<ClipSpec> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            CatalogVoice v = shuffled.get(i % shuffled.size());
            SynthRequest r = SyntheticUsers.jittered(
                    NearMisses.speakable(strings.get(i % strings.size())),
                    v.voice(),
                    v.basePitch(),
                    v.baseSpeedWpm(),
                    random);
            String id = String.format(Locale.ROOT, "near-%s/%s/%03d", phrase.replace(' ', '_'), label, i);
            out.add(new ClipSpec(id, id, false, training ? Split.TRAIN : Split.HOLDOUT, r, random.nextLong()));
        }
        return out;
    }

    /** Every clip's embedding sequence ({@link QuietBench#embedClip}). */
    public static Map<SyntheticClip, EmbeddingSequence> embed(WakeWordBackbone backbone, List<SyntheticClip> clips) {
        Map<SyntheticClip, EmbeddingSequence> out = new HashMap<>();
        for (SyntheticClip c : clips) {
            out.computeIfAbsent(c, k -> QuietBench.embedClip(backbone, k));
        }
        return out;
    }

    /** What the run shares: the bank, its held-out and calibration speech, the task's settings. */
    public record Setting(
            NegativeBank bank,
            HeldOutSpeech evaluation,
            HeldOutSpeech calibration,
            EngineSpec.TaskSpec task,
            SourceHead jarvis,
            SourceHead fresh,
            int[] clips,
            int prototypeSeedWindows) {}

    /**
     * Trains and scores every variant for every user (two threads); figures in user order per
     * variant, held trained heads resolved ({@link #resolveHeld}). With a trained variant,
     * {@link #PUBLISHED_PROTOTYPE} is scored too (for the held heads), and listed only if asked for.
     */
    public static List<Figures> run(
            Setting set,
            List<OwnUser> users,
            Map<String, PhraseNearMisses> nearMisses,
            Map<SyntheticClip, EmbeddingSequence> emb,
            List<Variant> variants,
            Consumer<String> log) {
        long t0 = System.nanoTime();
        HeadRecipe recipe = set.task().recipe();
        List<Variant> scored = new ArrayList<>(variants);
        if (variants.stream().anyMatch(v -> v.kind() != Kind.PROTOTYPE) && !variants.contains(PUBLISHED_PROTOTYPE)) {
            scored.add(PUBLISHED_PROTOTYPE);
        }
        Map<Kind, BankNegatives> prepared = new HashMap<>();
        Map<Kind, BankNegatives.Part> evalParts = new HashMap<>();
        for (Variant v : scored) {
            if (v.kind() == Kind.PROTOTYPE || prepared.containsKey(v.kind())) {
                continue;
            }
            SourceHead src = v.kind() == Kind.TRAINED_JARVIS ? set.jarvis() : set.fresh();
            prepared.put(v.kind(), EngineAssembly.prepare(set.bank(), src, set.task()));
            evalParts.put(
                    v.kind(),
                    BankNegatives.Part.prepare(
                            set.evaluation().part(), BinaryHeadTask.scorerFor(src, recipe), recipe.windowFrames()));
            log.accept(String.format(
                    Locale.ROOT,
                    "prepared the bank for %s in %.1f s",
                    v.kind().label(),
                    (System.nanoTime() - t0) / 1e9));
        }
        // the bank's frames and windows only: no head's first-layer products
        RehearsalSet prototypeSeed = new RehearsalSet(
                BankNegatives.prepare(set.bank(), null, recipe.windowFrames())
                        .referenceClips(set.prototypeSeedWindows(), recipe.windowFrames()),
                List.of());
        int dim = set.bank().dim();
        Map<String, List<Figures>> byKey = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        int jobs = scored.size() * users.size();
        List<Runnable> work = new ArrayList<>();
        for (Variant v : scored) {
            for (OwnUser u : users) {
                work.add(() -> {
                    PhraseNearMisses nm = nearMisses.get(u.phrase());
                    List<Figures> f = v.kind() == Kind.PROTOTYPE
                            ? prototype(set, u, nm, emb, v, prototypeSeed, dim)
                            : trained(set, u, nm, emb, v, prepared.get(v.kind()), evalParts.get(v.kind()));
                    byKey.put(v.key() + "|" + u.id(), f);
                    int n = done.incrementAndGet();
                    Figures last = f.get(f.size() - 1);
                    log.accept(String.format(
                            Locale.ROOT,
                            "  [%d/%d %.0f s] %-34s %-22s after %2d clips: recall %.2f, %d activations in %.2f h%s",
                            n,
                            jobs,
                            (System.nanoTime() - t0) / 1e9,
                            v.label(),
                            u.id(),
                            last.clips(),
                            last.recall(),
                            last.activations(),
                            last.hours(),
                            last.held() ? " (held)" : ""));
                });
            }
        }
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            pool.submit(() -> work.parallelStream().forEach(Runnable::run)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdown();
        }
        List<Figures> out = new ArrayList<>();
        for (Variant v : scored) {
            for (OwnUser u : users) {
                out.addAll(byKey.get(v.key() + "|" + u.id()));
            }
        }
        List<Figures> resolved = resolveHeld(out).stream()
                .filter(x -> variants.contains(x.variant()))
                .toList();
        log.accept(String.format(
                Locale.ROOT, "trained and scored %d heads in %.1f s", jobs, (System.nanoTime() - t0) / 1e9));
        return resolved;
    }

    /**
     * {@code heads} with every held trained head's figures replaced by those of the head the recipe
     * publishes instead, {@link #PUBLISHED_PROTOTYPE} of the same user at the same clips (whatever
     * the held head's near-miss setting); the head keeps its variant and is marked held.
     *
     * @throws IllegalStateException if a held head has no such prototype among {@code heads}
     */
    static List<Figures> resolveHeld(List<Figures> heads) {
        Map<String, Figures> published = heads.stream()
                .filter(x -> x.variant().equals(PUBLISHED_PROTOTYPE))
                .collect(Collectors.toMap(x -> x.user() + "|" + x.clips(), x -> x));
        List<Figures> out = new ArrayList<>();
        for (Figures head : heads) {
            if (!head.held() || head.variant().kind() == Kind.PROTOTYPE) {
                out.add(head);
                continue;
            }
            Figures p = published.get(head.user() + "|" + head.clips());
            if (p == null) {
                throw new IllegalStateException("held head " + head.variant().key() + " of " + head.user() + " at "
                        + head.clips() + " clips: no " + PUBLISHED_PROTOTYPE.key() + " figures to fall back to");
            }
            out.add(new Figures(
                    head.variant(),
                    head.phrase(),
                    head.user(),
                    head.voice(),
                    head.clips(),
                    true,
                    p.threshold(),
                    p.positives(),
                    p.detected(),
                    p.activations(),
                    p.hours(),
                    p.nearMissClips(),
                    p.nearMissAccepted()));
        }
        return out;
    }

    /**
     * How many near misses a trained head learns before each of {@code positives} enrolment clips:
     * {@link #NEAR_MISSES_PER_POSITIVE} before each while any of {@code nearMisses} are left, so
     * the head at clip {@code n} has seen the same near misses whatever clip counts are scored.
     */
    static int[] nearMissSchedule(int nearMisses, int positives) {
        int[] out = new int[positives];
        int left = nearMisses;
        for (int i = 0; i < positives; i++) {
            out[i] = Math.min(NEAR_MISSES_PER_POSITIVE, left);
            left -= out[i];
        }
        return out;
    }

    private static List<Figures> prototype(
            Setting set,
            OwnUser u,
            PhraseNearMisses nm,
            Map<SyntheticClip, EmbeddingSequence> emb,
            Variant v,
            RehearsalSet seed,
            int dim) {
        HeadRecipe recipe = set.task().recipe();
        PrototypeDetector head = new PrototypeDetector(dim, recipe.windowFrames(), seed);
        if (v.nearMisses()) {
            for (SyntheticClip c : nm.train()) {
                head.learn(emb.get(c), false);
            }
        }
        List<Figures> out = new ArrayList<>();
        int n = 0;
        for (SyntheticClip c : u.enrolment()) {
            head.learn(emb.get(c), true);
            n++;
            if (isCheckpoint(set.clips(), n)) {
                head.calibratePerHour(
                        set.calibration(), set.task().targetFalseAcceptsPerHour(), recipe.thresholdPosition());
                float t = head.threshold();
                int acts = set.evaluation().activations(head, t);
                out.add(figures(
                        v,
                        u,
                        n,
                        false,
                        t,
                        c2 -> head.score(emb.get(c2)),
                        nm,
                        acts,
                        set.evaluation().hours()));
            }
        }
        return out;
    }

    private static List<Figures> trained(
            Setting set,
            OwnUser u,
            PhraseNearMisses nm,
            Map<SyntheticClip, EmbeddingSequence> emb,
            Variant v,
            BankNegatives prepared,
            BankNegatives.Part eval) {
        SourceHead src = v.kind() == Kind.TRAINED_JARVIS ? set.jarvis() : set.fresh();
        BinaryHeadTask task = EngineAssembly.task("own", set.task(), src, RehearsalSet.empty(), prepared);
        ClipScorer scorer = BinaryHeadTask.scorerFor(src, set.task().recipe());
        HeadState s = task.newState("bench/" + u.id() + "/own");
        List<SyntheticClip> negatives = v.nearMisses() ? nm.train() : List.of();
        int[] schedule = nearMissSchedule(negatives.size(), u.enrolment().size());
        float[] logits = new float[eval.count()];
        List<Figures> out = new ArrayList<>();
        int n = 0;
        int nextNegative = 0;
        for (SyntheticClip c : u.enrolment()) {
            // the service has the phrase's near misses from the start: a few before each positive
            for (int k = 0; k < schedule[n]; k++) {
                task.apply(s, emb.get(negatives.get(nextNegative++)), false, 1f, TRAINING);
                task.publishIfDue(s, 1);
                task.sent(s);
            }
            task.apply(s, emb.get(c), true, 1f, TRAINING);
            task.publishIfDue(s, 1);
            task.sent(s);
            n++;
            if (isCheckpoint(set.clips(), n)) {
                boolean held = s.heldAtSource();
                float[] published = held ? null : s.trainable();
                float t = task.publishedThreshold(s);
                eval.logits(scorer, published, logits);
                int acts = Detections.count(logits, eval.bounds(), Detections.logitOf(t));
                out.add(figures(v, u, n, held, t, c2 -> scorer.score(published, emb.get(c2)), nm, acts, eval.hours()));
            }
        }
        return out;
    }

    private static boolean isCheckpoint(int[] clips, int n) {
        return Arrays.stream(clips).anyMatch(c -> c == n);
    }

    private static Figures figures(
            Variant v,
            OwnUser u,
            int clips,
            boolean held,
            float threshold,
            ToDoubleFunction<SyntheticClip> score,
            PhraseNearMisses nm,
            int activations,
            double hours) {
        int detected = 0;
        for (SyntheticClip c : u.holdout()) {
            detected += score.applyAsDouble(c) >= threshold ? 1 : 0;
        }
        int nmAccepted = 0;
        for (SyntheticClip c : nm.test()) {
            nmAccepted += score.applyAsDouble(c) >= threshold ? 1 : 0;
        }
        return new Figures(
                v,
                u.phrase(),
                u.id(),
                u.speaker().voice().id(),
                clips,
                held,
                threshold,
                u.holdout().size(),
                detected,
                activations,
                hours,
                nm.test().size(),
                nmAccepted);
    }

    /** Figures of {@code variant} at {@code clips} (of {@code phrase}, or all phrases for null). */
    public static Summary summary(List<Figures> f, Variant variant, int clips, String phrase) {
        return Summary.of(heads(f, variant, clips, phrase));
    }

    /** The heads of {@code variant} at {@code clips} (of {@code phrase}, or all phrases for null), by user. */
    public static List<Figures> heads(List<Figures> f, Variant variant, int clips, String phrase) {
        return f.stream()
                .filter(x -> x.variant().equals(variant) && x.clips() == clips)
                .filter(x -> phrase == null || x.phrase().equals(phrase))
                .sorted(Comparator.comparing(Figures::user))
                .toList();
    }

    /**
     * A 95 % per-user bootstrap interval of the mean recall of {@code heads} (one head per user):
     * {@link #BOOTSTRAP_RESAMPLES} resamples of the users with replacement, seeded by
     * {@link #BOOTSTRAP_SEED}, the 2.5th and 97.5th percentiles of their mean recall. The held-out
     * clips of a user are not resampled: the interval is about which users were drawn.
     */
    public static double[] recallInterval(List<Figures> heads) {
        if (heads.isEmpty()) {
            return new double[] {0, 0};
        }
        double[] r = heads.stream().mapToDouble(Figures::recall).toArray();
        SplittableRandom random = new SplittableRandom(BOOTSTRAP_SEED);
        double[] means = new double[BOOTSTRAP_RESAMPLES];
        for (int b = 0; b < means.length; b++) {
            double sum = 0;
            for (int i = 0; i < r.length; i++) {
                sum += r[random.nextInt(r.length)];
            }
            means[b] = sum / r.length;
        }
        Arrays.sort(means);
        return new double[] {
            means[(int) Math.floor(0.025 * (means.length - 1))], means[(int) Math.ceil(0.975 * (means.length - 1))]
        };
    }
}
