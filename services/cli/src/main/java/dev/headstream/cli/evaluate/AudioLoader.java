package dev.headstream.cli.evaluate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Opens audio files as {@link Recording}s of 16 kHz mono 16-bit samples: native WAV files
 * ({@link WavHeader#isNative()}) are read as they are, on demand; anything else (another rate,
 * stereo, 24-bit, float, FLAC, mp3, ... whatever sox reads) is converted with {@link Sox} into a
 * native WAV file in a temporary directory and read from there on demand the same way, so no
 * recording holds its audio in memory. One notice per converted file goes to the notice consumer:
 * {@code converted <file> (<format>) to 16 kHz mono 16-bit with sox}. Recordings shorter than
 * {@code minSamples} get silence in front so that they fill it.
 *
 * <p>Call order: {@link #probe} (cheap: a header or {@code sox --info}) then {@link #open}, or
 * {@link #open(Path)} for both; {@link Recording#close() close} each recording when done with it
 * (that deletes a converted file). Thread-safe when the notice consumer is.
 */
public final class AudioLoader {

    /**
     * What an audio file holds before it is read.
     *
     * @param header      the WAV header, or null when the file is not a WAV file
     * @param description its format for messages
     * @param seconds     its duration (0 when sox cannot tell)
     */
    public record Probe(Path file, WavHeader header, String description, double seconds) {

        /** Whether sox must convert it. */
        public boolean needsConversion() {
            return header == null || !header.isNative();
        }

        /** About how many 16 kHz samples it holds (for progress). */
        public long approximateSamples() {
            return Math.round(seconds * WavHeader.NATIVE_RATE);
        }
    }

    private final Sox sox;
    private final int minSamples;
    private final Consumer<String> notices;

    /**
     * @param minSamples shortest recording handed out; shorter audio is padded at the start
     * @param notices    receives one line per converted file
     */
    public AudioLoader(Sox sox, int minSamples, Consumer<String> notices) {
        this.sox = Objects.requireNonNull(sox, "sox");
        this.minSamples = minSamples;
        this.notices = Objects.requireNonNull(notices, "notices");
    }

    /**
     * Reads what {@code file} holds without decoding it.
     *
     * @throws IllegalArgumentException if the file is missing, a truncated or malformed WAV, or not
     *                                  readable by sox
     */
    public Probe probe(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("audio file not found: " + file);
        }
        Optional<WavHeader> header = WavReader.header(file);
        if (header.isPresent()) {
            return new Probe(
                    file, header.get(), header.get().describe(), header.get().seconds());
        }
        Sox.Info info = sox.info(file);
        return new Probe(file, null, info.description(), info.seconds());
    }

    /** {@link #open(Probe)} of {@link #probe}. */
    public Recording open(Path file) {
        return open(probe(file));
    }

    /**
     * The probed file as a recording; converts it with sox first when needed (into a temporary
     * file that closing the recording deletes).
     *
     * @throws IllegalArgumentException if sox cannot read it
     */
    public Recording open(Probe probe) {
        if (!probe.needsConversion()) {
            return Recording.ofWav(
                    probe.file(), probe.header(), padding(probe.header().frames()));
        }
        ConvertedWav converted = sox.convert(probe.file());
        try {
            Recording r = Recording.ofConverted(
                    probe.file(), converted, padding(converted.header().frames()), probe.description());
            notices.accept(
                    "converted " + probe.file() + " (" + probe.description() + ") to 16 kHz mono 16-bit with sox");
            return r;
        } catch (RuntimeException | Error e) {
            converted.close();
            throw e;
        }
    }

    private int padding(long frames) {
        return (int) Math.max(0, minSamples - frames);
    }
}
