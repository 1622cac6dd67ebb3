package dev.headstream.cli.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadScore;
import dev.headstream.schemas.v1.OutputScore;
import org.junit.jupiter.api.Test;

/** watch prints a class head's metrics as accuracy and per-output counts, not a wake-word head's fields. */
class WatchClassMetricsTest {

    @Test
    void aClassHeadsLineShowsAccuracyHoldoutAndEachOutput() {
        AdaptationMetrics m = AdaptationMetrics.newBuilder()
                .setHeadVersion(4)
                .setSamplesApplied(5)
                .setSourcePrequential(HeadScore.newBuilder().setMeanLoss(1.386).setAccuracy(0.25))
                .setAdaptedPrequential(HeadScore.newBuilder().setMeanLoss(0.5).setAccuracy(0.8))
                .setSourceHoldout(HeadScore.newBuilder().setCount(3).setAccuracy(1 / 3.0))
                .setAdaptedHoldout(HeadScore.newBuilder().setCount(3).setAccuracy(1.0))
                .addOutputs(
                        OutputScore.newBuilder().setLabel("noisy").setLabeled(4).setCorrect(3))
                .addOutputs(OutputScore.newBuilder().setLabel("music").setLabeled(0))
                .build();
        assertThat(WatchCommand.classMetrics("acme/bob/traits", m))
                .isEqualTo("metrics acme/bob/traits v4 applied=5 prequential loss src=1.386 ada=0.500 accuracy"
                        + " src=0.25 ada=0.80 holdout accuracy src=0.33 ada=1.00 (3) outputs noisy=3/4 music=0/0");
    }
}
