package dev.headstream.core.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The negative-transfer test of issue 4 on synthetic paired gaps: configured false-alarm rate
 * 1 per {@value #TARGET_ARL0} samples, drift allowance {@value #DELTA} (gaps in units of their
 * in-control standard deviation).
 */
class NegativeTransferMonitorTest {

    static final double TARGET_ARL0 = 1000;
    static final double SAFETY = 2;
    static final double DELTA = 0.5;
    static final double CLIP = 4;

    private static NegativeTransferMonitor gaussianCalibrated() {
        return NegativeTransferMonitor.calibrated(DELTA, CLIP, 50, NullModel.gaussian(0, 1), TARGET_ARL0, SAFETY, 11);
    }

    @Test
    void calibrationReachesTheTargetArl0WithTheSafetyFactor() {
        ArlCalibrator.Calibration c =
                NegativeTransferMonitor.calibrate(DELTA, CLIP, NullModel.gaussian(0, 1), TARGET_ARL0, SAFETY, 11);
        // Siegmund's approximation for k = 0.5 puts ARL0 = 2000 near h = 5.8.
        assertThat(c.threshold()).isBetween(5.0, 7.5);
        assertThat(c.estimatedArl0()).isGreaterThanOrEqualTo(TARGET_ARL0 * SAFETY);
        assertThat(c.samples()).isEqualTo(400_000);
        assertThat(c.alarms()).isBetween(150L, 200L);
        // Deterministic for a seed.
        assertThat(NegativeTransferMonitor.calibrate(DELTA, CLIP, NullModel.gaussian(0, 1), TARGET_ARL0, SAFETY, 11))
                .isEqualTo(c);
    }

    /**
     * Labels flipped from sample 200: the adapted head's loss jumps well above the source's, the
     * paired gap's mean from 0 to +1 (one in-control standard deviation; flipped labels on a
     * confident head give much larger gaps). Issue 4 asks for an alarm within 30 poisoned samples
     * on average; Siegmund's approximation gives a mean delay of about 12 here. Single users vary
     * (the run length's spread is about half its mean), hence the looser bound on the worst one.
     */
    @Test
    void alarmsWithinThirtySamplesAfterTheGapJumps() {
        NegativeTransferMonitor proto = gaussianCalibrated();
        int users = 50;
        int change = 200;
        long delays = 0;
        long worst = 0;
        int earlyAlarms = 0;
        for (int u = 0; u < users; u++) {
            NegativeTransferMonitor m = proto.copy();
            m.reset();
            SplittableRandom rnd = new SplittableRandom(1000 + u);
            long raisedAt = -1;
            for (int i = 1; i <= change + 200 && raisedAt < 0; i++) {
                double source = 0.3 + 0.1 * rnd.nextDouble();
                double gap = (i > change ? 1.0 : 0.0) + NullModel.gaussian(rnd);
                if (m.input(source + gap, source)) {
                    if (i <= change) {
                        earlyAlarms++;
                        m.reset();
                    } else {
                        raisedAt = i;
                    }
                }
            }
            assertThat(raisedAt).as("user %d alarmed", u).isPositive();
            long delay = raisedAt - change;
            delays += delay;
            worst = Math.max(worst, delay);
        }
        double meanDelay = (double) delays / users;
        System.out.printf(
                "negative transfer: gap 0 -> +1 sd, mean delay %.1f samples, worst %d, "
                        + "false alarms before the change %d in %d samples%n",
                meanDelay, worst, earlyAlarms, users * change);
        assertThat(meanDelay).isLessThanOrEqualTo(20);
        assertThat(worst).isLessThanOrEqualTo(60);
        // 10,000 in-control samples at ARL0 >= 2,000: about 5 expected.
        assertThat(earlyAlarms).isLessThanOrEqualTo(10);
    }

    /**
     * Issue 4's acceptance check: 50 clean users x 500 samples, each a fresh monitor restarted
     * after every alarm, must show at most one false alarm per {@value #TARGET_ARL0} samples, i.e.
     * at most 25. Calibrated to twice the target ARL0, the expected count is 12.5 (Poisson:
     * P(more than 25) is about 0.1%), so the bound has real slack without being vacuous.
     */
    @Test
    void falseAlarmRateOnCleanUsersIsAtMostTheConfiguredRate() {
        NegativeTransferMonitor proto = gaussianCalibrated();
        long alarms = countNullAlarms(proto, 50, 500, rnd -> NullModel.gaussian(rnd));
        System.out.printf(
                "negative transfer: %d false alarms in 50 x 500 Gaussian null samples (configured <= %d)%n",
                alarms, 25);
        assertThat(alarms).isLessThanOrEqualTo(25);
    }

    /**
     * The same with a bootstrap null: the reference set is 2,000 gaps of clean users drawn from a
     * skewed, heavy-tailed law (the difference of two log-loss-like exponentials, scale 0.7);
     * the test streams are fresh draws from that law, not from the reference set.
     */
    @Test
    void bootstrapCalibrationHoldsTheRateOnFreshSkewedNullStreams() {
        NullModel law = rnd -> 0.7 * (-Math.log(1 - rnd.nextDouble()) + Math.log(1 - rnd.nextDouble()))
                + (rnd.nextDouble() < 0.02 ? 3 : 0)
                - 0.06;
        double[] reference = ArlCalibrator.simulate(law, 2000, 5);
        NegativeTransferMonitor proto = NegativeTransferMonitor.calibrated(
                DELTA, CLIP, 50, NullModel.bootstrap(reference, true), TARGET_ARL0, SAFETY, 12);
        long alarms = countNullAlarms(proto, 50, 500, law::sample);
        System.out.printf(
                "negative transfer: bootstrap-calibrated h = %.3f, %d false alarms in 50 x 500 skewed null"
                        + " samples (configured <= 25)%n",
                proto.threshold(), alarms);
        assertThat(alarms).isLessThanOrEqualTo(25);
    }

