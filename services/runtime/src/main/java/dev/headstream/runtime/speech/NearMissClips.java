package dev.headstream.runtime.speech;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The near-miss negatives of a wake phrase, synthesized: {@code count} clips of phrases one phoneme
 * away ({@link NearMisses#variants}), spoken by espeak-ng voices, each placed in a clip as a user's
 * clip is ({@link ClipAssembler}, default settings: 2.5 s, the speech ending in the last 30 %,
 * -6 dBFS +-3, noise at 20-40 dB SNR).
 *
 * <p>Clip {@code i} says variant {@code i mod variants} in voice {@code i mod voices}, at pitch 50 +-8,
 * speed 175 +-15 wpm, tempo 0.9-1.1 and amplitude 60, drawn with {@code seed}; placement and noise
 * are drawn with {@code seed} too. The same phrase, count, seed, voices and tools give the same
 * samples (espeak-ng and sox are run with dither off; {@link #identity} names the tools' versions).
 *
 * <p>Thread-safe: holds only immutable settings.
 */
public final class NearMissClips {

    /** The clips' sample rate (Hz). */
    public static final int SAMPLE_RATE = 16_000;

    /** The base pitch and speed near misses are jittered around (espeak-ng's defaults). */
    static final int PITCH = SynthRequest.REFERENCE_PITCH;

    static final int SPEED_WPM = SynthRequest.REFERENCE_SPEED_WPM;

    /** The near misses of one phrase: the phrase's phonemes, the strings spoken, one clip's 16 kHz PCM per clip. */
    public record Synthesized(String phrase, String phonemes, List<String> strings, List<short[]> clips) {}

    private final Synthesizer synth;
    private final ClipAssembler assembler;

    /** Near misses spoken by {@code synth}, placed by an assembler with the default settings. */
    public NearMissClips(Synthesizer synth) {
        this.synth = Objects.requireNonNull(synth, "synth");
        this.assembler = new ClipAssembler(ClipAssembler.Settings.defaults());
    }

    /** The synthesizer's identity (its tools and versions). */
    public String identity() {
        return synth.identity();
    }

    /**
     * {@code count} near-miss clips of {@code phrase}.
     *
     * @param voices espeak-ng voice names ({@code en-us+m1}, ...), at least one
     * @throws IllegalArgumentException if the phrase is not speakable, has no near miss, or a voice is not espeak-ng's
     * @throws IllegalStateException    if espeak-ng or sox fails (the message names the command)
     */
    /**
     * {@code voices} as the espeak-ng voices that speak near misses.
     *
     * @param installed also check that this machine's espeak-ng has each (it would speak an unknown
     *                  voice in its default one without a word)
     * @throws IllegalArgumentException if there is none, one is not an espeak-ng voice, or (with
     *                                  {@code installed}) espeak-ng here lacks one
     */
    public static List<Voice> espeakVoices(List<String> voices, boolean installed) {
        if (voices.isEmpty()) {
            throw new IllegalArgumentException("near misses need at least one voice");
        }
        List<Voice> parsed = new ArrayList<>();
        for (String v : voices) {
            Voice voice = Voice.parse(v);
            if (voice.engine() != Engine.ESPEAK_NG) {
                throw new IllegalArgumentException(
                        "near misses are spoken as espeak-ng phoneme input: '" + v + "' is not an espeak-ng voice");
            }
            parsed.add(voice);
        }
        if (installed) {
            SpeechTools.EspeakVoices known = SpeechTools.espeakVoices();
            for (Voice voice : parsed) {
                if (!known.has(voice)) {
                    throw new IllegalArgumentException("espeak-ng here has no voice '" + voice.espeakName()
                            + "' (languages: espeak-ng --voices; variants: espeak-ng --voices=variant)");
                }
            }
        }
        return parsed;
    }

    public Synthesized synthesize(String phrase, int count, long seed, List<String> voices) {
        if (count < 1) {
            throw new IllegalArgumentException("near-miss count must be at least 1, was " + count);
        }
        List<Voice> parsed = espeakVoices(voices, synth instanceof SpeechSynth);
        String phonemes = NearMisses.phonemesOf(phrase, new Voice("en-us", ""));
        List<String> strings = NearMisses.variants(phonemes, count, seed);
        if (strings.isEmpty()) {
            throw new IllegalArgumentException(
                    "'" + phrase + "' (" + phonemes + ") has no phoneme that has a near miss");
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<short[]> clips = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SynthRequest request = SynthRequest.jittered(
                    NearMisses.speakable(strings.get(i % strings.size())),
                    parsed.get(i % parsed.size()),
                    PITCH,
                    SPEED_WPM,
                    random);
            short[] speech = synth.synthesize(request);
            try {
                clips.add(assembler.assemble(speech, random.nextLong()).pcm());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                        String.format(Locale.ROOT, "near miss %d of '%s' (%s) came out silent", i, phrase, request), e);
            }
        }
        return new Synthesized(phrase, phonemes, strings, List.copyOf(clips));
    }
}
