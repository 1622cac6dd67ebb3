package dev.headstream.runtime.speech;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link SynthRequest} into speech: 16 kHz, mono, signed 16-bit samples.
 *
 * <p>Implementations must be deterministic (equal requests give equal samples, whether asked
 * one by one or in a batch) and safe to call from several threads at once.
 */
public interface Synthesizer {

    /** Output sample rate of every synthesizer, in Hz. */
    int SAMPLE_RATE = 16_000;

    /**
     * Synthesizes one utterance.
     *
     * @return the samples at {@link #SAMPLE_RATE}, never empty
     * @throws IllegalStateException when the synthesis could not be done
     * @throws IllegalArgumentException when this synthesizer cannot speak the request's voice
     */
    short[] synthesize(SynthRequest request);

    /**
     * Synthesizes several utterances; element {@code i} of the result is what
     * {@code synthesize(requests.get(i))} returns. Engines with a costly start (Festival) override
     * this to make them in one run; the default asks one by one.
     */
    default List<short[]> synthesizeAll(List<SynthRequest> requests) {
        List<short[]> out = new ArrayList<>(requests.size());
        for (SynthRequest request : requests) {
            out.add(synthesize(request));
        }
        return out;
    }

    /**
     * Identifies the engine and everything besides the request that shapes its output (tool
     * versions, output format), so that a cache never serves audio made by another engine.
     */
    String identity();

    /**
     * The part of {@link #identity()} that shapes {@code request}'s audio: a synthesizer that
     * speaks several engines answers with the one engine the request's voice needs, so that
     * a cache key does not change when another engine is upgraded (or missing).
     */
    default String identityFor(SynthRequest request) {
        return identity();
    }
}
