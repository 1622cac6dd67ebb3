package dev.headstream.core.adapt.task;

/**
 * How a task's users train and publish against the negative bank ({@link BankNegatives}).
 *
 * <p>Before the optimizer steps of each arriving training sample, the user's head scores
 * {@code candidates} random windows of the bank's training part together with its current hard
 * pool and keeps the {@code pool} highest-scoring ones as the new pool (window numbers, kept in
 * the user's state). Each step then adds {@code perStep} bank windows as negatives, a share
 * {@code hardShare} of them drawn from the pool and the rest uniformly from the whole training part.
 *
 * <p>Publishing: the threshold is set on the calibration part in false accepts per hour, and a
 * head whose recall on the user's own positives at that threshold is below {@code minRecall}, or
 * below the source head's recall on the same positives, is published as the source head. With
 * {@code calibrationSlices} 1 every calibration scores every step of the calibration part. With
 * more, a calibration scores the user's calibration pool (the {@code calibrationPool} steps its
 * head scored highest so far; a new head starts from the source head's highest) and the next of
 * {@code calibrationSlices} equal slices of the part in turn, sets the threshold on those steps
 * and keeps the highest-scoring {@code calibrationPool} of them as the new pool: every step is
 * scored again at least once in {@code calibrationSlices} calibrations, and the steps near the
 * threshold at every one.
 *
 * @param perStep    bank windows per optimizer step
 * @param hardShare  share of them from the user's hard pool, 0..1
 * @param candidates random bank windows scored per arriving training sample
 * @param pool       windows in the user's hard pool
 * @param minRecall  lowest recall on the user's own training positives at which the adapted head is published
 * @param calibrationPool   calibration steps in the user's calibration pool
 * @param calibrationSlices slices of the calibration part, one scored per calibration; 1 = every step every time
 */
public record BankTraining(
        int perStep,
        float hardShare,
        int candidates,
        int pool,
        float minRecall,
        int calibrationPool,
        int calibrationSlices) {

    /**
     * @throws IllegalArgumentException unless 0 <= perStep <= 4,096, candidates <= 2^20, pools <= 2^16,
     *     shares in [0, 1], 1 <= calibrationSlices <= 2^16
     */
    public BankTraining {
        if (perStep < 0
                || calibrationPool < 0
                || calibrationPool > 1 << 16
                || calibrationSlices < 1
                || calibrationSlices > 1 << 16
                || perStep > 4_096
                || candidates < 0
                || candidates > 1 << 20
                || pool < 0
                || pool > 1 << 16
                || !(hardShare >= 0f && hardShare <= 1f)
                || !(minRecall >= 0f && minRecall <= 1f)) {
            throw new IllegalArgumentException("invalid bank training: " + this);
        }
    }

    /**
     * The default: 8 bank windows per step, half from a pool of the 64 hardest of 512 candidates per
     * sample; recall 0.5; calibration on a pool of 2,048 steps and one of 32 slices of the part
     * (with the default 1 h calibration part, 3,442 of its 44,600 steps per calibration; chosen by
     * {@code bench-quiet}: the same recall and false accepts per hour as scoring every step, where a
     * pool of 512 gave one activation more after 8 and after 16 clips).
     */
    public static BankTraining defaults() {
        return new BankTraining(8, 0.5f, 512, 64, 0.5f, 2048, 32);
    }

    public BankTraining withPerStep(int n) {
        return new BankTraining(n, hardShare, candidates, pool, minRecall, calibrationPool, calibrationSlices);
    }

    public BankTraining withHardShare(float share) {
        return new BankTraining(perStep, share, candidates, pool, minRecall, calibrationPool, calibrationSlices);
    }

    public BankTraining withMining(int candidateWindows, int poolWindows) {
        return new BankTraining(
                perStep, hardShare, candidateWindows, poolWindows, minRecall, calibrationPool, calibrationSlices);
    }

    public BankTraining withMinRecall(float recall) {
        return new BankTraining(perStep, hardShare, candidates, pool, recall, calibrationPool, calibrationSlices);
    }

    /** With calibration on a pool of {@code poolSteps} and one of {@code slices} slices; {@code slices == 1}: every step. */
    public BankTraining withCalibration(int poolSteps, int slices) {
        return new BankTraining(perStep, hardShare, candidates, pool, minRecall, poolSteps, slices);
    }
}
