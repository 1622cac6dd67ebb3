package dev.headstream.core.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DriftMonitorTest {

    private static final int DIM = 12;
    private static final DriftMonitor.Config CONFIG =
            new DriftMonitor.Config(16, new MmdDriftDetector.Config(8, 1, 999, MmdDriftDetector.alphaFor(1, 1_000), 7));

    private static float[] draw(SplittableRandom rnd, double shift) {
        float[] x = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            x[i] = (float) (NullModel.gaussian(rnd) + shift);
        }
        return x;
    }

    @Test
    void alarmsSoonAfterTheInputShiftsAndNotBefore() {
        SplittableRandom rnd = new SplittableRandom(3);
        DriftMonitor m = new DriftMonitor(CONFIG, DIM, 11);
        MmdWorkspace ws = DriftMonitor.workspace(CONFIG);
        for (int i = 0; i < 16; i++) {
            assertThat(m.input(draw(rnd, 0), 0, ws)).isFalse();
        }
        assertThat(m.ready()).isTrue();
        for (int i = 0; i < 40; i++) {
            m.input(draw(rnd, 0), 0, ws);
        }
        assertThat(m.alarm()).as("same distribution").isFalse();
        assertThat(m.tests()).isEqualTo(40 - 8 + 1);
        int at = -1;
        for (int i = 0; i < 30 && at < 0; i++) {
            if (m.input(draw(rnd, 1.5), 0, ws)) {
                at = i + 1;
            }
        }
        assertThat(at).as("shifted inputs needed before the alarm").isBetween(1, 8);
        assertThat(m.alarm()).isTrue();
        assertThat(m.statistic()).isGreaterThan(m.threshold());
    }

    @Test
    void falseAlarmsOnUnchangedUsersStayNearTheConfiguredRate() {
        int alarmed = 0;
        long tests = 0;
        for (int u = 0; u < 40; u++) {
            SplittableRandom rnd = new SplittableRandom(100 + u);
            DriftMonitor m = new DriftMonitor(CONFIG, DIM, u);
            MmdWorkspace ws = DriftMonitor.workspace(CONFIG);
            for (int i = 0; i < 16 + 100; i++) {
                m.input(draw(rnd, 0), 0, ws);
            }
            alarmed += m.alarm() ? 1 : 0;
            tests += m.tests();
        }
        // 40 users x 93 tests at alpha 0.001 expect 3.7 rejecting tests; a user counts once (the
        // conditional-on-reference rate is a little higher than alpha, so allow a margin)
        System.out.printf("drift monitor: %d of 40 unchanged users alarmed in %d tests%n", alarmed, tests);
        assertThat(alarmed).isLessThanOrEqualTo(8);
    }

    @Test
    void stateRoundTripsWhileCollectingAndAfterAndContinuesIdentically() {
        SplittableRandom rnd = new SplittableRandom(5);
        DriftMonitor a = new DriftMonitor(CONFIG, DIM, 1);
        MmdWorkspace ws = DriftMonitor.workspace(CONFIG);
        assertThat(a.stateSize()).isEqualTo(1);
        for (int step = 0; step < 40; step++) {
            double[] state = new double[a.stateSize()];
            assertThat(a.writeState(state, 0)).isEqualTo(state.length);
            DriftMonitor b = new DriftMonitor(CONFIG, DIM, 1);
            assertThat(b.readState(state, 0)).isEqualTo(state.length);
            float[] x = draw(rnd, step < 24 ? 0 : 2);
            assertThat(b.input(x, 0, ws)).isEqualTo(a.input(x, 0, ws));
            assertThat(Double.doubleToLongBits(b.statistic())).isEqualTo(Double.doubleToLongBits(a.statistic()));
            assertThat(b.alarm()).isEqualTo(a.alarm());
            assertThat(b.residentBytes()).isEqualTo(a.residentBytes());
        }
        assertThat(a.alarm()).isTrue();
    }

    @Test
    void aConstantReferenceStillTestsAndResetStartsOver() {
        DriftMonitor m = new DriftMonitor(CONFIG, DIM, 1);
        MmdWorkspace ws = DriftMonitor.workspace(CONFIG);
        float[] same = new float[DIM];
        for (int i = 0; i < 24; i++) {
            m.input(same, 0, ws);
        }
        assertThat(m.ready()).isTrue();
        assertThat(m.alarm()).isFalse();
        SplittableRandom rnd = new SplittableRandom(9);
        for (int i = 0; i < 8; i++) {
            m.input(draw(rnd, 0), 0, ws);
        }
        assertThat(m.alarm()).as("anything differs from a constant").isTrue();
        DriftMonitor copy = m.copy();
        m.reset();
        assertThat(m.ready()).isFalse();
        assertThat(m.stateSize()).isEqualTo(1);
        assertThat(copy.alarm()).as("copies are independent").isTrue();
    }
}
