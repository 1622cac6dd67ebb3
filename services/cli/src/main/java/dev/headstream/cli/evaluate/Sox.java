package dev.headstream.cli.evaluate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Reads audio in any format {@code sox} reads, as 16 kHz mono signed 16-bit PCM: {@link #info}
 * describes a file ({@code sox --info}), {@link #convert} decodes and converts it
 * ({@code sox -D FILE -r 16000 -c 1 -b 16 -e signed-integer -L -t raw -}, dither off, channels
 * mixed down, the samples read from sox's standard output).
 *
 * <p>A file sox cannot read gives an {@link IllegalArgumentException}
 * {@code sox cannot read <file>: <sox's message>}; a missing sox an {@link IllegalStateException}
 * naming the package to install. Thread-safe: every call runs its own process.
 */
public final class Sox {

    /** What {@code sox --info} says about a file. */
    public record Info(String description, double seconds) {
    }

    private static final int MESSAGE_LIMIT = 2_000;

    private final String command;

    /** @param command the sox executable, e.g. {@code sox} */
    public Sox(String command) {
        this.command = Objects.requireNonNull(command, "command");
    }

    /**
     * The file's format ({@code FLAC, 44100 Hz, 2 channels, 24-bit}) and duration, from
     * {@code sox --info}.
     *
     * @throws IllegalArgumentException if sox cannot read the file
     */
    public Info info(Path file) {
        String text = new String(run(file, List.of(command, "--info", file.toString())), StandardCharsets.UTF_8);
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
     * The file's audio as 16 kHz mono signed 16-bit samples.
     *
     * @throws IllegalArgumentException if sox cannot read the file
     */
    public short[] convert(Path file) {
        byte[] raw = run(file, List.of(command, "-V1", "-D", file.toString(), "-r", "16000", "-c", "1", "-b", "16",
                "-e", "signed-integer", "-L", "-t", "raw", "-"));
        short[] pcm = new short[raw.length / 2];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(pcm);
        return pcm;
    }

    /** Runs {@code args}, returning its standard output; standard error goes to a temporary file read on failure. */
    private byte[] run(Path file, List<String> args) {
        Path err = null;
        try {
            err = Files.createTempFile("headstream-sox", ".err");
            Process p;
            try {
                p = new ProcessBuilder(args).redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                        .redirectError(err.toFile()).start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot run " + command + " (" + e.getMessage()
                        + "): install the Debian package sox (apt-get install sox)", e);
            }
            byte[] out = readAll(p.getInputStream());
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
            if (err != null) {
                try {
                    Files.deleteIfExists(err);
                } catch (IOException e) {
                    // a temporary file left behind does not change any result
                }
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        byte[] buf = new byte[1 << 16];
        int n = 0;
        int r;
        while ((r = in.read(buf, n, buf.length - n)) >= 0) {
            n += r;
            if (n == buf.length) {
                if (buf.length == Integer.MAX_VALUE - 8) {
                    throw new IOException("more than 2 GB of converted audio");
                }
                buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8L, 2L * buf.length));
            }
        }
        return Arrays.copyOf(buf, n);
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

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows")
                ? "NUL" : "/dev/null");
    }
}
