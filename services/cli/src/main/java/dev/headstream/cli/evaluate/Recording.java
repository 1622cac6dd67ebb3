package dev.headstream.cli.evaluate;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One recording (a clip or a long speech file) as 16 kHz mono 16-bit samples, ready for the
 * backbone: read from a native WAV file on demand, or held in memory after a sox conversion, with
 * {@link #padding()} samples of silence (digital zeros) in front when the audio is shorter than one
 * scoring window. Opened by {@link AudioLoader}.
 *
 * <p>Immutable and thread-safe: {@link #read} may be called from several threads at once.
 */
public final class Recording {

    private final Path file;
    private final int samples;
    private final int padding;
    private final String convertedFrom;
    private final WavHeader wav;
    private final short[] pcm;

    private Recording(Path file, int samples, int padding, String convertedFrom, WavHeader wav, short[] pcm) {
        this.file = Objects.requireNonNull(file, "file");
        this.samples = samples;
        this.padding = padding;
        this.convertedFrom = convertedFrom;
        this.wav = wav;
        this.pcm = pcm;
    }

    /** A native WAV file, read on demand, with {@code padding} leading zeros. */
    static Recording ofWav(Path file, WavHeader header, int padding) {
        if (header.frames() > Integer.MAX_VALUE - padding) {
            throw new IllegalArgumentException("cannot read " + file + ": " + header.frames()
                    + " samples are more than one recording may hold (" + Integer.MAX_VALUE + ")");
        }
        return new Recording(file, (int) header.frames(), padding, null, header, null);
    }

    /** Converted samples held in memory, with {@code padding} leading zeros. */
    static Recording ofSamples(Path file, short[] pcm, int padding, String convertedFrom) {
        return new Recording(file, pcm.length, padding, convertedFrom, null, pcm);
    }

    public Path file() {
        return file;
    }

    /** Samples of the audio itself, at 16 kHz. */
    public int samples() {
        return samples;
    }

    /** Zeros in front of the audio. */
    public int padding() {
        return padding;
    }

    /** {@link #padding()} + {@link #samples()}: what the backbone reads. */
    public int length() {
        return padding + samples;
    }

    /** The original format when sox converted the file ({@code 44100 Hz, 2 channels, 24-bit}), else null. */
    public String convertedFrom() {
        return convertedFrom;
    }

    /** Samples {@code [from, to)} of the padded recording. */
    public short[] read(int from, int to) {
        if (from < 0 || to < from || to > length()) {
            throw new IndexOutOfBoundsException("samples [" + from + ", " + to + ") of a recording of " + length());
        }
        short[] out = new short[to - from];
        int audioFrom = Math.max(from, padding);
        if (audioFrom < to) {
            int at = audioFrom - from;
            int count = to - audioFrom;
            if (pcm != null) {
                System.arraycopy(pcm, audioFrom - padding, out, at, count);
            } else {
                System.arraycopy(WavReader.samples(file, wav, audioFrom - padding, count), 0, out, at, count);
            }
        }
        return out;
    }
}
