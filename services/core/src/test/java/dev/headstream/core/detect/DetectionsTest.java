package dev.headstream.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.head.MlpHead;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DetectionsTest {

    @Test
    void refractoryPeriodIsTwoSecondsOfEightyMillisecondSteps() {
        assertThat(Detections.REFRACTORY_STEPS).isEqualTo(25);
        float[] z = new float[100];
        z[10] = 5;
        z[34] = 5; // 24 steps later: inside the refractory period
        z[35] = 5; // 25 steps after 10: allowed
        z[60] = 5; // exactly 25 after 35: allowed
        assertThat(Detections.activations(z, 0, z.length, 1f)).containsExactly(10, 35, 60);
        assertThat(Detections.count(z, 0, z.length, 1f)).isEqualTo(3);
    }

    @Test
    void aHighStretchActivatesOncePerRefractoryPeriod() {
        float[] z = new float[75];
        Arrays.fill(z, 3f);
        assertThat(Detections.activations(z, 0, z.length, 0f)).containsExactly(0, 25, 50);
    }

    @Test
    void recordingsAreCountedSeparately() {
        float[] z = new float[40];
        z[19] = 2;
        z[20] = 2; // first step of the second recording: not inside the first one's refractory period
        assertThat(Detections.count(z, new int[] {0, 20, 40}, 1f)).isEqualTo(2);
        assertThat(Detections.count(z, 0, 40, 1f)).isEqualTo(1);
    }

    @Test
    void highestRejectedLeavesAtMostTheAllowedActivationsAndNoLowerValueDoes() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] z = new float[5_000];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) (rnd.nextGaussian() * 2);
        }
        int[] bounds = {0, 1_200, 3_100, 5_000};
        for (int allowed : new int[] {0, 1, 2, 5, 20}) {
            float v = Detections.highestRejected(z, bounds, allowed);
            assertThat(Detections.count(z, bounds, Math.nextUp(v))).isLessThanOrEqualTo(allowed);
            assertThat(Detections.count(z, bounds, v)).isGreaterThan(allowed);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float x : z) {
            max = Math.max(max, x);
        }
        assertThat(Detections.highestRejected(z, bounds, 0)).isEqualTo(max);
    }

    @Test
    void logitOfIsTheLowestLogitWhoseScoreReachesTheThresholdAtTheEdgesToo() {
        for (float score : new float[] {0.5f, 0.9f, 0.001f, 0.999999f, 1f, Math.nextDown(1f)}) {
            float t = Detections.logitOf(score);
            assertThat(MlpHead.sigmoid(t)).as("score %s", score).isGreaterThanOrEqualTo(score);
            assertThat(MlpHead.sigmoid(Math.nextDown(t))).as("below %s", score).isLessThan(score);
        }
        assertThat(Detections.logitOf(1f))
                .as("a float sigmoid reaches 1 at a finite logit")
                .isLessThan(20f);
        assertThat(Detections.logitOf(0f)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Detections.logitOf(-1f)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Detections.logitOf(1.5f)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThatThrownBy(() -> Detections.logitOf(Float.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLargeAllowanceNeedsNoThreshold() {
        float[] z = {1, 2, 3};
        assertThat(Detections.highestRejected(z, new int[] {0, 3}, 1)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Detections.highestRejected(z, new int[] {0, 3}, 0)).isEqualTo(3f);
        assertThatThrownBy(() -> Detections.highestRejected(z, new int[] {0, 3}, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sparseStepsCountLikeTheDenseStepsWithTheOthersNeverActivating() {
        SplittableRandom rnd = new SplittableRandom(31);
        int[] bounds = {0, 700, 701, 2_000, 2_600};
        for (int round = 0; round < 40; round++) {
            float[] dense = new float[bounds[bounds.length - 1]];
            for (int i = 0; i < dense.length; i++) {
                dense[i] = (float) (rnd.nextGaussian() * 2);
            }
            // every step given: exactly the dense figures
            int[] all = new int[dense.length];
            Arrays.setAll(all, i -> i);
            for (int allowed : new int[] {0, 1, 3, 10}) {
                assertThat(Detections.highestRejectedSparse(all, dense, all.length, bounds, allowed))
                        .isEqualTo(Detections.highestRejected(dense, bounds, allowed));
            }
            assertThat(Detections.countSparse(all, dense, all.length, bounds, 1.5f))
                    .isEqualTo(Detections.count(dense, bounds, 1.5f));
            // a subset: as if every other step scored lower than any threshold asked about
            double keep = 0.05 + 0.9 * rnd.nextDouble();
            int[] steps = new int[dense.length];
            float[] logits = new float[dense.length];
            float[] masked = new float[dense.length];
            int n = 0;
            for (int i = 0; i < dense.length; i++) {
                if (rnd.nextDouble() < keep) {
                    steps[n] = i;
                    logits[n++] = dense[i];
                    masked[i] = dense[i];
                } else {
                    masked[i] = -1_000f;
                }
            }
            for (float t : new float[] {-1f, 0f, 1f, 2.5f, 4f}) {
                assertThat(Detections.countSparse(steps, logits, n, bounds, t))
                        .as("round %d threshold %s", round, t)
                        .isEqualTo(Detections.count(masked, bounds, t));
            }
            for (int allowed : new int[] {0, 1, 3, 10}) {
                float sparse = Detections.highestRejectedSparse(steps, logits, n, bounds, allowed);
                float expected = Detections.highestRejected(masked, bounds, allowed);
                assertThat(sparse)
                        .as("round %d allowed %d", round, allowed)
                        .isEqualTo(expected == -1_000f ? Float.NEGATIVE_INFINITY : expected);
            }
        }
        assertThat(Detections.highestRejectedSparse(new int[0], new float[0], 0, bounds, 0))
                .isEqualTo(Float.NEGATIVE_INFINITY);
        assertThatThrownBy(() -> Detections.highestRejectedSparse(new int[0], new float[0], 0, bounds, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
