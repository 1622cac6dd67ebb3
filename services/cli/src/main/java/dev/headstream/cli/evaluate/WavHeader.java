package dev.headstream.cli.evaluate;

import java.util.Locale;

/**
 * The format and sample data location of a RIFF/WAVE file, as {@link WavReader#header} finds them.
 *
 * @param format        the sample format code: {@code 1} integer PCM, {@code 3} IEEE float, {@code 6}
 *                      A-law, {@code 7} mu-law, ...; for {@code WAVE_FORMAT_EXTENSIBLE} the
 *                      sub-format's code ({@code -1} when the sub-format GUID is not a standard one)
 * @param extensible    whether the {@code fmt } chunk is {@code WAVE_FORMAT_EXTENSIBLE} ({@code 0xFFFE})
 * @param channels      interleaved channels, at least 1
 * @param sampleRate    frames per second, at least 1
 * @param bitsPerSample bits per sample of one channel (the container size), at least 1
 * @param blockAlign    bytes per frame (all channels), at least 1
 * @param dataOffset    byte offset of the first sample in the file
 * @param dataBytes     bytes of sample data (a whole number of frames for the native format)
 */
public record WavHeader(
        int format,
        boolean extensible,
        int channels,
        int sampleRate,
        int bitsPerSample,
        int blockAlign,
        long dataOffset,
        long dataBytes) {

    /** Integer PCM. */
    public static final int PCM = 1;
    /** IEEE float. */
    public static final int IEEE_FLOAT = 3;
    /** The rate the wake-word backbone reads. */
    public static final int NATIVE_RATE = 16_000;

    /** Whether the samples are what the backbone reads as they are: 16 kHz mono signed 16-bit PCM. */
    public boolean isNative() {
        return format == PCM && channels == 1 && sampleRate == NATIVE_RATE && bitsPerSample == 16 && blockAlign == 2;
    }

    /** Sample frames in the data chunk (whole frames only). */
    public long frames() {
        return dataBytes / blockAlign;
    }

    /** Seconds of audio in the data chunk. */
    public double seconds() {
        return frames() / (double) sampleRate;
    }

    /** For messages: {@code 44100 Hz, 2 channels, 24-bit} (plus {@code float}, {@code A-law}, ... when not integer PCM). */
    public String describe() {
        String kind = switch (format) {
            case PCM -> "";
            case IEEE_FLOAT -> " float";
            case 6 -> " A-law";
            case 7 -> " mu-law";
            case -1 -> " (non-standard sub-format)";
            default -> String.format(Locale.ROOT, " (format 0x%04x)", format);
        };
        return String.format(
                Locale.ROOT,
                "%d Hz, %d channel%s, %d-bit%s",
                sampleRate,
                channels,
                channels == 1 ? "" : "s",
                bitsPerSample,
                kind);
    }
}
