package dev.headstream.core.adapt.task;

import dev.headstream.core.embed.EmbeddingSequence;
import java.util.ArrayList;
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
        List<EmbeddingSequence> train = new ArrayList<>();
        List<EmbeddingSequence> calibration = new ArrayList<>();
        for (int i = 0; i < clips.size(); i++) {
            (i % calibrationEvery == calibrationEvery - 1 ? calibration : train).add(clips.get(i));
        }
        return new RehearsalSet(train, calibration);
    }
}
