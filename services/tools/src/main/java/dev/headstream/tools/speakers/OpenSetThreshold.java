package dev.headstream.tools.speakers;

import java.util.Arrays;

/**
 * The open-set threshold of a speaker head: the lowest score at which at most a target share of
 * other people's utterances (the negative bank's calibration speech) would be accepted as a member.
 * An utterance is accepted when its best member score is at or above the threshold.
 */
public final class OpenSetThreshold {

    private OpenSetThreshold() {}

    /**
     * The smallest threshold {@code t} such that {@code #(scores >= t) <= floor(maxShare * n)}:
     * just above the {@code (floor(maxShare * n) + 1)}-th highest score (the next float up), so
     * ties at that score are all rejected.
     *
     * @param scores   best member score of each calibration utterance (not modified)
     * @param maxShare largest share of them that may be accepted, in {@code [0, 1)}
     * @throws IllegalArgumentException for no scores, a non-finite score or a share outside {@code [0, 1)}
     */
    public static float calibrate(float[] scores, double maxShare) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("no calibration scores");
        }
        if (!(maxShare >= 0 && maxShare < 1)) {
            throw new IllegalArgumentException("maxShare must be in [0, 1), was " + maxShare);
        }
        float[] sorted = scores.clone();
        for (float s : sorted) {
            if (!Float.isFinite(s)) {
                throw new IllegalArgumentException("calibration scores must be finite");
            }
        }
        Arrays.sort(sorted);
        int allowed = (int) Math.floor(maxShare * sorted.length);
        float cut = sorted[sorted.length - 1 - allowed];
        return Math.nextUp(cut);
    }

    /** Share of {@code scores} at or above {@code threshold}. */
    public static double acceptedShare(float[] scores, float threshold) {
        int n = 0;
        for (float s : scores) {
            if (s >= threshold) {
                n++;
            }
        }
        return scores.length == 0 ? 0 : n / (double) scores.length;
    }
}