    private static long countNullAlarms(NegativeTransferMonitor proto, int users, int samples, NullModel gaps) {
        long alarms = 0;
        for (int u = 0; u < users; u++) {
            NegativeTransferMonitor m = proto.copy();
            m.reset();
            SplittableRandom rnd = new SplittableRandom(50_000 + u);
            for (int i = 0; i < samples; i++) {
                double source = 0.2 + rnd.nextDouble();
                if (m.input(source + gaps.sample(rnd), source)) {
                    alarms++;
                    m.reset();
                }
            }
        }
        return alarms;
    }

    @Test
    void publishesStatisticThresholdAndAlarmUntilReset() {
        NegativeTransferMonitor m = new NegativeTransferMonitor(new NegativeTransferMonitor.Config(0.5, 2, 3, 4));
        assertThat(m.input(1.0, 0.0)).isFalse();
        assertThat(m.statistic()).isCloseTo(0.5, within(1e-12));
        assertThat(m.input(0.0, 1.0)).isFalse();
        assertThat(m.statistic()).isZero();
        assertThat(m.input(10.0, 0.0)).as("gap clipped to 3, S = 2.5 > 2").isTrue();
        assertThat(m.lastGap()).isEqualTo(3);
        assertThat(m.alarm()).isTrue();
        assertThat(m.alarmSample()).isEqualTo(3);
        assertThat(m.threshold()).isEqualTo(2);
        assertThat(m.input(10.0, 0.0)).as("alarm is raised once").isFalse();
        assertThat(m.alarm()).isTrue();
        assertThat(m.windowGap()).isCloseTo((1 - 1 + 3 + 3) / 4.0, within(1e-12));

        double[] state = new double[m.stateSize()];
        m.writeState(state, 0);
        NegativeTransferMonitor restored = new NegativeTransferMonitor(m.config());
        restored.readState(state, 0);
        assertThat(restored.statistic()).isEqualTo(m.statistic());
        assertThat(restored.alarmSample()).isEqualTo(3);

        m.reset();
        assertThat(m.alarm()).isFalse();
        assertThat(m.statistic()).isZero();
        assertThat(m.samples()).isZero();
        assertThat(restored.alarm()).isTrue();
        assertThatThrownBy(() -> m.input(Double.POSITIVE_INFINITY, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void lossRiseTestAlarmsWhenTheAdaptedHeadTurnsWrongThoughTheGapStaysNearZero() {
        NegativeTransferMonitor.LossRise rise = new NegativeTransferMonitor.LossRise(0.25, 6, 4, 5);
        NegativeTransferMonitor m =
                new NegativeTransferMonitor(new NegativeTransferMonitor.Config(0.5, 5, 4, 10).withLossRise(rise));
        for (int i = 0; i < 20; i++) {
            assertThat(m.input(0.1, 0.1)).isFalse();
        }
        // both heads equally wrong: a zero gap the CUSUM never sees, a loss 20 x the adapted head's past
        int alarmAt = -1;
        for (int i = 0; i < 10 && alarmAt < 0; i++) {
            if (m.input(9.0, 9.0)) {
                alarmAt = i + 1;
            }
        }
        // clipped to 4: g grows by 4 - mean - 0.25 per sample, > 6 on the second such sample
        assertThat(alarmAt).isEqualTo(2);
        assertThat(m.alarmTest()).isEqualTo(NegativeTransferMonitor.Test.LOSS_RISE);
        assertThat(m.statistic()).as("the gap test saw nothing").isZero();
        assertThat(m.alarmSample()).isEqualTo(22);
        assertThat(m.lossRiseStatistic()).isGreaterThan(m.lossRiseThreshold());

        double[] state = new double[m.stateSize()];
        m.writeState(state, 0);
        NegativeTransferMonitor restored = new NegativeTransferMonitor(m.config());
        restored.readState(state, 0);
        assertThat(restored.lossRiseStatistic()).isEqualTo(m.lossRiseStatistic());
        assertThat(restored.alarmTest()).isEqualTo(NegativeTransferMonitor.Test.LOSS_RISE);
        assertThat(m.stateSize())
                .isEqualTo(
                        new NegativeTransferMonitor(new NegativeTransferMonitor.Config(0.5, 5, 4, 10)).stateSize() + 4);

        m.reset();
        assertThat(m.alarmTest()).isEqualTo(NegativeTransferMonitor.Test.NONE);
        assertThat(m.lossRiseStatistic()).isZero();
    }

    @Test
    void lossRiseCalibrationHoldsTheRateOnItsNull() {
        NullModel losses = rnd -> rnd.nextDouble() < 0.1 ? 2 + 2 * rnd.nextDouble() : 0.2 * rnd.nextDouble();
        NegativeTransferMonitor.LossRise rise =
                NegativeTransferMonitor.LossRise.calibrate(0.25, 4, 5, losses, TARGET_ARL0, SAFETY, 3);
        long alarms = 0;
        SplittableRandom rnd = new SplittableRandom(99);
        for (int u = 0; u < 50; u++) {
            PageHinkley ph = new PageHinkley(rise.delta(), rise.threshold(), 1.0, rise.minSamples());
            for (int i = 0; i < 500; i++) {
                if (ph.input(losses.sample(rnd))) {
                    alarms++;
                    ph.reset();
                }
            }
        }
        assertThat(alarms)
                .as("false alarms in 25,000 null samples at ARL0 %.0f", TARGET_ARL0)
                .isLessThanOrEqualTo((long) (25_000 / TARGET_ARL0));
    }
}
