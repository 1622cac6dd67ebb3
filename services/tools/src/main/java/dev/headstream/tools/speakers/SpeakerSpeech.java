package dev.headstream.tools.speakers;

import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.speech.ClipAssembler;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import dev.headstream.testkit.synth.CatalogVoice;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.Phrases;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.testkit.synth.VoiceCatalog;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The speech of speaker households: who may speak (speaker groups of a {@link VoiceCatalog} part),
 * what each clip says and how (the synthetic kit's per-clip pitch, speed and tempo jitter around
 * the voice's base, and {@link ClipAssembler}'s placement, level and noise), and the clips rendered
 * and embedded as the service embeds a sample (the streaming front end, each clip alone), with the
 * front end's mel frames kept beside the embeddings.
 */
public final class SpeakerSpeech {

    /** Ordinary phrases a speaker says: everyday phrases and wake-word carriers alike. */
    public static final List<String> TEXTS = texts();

    /**
     * A clip to render.
     *
     * @param key          unique id, {@code h3-01/espeak-ng:f3/enroll/04}
     * @param group        the speaker group
     * @param request      what the synthesizer says, and how
     * @param assemblySeed placement, level and noise seed
     */
    public record PlannedClip(String key, String group, SynthRequest request, long assemblySeed) {}

    /**
     * A rendered, embedded clip.
     *
     * @param clip        its plan
     * @param embeddings  the streaming front end's embeddings
     * @param speechStart first sample holding speech
     * @param speechEnd   one past the last
     * @param mel         the streaming front end's log-mel frames that the embeddings were computed
     *                    from ({@link WakeWordBackbone#melFrames(short[])}: {@code 32} floats a frame,
     *                    scaled, each 80 ms step through the mel model on its own)
     */
    public record EmbeddedClip(
            PlannedClip clip, EmbeddingSequence embeddings, int speechStart, int speechEnd, float[] mel) {}

    /** Clips synthesized ahead of the embedding, at most. */
    private static final int BATCH = 64;

    private SpeakerSpeech() {}

    /** The speaker groups of {@code part}, each with its voices, in catalog order. */
    public static Map<String, List<CatalogVoice>> groups(VoiceCatalog catalog, Part part) {
        Map<String, List<CatalogVoice>> groups = new LinkedHashMap<>();
        for (CatalogVoice v : catalog.voices(part)) {
            groups.computeIfAbsent(v.group(), g -> new ArrayList<>()).add(v);
        }
        return groups;
    }

    /**
     * One member's clips in one household: one voice of the group (one accent: for espeak-ng one
     * dialect, drawn from the label), {@code enroll} then {@code test} clips with distinct texts
     * and distinct synthesis parameters.
     *
     * @throws IllegalArgumentException if {@code enroll + test} exceeds the {@link #TEXTS}
     */
    public static List<PlannedClip> member(
            long seed, String household, String group, List<CatalogVoice> voices, int enroll, int test) {
        if (enroll + test > TEXTS.size()) {
            throw new IllegalArgumentException(enroll + " enrollment and " + test + " held-out clips need "
                    + (enroll + test) + " distinct texts; there are " + TEXTS.size());
        }
        String label = household + "/" + group;
        SplittableRandom random = KeyedRandom.of(seed, label);
        CatalogVoice voice = voices.get(random.nextInt(voices.size()));
        List<String> texts = KeyedRandom.shuffled(TEXTS, random);
        List<PlannedClip> out = new ArrayList<>(enroll + test);
        Set<SynthRequest> used = new HashSet<>();
        for (int i = 0; i < enroll + test; i++) {
            String role = i < enroll ? "enroll" : "test";
            int index = i < enroll ? i : i - enroll;
            out.add(clip(
                    String.format(Locale.ROOT, "%s/%s/%02d", label, role, index), voice, texts.get(i), random, used));
        }
        return out;
    }

    /**
     * Outside voices' clips: {@code perGroup} clips of every group, cycling over each group's
     * voices (its dialects, or its engines), a text and parameters drawn per clip.
     */
    public static List<PlannedClip> outside(long seed, Map<String, List<CatalogVoice>> groups, int perGroup) {
        List<PlannedClip> out = new ArrayList<>();
        for (Map.Entry<String, List<CatalogVoice>> g : groups.entrySet()) {
            SplittableRandom random = KeyedRandom.of(seed, "outside/" + g.getKey());
            List<CatalogVoice> voices = KeyedRandom.shuffled(g.getValue(), random);
            Set<SynthRequest> used = new HashSet<>();
            for (int i = 0; i < perGroup; i++) {
                out.add(clip(
                        String.format(Locale.ROOT, "outside/%s/%02d", g.getKey(), i),
                        voices.get(i % voices.size()),
                        TEXTS.get(random.nextInt(TEXTS.size())),
                        random,
                        used));
            }
        }
        return out;
    }

