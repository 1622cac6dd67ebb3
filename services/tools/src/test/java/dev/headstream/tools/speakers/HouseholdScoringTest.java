package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HouseholdScoringTest {

    private static final int DIM = 8;

    /** Around unit axis {@code axis} (negative axis for axis >= DIM), with noise. */
    private static List<float[]> around(int axis, int n, double noise, SplittableRandom r) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                x[d] = (float) (noise * r.nextGaussian());
            }
            x[axis % DIM] += axis < DIM ? 1 : -1;
            out.add(x);
        }
        return out;
    }

    @Test
    void separatedMembersAreIdentifiedAndOthersRejected() {
        SplittableRandom r = new SplittableRandom(7);
        List<List<float[]>> enroll = List.of(around(0, 10, 0.1, r), around(1, 10, 0.1, r), around(2, 10, 0.1, r));
        List<List<float[]>> tests = List.of(around(0, 10, 0.1, r), around(1, 10, 0.1, r), around(2, 10, 0.1, r));
        List<float[]> calibration = new ArrayList<>();
        for (int axis = 3; axis < DIM; axis++) {
            calibration.addAll(around(axis, 40, 0.1, r));
        }
        List<float[]> outside = around(DIM, 30, 0.1, r); // along -axis 0: far from every member
        HouseholdScoring.Result res =
                HouseholdScoring.score(PrototypeSpeakerHead.factory(), enroll, 10, tests, outside, calibration, 0.02);
        assertThat(res.tests()).isEqualTo(30);
        assertThat(res.correct()).isEqualTo(30);
        assertThat(res.closedSetCorrect()).isEqualTo(30);
        assertThat(res.outsideRejected()).isEqualTo(30);
        assertThat(res.calibrationAccepted()).isLessThanOrEqualTo(0.02);
    }

    @Test
    void aMemberWhoSoundsLikeAnotherIsAnErrorAndAMemberLikeTheCalibrationSpeechIsRejected() {
        SplittableRandom r = new SplittableRandom(8);
        List<List<float[]>> enroll = List.of(around(0, 5, 0.05, r), around(1, 5, 0.05, r));
        // member 0's held-out clips sound like member 1; member 1's like the calibration speakers
        List<List<float[]>> tests = List.of(around(1, 10, 0.05, r), around(3, 10, 0.05, r));
        List<float[]> calibration = around(3, 100, 0.05, r);
        HouseholdScoring.Result res =
                HouseholdScoring.score(PrototypeSpeakerHead.factory(), enroll, 5, tests, List.of(), calibration, 0.05);
        assertThat(res.correct()).isZero();
        assertThat(res.rejectedMembers()).isGreaterThanOrEqualTo(5);
        assertThat(res.accuracy()).isZero();
    }

    @Test
    void fewerEnrollmentClipsUseTheFirstOnes() {
        SplittableRandom r = new SplittableRandom(9);
        // member 0's first clip is on axis 0, its others opposite; k = 1 must only see the first
        List<float[]> m0 = new ArrayList<>(around(0, 1, 0.01, r));
        m0.addAll(around(DIM, 9, 0.01, r));
        List<List<float[]>> enroll = List.of(m0, around(1, 10, 0.01, r));
        List<List<float[]>> tests = List.of(around(0, 5, 0.01, r), around(1, 5, 0.01, r));
        List<float[]> calibration = around(6, 50, 0.01, r);
        assertThat(HouseholdScoring.score(
                                PrototypeSpeakerHead.factory(), enroll, 1, tests, List.of(), calibration, 0.02)
                        .correct())
                .isEqualTo(10);
        assertThat(HouseholdScoring.score(
                                PrototypeSpeakerHead.factory(), enroll, 10, tests, List.of(), calibration, 0.02)
                        .correct())
                .isEqualTo(5);
    }

    @Test
    void theSoftmaxHeadLearnsSeparatedMembers() {
        SplittableRandom r = new SplittableRandom(10);
        List<List<float[]>> enroll = List.of(around(0, 10, 0.2, r), around(1, 10, 0.2, r), around(2, 10, 0.2, r));
        SpeakerHead head = SoftmaxSpeakerHead.factory(1).build(enroll);
        for (int m = 0; m < 3; m++) {
            for (float[] x : around(m, 10, 0.2, r)) {
                SpeakerHead.Score s = head.score(x);
                assertThat(s.best()).isEqualTo(m);
                assertThat(s.score()).isGreaterThan(1f / 3);
            }
        }
    }
}
