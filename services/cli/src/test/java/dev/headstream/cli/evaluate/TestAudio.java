package dev.headstream.cli.evaluate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headstream.runtime.speech.SpeechTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** WAV bytes written by hand, and speech made with espeak-ng + sox, for the eval, detect and export tests. */
public final class TestAudio {

    public static final String SETUP_HINT = SpeechTools.SETUP_HINT;
    private static final boolean TOOLS = SpeechTools.available();

    private TestAudio() {}

    /** Fails the test with a set-up hint when espeak-ng or sox is missing. */
    public static void requireTools() {
        assertTrue(TOOLS, SETUP_HINT);
    }

    public static Path modelsDir() {
        return Path.of(System.getProperty("headstream.models.dir", "../../.models"));
    }

    /** A deterministic test signal: a few tones and a little noise. */
    static short[] tones(int samples, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        short[] pcm = new short[samples];
        for (int i = 0; i < samples; i++) {
            double v = 3000 * Math.sin(i * 0.031) + 1500 * Math.sin(i * 0.173 + seed) + r.nextGaussian() * 200;
            pcm[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(v)));
        }
        return pcm;
    }

    /** A {@code fmt } chunk body: PCM (16 bytes) or, when {@code extensible}, WAVE_FORMAT_EXTENSIBLE with a PCM GUID. */
    static byte[] fmt(int format, int channels, int rate, int bits, boolean extensible) {
        int block = channels * bits / 8;
        ByteBuffer b = ByteBuffer.allocate(extensible ? 40 : 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) (extensible ? 0xFFFE : format))
                .putShort((short) channels)
                .putInt(rate)
                .putInt(rate * block)
                .putShort((short) block)
                .putShort((short) bits);
        if (extensible) {
            b.putShort((short) 22).putShort((short) bits).putInt(channels == 1 ? 4 : 3);
            b.putShort((short) format).put(new byte[] {
                0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71
            });
        }
        return b.array();
    }

    /** {@code pcm} as little-endian bytes. */
    static byte[] bytes(short[] pcm) {
        ByteBuffer b = ByteBuffer.allocate(2 * pcm.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(pcm);
        return b.array();
    }

    /** A chunk: its id, body and the size its header declares. */
    record Chunk(String id, byte[] data, int declared) {}

    /** A RIFF/WAVE file of the given chunks, each padded to an even size. */
    static byte[] riff(Chunk... chunks) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("WAVE".getBytes(StandardCharsets.US_ASCII));
        for (Chunk c : chunks) {
            byte[] data = c.data();
            int declared = c.declared();
            body.writeBytes(c.id().getBytes(StandardCharsets.US_ASCII));
            body.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(declared)
                    .array());
            body.writeBytes(data);
            if (data.length % 2 == 1) {
                body.write(0);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(body.size())
                .array());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    static Chunk chunk(String id, byte[] data) {
        return new Chunk(id, data, data.length);
    }

    /** A chunk whose size field says {@code declared} bytes. */
    static Chunk chunk(String id, byte[] data, int declared) {
        return new Chunk(id, data, declared);
    }

    /** A native 16 kHz mono 16-bit WAV file. */
    public static Path writeNative(Path file, short[] pcm) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, riff(chunk("fmt ", fmt(1, 1, 16_000, 16, false)), chunk("data", bytes(pcm))));
        return file;
    }

    /**
     * Speaks {@code text} with espeak-ng voice {@code voice} and writes it as a native WAV file
     * (sox: 16 kHz mono 16-bit, dither off), with {@code padSeconds} of silence before and after.
     */
    public static Path speak(Path file, String voice, int speed, String text, double padSeconds) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path raw = file.resolveSibling(file.getFileName() + ".espeak.wav");
        run(List.of("espeak-ng", "-v", voice, "-s", Integer.toString(speed), "-w", raw.toString(), text));
        List<String> sox = new ArrayList<>(List.of(
                "sox",
                "-D",
                raw.toString(),
                "-r",
                "16000",
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                file.toString()));
        if (padSeconds > 0) {
            sox.addAll(List.of("pad", Double.toString(padSeconds), Double.toString(padSeconds)));
        }
        run(sox);
        Files.delete(raw);
        return file;
    }

    /** Concatenates WAV files with sox into one native WAV file. */
    public static Path concat(Path out, List<Path> parts) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        List<String> cmd = new ArrayList<>(List.of("sox", "-D"));
        parts.forEach(p -> cmd.add(p.toString()));
        cmd.addAll(List.of("-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", out.toString()));
        run(cmd);
        return out;
    }

    public static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("failed: " + String.join(" ", command) + ": " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }
}
