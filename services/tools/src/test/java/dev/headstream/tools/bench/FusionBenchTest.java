package dev.headstream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.detect.Detections;
import dev.headstream.core.head.FusionHead;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fusion measurement's own rules: the per-hour threshold, a clip's best window, the summaries. */
class FusionBenchTest {

    @Test
    void theThresholdKeepsEveryRecordingWithinTheAllowedActivationsAndNoLowerOneDoes() {
        SplittableRandom random = new SplittableRandom(5);
        float[] scores = new float[3_000];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) random.nextDouble();
        }
        int[] bounds = {0, 1_000, 2_500, 3_000};
        for (int allowed : new int[] {0, 1, 7, 40}) {
            float t = FusionBench.thresholdAbove(Detections.highestRejected(scores, bounds, allowed));
            assertThat(Detections.count(scores, bounds, t)).isLessThanOrEqualTo(allowed);
            assertThat(Detections.count(scores, bounds, Math.nextDown(t)))
                    .as("the next lower threshold fires more")
                    .isGreaterThan(allowed);
        }
    }

    @Test
    void aTargetAtOrBelowOneActivationInTheHoursAllowsNone() {
        assertThat(dev.headstream.core.adapt.task.ThresholdCalibrator.allowedActivations(0.5, 0.99))
                .isZero();
        assertThat(dev.headstream.core.adapt.task.ThresholdCalibrator.allowedActivations(0.5, 2.0))
                .isEqualTo(1);
        assertThat(dev.headstream.core.adapt.task.ThresholdCalibrator.allowedActivations(1.0, 2.08))
                .isEqualTo(2);
        assertThat(FusionBench.thresholdAbove(Float.NEGATIVE_INFINITY)).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void aClipIsAsStrongAsItsBestFusedWindow() {
        // source, adapted per window: the best window differs by weight
        float[][] clip = {{0.9f, 0.1f, 0.2f}, {0.1f, 0.7f, 0.3f}};
        assertThat(FusionBench.bestFused(new FusionHead(0f), clip)).isEqualTo(0.9f);
        assertThat(FusionBench.bestFused(new FusionHead(1f), clip)).isEqualTo(0.7f);
        assertThat(FusionBench.bestFused(new FusionHead(0.5f), clip)).isEqualTo(0.5f);
    }

    @Test
    void aSummaryPoolsActivationsOverHeadHoursAndKeepsTheWorstHead() {
        List<FusionBench.Figures> figures = List.of(
                new FusionBench.Figures("a", 8, 0.5f, FusionBench.Rule.PLACED, 0.9f, 10, 9, 2, 2.0),
                new FusionBench.Figures("b", 8, 0.5f, FusionBench.Rule.PLACED, 0.9f, 10, 7, 0, 2.0),
                new FusionBench.Figures("a", 8, 1f, FusionBench.Rule.PLACED, 0.9f, 10, 10, 5, 2.0),
                new FusionBench.Figures("a", 16, 0.5f, FusionBench.Rule.PLACED, 0.9f, 10, 1, 9, 2.0));
        FusionBench.Summary s = FusionBench.Summary.of(figures, 8, 0.5f, FusionBench.Rule.PLACED);
        assertThat(s.heads()).isEqualTo(2);
        assertThat(s.recall()).isEqualTo(0.8);
        assertThat(s.activations()).isEqualTo(2);
        assertThat(s.perHour()).isEqualTo(0.5);
        assertThat(s.worst()).isEqualTo(1.0);
    }

    @Test
    void thePlacedThresholdLiesBetweenTheNegativesAndThePositivesAtThePosition() {
        float t = FusionBench.placed(0.2f, 0.8f, 0.5f);
        assertThat(t).isGreaterThan(0.2f).isLessThan(0.8f);
        // half-way in logit space between logit(0.2) and logit(0.8) is logit 0: a score of 0.5
        assertThat(t).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(FusionBench.placed(0.2f, 0.8f, 0.25f)).isLessThan(t);
        // overlapping: above the highest negative; no positive yet: above the negatives too
        assertThat(FusionBench.placed(0.9f, 0.6f, 0.5f)).isGreaterThan(0.9f);
        assertThat(FusionBench.placed(0.3f, Float.POSITIVE_INFINITY, 0.5f)).isGreaterThan(0.3f);
        // nothing rejected on the calibration speech and no negative clip: still a finite score
        assertThat(FusionBench.placed(Float.NEGATIVE_INFINITY, 0.7f, 0.5f)).isBetween(0f, 0.7f);
    }

    @Test
    void anEmptyOrOutOfRangeWeightListIsRefusedBeforeAnyWork() {
        assertThatThrownBy(() -> FusionBench.checkWeights(new float[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no fusion weight");
        assertThatThrownBy(() -> FusionBench.checkWeights(new float[] {0.5f, 1.5f}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1.5");
        assertThat(FusionBench.checkWeights(new float[] {0f, 0.5f, 1f})).containsExactly(0f, 0.5f, 1f);
    }
}
