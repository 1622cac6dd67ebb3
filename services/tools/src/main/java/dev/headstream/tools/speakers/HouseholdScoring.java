package dev.headstream.tools.speakers;

import java.util.ArrayList;
import java.util.List;

/**
 * Scores one household's head: its open-set threshold calibrated on other people's speech, then
 * identification of the members' held-out utterances (a member rejected as unknown, or taken for
 * another member, is an error) and rejection of outside voices' utterances.
 */
public final class HouseholdScoring {

    /**
     * The figures of one household at one number of enrollment clips.
     *
     * @param threshold           the calibrated threshold
     * @param calibrationAccepted share of calibration utterances the head accepts as a member
     * @param tests               members' held-out utterances scored
     * @param correct             of them, attributed to the right member
     * @param closedSetCorrect    of them, whose best member is the right one (threshold ignored)
     * @param rejectedMembers     of them, rejected as unknown
     * @param outside             outside voices' utterances scored
     * @param outsideRejected     of them, rejected as unknown
     */
    public record Result(
            float threshold,
            double calibrationAccepted,
            int tests,
            int correct,
            int closedSetCorrect,
            int rejectedMembers,
            int outside,
            int outsideRejected) {

        public double accuracy() {
            return tests == 0 ? 0 : correct / (double) tests;
        }

        public double closedSetAccuracy() {
            return tests == 0 ? 0 : closedSetCorrect / (double) tests;
        }

        public double outsideRejection() {
            return outside == 0 ? 0 : outsideRejected / (double) outside;
        }
    }

    private HouseholdScoring() {}

    /**
     * Builds the head from the first {@code k} enrollment vectors of each member, calibrates its
     * threshold so that at most {@code maxCalibrationShare} of {@code calibration} is accepted,
     * and scores {@code tests} (per member, in member order) and {@code outside}.
     */
    public static Result score(
            SpeakerHead.Factory factory,
            List<List<float[]>> enrollment,
            int k,
            List<List<float[]>> tests,
            List<float[]> outside,
            List<float[]> calibration,
            double maxCalibrationShare) {
        if (tests.size() != enrollment.size()) {
            throw new IllegalArgumentException(
                    "tests for " + tests.size() + " members, enrollment for " + enrollment.size());
        }
        List<List<float[]>> firstK = new ArrayList<>(enrollment.size());
        for (List<float[]> e : enrollment) {
            if (e.size() < k) {
                throw new IllegalArgumentException("a member has " + e.size() + " enrollment vectors, " + k + " asked");
            }
            firstK.add(e.subList(0, k));
        }
        SpeakerHead head = factory.build(firstK);
        float[] calibrationScores = new float[calibration.size()];
        for (int i = 0; i < calibrationScores.length; i++) {
            calibrationScores[i] = head.score(calibration.get(i)).score();
        }
        float threshold = OpenSetThreshold.calibrate(calibrationScores, maxCalibrationShare);
        int n = 0;
        int correct = 0;
        int closed = 0;
        int rejected = 0;
        for (int m = 0; m < tests.size(); m++) {
            for (float[] x : tests.get(m)) {
                SpeakerHead.Score s = head.score(x);
                int decision = SpeakerHead.decide(s, threshold);
                n++;
                if (s.best() == m) {
                    closed++;
                }
                if (decision == m) {
                    correct++;
                } else if (decision == SpeakerHead.UNKNOWN) {
                    rejected++;
                }
            }
        }
        int outsideRejected = 0;
        for (float[] x : outside) {
            if (SpeakerHead.decide(head.score(x), threshold) == SpeakerHead.UNKNOWN) {
                outsideRejected++;
            }
        }
        return new Result(
                threshold,
                OpenSetThreshold.acceptedShare(calibrationScores, threshold),
                n,
                correct,
                closed,
                rejected,
                outside.size(),
                outsideRejected);
    }
}
