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
 * below the source head's recall on the same positives, is published as the source head.
 *
 * @param perStep    bank windows per optimizer step
 * @param hardShare  share of them from the user's hard pool, 0..1
 * @param candidates random bank windows scored per arriving training sample
 * @param pool       windows in the user's hard pool
 * @param minRecall  lowest recall on the user's own training positives at which the adapted head is published
 */
public record BankTraining(int perStep, float hardShare, int candidates, int pool, float minRecall) {

    /** @throws IllegalArgumentException unless 0 <= perStep <= 4,096, candidates <= 2^20, pool <= 2^16, shares in [0, 1] */
    public BankTraining {
        if (perStep < 0
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

    /** The default: 8 bank windows per step, half from a pool of the 64 hardest of 512 candidates per sample; recall 0.5. */
    public static BankTraining defaults() {
        return new BankTraining(8, 0.5f, 512, 64, 0.5f);
    }

    public BankTraining withPerStep(int n) {
        return new BankTraining(n, hardShare, candidates, pool, minRecall);
    }

    public BankTraining withHardShare(float share) {
        return new BankTraining(perStep, share, candidates, pool, minRecall);
    }

    public BankTraining withMining(int candidateWindows, int poolWindows) {
        return new BankTraining(perStep, hardShare, candidateWindows, poolWindows, minRecall);
    }

    public BankTraining withMinRecall(float recall) {
        return new BankTraining(perStep, hardShare, candidates, pool, recall);
    }
}
