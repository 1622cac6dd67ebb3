package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import java.util.concurrent.atomic.AtomicInteger;

/** A fast, deterministic stand-in for espeak-ng: a tone burst shaped by the request, with silence around it. */
final class FakeSynthesizer implements Synthesizer {

    static final int PADDING = 1_600;

    final AtomicInteger calls = new AtomicInteger();

    @Override
    public short[] synthesize(SynthRequest request) {
        calls.incrementAndGet();
        int speech = (int) (request.text().length() * 1_000 / request.tempo());
        short[] pcm = new short[PADDING + speech + PADDING];
        double frequency =
                100 + 3 * request.pitch() + request.voice().espeakName().length();
        for (int i = 0; i < speech; i++) {
            double envelope = Math.sin(Math.PI * (i + 0.5) / speech);
            pcm[PADDING + i] =
                    (short) Math.round(12_000 * envelope * Math.sin(2 * Math.PI * frequency * i / SAMPLE_RATE));
        }
        return pcm;
    }

    @Override
    public String identity() {
        return "fake-tone-v1";
    }
}
