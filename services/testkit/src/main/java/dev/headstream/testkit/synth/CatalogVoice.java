package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.Voice;
import java.util.Locale;
import java.util.Objects;

/**
 * A voice of the {@link VoiceCatalog}: which speaker it is, which part it belongs to, and the
 * base pitch and speed its speech jitters around.
 *
 * @param voice        the engine and voice
 * @param group        the speaker identity ({@code kal}, {@code slt}, {@code espeak-ng:f2}); voices of one
 *                     group are the same speaker and always share a part
 * @param part         the part the group belongs to
 * @param basePitch    base pitch in {@link SynthRequest} units (50 = the voice's own for flite and Festival)
 * @param baseSpeedWpm base speed in {@link SynthRequest} units (175 = the voice's own for flite and Festival)
 */
public record CatalogVoice(Voice voice, String group, Part part, int basePitch, int baseSpeedWpm) {

    public CatalogVoice {
        Objects.requireNonNull(voice, "voice");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(part, "part");
    }

    /** The engine of {@link #voice()}. */
    public Engine engine() {
        return voice.engine();
    }

    /** One manifest line: {@code TRAIN espeak-ng:en-us+f2 group=espeak-ng:f2 pitch=45 speed=160}. */
    public String describe() {
        return String.format(
                Locale.ROOT, "%s %s group=%s pitch=%d speed=%d", part, voice.id(), group, basePitch, baseSpeedWpm);
    }
}
