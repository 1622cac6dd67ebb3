package dev.headstream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.bank.BankPart;
import dev.headstream.core.embed.EmbeddingSequence;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrototypeDetectorTest {

    private static final int DIM = 2;
    private static final int WINDOW = 1;

    /** A one-frame clip pointing in direction {@code (x, y)}. */
    private static EmbeddingSequence clip(float x, float y) {
        return new EmbeddingSequence(1, DIM, new float[] {x, y});
    }

    @Test
    void scoresByCosineToTheClassMeansFromTheFirstPositive() {
        RehearsalSet rehearsal = new RehearsalSet(List.of(clip(0f, 1f)), List.of(clip(-0.2f, 1f)));
        PrototypeDetector d = new PrototypeDetector(DIM, WINDOW, rehearsal);
        assertThat(d.score(clip(1f, 0f))).as("no positive yet").isZero();

        d.learn(clip(1f, 0f), true);

        // cos to the positive mean (1, 0) minus cos to the negative mean (0, 1), over temperature 0.1
        assertThat(d.score(clip(1f, 0f))).isEqualTo(sigmoid((1f - 0f) / PrototypeDetector.TEMPERATURE));
        assertThat(d.score(clip(0f, 2f))).isEqualTo(sigmoid((0f - 1f) / PrototypeDetector.TEMPERATURE));
        assertThat(d.version()).isEqualTo(1);
    }

    @Test
    void calibratedThresholdSeparatesTheHeldAsideNegativeFromThePositives() {
        RehearsalSet rehearsal = new RehearsalSet(List.of(clip(0f, 1f)), List.of(clip(0.5f, 1f)));
        PrototypeDetector d = new PrototypeDetector(DIM, WINDOW, rehearsal);
        d.learn(clip(1f, 0.1f), true);
        d.learn(clip(1f, -0.1f), true);
        assertThat(d.threshold()).as("uncalibrated").isEqualTo(BinaryHeadTask.SOURCE_THRESHOLD);

        d.calibrate(0.75f);

        assertThat(d.score(clip(0.5f, 1f))).isLessThan(d.threshold());
        assertThat(d.score(clip(1f, 0.1f))).isGreaterThanOrEqualTo(d.threshold());
        assertThat(d.score(clip(1f, -0.1f))).isGreaterThanOrEqualTo(d.threshold());
    }

    @Test
    void perHourCalibrationLeavesAtMostTheTargetsActivationsOnContinuousSpeech(@TempDir Path dir) {
        // 100 steps of speech pointing at the negative mean, but for two steps near the positive one
        int steps = 100;
        float[] frames = new float[steps * DIM];
        for (int i = 0; i < steps; i++) {
            frames[2 * i] = 0.1f;
            frames[2 * i + 1] = 1f;
        }
        frames[2 * 10] = 1f; // (1, 0.3): close to the positive
        frames[2 * 10 + 1] = 0.3f;
        frames[2 * 60] = 1f; // (1, 0.5): less close, 50 steps later
        frames[2 * 60 + 1] = 0.5f;
        Path file = dir.resolve("calibration.bank");
        BankPart.write(file, "b", DIM, List.of("v"), List.of(new BankPart.Segment(0, steps)), List.of(frames));
        HeldOutSpeech speech = new HeldOutSpeech(BankPart.open(file), WINDOW);
        double hours = speech.hours();

        PrototypeDetector none = detector();
        none.calibratePerHour(speech, 0.5, 0.5f); // 0.5 per hour of 8 s allows no activation
        assertThat(speech.activations(none, none.threshold())).isZero();
        assertThat(none.score(clip(1f, 0f))).as("the positive itself").isGreaterThanOrEqualTo(none.threshold());

        PrototypeDetector one = detector();
        one.calibratePerHour(speech, 1.5 / hours, 0f); // allows one activation; the threshold just above the rest
        assertThat(speech.activations(one, one.threshold())).isEqualTo(1);
        assertThat(one.threshold()).isLessThan(none.threshold());

        PrototypeDetector withNegative = detector();
        withNegative.learn(clip(1f, 0.2f), false); // a near miss the head has learned is rejected too
        withNegative.calibratePerHour(speech, 1.5 / hours, 0.5f);
        assertThat(withNegative.score(clip(1f, 0.2f))).isLessThan(withNegative.threshold());
    }

    private static PrototypeDetector detector() {
        PrototypeDetector d = new PrototypeDetector(DIM, WINDOW, new RehearsalSet(List.of(clip(0f, 1f)), List.of()));
        d.learn(clip(1f, 0f), true);
        return d;
    }

    private static float sigmoid(float z) {
        return (float) (1 / (1 + Math.exp(-z)));
    }
}
