package dev.headstream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.embed.EmbeddingSequence;
import java.util.List;
import org.junit.jupiter.api.Test;

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

    private static float sigmoid(float z) {
        return (float) (1 / (1 + Math.exp(-z)));
    }
}
