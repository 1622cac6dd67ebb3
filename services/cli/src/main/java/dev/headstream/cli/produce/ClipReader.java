package dev.headstream.cli.produce;

import dev.headstream.cli.evaluate.AudioLoader;
import dev.headstream.cli.evaluate.Recording;
import dev.headstream.cli.evaluate.WavHeader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Reads one clip for sending, whole or not at all: 16 kHz mono 16-bit PCM WAV as it is, anything
 * else sox reads converted by the {@link AudioLoader} (which says so). A clip that cannot be sent
 * as it is gives a {@link Skipped} naming the problem: missing, empty, unreadable (a truncated or
 * malformed WAV, a file sox cannot read), longer than the adapter accepts (refused from its header
 * before it is read or converted, where the header tells), or shorter than one scoring window of
 * the head (the adapter rejects those {@code SHAPE_MISMATCH}). Clips are never padded or cut.
 * Stateless; thread-safe when the loader is.
 */
final class ClipReader {

    /** What reading a clip gave. */
    sealed interface Result permits Read, Skipped {}

    /**
     * The clip's samples.
     *
     * @param convertedFrom its format when sox converted it, else null
     */
    record Read(short[] pcm, String convertedFrom) implements Result {}

    /** A clip not to send, and why: {@code detail} names the file and the problem. */
    record Skipped(SkipReason reason, String detail) implements Result {}

    /** Longest clip, seconds, a reader accepts as a limit: an hour, far above any record a broker takes. */
    static final int MAX_SECONDS_LIMIT = 3600;

    /** Samples (0.1 s) by which a file to convert may seem longer than the limit and still be converted and measured. */
    private static final int SLACK = WavHeader.NATIVE_RATE / 10;

    private final AudioLoader loader;
    private final int minSamples;
    private final int windowFrames;
    private final long maxSamples;
    private final String limit;

    /**
     * @param loader     opens the files; made with no padding
     * @param windowFrames embeddings a head reads ({@code headstream.tasks.<task>.window-frames})
     * @param minSamples   fewest samples that give {@code windowFrames} embeddings
     * @param maxSeconds   longest clip the adapter accepts ({@code headstream.backbone.max-seconds}),
     *                     more than 0 and at most {@value #MAX_SECONDS_LIMIT}
     * @throws IllegalArgumentException if {@code maxSeconds} is out of that range
     */
    ClipReader(AudioLoader loader, int windowFrames, int minSamples, double maxSeconds) {
        if (!(maxSeconds > 0 && maxSeconds <= MAX_SECONDS_LIMIT)) {
            throw new IllegalArgumentException(
                    "the longest clip must be more than 0 and at most " + MAX_SECONDS_LIMIT + " s, got " + maxSeconds);
        }
        this.loader = Objects.requireNonNull(loader, "loader");
        this.windowFrames = windowFrames;
        this.minSamples = minSamples;
        this.maxSamples = Math.round(maxSeconds * WavHeader.NATIVE_RATE);
        this.limit = String.format(
                Locale.ROOT,
                "the adapter accepts at most %s s (%,d samples; headstream.backbone.max-seconds, --max-seconds)",
                seconds(maxSeconds),
                maxSamples);
    }

    Result read(Path file) {
        if (!Files.exists(file)) {
            return new Skipped(SkipReason.NOT_FOUND, file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            return new Skipped(SkipReason.UNREADABLE, file + " is not a file");
        }
        try {
            if (Files.size(file) == 0) {
                return new Skipped(SkipReason.EMPTY, file + " is empty (0 bytes)");
            }
            AudioLoader.Probe probe = loader.probe(file);
            if (probe.header() != null
                    && probe.header().isNative()
                    && probe.header().frames() > maxSamples) {
                return tooLong(file, probe.header().frames());
            }
            if (probe.needsConversion() && probe.seconds() * WavHeader.NATIVE_RATE > maxSamples + SLACK) {
                // clearly over the limit: refused before converting it; near it, the converted length decides
                return new Skipped(
                        SkipReason.TOO_LONG,
                        String.format(Locale.ROOT, "%s is %.2f s long; %s", file, probe.seconds(), limit));
            }
            try (Recording r = loader.open(probe)) {
                if (r.samples() > maxSamples) {
                    return tooLong(file, r.samples());
                }
                if (r.samples() < minSamples) {
                    return new Skipped(
                            SkipReason.TOO_SHORT,
                            String.format(
                                    Locale.ROOT,
                                    "%s is %.2f s long (%,d samples); a head reads %d embeddings"
                                            + " (window-frames), which need at least %.2f s (%,d samples); clips"
                                            + " are never padded: pad it with silence before the wake word (the"
                                            + " head scores the newest %.2f s at every step), e.g."
                                            + " sox in.wav out.wav pad %.1f 0.2",
                                    file,
                                    r.samples() / (double) WavHeader.NATIVE_RATE,
                                    r.samples(),
                                    windowFrames,
                                    minSamples / (double) WavHeader.NATIVE_RATE,
                                    minSamples,
                                    minSamples / (double) WavHeader.NATIVE_RATE,
                                    padBefore(r.samples())));
                }
                return new Read(r.read(0, r.samples()), r.convertedFrom());
            }
        } catch (IllegalArgumentException e) {
            return new Skipped(SkipReason.UNREADABLE, e.getMessage());
        } catch (IOException e) {
            return new Skipped(SkipReason.UNREADABLE, "cannot read " + file + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            return new Skipped(SkipReason.UNREADABLE, e.getMessage());
        }
    }

    private Skipped tooLong(Path file, long samples) {
        return new Skipped(
                SkipReason.TOO_LONG,
                String.format(
                        Locale.ROOT,
                        "%s is %.2f s long (%,d samples); %s",
                        file,
                        samples / (double) WavHeader.NATIVE_RATE,
                        samples,
                        limit));
    }

    private static String seconds(double s) {
        return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
    }

    /**
     * Seconds of silence to put before a clip of {@code samples} so that, with 0.2 s after it, it
     * reaches {@code minSamples} with at least 0.05 s to spare: rounded up to 0.1 s.
     */
    private double padBefore(long samples) {
        double missing = (minSamples - samples) / (double) WavHeader.NATIVE_RATE - 0.2 + 0.05;
        return Math.max(0.1, Math.ceil(missing * 10 - 1e-9) / 10);
    }
}
