package dev.headstream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The choices the own-word benchmark makes from its figures: which head beats which, and from when. */
class OwnWordBenchTest {

    /** {@code heads} heads with mean recall {@code recall} and {@code activations} in {@code heads} hours. */
    private static OwnWordBench.Summary summary(double recall, int activations) {
        return new OwnWordBench.Summary(4, recall, activations, 4.0, activations, 0, 0, 0);
    }

    @Test
    void aTrainedHeadBeatsThePrototypeOnlyWithHigherRecallAndNoMoreFalseAccepts() {
        OwnWordBench.Summary prototype = summary(0.80, 4); // 1 per hour
        assertThat(OwnWordBench.beats(summary(0.90, 4), prototype, 0.5)).isTrue();
        assertThat(OwnWordBench.beats(summary(0.90, 2), prototype, 0.5)).isTrue();
        assertThat(OwnWordBench.beats(summary(0.90, 5), prototype, 0.5))
                .as("more false accepts")
                .isFalse();
        assertThat(OwnWordBench.beats(summary(0.80, 0), prototype, 0.5))
                .as("equal recall")
                .isFalse();
        assertThat(OwnWordBench.beats(summary(0.70, 0), prototype, 0.5))
                .as("lower recall")
                .isFalse();
    }

    @Test
    void aQuietPrototypeStillLosesToAHeadWithinTheTarget() {
        OwnWordBench.Summary silentPrototype = summary(0.60, 0);
        // 2 activations in 4 h = 0.5 per hour: at the target, not above it
        assertThat(OwnWordBench.beats(summary(0.95, 2), silentPrototype, 0.5)).isTrue();
        assertThat(OwnWordBench.beats(summary(0.95, 3), silentPrototype, 0.5)).isFalse();
    }

    @Test
    void theSwitchIsTheFirstClipCountFromWhichTheTrainedHeadKeepsWinning() {
        int[] clips = {3, 5, 8, 16};
        assertThat(OwnWordBench.switchPoint(clips, List.of(false, false, true, true)))
                .isEqualTo(8);
        assertThat(OwnWordBench.switchPoint(clips, List.of(true, true, true, true)))
                .isEqualTo(3);
        // a win at 3 clips that is lost at 5 does not count
        assertThat(OwnWordBench.switchPoint(clips, List.of(true, false, true, true)))
                .isEqualTo(8);
        assertThat(OwnWordBench.switchPoint(clips, List.of(true, true, true, false)))
                .isEqualTo(-1);
        assertThatThrownBy(() -> OwnWordBench.switchPoint(clips, List.of(true)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBetterStartHasMoreRecallWithinTheFalseAcceptLimit() {
        List<OwnWordBench.Summary> a = List.of(summary(0.7, 0), summary(0.9, 0));
        List<OwnWordBench.Summary> b = List.of(summary(0.8, 0), summary(0.95, 0));
        assertThat(OwnWordBench.better(a, b, 1.0)).isEqualTo(1);
        assertThat(OwnWordBench.better(b, a, 1.0)).isEqualTo(0);
        // b's recall comes with 2 false accepts per hour at the second count: a is within the limit there
        List<OwnWordBench.Summary> noisy = List.of(summary(0.8, 0), summary(1.0, 8));
        assertThat(OwnWordBench.better(a, noisy, 1.0)).isEqualTo(0);
        assertThat(OwnWordBench.better(a, a, 1.0)).as("a tie keeps the first").isEqualTo(0);
    }

    @Test
    void aSummaryPoolsActivationsOverHeadHoursAndKeepsTheWorstHead() {
        OwnWordBench.Variant v = new OwnWordBench.Variant(OwnWordBench.Kind.PROTOTYPE, false);
        List<OwnWordBench.Figures> f = List.of(
                new OwnWordBench.Figures(v, "p", "p/u1", "x", 3, false, 0.5f, 10, 10, 0, 2.0, 8, 1),
                new OwnWordBench.Figures(v, "p", "p/u2", "x", 3, false, 0.5f, 10, 5, 3, 2.0, 8, 3),
                new OwnWordBench.Figures(v, "q", "q/u1", "x", 3, true, 0.5f, 10, 0, 1, 2.0, 8, 0),
                new OwnWordBench.Figures(v, "p", "p/u1", "x", 5, false, 0.5f, 10, 10, 0, 2.0, 8, 0));
        OwnWordBench.Summary all = OwnWordBench.summary(f, v, 3, null);
        assertThat(all.heads()).isEqualTo(3);
        assertThat(all.recall()).isEqualTo(0.5);
        assertThat(all.perHour()).isEqualTo(4 / 6.0);
        assertThat(all.worst()).isEqualTo(1.5);
        assertThat(all.held()).isEqualTo(1);
        assertThat(all.nearMissRate()).isEqualTo(4 / 24.0);
        OwnWordBench.Summary p = OwnWordBench.summary(f, v, 3, "p");
        assertThat(p.heads()).isEqualTo(2);
        assertThat(p.recall()).isEqualTo(0.75);
        assertThat(OwnWordBench.summary(f, new OwnWordBench.Variant(OwnWordBench.Kind.PROTOTYPE, true), 3, null)
                        .heads())
                .isZero();
    }
}
