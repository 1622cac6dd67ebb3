package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.SynthRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The sox effects that apply a {@link SynthRequest}'s prosody where the engine cannot. Stateless. */
final class SoxProsody {

    private SoxProsody() {}

    /** {@code pitch CENTS}: the request's {@link SynthRequest#pitchSemitones()} times 100. */
    static List<String> pitch(SynthRequest request) {
        return List.of("pitch", String.format(Locale.ROOT, "%.0f", request.pitchSemitones() * 100));
    }

    /**
     * {@code tempo -s T} when the tempo is not 1 and {@code vol A/100} when the amplitude is not
     * {@link SynthRequest#REFERENCE_AMPLITUDE}; for engines without an amplitude of their own.
     */
    static List<String> tempoAndLevel(SynthRequest request) {
        List<String> effects = new ArrayList<>();
        if (request.tempo() != 1.0) {
            effects.addAll(List.of("tempo", "-s", request.tempoArgument()));
        }
        if (request.amplitude() != SynthRequest.REFERENCE_AMPLITUDE) {
            effects.addAll(List.of("vol", String.format(Locale.ROOT, "%.2f", request.amplitude() / 100.0)));
        }
        return effects;
    }
}
