package dev.headstream.cli.evaluate;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One recording (a clip or a long speech file) as 16 kHz mono 16-bit samples, ready for the
 * backbone, with {@link #padding()} samples of silence (digital zeros) in front when the audio is
 * shorter than one scoring window. The samples are read from a native WAV file on demand, only
 * those {@link #read} asks for: the file itself, or, when sox converted it, the native WAV file
 * sox wrote into a temporary directory ({@link ConvertedWav}), which {@link #close} deletes. So a
 * recording holds no audio in memory, whatever its length and format. Opened by
 * {@link AudioLoader}.
 *
 * <p>Thread-safe: {@link #read} may be called from several threads at once. Close a recording
 * once its reads are done (nothing to do for a native file); a converted one cannot be read after.
 */
public final class Recording implements AutoCloseable {

    private final Path file;
    private final int samples;
    private final int padding;
    private final String convertedFrom;
    private final WavHeader wav;
    /** Where the samples are: {@link #file}, or the converted file. */
    private final Path source;

    private final ConvertedWav converted;

    private Recording(
            Path file, int padding, String convertedFrom, WavHeader wav, Path source, ConvertedWav converted) {
        this.file = Objects.requireNonNull(file, "file");
        this.padding = padding;
        this.convertedFrom = convertedFrom;
        this.wav = Objects.requireNonNull(wav, "wav");
        this.source = Objects.requireNonNull(source, "source");
        this.converted = converted;
        if (wav.frames() > Integer.MAX_VALUE - padding) {
            throw new IllegalArgumentException("cannot read " + file + ": " + wav.frames()
                    + " samples are more than one recording may hold (" + Integer.MAX_VALUE + ")");
        }
        this.samples = (int) wav.frames();
    }

    /** A native WAV file, read on demand, with {@code padding} leading zeros. */
    static Recording ofWav(Path file, WavHeader header, int padding) {
        return new Recording(file, padding, null, header, file, null);
    }

    /**
     * {@code file} as sox converted it, read on demand from the converted file, with
     * {@code padding} leading zeros; {@link #close} closes {@code converted}.
     */
    static Recording ofConverted(Path file, ConvertedWav converted, int padding, String convertedFrom) {
        return new Recording(
                file,
                padding,
                Objects.requireNonNull(convertedFrom, "convertedFrom"),
                converted.header(),
                converted.file(),
                converted);
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

    /** The native WAV file the samples are read from: {@link #file()}, or the temporary file sox converted it to. */
    public Path source() {
        return source;
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
            System.arraycopy(samples(audioFrom - padding, count), 0, out, at, count);
        }
        return out;
    }

    private short[] samples(int from, int count) {
        if (converted == null) {
            return WavReader.samples(file, wav, from, count);
        }
        if (converted.isClosed()) {
            throw new IllegalStateException(
                    "cannot read " + file + ": the recording is closed and its converted" + " audio deleted");
        }
        try {
            return WavReader.samples(source, wav, from, count);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException(
                    "cannot read " + file + " as converted by sox to " + source + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read " + file + " as converted by sox: " + e.getMessage(), e);
        }
    }

    /** Deletes the converted file, if any (and its temporary directory); a native file is left as it is. */
    @Override
    public void close() {
        if (converted != null) {
            converted.close();
        }
    }
}
