package dev.headstream.runtime.speech;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Synthesizes speech with the {@code espeak-ng} and {@code sox} command line tools (Debian
 * packages {@code espeak-ng} and {@code sox}).
 *
 * <p>Per request: {@code espeak-ng -w speech.wav} (22,050 Hz), then {@code sox} resamples to
 * 16 kHz mono signed 16-bit little-endian raw PCM, applying {@code tempo -s} when the request's
 * tempo is not 1, with dither off so that the output is bit-for-bit repeatable. Every process
 * runs under a timeout; each call works in its own temporary directory, deleted afterwards.
 * Speaks espeak-ng voices only: {@code MultiEngineSynth} (test kit) adds flite and Festival.
 *
 * <p>Thread-safe: instances hold only immutable configuration and the {@link #identity()} once
 * it is known (in a volatile field), so any number of threads may call {@link #synthesize} at once.
 */
public final class SpeechSynth implements Synthesizer {

    /** Default timeout of one tool invocation. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final EngineTools tools;

    /** Uses {@code espeak-ng} and {@code sox} from the {@code PATH}, the default timeout and the system temp dir. */
    public SpeechSynth() {
        this("espeak-ng", "sox", DEFAULT_TIMEOUT, null);
    }

    /**
     * @param espeakCommand the espeak-ng executable (name on the {@code PATH} or a path)
     * @param soxCommand    the sox executable (name on the {@code PATH} or a path)
     * @param timeout       the longest one tool invocation may run before it is killed
     * @param tempRoot      where per-call temporary directories go; {@code null} for the system default
     */
    public SpeechSynth(String espeakCommand, String soxCommand, Duration timeout, Path tempRoot) {
        this.tools = new EngineTools(
                "espeak-ng",
                Objects.requireNonNull(espeakCommand, "espeakCommand"),
                soxCommand,
                timeout,
                tempRoot,
                Set.of(0),
                "");
    }

    @Override
    public short[] synthesize(SynthRequest request) {
        Objects.requireNonNull(request, "request");
        if (request.voice().engine() != Engine.ESPEAK_NG) {
            throw new IllegalArgumentException("SpeechSynth speaks espeak-ng voices only, not "
                    + request.voice().id() + "; use MultiEngineSynth");
        }
        return tools.synthesize(
                wav -> List.of(
                        "-v", request.voice().espeakName(),
                        "-p", Integer.toString(request.pitch()),
                        "-s", Integer.toString(request.speedWpm()),
                        "-a", Integer.toString(request.amplitude()),
                        "-w", wav.toString(),
                        "--", request.text()),
                request.tempo() != 1.0 ? List.of("tempo", "-s", request.tempoArgument()) : List.of(),
                request);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Runs {@code espeak-ng --version} and {@code sox --version} once (so this is also a
     * cheap check that both tools are installed).
     */
    @Override
    public String identity() {
        return tools.identity();
    }

    @Override
    public String toString() {
        return "SpeechSynth[" + tools + "]";
    }
}
