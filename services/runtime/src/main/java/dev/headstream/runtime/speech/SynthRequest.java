package dev.headstream.runtime.speech;

import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Everything that determines one synthesized utterance. Two equal requests give the same
 * audio from the same tools, which is what {@code CachingSynthesizer} (test kit) relies on.
 *
 * <p>Pitch, speed and amplitude are in espeak-ng's units for every engine. espeak-ng takes them
 * as they are ({@code -p}, {@code -s}, {@code -a}); flite and Festival read them relative to the
 * voice's own delivery, which is what espeak-ng's defaults (pitch 50, 175 wpm, amplitude 100)
 * stand for: the speaking rate is multiplied by {@link #rateFactor()} ({@code speedWpm / 175}),
 * the pitch is shifted by {@link #pitchSemitones()} (a quarter semitone per step away from 50, so
 * 30-70 spans -5 to +5 semitones) and the level is scaled by {@code amplitude / 100} (sox
 * {@code vol}). How each engine applies them is written on {@code FliteSynth} (test kit) and
 * {@code FestivalSynth} (test kit).
 *
 * @param text      what is said; plain text, no SSML, must not start with {@code -}
 * @param voice     the engine and voice (and, for espeak-ng, the variant)
 * @param pitch     espeak-ng pitch, 0-99 (espeak-ng's default is 50)
 * @param speedWpm  espeak-ng speed in words per minute, 80-450 (espeak-ng's default is 175)
 * @param amplitude espeak-ng amplitude, 1-200 (espeak-ng's default is 100; some variants clip there)
 * @param tempo     sox {@code tempo -s} factor, 0.5-2.0; 1.0 leaves the duration alone
 */
public record SynthRequest(String text, Voice voice, int pitch, int speedWpm, int amplitude, double tempo) {

    /** The speed that stands for a flite or Festival voice's own rate. */
    public static final int REFERENCE_SPEED_WPM = 175;
    /** The pitch that stands for a flite or Festival voice's own pitch. */
    public static final int REFERENCE_PITCH = 50;
    /** The amplitude that leaves a flite or Festival voice's level alone. */
    public static final int REFERENCE_AMPLITUDE = 100;

    public SynthRequest {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(voice, "voice");
        if (text.isBlank() || text.length() > 500) {
            throw new IllegalArgumentException("text must be 1-500 characters and not blank: '" + text + "'");
        }
        if (text.startsWith("-") || text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(
                    "text must not start with '-' or hold control characters: '" + text + "'");
        }
        if (pitch < 0 || pitch > 99) {
            throw new IllegalArgumentException("pitch must be 0-99, was " + pitch);
        }
        if (speedWpm < 80 || speedWpm > 450) {
            throw new IllegalArgumentException("speed must be 80-450 wpm, was " + speedWpm);
        }
        if (amplitude < 1 || amplitude > 200) {
            throw new IllegalArgumentException("amplitude must be 1-200, was " + amplitude);
        }
        if (!(tempo >= 0.5 && tempo <= 2.0)) {
            throw new IllegalArgumentException("tempo must be 0.5-2.0, was " + tempo);
        }
    }

    /** The tempo as passed to sox (three decimals), so that the cache key and the command agree. */
    public String tempoArgument() {
        return String.format(Locale.ROOT, "%.3f", tempo);
    }

    /** Speaking rate relative to a flite or Festival voice's own: {@code speedWpm / 175}; above 1 is faster. */
    public double rateFactor() {
        return (double) speedWpm / REFERENCE_SPEED_WPM;
    }

    /** Pitch shift relative to a flite or Festival voice's own, in semitones: {@code (pitch - 50) / 4}. */
    public double pitchSemitones() {
        return (pitch - REFERENCE_PITCH) / 4.0;
    }

    /** {@link #pitchSemitones()} as a frequency ratio, {@code 2^(semitones / 12)}. */
    public double pitchFactor() {
        return StrictMath.pow(2, pitchSemitones() / 12);
    }

    /** A canonical, unambiguous one-line description of every parameter; the cache key hashes it. */
    public String canonical() {
        return "voice=" + voice
                + ";pitch=" + pitch
                + ";speed=" + speedWpm
                + ";amplitude=" + amplitude
                + ";tempo=" + tempoArgument()
                + ";text=" + text;
    }

    /** espeak-ng amplitude of a {@link #jittered} request; espeak-ng's default of 100 clips some variants. */
    public static final int JITTER_AMPLITUDE = 60;

    /** Pitch jitter of a {@link #jittered} request around the base pitch, +-. */
    public static final int PITCH_JITTER = 8;

    /** Speed jitter of a {@link #jittered} request around the base speed, +- wpm. */
    public static final int SPEED_JITTER = 15;

    /** Lower end of the sox tempo of a {@link #jittered} request. */
    public static final double TEMPO_MIN = 0.9;

    /** Upper end of the sox tempo of a {@link #jittered} request. */
    public static final double TEMPO_MAX = 1.1;

    /**
     * {@code text} in {@code voice} with per-clip variation around the voice's base: pitch
     * +-{@value #PITCH_JITTER} (within 0-99), speed +-{@value #SPEED_JITTER} wpm (within 80-450)
     * and tempo in [{@value #TEMPO_MIN}, {@value #TEMPO_MAX}] (to 3 decimals), drawn from
     * {@code random} in that order, at amplitude {@value #JITTER_AMPLITUDE}.
     */
    public static SynthRequest jittered(
            String text, Voice voice, int basePitch, int baseSpeedWpm, SplittableRandom random) {
        int pitch = Math.max(0, Math.min(99, basePitch + random.nextInt(-PITCH_JITTER, PITCH_JITTER + 1)));
        int speed = Math.max(80, Math.min(450, baseSpeedWpm + random.nextInt(-SPEED_JITTER, SPEED_JITTER + 1)));
        double tempo = Math.round((TEMPO_MIN + (TEMPO_MAX - TEMPO_MIN) * random.nextDouble()) * 1000) / 1000.0;
        return new SynthRequest(text, voice, pitch, speed, JITTER_AMPLITUDE, tempo);
    }
}
