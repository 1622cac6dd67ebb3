package dev.headstream.cli.evaluate;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Reads audio in any format {@code sox} reads, as 16 kHz mono signed 16-bit PCM: {@link #info}
 * describes a file ({@code sox --info}), {@link #convert} decodes and converts it into a native WAV
 * file in a temporary directory of its own
 * ({@code sox -D FILE -r 16000 -c 1 -b 16 -e signed-integer -L -t wav TEMP/converted.wav}, dither
 * off, channels mixed down), which the caller reads on demand ({@link WavReader#samples}) and
 * closes: the converted audio is never held in memory, whatever its length.
 *
 * <p>A file sox cannot read gives an {@link IllegalArgumentException}
 * {@code sox cannot read <file>: <sox's message>}; a missing sox an {@link IllegalStateException}
 * naming the package to install. Temporary files go under {@code java.io.tmpdir} unless a root is
 * given, and none is left behind by a failure. Thread-safe: every call runs its own process.
 */
public final class Sox {

    /** What {@code sox --info} says about a file. */
    public record Info(String description, double seconds) {}

    private static final int MESSAGE_LIMIT = 2_000;
    /** The most bytes a WAV data chunk can declare. */
    private static final long WAV_DATA_LIMIT = 0xFFFF_FFFEL;

    private final String command;
    private final Path tempRoot;

    /** @param command the sox executable, e.g. {@code sox}; temporary files go under {@code java.io.tmpdir} */
    public Sox(String command) {
        this(command, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /**
     * @param command  the sox executable, e.g. {@code sox}
     * @param tempRoot where the temporary directories of converted files (and sox's captured
     *                 messages) are made
     */
    public Sox(String command, Path tempRoot) {
        this.command = Objects.requireNonNull(command, "command");
        this.tempRoot = Objects.requireNonNull(tempRoot, "tempRoot");
    }

    /**
     * The file's format ({@code FLAC, 44100 Hz, 2 channels, 24-bit}) and duration, from
     * {@code sox --info}.
     *
     * @throws IllegalArgumentException if sox cannot read the file
     */
    public Info info(Path file) {
        String text = new String(
                run(file, List.of(command, "--info", file.toString()), tempRoot, true), StandardCharsets.UTF_8);
        String encoding = field(text, "Sample Encoding");
        String rate = field(text, "Sample Rate");
        String channels = field(text, "Channels");
        String precision = field(text, "Precision");
        StringBuilder d = new StringBuilder();
        if (encoding != null) {
            d.append(encoding);
        }
        if (rate != null) {
            d.append(d.length() > 0 ? ", " : "").append(rate).append(" Hz");
        }
        if (channels != null) {
            d.append(", ").append(channels).append(channels.equals("1") ? " channel" : " channels");
        }
        if (precision != null && (encoding == null || !encoding.startsWith(precision))) {
            d.append(", ").append(precision);
        }
        return new Info(d.toString(), durationSeconds(field(text, "Duration"), rate));
    }

    /**
     * The file's audio as a native (16 kHz mono signed 16-bit) WAV file in a new temporary
     * directory, which {@link ConvertedWav#close} deletes (and, failing that, a shutdown hook at
     * JVM exit). Nothing is left behind when the conversion fails.
     *
     * @throws IllegalArgumentException if sox cannot read the file, or its audio is more than a WAV
     *                                  file holds (4 GB: 37 hours)
     */
    public ConvertedWav convert(Path file) {
        Path dir;
        try {
            dir = ConvertedWav.createDirectory(tempRoot, "headstream-sox");
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot make a temporary directory under " + tempRoot + " to convert " + file + ": "
                            + e.getMessage(),
                    e);
        }
        try {
            Path out = dir.resolve("converted.wav");
            run(
                    file,
                    List.of(
                            command,
                            "-V1",
                            "-D",
                            file.toString(),
                            "-r",
                            "16000",
                            "-c",
                            "1",
                            "-b",
                            "16",
                            "-e",
                            "signed-integer",
                            "-L",
                            "-t",
                            "wav",
                            out.toString()),
                    dir,
                    false);
            WavHeader h = WavReader.header(out)
                    .orElseThrow(() -> new IllegalStateException("sox did not write a WAV file converting " + file));
            if (!h.isNative()) {
                throw new IllegalStateException(
                        "sox converted " + file + " to " + h.describe() + ", not 16 kHz mono 16-bit");
            }
            long bytes = Files.size(out) - h.dataOffset();
            if (bytes > WAV_DATA_LIMIT && bytes > h.dataBytes() + 1) {
                throw new IllegalArgumentException("cannot read " + file + ": " + bytes / 2 + " samples after"
                        + " conversion are more than one recording may hold (" + Integer.MAX_VALUE + ")");
            }
            return new ConvertedWav(dir, out, h);
        } catch (IOException e) {
            ConvertedWav.delete(dir);
            throw new UncheckedIOException("cannot read what sox converted " + file + " to: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            ConvertedWav.delete(dir);
            throw e;
        }
    }

    /**
     * Runs {@code args}, returning its standard output (or discarding it when not {@code keepOutput});
     * standard error goes to a temporary file under {@code errDir}, read on failure.
     */
    private byte[] run(Path file, List<String> args, Path errDir, boolean keepOutput) {
        Path err = null;
        Process p = null;
        try {
            err = Files.createTempFile(errDir, "headstream-sox", ".err");
            try {
                ProcessBuilder b = new ProcessBuilder(args)
                        .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                        .redirectError(err.toFile());
                if (!keepOutput) {
                    b.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                }
                p = b.start();
            } catch (IOException e) {
                throw new IllegalStateException(
                        "cannot run " + command + " (" + e.getMessage()
                                + "): install the Debian package sox (apt-get install sox)",
                        e);
            }
            byte[] out = keepOutput ? p.getInputStream().readAllBytes() : new byte[0];
            int exit = p.waitFor();
            if (exit != 0) {
                String message = Files.readString(err, StandardCharsets.UTF_8).strip();
                if (message.length() > MESSAGE_LIMIT) {
                    message = message.substring(0, MESSAGE_LIMIT) + "...";
                }
                throw new IllegalArgumentException("sox cannot read " + file + ": "
                        + (message.isEmpty() ? "exit code " + exit : message.replace('\n', ' ')));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command + " on " + file + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sox read " + file, e);
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
            if (err != null) {
                try {
                    Files.deleteIfExists(err);
                } catch (IOException e) {
                    // a temporary file left behind does not change any result
                }
            }
        }
    }

    /** The value of a {@code Name : value} line of {@code sox --info}, or null. */
    private static String field(String text, String name) {
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }

    /** {@code 00:01:45.72 = 1691516 samples ~ ...}: samples / rate when both are there, else the clock time. */
    private static double durationSeconds(String duration, String rate) {
        if (duration == null) {
            return 0;
        }
        String[] parts = duration.split("\\s+");
        try {
            if (parts.length >= 3 && parts[1].equals("=") && rate != null) {
                return Long.parseLong(parts[2]) / Double.parseDouble(rate);
            }
            List<String> clock = new ArrayList<>(List.of(parts[0].split(":")));
            double s = 0;
            for (String c : clock) {
                s = 60 * s + Double.parseDouble(c);
            }
            return s;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static File nullDevice() {
        return new File(
                System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows") ? "NUL" : "/dev/null");
    }
}
