package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.Voice;
import java.util.Objects;

/**
 * One synthetic speaker: a voice plus the base pitch and speed that every clip of the speaker
 * jitters around.
 *
 * @param id           {@code user-03} for users, {@code bg-02} for background speakers
 * @param voice        engine and voice (for espeak-ng with its variant), unique within a population where the pools allow
 * @param basePitch    espeak-ng pitch, 0-99
 * @param baseSpeedWpm espeak-ng speed, words per minute
 * @param background   true for a background speaker (negative phrases only, never a user)
 */
public record Speaker(String id, Voice voice, int basePitch, int baseSpeedWpm, boolean background) {

    public Speaker {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(voice, "voice");
    }
}
