package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OpenSetThresholdTest {

    @Test
    void acceptsAtMostTheTargetShareOfCalibrationScores() {
        float[] scores = new float[100];
        for (int i = 0; i < 100; i++) {
            scores[i] = i / 100f; // 0.00 .. 0.99
        }
        float t = OpenSetThreshold.calibrate(scores, 0.05);
        // exactly the five highest (0.95 .. 0.99) are at or above it
        assertThat(OpenSetThreshold.acceptedShare(scores, t)).isEqualTo(0.05);
        assertThat(t).isGreaterThan(0.94f).isLessThanOrEqualTo(0.95f);
    }

    @Test
    void tiesAtTheCutAreAllRejected() {
        float[] scores = {0.1f, 0.5f, 0.5f, 0.5f, 0.9f};
        // 40 % allows two, but three share 0.5: only 0.9 may pass
        float t = OpenSetThreshold.calibrate(scores, 0.4);
        assertThat(OpenSetThreshold.acceptedShare(scores, t)).isEqualTo(0.2);
    }

    @Test
    void aZeroTargetAcceptsNone() {
        SplittableRandom r = new SplittableRandom(1);
        float[] scores = new float[500];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) r.nextGaussian();
        }
        float t = OpenSetThreshold.calibrate(scores, 0);
        assertThat(OpenSetThreshold.acceptedShare(scores, t)).isZero();
        for (double share : new double[] {0.01, 0.02, 0.1, 0.5}) {
            assertThat(OpenSetThreshold.acceptedShare(scores, OpenSetThreshold.calibrate(scores, share)))
                    .isLessThanOrEqualTo(share)
                    .isGreaterThan(share - 2.0 / scores.length);
        }
    }

    @Test
    void refusesBadInput() {
        assertThatThrownBy(() -> OpenSetThreshold.calibrate(new float[0], 0.1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OpenSetThreshold.calibrate(new float[] {1f}, 1.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OpenSetThreshold.calibrate(new float[] {Float.NaN}, 0.1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
