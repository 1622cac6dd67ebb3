package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.ClipAssembler;
import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import dev.headstream.runtime.speech.Voice;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A reproducible population of synthetic wake-word users and background speakers, all
 * derived from one seed.
 *
 * <p>Each user gets an espeak-ng voice (an English dialect plus a variant; distinct
 * combinations, and distinct variants while the pool lasts), a base pitch and a base speed.
 * Its clips: positives end with "hey jarvis" after a short carrier ({@link Phrases#POSITIVE}),
 * negatives are everyday phrases with at most 10 % near misses ({@link Phrases#NEAR_MISS}).
 * Every clip jitters pitch (+-{@value #PITCH_JITTER}), speed (+-{@value #SPEED_JITTER} wpm) and
 * sox tempo (0.9-1.1), and gets its own placement, level and noise ({@link ClipAssembler}).
 * A user's stream is its train clips, positives and negatives alternating (shuffled within
 * each label, seeded choice of which comes first), then its holdout clips in the same form.
 * Train and holdout clips are drawn from independent random streams, and no two clips of a
 * speaker share all synthesis parameters. Background speakers use variants that no user
 * uses and say negative phrases only.
 *
 * <p>Every random stream is keyed by the seed and a label ({@code user-03/train/positive}),
 * so changing one count leaves the other parts of the population as they were.
 *
 * <p>Usage:
 * <pre>{@code
 * SyntheticUsers users = new SyntheticUsers(SyntheticUsers.Config.defaults(42));
 * Synthesizer synth = new CachingSynthesizer(new SpeechSynth(), Path.of(".run/synth-cache"));
 * SyntheticPopulation population = users.generate(synth, 2, SynthProgress.lines(50, log::info));
 * }</pre>
 * Held-out users in voices no bank part has: {@code new SyntheticUsers(config,
 * VoiceCatalog.standard().pool(Part.USERS), VoiceCatalog.standard().pool(Part.TRAIN))} and a
 * {@link MultiEngineSynth} (see {@link #SyntheticUsers(Config, List, List)}).
 *
 * <p>Instances are immutable; {@link #generate} may run concurrently from several threads.
 */
public final class SyntheticUsers {

    /** English espeak-ng dialect voices whose variants take effect ({@code en-gb} ignores variants; {@code en} is British). */
    public static final List<String> DIALECTS = List.of(
            "en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us-nyc");

    /**
     * espeak-ng variants that sound like people (no robots, echoes or whispers) and do not clip
     * at {@link #AMPLITUDE}.
     */
    public static final List<String> VARIANTS = List.of(
            "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2", "klatt3",
            "klatt4", "croak", "Andrea", "Andy", "Annie", "Denis", "Gene", "Mike", "aunty", "belinda", "david",
            "edward", "grandma", "grandpa", "linda", "michel", "quincy", "robert", "steph", "victor");

    /** espeak-ng amplitude of every clip; espeak-ng's default of 100 clips some variants. */
    public static final int AMPLITUDE = SynthRequest.JITTER_AMPLITUDE;
    /** Per-clip pitch jitter around the speaker's base pitch, +-. */
    public static final int PITCH_JITTER = SynthRequest.PITCH_JITTER;
    /** Per-clip speed jitter around the speaker's base speed, +- wpm. */
    public static final int SPEED_JITTER = SynthRequest.SPEED_JITTER;
    /** Per-clip sox tempo range. */
    public static final double TEMPO_MIN = SynthRequest.TEMPO_MIN;

    public static final double TEMPO_MAX = SynthRequest.TEMPO_MAX;

    private static final int BASE_PITCH_MIN = 30;
    private static final int BASE_PITCH_MAX = 70;
    private static final int BASE_SPEED_MIN = 140;
    private static final int BASE_SPEED_MAX = 185;
    /** Smallest base pitch gap between pool speakers who share a voice, while the range allows. */
    public static final int MIN_SHARED_PITCH_GAP = 4;

    /**
     * What to generate.
     *
     * @param seed               the one seed everything derives from
     * @param users              number of users
     * @param trainPositives     train clips per user ending with the wake word
     * @param trainNegatives     train clips per user without it
     * @param holdoutPositives   holdout clips per user ending with the wake word
     * @param holdoutNegatives   holdout clips per user without it
     * @param backgroundSpeakers number of background speakers
     * @param backgroundClips    clips per background speaker (all negative, split TRAIN)
     * @param clip               clip layout
     * @param backgroundNearMissShare share of each background speaker's clips that are near misses: the
     *                           background speakers are the operator's rehearsal reference set, which is
     *                           curated to cover confusable phrases (users' own negatives stay at
     *                           {@link Phrases#MAX_NEAR_MISS_SHARE})
     */
    public record Config(
            long seed,
            int users,
            int trainPositives,
            int trainNegatives,
            int holdoutPositives,
            int holdoutNegatives,
            int backgroundSpeakers,
            int backgroundClips,
            ClipAssembler.Settings clip,
            double backgroundNearMissShare) {

        public Config {
            Objects.requireNonNull(clip, "clip");
            if (users < 0 || users > 999 || backgroundSpeakers < 0 || backgroundSpeakers > 999) {
                throw new IllegalArgumentException(
                        "users and backgroundSpeakers must be 0-999, were " + users + ", " + backgroundSpeakers);
            }
            if (Math.min(Math.min(trainPositives, trainNegatives), Math.min(holdoutPositives, holdoutNegatives)) < 0
                    || backgroundClips < 0) {
                throw new IllegalArgumentException("clip counts must not be negative");
            }
            if (!(backgroundNearMissShare >= 0 && backgroundNearMissShare <= 1)) {
                throw new IllegalArgumentException(
                        "backgroundNearMissShare must be in [0, 1], was " + backgroundNearMissShare);
            }
            if (Math.max(
                            trainPositives + trainNegatives,
                            Math.max(holdoutPositives + holdoutNegatives, backgroundClips))
                    > 999) {
                throw new IllegalArgumentException("at most 999 clips per speaker and split");
            }
        }

        /** 8 users with 12 + 12 train and 10 + 10 holdout clips, 8 background speakers with 16 clips, 2.5 s clips. */
        public static Config defaults(long seed) {
            return new Config(
                    seed, 8, 12, 12, 10, 10, 8, 16, ClipAssembler.Settings.defaults(), Phrases.MAX_NEAR_MISS_SHARE);
        }

        public Config withSeed(long newSeed) {
            return new Config(
                    newSeed,
                    users,
                    trainPositives,
                    trainNegatives,
                    holdoutPositives,
                    holdoutNegatives,
                    backgroundSpeakers,
                    backgroundClips,
                    clip,
                    backgroundNearMissShare);
        }

        public Config withUsers(int count) {
            return new Config(
                    seed,
                    count,
                    trainPositives,
                    trainNegatives,
                    holdoutPositives,
                    holdoutNegatives,
                    backgroundSpeakers,
                    backgroundClips,
                    clip,
                    backgroundNearMissShare);
        }

        public Config withTrain(int positives, int negatives) {
            return new Config(
                    seed,
                    users,
                    positives,
                    negatives,
                    holdoutPositives,
                    holdoutNegatives,
                    backgroundSpeakers,
                    backgroundClips,
                    clip,
                    backgroundNearMissShare);
        }

        public Config withHoldout(int positives, int negatives) {
            return new Config(
                    seed,
                    users,
                    trainPositives,
                    trainNegatives,
                    positives,
                    negatives,
                    backgroundSpeakers,
                    backgroundClips,
                    clip,
                    backgroundNearMissShare);
        }

        public Config withBackground(int speakers, int clipsPerSpeaker) {
            return new Config(
                    seed,
                    users,
                    trainPositives,
                    trainNegatives,
                    holdoutPositives,
                    holdoutNegatives,
                    speakers,
                    clipsPerSpeaker,
                    clip,
                    backgroundNearMissShare);
        }

        /** The share of the background speakers' clips that are near misses. */
        public Config withBackgroundNearMisses(double share) {
            return new Config(
                    seed,
                    users,
                    trainPositives,
                    trainNegatives,
                    holdoutPositives,
                    holdoutNegatives,
                    backgroundSpeakers,
                    backgroundClips,
                    clip,
                    share);
        }

        public Config withClip(ClipAssembler.Settings settings) {
            return new Config(
                    seed,
                    users,
                    trainPositives,
                    trainNegatives,
                    holdoutPositives,
                    holdoutNegatives,
                    backgroundSpeakers,
                    backgroundClips,
                    settings,
                    backgroundNearMissShare);
        }
    }

    private final Config config;
    private final List<Speaker> users;
    private final List<Speaker> background;
    private final Map<String, List<ClipSpec>> plans;

    /** Users and background speakers drawn from every dialect and variant, as described above. */
    public SyntheticUsers(Config config) {
        this(config, assignVoices(Objects.requireNonNull(config, "config")), false);
    }

    /**
     * Users who speak voices of {@code userPool} and background speakers who speak voices of
     * {@code backgroundPool}, e.g. held-out users from {@code VoiceCatalog.standard().pool(Part.USERS)}
     * with a reference set from {@code pool(Part.TRAIN)}. Clips are planned exactly as for
     * {@link #SyntheticUsers(Config)}; only who speaks differs:
     * <ul>
     *   <li>when a pool holds espeak-ng voices and others (flite, Festival), speakers alternate
     *       between them: {@code user-01} espeak-ng, {@code user-02} the first other voice,
     *       {@code user-03} espeak-ng, {@code user-04} the next other voice, and so on, so each
     *       other voice serves several speakers;</li>
     *   <li>espeak-ng speakers get distinct variants while the pool's variants last, then distinct
     *       dialect-variant combinations (seeded order); background speakers prefer variants and
     *       other voices that no user has;</li>
     *   <li>speakers who share a voice get base pitches at least {@value #MIN_SHARED_PITCH_GAP} apart
     *       (one semitone for flite and Festival, whose pitch is
     *       {@link SynthRequest#pitchSemitones() relative to the voice's own}) while the range allows,
     *       and their own base speed, so each sounds different.</li>
     * </ul>
     *
     * @throws IllegalArgumentException when a pool is empty but speakers are asked of it
     */
    public SyntheticUsers(Config config, List<Voice> userPool, List<Voice> backgroundPool) {
        this(config, poolVoices(Objects.requireNonNull(config, "config"), userPool, backgroundPool), true);
    }

    private SyntheticUsers(Config config, List<List<Voice>> voices, boolean separateSharedPitches) {
        this.config = config;
        List<Speaker> u = new ArrayList<>();
        for (int i = 0; i < config.users(); i++) {
            u.add(speaker(
                    String.format(Locale.ROOT, "user-%02d", i + 1),
                    voices.get(0).get(i),
                    false,
                    separateSharedPitches ? u : List.of()));
        }
        List<Speaker> b = new ArrayList<>();
        for (int i = 0; i < config.backgroundSpeakers(); i++) {
            b.add(speaker(
                    String.format(Locale.ROOT, "bg-%02d", i + 1),
                    voices.get(1).get(i),
                    true,
                    separateSharedPitches ? b : List.of()));
        }
        this.users = List.copyOf(u);
        this.background = List.copyOf(b);
        Map<String, List<ClipSpec>> p = new LinkedHashMap<>();
        for (Speaker s : users) {
            p.put(s.id(), planUser(s));
        }
        for (Speaker s : background) {
            p.put(s.id(), planBackground(s));
        }
        this.plans = Collections.unmodifiableMap(p);
    }

    public Config config() {
        return config;
    }

    /** The users, {@code user-01} first. */
    public List<Speaker> users() {
        return users;
    }

    /** The background speakers, {@code bg-01} first. */
    public List<Speaker> backgroundSpeakers() {
        return background;
    }

    /** One speaker's clips in stream order (train then holdout for a user). */
    public List<ClipSpec> plan(String speakerId) {
        List<ClipSpec> plan = plans.get(speakerId);
        if (plan == null) {
            throw new IllegalArgumentException("no speaker " + speakerId);
        }
        return plan;
    }

    /** Every clip: each user's stream in user order, then each background speaker's clips. */
    public List<ClipSpec> plan() {
        return plans.values().stream().flatMap(List::stream).toList();
    }

    /** Renders the population on the calling thread without progress reports. */
    public SyntheticPopulation generate(Synthesizer synthesizer) {
        return generate(synthesizer, 1, SynthProgress.none());
    }

    /**
     * Renders the population: synthesizes and assembles every planned clip.
     *
     * <p>The result does not depend on {@code threads}: every clip is a function of its plan.
     *
     * @param synthesizer the speech source, e.g. a {@link CachingSynthesizer} around a {@link SpeechSynth}
     * @param threads     clips synthesized at once (1 = the calling thread)
     * @param progress    told after each clip, on the calling thread
     * @throws IllegalStateException when a clip cannot be synthesized (naming the clip), or when interrupted
     */
    public SyntheticPopulation generate(Synthesizer synthesizer, int threads, SynthProgress progress) {
        return generate(synthesizer, threads, progress, clip -> true);
    }

    /**
     * {@link #generate(Synthesizer, int, SynthProgress)} rendering only the planned clips that
     * {@code which} accepts (the others are left out of the result); a rendered clip is the same
     * whatever else is rendered.
     */
    public SyntheticPopulation generate(
            Synthesizer synthesizer, int threads, SynthProgress progress, Predicate<ClipSpec> which) {
        Objects.requireNonNull(synthesizer, "synthesizer");
        Objects.requireNonNull(progress, "progress");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        ClipAssembler assembler = new ClipAssembler(config.clip());
        List<ClipSpec> specs = plan().stream().filter(which).toList();
        SyntheticClip[] rendered = new SyntheticClip[specs.size()];
        if (threads == 1) {
            for (int i = 0; i < specs.size(); i++) {
                rendered[i] = render(synthesizer, assembler, specs.get(i));
                progress.onProgress(i + 1, specs.size());
            }
        } else {
            renderInParallel(synthesizer, assembler, specs, rendered, threads, progress);
        }
        Map<String, List<SyntheticClip>> bySpeaker = new LinkedHashMap<>();
        for (SyntheticClip clip : rendered) {
            bySpeaker.computeIfAbsent(clip.userId(), k -> new ArrayList<>()).add(clip);
        }
        List<SyntheticUser> userList = users.stream()
                .map(s -> new SyntheticUser(s, bySpeaker.getOrDefault(s.id(), List.of())))
                .toList();
        List<SyntheticClip> backgroundClips = background.stream()
                .flatMap(s -> bySpeaker.getOrDefault(s.id(), List.of()).stream())
                .toList();
        return new SyntheticPopulation(userList, backgroundClips);
    }

    /**
     * Renders {@code specs} (synthesis, then assembly) on {@code threads} threads (1: on the
     * calling thread), in their order; the threads are stopped before it returns.
     *
     * @throws IllegalStateException if a clip cannot be rendered, naming it
     */
    public static List<SyntheticClip> render(
            Synthesizer synthesizer, ClipAssembler assembler, List<ClipSpec> specs, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        SyntheticClip[] rendered = new SyntheticClip[specs.size()];
        if (threads == 1) {
            for (int i = 0; i < specs.size(); i++) {
                rendered[i] = render(synthesizer, assembler, specs.get(i));
            }
        } else {
            renderInParallel(synthesizer, assembler, specs, rendered, threads, SynthProgress.none());
        }
        return List.of(rendered);
    }

    private static void renderInParallel(
            Synthesizer synthesizer,
            ClipAssembler assembler,
            List<ClipSpec> specs,
            SyntheticClip[] rendered,
            int threads,
            SynthProgress progress) {
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "synth-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            CompletionService<Integer> done = new ExecutorCompletionService<>(pool);
            for (int i = 0; i < specs.size(); i++) {
                int index = i;
                done.submit(() -> {
                    rendered[index] = render(synthesizer, assembler, specs.get(index));
                    return index;
                });
            }
            for (int n = 1; n <= specs.size(); n++) {
                Future<Integer> finished = done.take();
                try {
                    finished.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new IllegalStateException(e.getCause());
                }
                progress.onProgress(n, specs.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while synthesizing clips", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static SyntheticClip render(Synthesizer synthesizer, ClipAssembler assembler, ClipSpec spec) {
        try {
            ClipAssembler.Clip clip = assembler.assemble(synthesizer.synthesize(spec.synthesis()), spec.assemblySeed());
            return new SyntheticClip(spec, clip.pcm(), clip.speechStart(), clip.speechEnd());
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "cannot render " + spec.sampleId() + " (" + spec.synthesis().canonical() + "): " + e.getMessage(),
                    e);
        }
    }

    /** Index 0: the users' voices; index 1: the background speakers'. Variants of the two never overlap. */
    private static List<List<Voice>> assignVoices(Config config) {
        SplittableRandom random = random(config.seed(), "voices");
        List<String> variants = shuffled(VARIANTS, random);
        int nUsers = config.users();
        int nBackground = config.backgroundSpeakers();
        int userVariants;
        if (nUsers == 0) {
            userVariants = 0;
        } else if (nBackground == 0) {
            userVariants = variants.size();
        } else {
            long share = Math.round((double) variants.size() * nUsers / (nUsers + nBackground));
            userVariants = (int) Math.max(1, Math.min(variants.size() - 1, share));
        }
        List<String> userDialects = shuffled(DIALECTS, random);
        List<String> backgroundDialects = shuffled(DIALECTS, random);
        return List.of(
                combinations(variants.subList(0, userVariants), userDialects, nUsers),
                combinations(variants.subList(userVariants, variants.size()), backgroundDialects, nBackground));
    }

    /**
     * The first {@code count} voices of the sequence that takes every variant once, then every
     * variant with the next dialect, and so on: all distinct while count <= variants x dialects.
     */
    private static List<Voice> combinations(List<String> variants, List<String> dialects, int count) {
        List<Voice> voices = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int variant = i % variants.size();
            int round = i / variants.size();
            voices.add(new Voice(dialects.get((variant + round) % dialects.size()), variants.get(variant)));
        }
        return voices;
    }

    /**
     * A speaker with a base pitch and speed drawn from {@code id}; when {@code others} already has
     * speakers of the same voice, redrawn (from the same stream) until the pitch is at least
     * {@value #MIN_SHARED_PITCH_GAP} from theirs, or the range is exhausted.
     */
    private Speaker speaker(String id, Voice voice, boolean isBackground, List<Speaker> others) {
        SplittableRandom random = random(config.seed(), id + "/base");
        List<Integer> taken = others.stream()
                .filter(o -> o.voice().equals(voice))
                .map(Speaker::basePitch)
                .toList();
        int pitch = BASE_PITCH_MIN + random.nextInt(BASE_PITCH_MAX - BASE_PITCH_MIN + 1);
        int speed = BASE_SPEED_MIN + random.nextInt(BASE_SPEED_MAX - BASE_SPEED_MIN + 1);
        for (int attempt = 0; attempt < 200 && tooClose(pitch, taken); attempt++) {
            pitch = BASE_PITCH_MIN + random.nextInt(BASE_PITCH_MAX - BASE_PITCH_MIN + 1);
        }
        return new Speaker(id, voice, pitch, speed, isBackground);
    }

    private static boolean tooClose(int pitch, List<Integer> taken) {
        return taken.stream().anyMatch(t -> Math.abs(t - pitch) < MIN_SHARED_PITCH_GAP);
    }

    /** Index 0: the users' voices; index 1: the background speakers'. */
    private static List<List<Voice>> poolVoices(Config config, List<Voice> userPool, List<Voice> backgroundPool) {
        List<Voice> users = drawFromPool(
                List.copyOf(userPool), config.users(), random(config.seed(), "pool/users"), Set.of(), "user");
        Set<String> userVariants = new HashSet<>();
        Set<Voice> userVoices = new HashSet<>(users);
        users.forEach(v -> userVariants.add(v.variant()));
        List<Voice> preferred = new ArrayList<>();
        List<Voice> rest = new ArrayList<>();
        for (Voice v : backgroundPool) {
            boolean shared =
                    v.engine() == Engine.ESPEAK_NG ? userVariants.contains(v.variant()) : userVoices.contains(v);
            (shared ? rest : preferred).add(v);
        }
        preferred.addAll(rest);
        List<Voice> background = drawFromPool(
                preferred,
                config.backgroundSpeakers(),
                random(config.seed(), "pool/background"),
                userVariants,
                "background");
        return List.of(users, background);
    }

    /**
     * {@code count} voices from {@code pool}: espeak-ng and other voices alternating (espeak-ng
     * first) when the pool has both; espeak-ng voices round-robin over the pool's variants in a
     * seeded order (variants in {@code avoidVariants} last), each variant through its dialects in
     * a seeded order; other voices cycling in pool order.
     */
    private static List<Voice> drawFromPool(
            List<Voice> pool, int count, SplittableRandom random, Set<String> avoidVariants, String role) {
        if (count == 0) {
            return List.of();
        }
        List<Voice> espeak = pool.stream()
                .filter(v -> v.engine() == Engine.ESPEAK_NG)
                .distinct()
                .toList();
        List<Voice> others = pool.stream()
                .filter(v -> v.engine() != Engine.ESPEAK_NG)
                .distinct()
                .toList();
        if (espeak.isEmpty() && others.isEmpty()) {
            throw new IllegalArgumentException(
                    "the " + role + " voice pool is empty but " + count + " " + role + " speakers were asked for");
        }
        Map<String, List<Voice>> byVariant = new LinkedHashMap<>();
        for (Voice v : espeak) {
            byVariant.computeIfAbsent(v.variant(), k -> new ArrayList<>()).add(v);
        }
        List<String> variants = shuffled(new ArrayList<>(byVariant.keySet()), random);
        List<String> ordered = new ArrayList<>(
                variants.stream().filter(v -> !avoidVariants.contains(v)).toList());
        ordered.addAll(variants.stream().filter(avoidVariants::contains).toList());
        Map<String, List<Voice>> dialectOrder = new LinkedHashMap<>();
        for (String variant : ordered) {
            dialectOrder.put(variant, shuffled(byVariant.get(variant), random));
        }
        List<Voice> espeakSequence = new ArrayList<>();
        for (int round = 0; espeakSequence.size() < espeak.size(); round++) {
            for (String variant : ordered) {
                List<Voice> dialects = dialectOrder.get(variant);
                if (round < dialects.size()) {
                    espeakSequence.add(dialects.get(round));
                }
            }
        }
        List<Voice> out = new ArrayList<>(count);
        int nextEspeak = 0;
        int nextOther = 0;
        for (int i = 0; i < count; i++) {
            boolean useEspeak = others.isEmpty() || (!espeak.isEmpty() && i % 2 == 0);
            if (useEspeak) {
                out.add(espeakSequence.get(nextEspeak++ % espeakSequence.size()));
            } else {
                out.add(others.get(nextOther++ % others.size()));
            }
        }
        return out;
    }

    private List<ClipSpec> planUser(Speaker speaker) {
        Set<SynthRequest> used = new HashSet<>();
        List<ClipSpec> stream = new ArrayList<>();
        stream.addAll(planSplit(speaker, Split.TRAIN, config.trainPositives(), config.trainNegatives(), used));
        stream.addAll(planSplit(speaker, Split.HOLDOUT, config.holdoutPositives(), config.holdoutNegatives(), used));
        return List.copyOf(stream);
    }

    private List<ClipSpec> planBackground(Speaker speaker) {
        return planSplit(
                speaker, Split.TRAIN, 0, config.backgroundClips(), new HashSet<>(), config.backgroundNearMissShare());
    }

    private List<ClipSpec> planSplit(
            Speaker speaker, Split split, int positives, int negatives, Set<SynthRequest> used) {
        return planSplit(speaker, split, positives, negatives, used, Phrases.MAX_NEAR_MISS_SHARE);
    }

    private List<ClipSpec> planSplit(
            Speaker speaker, Split split, int positives, int negatives, Set<SynthRequest> used, double nearMissShare) {
        String prefix = speaker.id() + "/" + split.name().toLowerCase(Locale.ROOT);
        List<Draft> pos = drafts(speaker, prefix + "/positive", true, positiveTexts(prefix, positives), used);
        List<Draft> neg =
                drafts(speaker, prefix + "/negative", false, negativeTexts(prefix, negatives, nearMissShare), used);
        SplittableRandom order = random(config.seed(), prefix + "/order");
        pos = shuffled(pos, order);
        neg = shuffled(neg, order);
        boolean positiveFirst = order.nextBoolean();
        List<Draft> interleaved = new ArrayList<>(pos.size() + neg.size());
        for (int i = 0; i < Math.max(pos.size(), neg.size()); i++) {
            List<Draft> first = positiveFirst ? pos : neg;
            List<Draft> second = positiveFirst ? neg : pos;
            if (i < first.size()) {
                interleaved.add(first.get(i));
            }
            if (i < second.size()) {
                interleaved.add(second.get(i));
            }
        }
        List<ClipSpec> specs = new ArrayList<>(interleaved.size());
        for (int i = 0; i < interleaved.size(); i++) {
            Draft d = interleaved.get(i);
            specs.add(new ClipSpec(
                    speaker.id(),
                    String.format(Locale.ROOT, "%s/%03d", prefix, i),
                    d.positive(),
                    split,
                    d.request(),
                    d.assemblySeed()));
        }
        return List.copyOf(specs);
    }

    private List<String> positiveTexts(String prefix, int count) {
        return cycle(shuffled(Phrases.POSITIVE, random(config.seed(), prefix + "/positive-texts")), count);
    }

    private List<String> negativeTexts(String prefix, int count, double nearMissShare) {
        SplittableRandom random = random(config.seed(), prefix + "/negative-texts");
        int nearMisses = (int) Math.floor(count * nearMissShare);
        List<String> texts = new ArrayList<>(cycle(shuffled(Phrases.NEAR_MISS, random), nearMisses));
        texts.addAll(cycle(shuffled(Phrases.EVERYDAY, random), count - nearMisses));
        return texts;
    }

    private record Draft(boolean positive, SynthRequest request, long assemblySeed) {}

    private List<Draft> drafts(
            Speaker speaker, String label, boolean positive, List<String> texts, Set<SynthRequest> used) {
        SplittableRandom random = random(config.seed(), label);
        List<Draft> drafts = new ArrayList<>(texts.size());
        for (String text : texts) {
            for (int attempt = 0; ; attempt++) {
                SynthRequest request =
                        jittered(text, speaker.voice(), speaker.basePitch(), speaker.baseSpeedWpm(), random);
                long assemblySeed = random.nextLong();
                if (used.add(request)) {
                    drafts.add(new Draft(positive, request, assemblySeed));
                    break;
                }
                if (attempt > 1000) {
                    throw new IllegalStateException("cannot draw distinct synthesis parameters for " + label);
                }
            }
        }
        return drafts;
    }

    /**
     * {@code text} in {@code voice} with the kit's per-clip variation around the voice's base:
     * pitch +-{@value #PITCH_JITTER} (within 0-99), speed +-{@value #SPEED_JITTER} wpm (within
     * 80-450) and tempo in [{@value #TEMPO_MIN}, {@value #TEMPO_MAX}], drawn from {@code random} in
     * that order, at the kit's amplitude.
     */
    public static SynthRequest jittered(
            String text, Voice voice, int basePitch, int baseSpeedWpm, SplittableRandom random) {
        return SynthRequest.jittered(text, voice, basePitch, baseSpeedWpm, random);
    }

    private static <T> List<T> cycle(List<T> items, int count) {
        List<T> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(items.get(i % items.size()));
        }
        return out;
    }

    /** Fisher-Yates on a {@link SplittableRandom} ({@link Collections#shuffle} takes only a {@code java.util.Random}). */
    private static <T> List<T> shuffled(List<T> items, SplittableRandom random) {
        List<T> out = new ArrayList<>(items);
        for (int i = out.size() - 1; i > 0; i--) {
            Collections.swap(out, i, random.nextInt(i + 1));
        }
        return out;
    }

    /** An independent random stream for {@code label}: the first 8 bytes of SHA-256(seed, label). */
    static SplittableRandom random(long seed, String label) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
            sha.update(label.getBytes(StandardCharsets.UTF_8));
            return new SplittableRandom(ByteBuffer.wrap(sha.digest()).getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
