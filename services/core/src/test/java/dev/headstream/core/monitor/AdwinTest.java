package dev.headstream.core.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdwinTest {

    static final double DELTA = 0.002;

    /**
     * Error rate 0.2 -> 0.6 at sample 1,000 over 30 seeded streams: every change found within 100
     * samples (ADWIN only checks every 32 inputs), as an increase, and the window shrinks to the
     * new regime. Mean delay printed (about 40 samples).
     */
    @Test
    void detectsAnAbruptErrorIncreaseAndDropsTheOldRegime() {
        long total = 0;
        for (int run = 0; run < 30; run++) {
            Adwin a = new Adwin(DELTA);
            SplittableRandom rnd = new SplittableRandom(run);
            long at = -1;
            for (int i = 1; i <= 2000; i++) {
                double p = i > 1000 ? 0.6 : 0.2;
                if (a.input(rnd.nextDouble() < p ? 1 : 0) && at < 0) {
                    at = i;
                }
            }
            assertThat(at).as("run %d", run).isGreaterThan(1000).isLessThanOrEqualTo(1100);
            assertThat(a.alarmSample()).isEqualTo(at);
            assertThat(a.lastChangeWasIncrease()).isTrue();
            assertThat(a.width()).as("old regime dropped").isLessThan(1200);
            assertThat(a.mean()).isCloseTo(0.6, within(0.08));
            total += at - 1000;
        }
        System.out.printf("adwin: error 0.2 -> 0.6, mean delay %.1f samples%n", total / 30.0);
    }

    @Test
    void detectsAShiftOfABoundedNonBinaryStream() {
        Adwin a = new Adwin(DELTA);
        SplittableRandom rnd = new SplittableRandom(3);
        long at = -1;
        for (int i = 1; i <= 3000 && at < 0; i++) {
            double x = (i > 2000 ? 0.5 : 0.3) + 0.2 * rnd.nextDouble();
            if (a.input(x)) {
                at = i;
            }
        }
        assertThat(at).isBetween(2001L, 2100L);
    }

    /**
     * 100 seeded stationary streams of 3,000 samples at error rate 0.2. ADWIN's guarantee bounds the
     * false-cut probability per check by delta, so the expected count is at most delta times the
     * number of checks (300,000 / 32 = 9,375), i.e. 18.75. The bound is a union bound over all
     * splits and is loose in practice: the measured count is near zero.
     */
    @Test
    void staysQuietOnStationaryStreams() {
        long alarms = 0;
        for (int run = 0; run < 100; run++) {
            Adwin a = new Adwin(DELTA);
            alarms += ArlCalibrator.countAlarms(a, ArlCalibrator.simulate(NullModel.bernoulli(0.2), 3000, 7_000 + run));
        }
        double bound = DELTA * (100 * 3000 / Adwin.CLOCK);
        System.out.printf("adwin: %d false alarms in 100 x 3000 stationary samples (bound %.2f)%n", alarms, bound);
        assertThat((double) alarms).isLessThanOrEqualTo(bound);
    }

    @Test
    void windowIsBoundedByItsFixedStorage() {
        Adwin a = new Adwin(DELTA, 4);
        for (int i = 0; i < 10_000; i++) {
            a.input(i % 2);
        }
        assertThat(a.width()).isLessThanOrEqualTo(5 * 15);
        assertThat(a.mean()).isCloseTo(0.5, within(0.05));
    }

    @Test
    void copiesAndRestoredStatesContinueIdentically() {
        Adwin a = new Adwin(DELTA, 12);
        SplittableRandom rnd = new SplittableRandom(8);
        for (int i = 0; i < 777; i++) {
            a.input(rnd.nextDouble() < 0.3 ? 1 : 0);
        }
        double[] s = new double[a.stateSize()];
        a.writeState(s, 0);
        Adwin b = new Adwin(DELTA, 12);
        b.readState(s, 0);
        Adwin c = a.copy();
        for (int i = 0; i < 1500; i++) {
            double x = rnd.nextDouble() < (i > 400 ? 0.7 : 0.3) ? 1 : 0;
            boolean ca = a.input(x);
            assertThat(b.input(x)).isEqualTo(ca);
            assertThat(c.input(x)).isEqualTo(ca);
        }
        assertThat(a.alarm()).isTrue();
        assertThat(b.width()).isEqualTo(a.width());
        assertThat(c.mean()).isEqualTo(a.mean());
        a.reset();
        assertThat(a.width()).isZero();
        assertThat(a.alarm()).isFalse();
        assertThat(b.alarm()).isTrue();
    }
}
