package dev.headstream.cli.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.head.MlpHead;
import org.junit.jupiter.api.Test;

class ThresholdsTest {

    @Test
    void aLogitReachesTheThresholdExactlyWhenItsScoreDoes() {
        for (float score : new float[] {1e-6f, 0.01f, 0.3f, 0.5f, 0.625f, 0.9f, 0.999f, 0.9999999f}) {
            float t = Thresholds.logitOf(score);

            assertThat(MlpHead.sigmoid(t)).as("score %s", score).isGreaterThanOrEqualTo(score);
            assertThat(MlpHead.sigmoid(Math.nextDown(t))).as("score %s", score).isLessThan(score);
        }
    }

    @Test
    void theEndsAcceptEverythingOrOnlySaturatedScores() {
        assertThat(Thresholds.logitOf(0f)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(MlpHead.sigmoid(Thresholds.logitOf(1f))).isEqualTo(1f);
        assertThat(Thresholds.logitOf(1.5f)).isEqualTo(Float.POSITIVE_INFINITY);
    }
}
