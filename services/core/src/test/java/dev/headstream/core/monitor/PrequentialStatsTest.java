package dev.headstream.core.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrequentialStatsTest {

    @Test
    void windowedAndFadingEstimatesMatchHandComputedValues() {
        PrequentialStats s = new PrequentialStats(3, 0.5);
        assertThat(s.windowLoss()).isNaN();
        s.add(1, true);
        s.add(2, false);
        s.add(3, true);
        s.add(4, true);

        assertThat(s.count()).isEqualTo(4);
        assertThat(s.windowCount()).isEqualTo(3);
        assertThat(s.windowLoss()).isCloseTo(3.0, within(1e-12));
        assertThat(s.windowAccuracy()).isCloseTo(2.0 / 3, within(1e-12));
        // S = 4 + .5 (3 + .5 (2 + .5 * 1)) = 6.125, N = 1 + .5 (1 + .5 (1 + .5)) = 1.875
        assertThat(s.fadingLoss()).isCloseTo(6.125 / 1.875, within(1e-12));
        // correct: 1 + .5 (1 + .5 (0 + .5 * 1)) = 1.625
        assertThat(s.fadingAccuracy()).isCloseTo(1.625 / 1.875, within(1e-12));

        s.reset();
        assertThat(s.count()).isZero();
        assertThat(s.windowLoss()).isNaN();
        assertThat(s.fadingLoss()).isNaN();
    }

    @Test
    void windowedMeanStaysExactOverALongStream() {
        WindowedMean w = new WindowedMean(100);
        SplittableRandom rnd = new SplittableRandom(7);
        double[] last = new double[100];
        for (int i = 0; i < 1_000_037; i++) {
            double x = 1e6 * rnd.nextDouble() * (rnd.nextBoolean() ? 1 : 1e-6);
            w.add(x);
            last[i % 100] = x;
        }
        double direct = 0;
        for (double v : last) {
            direct += v;
        }
        assertThat(w.mean()).isCloseTo(direct / 100, within(1e-9 * Math.abs(direct / 100)));
    }

    @Test
    void copyIsIndependentAndStateRoundTripsExactly() {
        PrequentialStats s = new PrequentialStats(5, 0.9);
        for (int i = 0; i < 7; i++) {
            s.add(0.1 * i, i % 3 == 0);
        }
        PrequentialStats copy = s.copy();
        double[] state = new double[s.stateSize() + 2];
        assertThat(s.writeState(state, 2)).isEqualTo(state.length);
        PrequentialStats restored = new PrequentialStats(5, 0.9);
        assertThat(restored.readState(state, 2)).isEqualTo(state.length);

        s.add(100, false);
        assertThat(copy.windowLoss()).isNotEqualTo(s.windowLoss());
        copy.add(100, false);
        restored.add(100, false);
        for (PrequentialStats other : new PrequentialStats[] {copy, restored}) {
            assertThat(other.windowLoss()).isEqualTo(s.windowLoss());
            assertThat(other.windowAccuracy()).isEqualTo(s.windowAccuracy());
            assertThat(other.fadingLoss()).isEqualTo(s.fadingLoss());
            assertThat(other.fadingAccuracy()).isEqualTo(s.fadingAccuracy());
            assertThat(other.count()).isEqualTo(s.count());
        }
        assertThatThrownBy(() -> new PrequentialStats(6, 0.9).readState(state, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsNonFiniteLossesAndBadConfiguration() {
        PrequentialStats s = new PrequentialStats(4, 0.99);
        assertThatThrownBy(() -> s.add(Double.NaN, true)).isInstanceOf(IllegalArgumentException.class);
        assertThat(s.count()).isZero();
        assertThatThrownBy(() -> new PrequentialStats(0, 0.9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PrequentialStats(3, 1.5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void generalizationGapIsPrequentialMinusTrainingLossOverTheWindow() {
        GeneralizationGap g = new GeneralizationGap(2, 1.0);
        g.add(0.9, 0.5);
        g.add(0.7, 0.2);
        g.add(1.0, 0.1);
        assertThat(g.gap()).isCloseTo((0.5 + 0.9) / 2, within(1e-12));
        assertThat(g.fadingGap()).isCloseTo((0.4 + 0.5 + 0.9) / 3, within(1e-12));
        assertThat(g.windowPrequentialLoss()).isCloseTo(0.85, within(1e-12));
        assertThat(g.windowTrainingLoss()).isCloseTo(0.15, within(1e-12));

        double[] state = new double[g.stateSize()];
        g.writeState(state, 0);
        GeneralizationGap restored = new GeneralizationGap(2, 1.0);
        restored.readState(state, 0);
        GeneralizationGap copy = g.copy();
        g.reset();
        assertThat(g.gap()).isNaN();
        assertThat(restored.gap()).isEqualTo(copy.gap()).isCloseTo(0.7, within(1e-12));
    }
}
