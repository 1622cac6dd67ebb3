package dev.headstream.core.adapt;

import dev.headstream.core.embed.EmbeddingSequence;
import java.util.List;

/**
 * Other speakers' negative clips, already embedded, shared read-only by every user of a task.
 * A fixed part is held aside for threshold calibration and never trained on: every
 * {@code calibrationEvery}-th clip goes to calibration, the rest to rehearsal training.
 *
 * @param train       clips mixed into users' updates as negatives
 * @param calibration clips used only to place each user's decision threshold
 */
public record RehearsalSet(List<EmbeddingSequence> train, List<EmbeddingSequence> calibration) {

    /** Every 4th reference clip is held aside for threshold calibration. */
    public static final int CALIBRATION_EVERY = 4;

    public RehearsalSet {
        train = List.copyOf(train);
        calibration = List.copyOf(calibration);
    }

    public static RehearsalSet empty() {
        return new RehearsalSet(List.of(), List.of());
    }

    /** Splits {@code clips} deterministically: every {@code calibrationEvery}-th clip to calibration. */
    public static RehearsalSet split(List<EmbeddingSequence> clips, int calibrationEvery) {
        java.util.ArrayList<EmbeddingSequence> train = new java.util.ArrayList<>();
        java.util.ArrayList<EmbeddingSequence> calibration = new java.util.ArrayList<>();
        for (int i = 0; i < clips.size(); i++) {
            (i % calibrationEvery == calibrationEvery - 1 ? calibration : train).add(clips.get(i));
        }
        return new RehearsalSet(train, calibration);
    }

    /**
     * Embeds the audio samples of a length-delimited sample file (an operator's reference set of
     * other speakers' negatives) and splits them as {@link #split} does.
     *
     * @throws IllegalArgumentException naming the file and sample when a sample has no audio
     */
    public static RehearsalSet fromSampleFile(dev.headstream.core.embed.Backbone backbone, java.nio.file.Path file,
            int calibrationEvery) {
        List<dev.headstream.core.embed.BackboneInput> clips = new java.util.ArrayList<>();
        for (dev.headstream.schemas.v1.Sample s : dev.headstream.core.wire.SampleFile.read(file)) {
            if (!s.hasAudio()) {
                throw new IllegalArgumentException("rehearsal set " + file + ": sample " + s.getSampleId()
                        + " has no audio");
            }
            short[] pcm = new short[s.getAudio().getPcm16Le().size() / 2];
            s.getAudio().getPcm16Le().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asShortBuffer()
                    .get(pcm);
            clips.add(new dev.headstream.core.embed.BackboneInput.Audio(s.getAudio().getSampleRateHz(), pcm));
        }
        return split(backbone.embed(clips), calibrationEvery);
    }
}
