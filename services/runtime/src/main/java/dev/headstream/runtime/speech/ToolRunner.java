package dev.headstream.runtime.speech;

import java.io.File;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Runs the command line tools behind the synthesizers: one process at a time per call, under a
 * timeout, in a per-call temporary directory, with failures turned into one
 * {@link IllegalStateException} that names the command, the exit code and the standard error
 * (or, when the tool is missing, the Debian package to install).
 *
 * <p>Thread-safe: holds only immutable configuration; callers give each call its own directory
 * from {@link #createTempDir()}.
 */
public final class ToolRunner {

    private static final int OUTPUT_LIMIT = 2_000;

    private final Duration timeout;
    private final Path tempRoot;

    /**
     * @param timeout  the longest one process may run before it is killed
     * @param tempRoot where per-call temporary directories go; {@code null} for the system default
     */
    public ToolRunner(Duration timeout, Path tempRoot) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.tempRoot = tempRoot;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Runs {@code command} in {@code dir} with the default timeout and no input; returns its standard output. */
    public String run(Path dir, String debianPackage, List<String> command) {
        return run(dir, debianPackage, command, timeout);
    }

    /**
     * Runs {@code command} in {@code dir} with standard input from the null device.
     *
     * @return the standard output, stripped and cut to 2,000 characters
     * @throws IllegalStateException when the tool cannot be started (naming {@code debianPackage}),
     *                               exits with a non-zero code, or runs past {@code limit}
     */
    public String run(Path dir, String debianPackage, List<String> command, Duration limit) {
        return run(dir, debianPackage, command, limit, Set.of(0));
    }

    /** As {@link #run(Path, String, List, Duration)}, with the exit codes that count as success. */
    public String run(Path dir, String debianPackage, List<String> command, Duration limit, Set<Integer> success) {
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
            throw new IllegalStateException(
                    "cannot run " + command.get(0) + " (" + e.getMessage() + "): "
                            + "install the Debian package " + debianPackage + " (apt-get install " + debianPackage
                            + ") or point the synthesizer at the right executable",
                    e);
        }
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException(
                        "timed out after " + limit.toMillis() + " ms: " + String.join(" ", command));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running: " + String.join(" ", command), e);
        }
        int exit = process.exitValue();
        if (!success.contains(exit)) {
            String stderr = readLimited(err);
            throw new IllegalStateException("command failed with exit code " + exit + ": " + String.join(" ", command)
                    + "; stderr: " + (stderr.isEmpty() ? "(empty); stdout: " + readLimited(out) : stderr));
        }
        return readLimited(out);
    }

    /**
     * Converts {@code input} (any format sox reads) to 16 kHz mono signed 16-bit raw PCM with
     * dither off, applying {@code effects} (sox effect arguments, may be empty) first.
     *
     * @return the samples; empty when sox wrote an empty file
     * @throws IllegalStateException when sox fails or its output cannot be read as int16 samples
     */
    public short[] toPcm(Path dir, String soxCommand, Path input, List<String> effects) {
        Path raw = dir.resolve(input.getFileName() + ".raw");
        List<String> sox = new ArrayList<>(List.of(
                soxCommand,
                "-V1",
                "-D",
                input.toString(),
                "-r",
                Integer.toString(Synthesizer.SAMPLE_RATE),
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                "-L",
                "-t",
                "raw",
                raw.toString()));
        sox.addAll(effects);
        run(dir, "sox", sox);
        return readPcm(raw);
    }

    /** Reads little-endian int16 samples. */
    public static short[] readPcm(Path raw) {
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

    /** Writes little-endian int16 samples. */
    public static void writePcm(Path raw, short[] pcm) {
        ByteBuffer bytes = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asShortBuffer().put(pcm);
        try {
            Files.write(raw, bytes.array());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + raw, e);
        }
    }

    /**
     * Applies {@code work} to a fresh temporary directory ({@link #createTempDir()}) and deletes
     * the directory afterwards, also when {@code work} throws.
     */
    public <T> T inTempDir(Function<Path, T> work) {
        Path dir = createTempDir();
        try {
            return work.apply(dir);
        } finally {
            deleteRecursively(dir);
        }
    }

    /** A fresh temporary directory; the caller deletes it with {@link #deleteRecursively}. */
    public Path createTempDir() {
        try {
            return tempRoot == null
                    ? Files.createTempDirectory("headstream-synth-")
                    : Files.createTempDirectory(Files.createDirectories(tempRoot), "headstream-synth-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for speech synthesis", e);
        }
    }

    public static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover temp dir is not worth failing a synthesis for
        }
    }

    public static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String readLimited(Path file) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
            return text.length() <= OUTPUT_LIMIT ? text : text.substring(0, OUTPUT_LIMIT) + "...";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static File nullDevice() {
        return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
