package dev.headstream.cli.synth;

import java.util.Locale;
import java.util.Objects;

/**
 * Everything that determines one synthesized utterance. Two equal requests give the same
 * audio from the same tools, which is what {@link CachingSynthesizer} relies on.
 *
 * @param text      what is said; plain text, no SSML, must not start with {@code -}
 * @param voice     the espeak-ng voice and variant
 * @param pitch     espeak-ng pitch, 0-99 (espeak-ng's default is 50)
 * @param speedWpm  espeak-ng speed in words per minute, 80-450
 * @param amplitude espeak-ng amplitude, 1-200 (espeak-ng's default is 100; some variants clip there)
 * @param tempo     sox {@code tempo -s} factor, 0.5-2.0; 1.0 leaves the duration alone
 */
public record SynthRequest(String text, Voice voice, int pitch, int speedWpm, int amplitude, double tempo) {

    public SynthRequest {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(voice, "voice");
        if (text.isBlank() || text.length() > 500) {
            throw new IllegalArgumentException("text must be 1-500 characters and not blank: '" + text + "'");
        }
        if (text.startsWith("-") || text.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("text must not start with '-' or hold control characters: '" + text + "'");
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

    /** A canonical, unambiguous one-line description of every parameter; the cache key hashes it. */
    public String canonical() {
        return "voice=" + voice.espeakName()
                + ";pitch=" + pitch
                + ";speed=" + speedWpm
                + ";amplitude=" + amplitude
                + ";tempo=" + tempoArgument()
                + ";text=" + text;
    }
}
