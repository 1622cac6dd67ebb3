package dev.headstream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.bank.BankPart;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Held-out speech scored as a detector: every window of every recording, activations with the
 * refractory period within a recording only. Frames of one float whose window score is the
 * window's first frame make the expected activations plain.
 */
class HeldOutSpeechTest {

    @TempDir
    Path dir;

    @Test
    void everyStepOfEveryRecordingIsScoredAndActivationsNeverCrossRecordings() {
        float[] first = new float[40];
        float[] second = new float[30];
        first[3] = 1f; // activates
        first[20] = 1f; // inside the refractory period of step 3
        first[30] = 1f; // 27 steps after step 3: activates
        second[0] = 1f; // first step of the second recording: counts again
        Path file = dir.resolve("evaluation.bank");
        BankPart.write(
                file,
                "b",
                1,
                List.of("v"),
                List.of(new BankPart.Segment(0, 40), new BankPart.Segment(0, 30)),
                List.of(first, second));
        HeldOutSpeech speech = new HeldOutSpeech(BankPart.open(file), 2);
        assertThat(speech.steps()).isEqualTo(39 + 29);
        assertThat(speech.bounds()).containsExactly(0, 39, 68);
        assertThat(speech.hours()).isEqualTo(68 * 0.08 / 3600);
        HeldOutSpeech.WindowScore firstFrame = (frames, offset) -> frames[offset];
        assertThat(speech.scores(firstFrame)).hasSize(68);
        assertThat(speech.activations(firstFrame, 0.5f)).isEqualTo(3);
    }
}
