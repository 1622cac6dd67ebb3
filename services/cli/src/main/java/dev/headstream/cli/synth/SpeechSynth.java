package dev.headstream.cli.synth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Synthesizes speech with the {@code espeak-ng} and {@code sox} command line tools (Debian
 * packages {@code espeak-ng} and {@code sox}).
 *
 * <p>Per request: {@code espeak-ng -w speech.wav} (22,050 Hz), then {@code sox} resamples to
 * 16 kHz mono signed 16-bit little-endian raw PCM, applying {@code tempo -s} when the request's
 * tempo is not 1, with dither off so that the output is bit-for-bit repeatable. Every process
 * runs under a timeout; each call works in its own temporary directory, deleted afterwards.
 *
 * <p>Thread-safe: instances hold only immutable configuration, so any number of threads may
 * call {@link #synthesize} at once.
 */
public final class SpeechSynth implements Synthesizer {

    /** Default timeout of one tool invocation. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final int STDERR_LIMIT = 2_000;

    private final String espeakCommand;
    private final String soxCommand;
    private final Duration timeout;
    private final Path tempRoot;
    private volatile String identity;

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
        this.espeakCommand = Objects.requireNonNull(espeakCommand, "espeakCommand");
        this.soxCommand = Objects.requireNonNull(soxCommand, "soxCommand");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.tempRoot = tempRoot;
    }

    @Override
    public short[] synthesize(SynthRequest request) {
        Objects.requireNonNull(request, "request");
        Path dir = createTempDir();
        try {
            Path wav = dir.resolve("speech.wav");
            Path raw = dir.resolve("speech.raw");
            run(dir, "espeak-ng", List.of(espeakCommand,
                    "-v", request.voice().espeakName(),
                    "-p", Integer.toString(request.pitch()),
                    "-s", Integer.toString(request.speedWpm()),
                    "-a", Integer.toString(request.amplitude()),
                    "-w", wav.toString(),
                    "--", request.text()));
            List<String> sox = new ArrayList<>(List.of(soxCommand, "-V1", "-D",
                    wav.toString(),
                    "-r", Integer.toString(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", "-L",
                    "-t", "raw", raw.toString()));
            if (request.tempo() != 1.0) {
                sox.addAll(List.of("tempo", "-s", request.tempoArgument()));
            }
            run(dir, "sox", sox);
            short[] pcm = readPcm(raw);
            if (pcm.length == 0) {
                throw new IllegalStateException("espeak-ng and sox produced no audio for " + request.canonical());
            }
            return pcm;
        } finally {
            deleteRecursively(dir);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Runs {@code espeak-ng --version} and {@code sox --version} once (so this is also a
     * cheap check that both tools are installed).
     */
    @Override
    public String identity() {
        String id = identity;
        if (id == null) {
            Path dir = createTempDir();
            try {
                id = "espeak-ng+sox;" + run(dir, "espeak-ng", List.of(espeakCommand, "--version")).strip()
                        + ";" + run(dir, "sox", List.of(soxCommand, "--version")).strip()
                        + ";pcm=s16le/" + SAMPLE_RATE + "/mono/no-dither";
            } finally {
                deleteRecursively(dir);
            }
            identity = id;
        }
        return id;
    }

    /** Runs one tool and returns its standard output; throws with the command, exit code and stderr on failure. */
    private String run(Path dir, String debianPackage, List<String> command) {
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + " (" + e.getMessage() + "): "
                    + "install the Debian package " + debianPackage + " (apt-get install " + debianPackage
                    + ") or point the synthesizer at the right executable", e);
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running: " + String.join(" ", command), e);
        }
        int exit = process.exitValue();
        if (exit != 0) {
            throw new IllegalStateException("command failed with exit code " + exit + ": " + String.join(" ", command)
                    + "; stderr: " + readLimited(err));
        }
        return readLimited(out);
    }

    private static String readLimited(Path file) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.length() <= STDERR_LIMIT ? text : text.substring(0, STDERR_LIMIT) + "...";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static short[] readPcm(Path raw) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(raw);
        } catch (IOException e) {
            throw new IllegalStateException("sox wrote no readable output at " + raw, e);
        }
        if (bytes.length % 2 != 0) {
            throw new IllegalStateException("sox output has an odd byte count (" + bytes.length + ")");
        }
        short[] pcm = new short[bytes.length / 2];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(pcm);
        return pcm;
    }

    private Path createTempDir() {
        try {
            return tempRoot == null
                    ? Files.createTempDirectory("headstream-synth-")
                    : Files.createTempDirectory(Files.createDirectories(tempRoot), "headstream-synth-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for speech synthesis", e);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover temp dir is not worth failing a synthesis for
        }
    }

    @Override
    public String toString() {
        return "SpeechSynth[" + espeakCommand + ", " + soxCommand + ", timeout " + timeout + "]";
    }
}
