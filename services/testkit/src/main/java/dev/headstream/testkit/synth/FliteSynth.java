package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.EngineTools;
import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import dev.headstream.runtime.speech.Voice;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Synthesizes speech with {@code flite} and {@code sox} (Debian packages {@code flite} and
 * {@code sox}).
 *
 * <p>Per request: {@code flite -voice NAME [--setf duration_stretch=S] [--setf int_f0_target_mean=HZ]
 * -t TEXT -o speech.wav} (8 kHz for {@code kal}, 16 kHz for the others), then {@code sox} to 16 kHz
 * mono int16 with dither off, as {@link SpeechSynth} does. The request's espeak-ng units map to
 * the voice's own delivery ({@link SynthRequest}): {@code duration_stretch = 1 / rateFactor};
 * {@code int_f0_target_mean} = the voice's own mean F0 ({@link #OWN_MEAN_F0_HZ}) times
 * {@code pitchFactor}; amplitude is sox {@code vol amplitude/100}; tempo is sox {@code tempo -s}.
 * Neither flag is passed when it would not change anything (speed 175, pitch 50). {@code rms}
 * ignores {@code int_f0_target_mean} (and {@code f0_shift}): its pitch is moved with sox
 * {@code pitch} (25 cents per pitch step) instead.
 *
 * <p>Thread-safe: instances hold only immutable configuration and the {@link #identity()} once
 * it is known (in a volatile field).
 */
public final class FliteSynth implements Synthesizer {

    /**
     * The mean F0 each flite 2.2 voice aims at when {@code int_f0_target_mean} is not set, in Hz
     * (found by setting it: these values give the same samples as not setting it). {@code rms} is
     * missing: it ignores the feature.
     */
    public static final Map<String, Integer> OWN_MEAN_F0_HZ = Map.of("kal", 95, "kal16", 95, "awb", 132, "slt", 172);

    /** The built-in English voices of Debian's flite 2.2 ({@code awb_time} only says the time). */
    public static final List<String> VOICES = List.of("kal", "kal16", "awb", "rms", "slt");

    private static final String MAPPING = "flite-prosody-v1";

    private final EngineTools tools;

    /** Uses {@code flite} and {@code sox} from the {@code PATH}, {@link SpeechSynth#DEFAULT_TIMEOUT} and the system temp dir. */
    public FliteSynth() {
        this("flite", "sox", SpeechSynth.DEFAULT_TIMEOUT, null);
    }

    /**
     * @param fliteCommand the flite executable (name on the {@code PATH} or a path)
     * @param soxCommand   the sox executable
     * @param timeout      the longest one tool invocation may run before it is killed
     * @param tempRoot     where per-call temporary directories go; {@code null} for the system default
     */
    public FliteSynth(String fliteCommand, String soxCommand, Duration timeout, Path tempRoot) {
        this.tools = new EngineTools(
                "flite",
                Objects.requireNonNull(fliteCommand, "fliteCommand"),
                soxCommand,
                timeout,
                tempRoot,
                Set.of(0, 1),
                ";" + MAPPING + ";f0=" + new TreeMap<>(OWN_MEAN_F0_HZ));
    }

    @Override
    public short[] synthesize(SynthRequest request) {
        Objects.requireNonNull(request, "request");
        Voice voice = request.voice();
        if (voice.engine() != Engine.FLITE) {
            throw new IllegalArgumentException("FliteSynth speaks flite voices only, not " + voice.id());
        }
        return tools.synthesize(wav -> fliteArguments(request, wav), soxEffects(request), request);
    }

    private static List<String> fliteArguments(SynthRequest request, Path wav) {
        List<String> arguments =
                new ArrayList<>(List.of("-voice", request.voice().name()));
        if (request.speedWpm() != SynthRequest.REFERENCE_SPEED_WPM) {
            arguments.addAll(
                    List.of("--setf", String.format(Locale.ROOT, "duration_stretch=%.4f", 1 / request.rateFactor())));
        }
        Integer ownF0 = OWN_MEAN_F0_HZ.get(request.voice().name());
        if (request.pitch() != SynthRequest.REFERENCE_PITCH && ownF0 != null) {
            arguments.addAll(List.of(
                    "--setf", String.format(Locale.ROOT, "int_f0_target_mean=%.1f", ownF0 * request.pitchFactor())));
        }
        arguments.addAll(List.of("-t", request.text(), "-o", wav.toString()));
        return arguments;
    }

    private static List<String> soxEffects(SynthRequest request) {
        List<String> effects = new ArrayList<>();
        if (request.pitch() != SynthRequest.REFERENCE_PITCH
                && !OWN_MEAN_F0_HZ.containsKey(request.voice().name())) {
            effects.addAll(SoxProsody.pitch(request));
        }
        effects.addAll(SoxProsody.tempoAndLevel(request));
        return effects;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Runs {@code flite --version} (which exits with 1 in flite 2.2) and {@code sox --version} once.
     */
    @Override
    public String identity() {
        return tools.identity();
    }

    @Override
    public String toString() {
        return "FliteSynth[" + tools + "]";
    }
}
