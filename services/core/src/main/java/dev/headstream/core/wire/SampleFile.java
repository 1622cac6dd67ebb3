package dev.headstream.core.wire;

import dev.headstream.core.embed.BackboneInput;
import dev.headstream.schemas.v1.Sample;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A file of length-delimited {@code headstream.v1.Sample} messages: the form of an operator's
 * reference set (e.g. other speakers' negatives used for rehearsal).
 */
public final class SampleFile {

    private SampleFile() {}

    public static void write(Path file, List<Sample> samples) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            for (Sample s : samples) {
                s.writeDelimitedTo(out);
            }
        }
    }

    /**
     * Reads every sample of {@code file}.
     *
     * @throws IllegalArgumentException naming the file when it is missing or not a sample file
     */
    public static List<Sample> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("sample file not found: " + file);
        }
        List<Sample> out = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            Sample s;
            while ((s = Sample.parseDelimitedFrom(in)) != null) {
                out.add(s);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read sample file " + file + " (record " + (out.size() + 1) + "): " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * The audio of every sample of {@code file}, an operator's rehearsal set (other speakers'
     * negatives), in file order.
     *
     * @throws IllegalArgumentException naming the file and sample when a sample has no audio
     */
    public static List<BackboneInput> readRehearsalAudio(Path file) {
        List<BackboneInput> clips = new ArrayList<>();
        for (Sample s : read(file)) {
            if (!s.hasAudio()) {
                throw new IllegalArgumentException(
                        "rehearsal set " + file + ": sample " + s.getSampleId() + " has no audio");
            }
            short[] pcm = new short[s.getAudio().getPcm16Le().size() / 2];
            s.getAudio()
                    .getPcm16Le()
                    .asReadOnlyByteBuffer()
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asShortBuffer()
                    .get(pcm);
            clips.add(new BackboneInput.Audio(s.getAudio().getSampleRateHz(), pcm));
        }
        return clips;
    }
}
