package dev.headstream.cli.produce;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** WAV files written by hand for the produce tests. */
final class TestWavs {

    private TestWavs() {}

    /** A tone of {@code seconds} at {@code rate}, 16-bit PCM, the same in every channel. */
    static Path tone(Path file, int rate, int channels, double seconds) throws IOException {
        int frames = (int) Math.round(seconds * rate);
        short[] pcm = new short[frames * channels];
        for (int i = 0; i < frames; i++) {
            short v = (short) Math.round(4000 * Math.sin(2 * Math.PI * 440 * i / rate));
            for (int c = 0; c < channels; c++) {
                pcm[i * channels + c] = v;
            }
        }
        return write(file, rate, channels, pcm, 2 * pcm.length);
    }

    /** 16-bit PCM WAV of interleaved {@code pcm} whose data chunk declares {@code declaredBytes}. */
    static Path write(Path file, int rate, int channels, short[] pcm, int declaredBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * pcm.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.putInt(36 + declaredBytes);
        b.put("WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.putInt(16);
        b.putShort((short) 1);
        b.putShort((short) channels);
        b.putInt(rate);
        b.putInt(rate * channels * 2);
        b.putShort((short) (channels * 2));
        b.putShort((short) 16);
        b.put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.putInt(declaredBytes);
        for (short s : pcm) {
            b.putShort(s);
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, b.array());
        return file;
    }
}
