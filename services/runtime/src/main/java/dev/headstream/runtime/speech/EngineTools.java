package dev.headstream.runtime.speech;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The tools behind one engine's synthesizer ({@link SpeechSynth}, {@code FliteSynth} (test kit),
 * {@code FestivalSynth} (test kit)): the engine's executable, which writes a WAV file, and {@code sox},
 * which turns that file into {@link Synthesizer#SAMPLE_RATE} Hz mono int16 with dither off,
 * both run by one {@link ToolRunner}. Each synthesizer keeps its own command line and sox
 * effects; this holds what they share: the argument checks, the per-call temporary directory,
 * the sox step and the {@link #identity()}, worked out once.
 *
 * <p>The engine's name is also its Debian package, the first part of the identity
 * ({@code NAME+sox;...}) and the start of the "produced no audio" error.
 *
 * <p>Thread-safe: holds immutable configuration and the identity, published through a volatile
 * field; threads that ask for the identity before it is known may each run the tools, and get
 * equal strings.
 */
public final class EngineTools {

    private final String engine;
    private final String command;
    private final String soxCommand;
    private final ToolRunner runner;
    private final Set<Integer> versionExitCodes;
    private final String identityDetails;
    private volatile String identity;

    /**
     * Checks {@code soxCommand}, then {@code timeout}; the caller checks {@code command} first, so
     * that the error names its own parameter.
     *
     * @param engine           the engine's name and Debian package: {@code espeak-ng}, {@code flite}, {@code festival}
     * @param command          the engine's executable (name on the {@code PATH} or a path), not {@code null}
     * @param soxCommand       the sox executable (name on the {@code PATH} or a path)
     * @param timeout          the longest one tool invocation may run before it is killed
     * @param tempRoot         where per-call temporary directories go; {@code null} for the system default
     * @param versionExitCodes the exit codes of {@code command --version} that count as success
     * @param identityDetails  what the identity holds between the sox version and the output
     *                         format, starting with {@code ;} (a prosody mapping); empty for nothing
     */
    public EngineTools(
            String engine,
            String command,
            String soxCommand,
            Duration timeout,
            Path tempRoot,
            Set<Integer> versionExitCodes,
            String identityDetails) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.command = Objects.requireNonNull(command, "command");
        this.soxCommand = Objects.requireNonNull(soxCommand, "soxCommand");
        this.runner = new ToolRunner(timeout, tempRoot);
        this.versionExitCodes = Set.copyOf(versionExitCodes);
        this.identityDetails = Objects.requireNonNull(identityDetails, "identityDetails");
    }

    /** The longest one tool invocation may run. */
    public Duration timeout() {
        return runner.timeout();
    }

    /**
     * Synthesizes one utterance in a temporary directory of its own: runs the engine with
     * {@code arguments.apply(wav)}, which must make it write {@code wav}, then {@link #toPcm}.
     *
     * @return the samples, never empty
     * @throws IllegalStateException when a tool fails or the result is empty
     */
    public short[] synthesize(Function<Path, List<String>> arguments, List<String> effects, SynthRequest request) {
        return runner.inTempDir(dir -> {
            Path wav = dir.resolve("speech.wav");
            run(dir, arguments.apply(wav), runner.timeout());
            return toPcm(dir, wav, effects, request);
        });
    }

    /** As {@link ToolRunner#inTempDir}. */
    public <T> T inTempDir(Function<Path, T> work) {
        return runner.inTempDir(work);
    }

    /**
     * Runs the engine's executable with {@code arguments} in {@code dir}, as
     * {@link ToolRunner#run(Path, String, List, Duration)} does.
     */
    public String run(Path dir, List<String> arguments, Duration limit) {
        List<String> line = new ArrayList<>(arguments.size() + 1);
        line.add(command);
        line.addAll(arguments);
        return runner.run(dir, engine, line, limit);
    }

    /**
     * Turns the engine's {@code wav} into samples with {@link ToolRunner#toPcm}.
     *
     * @return the samples, never empty
     * @throws IllegalStateException when sox fails, or when the samples are empty:
     *                               {@code "ENGINE and sox produced no audio for " + request.canonical()}
     */
    public short[] toPcm(Path dir, Path wav, List<String> effects, SynthRequest request) {
        short[] pcm = runner.toPcm(dir, soxCommand, wav, effects);
        if (pcm.length == 0) {
            throw new IllegalStateException(engine + " and sox produced no audio for " + request.canonical());
        }
        return pcm;
    }

    /**
     * {@code ENGINE+sox;VERSION;SOX_VERSION}, the identity details, then
     * {@code ;pcm=s16le/16000/mono/no-dither}; the versions are what {@code command --version}
     * and {@code sox --version} print, run on the first call only.
     *
     * @throws IllegalStateException when either tool fails (then the next call tries again)
     */
    public String identity() {
        String id = identity;
        if (id == null) {
            id = runner.inTempDir(dir -> engine + "+sox;"
                    + runner.run(dir, engine, List.of(command, "--version"), runner.timeout(), versionExitCodes)
                            .strip()
                    + ";"
                    + runner.run(dir, "sox", List.of(soxCommand, "--version")).strip()
                    + identityDetails + ";pcm=s16le/" + Synthesizer.SAMPLE_RATE + "/mono/no-dither");
            identity = id;
        }
        return id;
    }

    /** {@code COMMAND, SOX_COMMAND, timeout DURATION}, for the synthesizers' {@code toString}. */
    @Override
    public String toString() {
        return command + ", " + soxCommand + ", timeout " + runner.timeout();
    }
}
