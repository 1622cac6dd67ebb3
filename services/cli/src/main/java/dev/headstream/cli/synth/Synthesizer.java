package dev.headstream.cli.synth;

/**
 * Turns a {@link SynthRequest} into speech: 16 kHz, mono, signed 16-bit samples.
 *
 * <p>Implementations must be deterministic (equal requests give equal samples) and safe to
 * call from several threads at once.
 */
public interface Synthesizer {

    /** Output sample rate of every synthesizer, in Hz. */
    int SAMPLE_RATE = 16_000;

    /**
     * Synthesizes one utterance.
     *
     * @return the samples at {@link #SAMPLE_RATE}, never empty
     * @throws IllegalStateException when the synthesis could not be done
     */
    short[] synthesize(SynthRequest request);

    /**
     * Identifies the engine and everything besides the request that shapes its output (tool
     * versions, output format), so that a cache never serves audio made by another engine.
     */
    String identity();
}
