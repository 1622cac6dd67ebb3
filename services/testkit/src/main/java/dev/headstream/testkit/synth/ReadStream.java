package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.SynthRequest;
import java.util.List;
import java.util.Objects;

/**
 * A rendered read-speech stream.
 *
 * @param spec       what was rendered
 * @param pcm        16 kHz mono int16, {@link StreamSpec#samples()} long; shared, do not modify
 * @param utterances where each utterance lies, in order (the last may be cut by the stream end)
 * @param channel    the room, band, noise and level applied
 */
public record ReadStream(StreamSpec spec, short[] pcm, List<Utterance> utterances, StreamChannel channel) {

    public ReadStream {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(pcm, "pcm");
        utterances = List.copyOf(utterances);
        Objects.requireNonNull(channel, "channel");
    }

    /**
     * One utterance of a stream.
     *
     * @param request the synthesis request (text, voice, jittered pitch and speed)
     * @param start   first sample of its (silence-trimmed) speech in the stream
     * @param end     one past its last sample in the stream
     * @param gainDb  its level relative to the stream's {@link StreamChannel#levelDbfs()}
     */
    public record Utterance(SynthRequest request, int start, int end, double gainDb) {}
}
