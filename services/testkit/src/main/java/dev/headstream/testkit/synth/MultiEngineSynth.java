package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Speaks every {@link Engine}: hands each request to the synthesizer of its voice's engine
 * ({@link SpeechSynth}, {@link FliteSynth}, {@link FestivalSynth} by default).
 *
 * <p>{@link #identityFor} is the identity of the one engine a request needs, so a
 * {@link CachingSynthesizer} in front of this keeps the keys it had for espeak-ng requests in
 * front of a plain {@link SpeechSynth}, and needs only the tools a request uses.
 * {@link #synthesizeAll} passes each engine its requests as one batch.
 *
 * <p>Thread-safe if the engines' synthesizers are (the default ones are).
 */
public final class MultiEngineSynth implements Synthesizer {

    private final Map<Engine, Synthesizer> engines;

    /**
     * @param engines the synthesizer of each engine; engines missing here are refused with an
     *                {@link IllegalArgumentException}
     */
    public MultiEngineSynth(Map<Engine, ? extends Synthesizer> engines) {
        Objects.requireNonNull(engines, "engines");
        this.engines = new EnumMap<>(engines);
    }

    /** espeak-ng, flite, festival and sox from the {@code PATH}, {@link SpeechSynth#DEFAULT_TIMEOUT}, system temp dir. */
    public static MultiEngineSynth defaults() {
        return withTimeout(SpeechSynth.DEFAULT_TIMEOUT, null);
    }

    /** The tools from the {@code PATH} with the given per-invocation timeout and temp directory ({@code null}: system). */
    public static MultiEngineSynth withTimeout(Duration timeout, Path tempRoot) {
        return new MultiEngineSynth(Map.of(
                Engine.ESPEAK_NG, new SpeechSynth("espeak-ng", "sox", timeout, tempRoot),
                Engine.FLITE, new FliteSynth("flite", "sox", timeout, tempRoot),
                Engine.FESTIVAL, new FestivalSynth("festival", "sox", timeout, tempRoot)));
    }

    @Override
    public short[] synthesize(SynthRequest request) {
        return engineFor(request).synthesize(request);
    }

    @Override
    public List<short[]> synthesizeAll(List<SynthRequest> requests) {
        short[][] out = new short[requests.size()][];
        Map<Engine, List<Integer>> byEngine = new EnumMap<>(Engine.class);
        for (int i = 0; i < requests.size(); i++) {
            engineFor(requests.get(i));
            byEngine.computeIfAbsent(requests.get(i).voice().engine(), e -> new ArrayList<>())
                    .add(i);
        }
        for (Map.Entry<Engine, List<Integer>> group : byEngine.entrySet()) {
            List<SynthRequest> batch =
                    group.getValue().stream().map(requests::get).toList();
            List<short[]> pcm = engines.get(group.getKey()).synthesizeAll(batch);
            for (int j = 0; j < batch.size(); j++) {
                out[group.getValue().get(j)] = pcm.get(j);
            }
        }
        return Arrays.asList(out);
    }

    /** Every engine's identity, in {@link Engine} order (runs each tool's {@code --version}). */
    @Override
    public String identity() {
        StringBuilder id = new StringBuilder("multi");
        for (Map.Entry<Engine, Synthesizer> e : engines.entrySet()) {
            id.append("|")
                    .append(e.getKey().id())
                    .append("=")
                    .append(e.getValue().identity());
        }
        return id.toString();
    }

    @Override
    public String identityFor(SynthRequest request) {
        return engineFor(request).identityFor(request);
    }

    /** The engines this synthesizer speaks. */
    public List<Engine> engines() {
        return List.copyOf(engines.keySet());
    }

    private Synthesizer engineFor(SynthRequest request) {
        Synthesizer synth = engines.get(request.voice().engine());
        if (synth == null) {
            throw new IllegalArgumentException(
                    "no synthesizer for " + request.voice().engine().id() + " (voice "
                            + request.voice().id() + ")");
        }
        return synth;
    }

    @Override
    public String toString() {
        return "MultiEngineSynth" + engines.values();
    }
}