    /**
     * Clips of speakers outside every household and every outside voice (the bank's training or
     * calibration voices), to learn representation transforms from or to calibrate on, keyed
     * {@code <role>/<group>/NN}: {@code perGroup} clips per group, cycling over its voices
     * (dialects), each with a drawn text and parameters.
     */
    public static List<PlannedClip> training(
            long seed, String role, Map<String, List<CatalogVoice>> groups, int perGroup) {
        List<PlannedClip> out = new ArrayList<>();
        for (Map.Entry<String, List<CatalogVoice>> g : groups.entrySet()) {
            SplittableRandom random = KeyedRandom.of(seed, role + "/" + g.getKey());
            List<CatalogVoice> voices = KeyedRandom.shuffled(g.getValue(), random);
            Set<SynthRequest> used = new HashSet<>();
            for (int i = 0; i < perGroup; i++) {
                out.add(clip(
                        String.format(Locale.ROOT, "%s/%s/%02d", role, g.getKey(), i),
                        voices.get(i % voices.size()),
                        TEXTS.get(random.nextInt(TEXTS.size())),
                        random,
                        used));
            }
        }
        return out;
    }

    private static PlannedClip clip(
            String key, CatalogVoice voice, String text, SplittableRandom random, Set<SynthRequest> used) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int pitch = Math.max(
                    0,
                    Math.min(
                            99,
                            voice.basePitch()
                                    + random.nextInt(-SyntheticUsers.PITCH_JITTER, SyntheticUsers.PITCH_JITTER + 1)));
            int speed = Math.max(
                    80,
                    voice.baseSpeedWpm()
                            + random.nextInt(-SyntheticUsers.SPEED_JITTER, SyntheticUsers.SPEED_JITTER + 1));
            double tempo = Math.round((SyntheticUsers.TEMPO_MIN
                                    + (SyntheticUsers.TEMPO_MAX - SyntheticUsers.TEMPO_MIN) * random.nextDouble())
                            * 1000)
                    / 1000.0;
            long assemblySeed = random.nextLong();
            SynthRequest request = new SynthRequest(text, voice.voice(), pitch, speed, SyntheticUsers.AMPLITUDE, tempo);
            if (used.add(request)) {
                return new PlannedClip(key, voice.group(), request, assemblySeed);
            }
        }
        throw new IllegalStateException("cannot draw distinct synthesis parameters for " + key);
    }

    /**
     * Renders and embeds {@code clips}: synthesis on {@code threads} threads, then each clip
     * assembled and embedded alone on the calling thread; {@code progress} gets a line every
     * {@code every} clips. The result is in {@code clips}' order and does not depend on {@code threads}.
     */
    public static List<EmbeddedClip> render(
            List<PlannedClip> clips,
            Synthesizer synth,
            ClipAssembler assembler,
            WakeWordBackbone backbone,
            int threads,
            int every,
            Consumer<String> progress) {
        List<EmbeddedClip> out = new ArrayList<>(clips.size());
        assembleEach(clips, synth, assembler, threads, every, "rendered and embedded", progress, (c, clip) -> {
            EmbeddingSequence seq = backbone.embed(
                            List.of(new BackboneInput.Audio(WakeWordBackbone.SAMPLE_RATE_HZ, clip.pcm())))
                    .get(0);
            float[] mel = backbone.melFrames(clip.pcm());
            out.add(new EmbeddedClip(c, seq, clip.speechStart(), clip.speechEnd(), mel));
        });
        return out;
    }

    /**
     * Synthesizes {@code clips} on {@code threads} threads, at most {@value #BATCH} ahead, and hands
     * each, assembled, to {@code each} on the calling thread in {@code clips}' order (so what
     * {@code each} makes does not depend on {@code threads}); {@code progress} gets a line every
     * {@code every} clips and after the last, saying they were {@code done}.
     *
     * @throws IllegalStateException if a clip cannot be synthesized, naming it, or if interrupted
     */
    public static void assembleEach(
            List<PlannedClip> clips,
            Synthesizer synth,
            ClipAssembler assembler,
            int threads,
            int every,
            String done,
            Consumer<String> progress,
            BiConsumer<PlannedClip, ClipAssembler.Clip> each) {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "speaker-synth");
            t.setDaemon(true);
            return t;
        });
        try {
            long start = System.nanoTime();
            for (int from = 0; from < clips.size(); from += BATCH) {
                List<PlannedClip> batch = clips.subList(from, Math.min(clips.size(), from + BATCH));
                List<Future<short[]>> speech = new ArrayList<>(batch.size());
                for (PlannedClip c : batch) {
                    speech.add(pool.submit(() -> synth.synthesize(c.request())));
                }
                for (int j = 0; j < batch.size(); j++) {
                    PlannedClip c = batch.get(j);
                    short[] pcm;
                    try {
                        pcm = speech.get(j).get();
                    } catch (ExecutionException e) {
                        throw new IllegalStateException(
                                "cannot synthesize " + c.key() + " ("
                                        + c.request().canonical() + ")",
                                e.getCause());
                    }
                    each.accept(c, assembler.assemble(pcm, c.assemblySeed()));
                    int count = from + j + 1;
                    if (count % every == 0 || count == clips.size()) {
                        progress.accept(String.format(
                                Locale.ROOT,
                                "clips %d / %d %s (%.0f s)",
                                count,
                                clips.size(),
                                done,
                                (System.nanoTime() - start) / 1e9));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering speaker clips", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<String> texts() {
        List<String> t = new ArrayList<>(Phrases.EVERYDAY);
        t.addAll(Phrases.POSITIVE);
        return List.copyOf(t);
    }
}
