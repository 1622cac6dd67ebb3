package dev.headstream.core.adapt.task;

import dev.headstream.core.head.Adam;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.Optimizer;
import dev.headstream.core.head.SgdMomentum;
import java.util.Objects;

/**
 * How a binary task's per-user heads adapt: which layers train, the optimizer, conservative
 * regularization, replay, rehearsal and time-shift augmentation. Immutable.
 *
 * @param trainableTopLayers parameterised layers from the top that train per user; the rest stay
 *                           frozen and shared
 * @param optimizer          the update rule ({@code ADAM}, or {@code SGD} with momentum 0.9)
 * @param learningRate       step size
 * @param l2sp               L2-SP strength toward the source weights
 * @param maxGradientNorm    clip each mini-batch gradient to this norm
 * @param replaySteps        optimizer steps per arriving training sample
 * @param replayBuffer       most recent training clips kept per user
 * @param userWindowsPerStep windows of the user's own clips per step (the newest clip always among them)
 * @param rehearsalPerStep   rehearsal (other speakers') negative windows per step
 * @param windowFrames       embedding frames a head reads (16 for openWakeWord heads)
 * @param thresholdPosition  where the calibrated threshold sits between the highest negative and the lowest
 *                           positive logit (0 = at the negative, 1 = at the positive)
 * @param timeShift          train on randomly shifted windows of each clip (time-shift augmentation); when
 *                           false, always on the clip's last window
 * @param loraRank           {@code 0}: train the top {@code trainableTopLayers} layers as full per-user copies;
 *                           {@code r > 0}: every layer stays frozen and shared and each user trains rank-{@code r}
 *                           deltas on every Dense layer plus the LayerNorms and the last bias
 *                           ({@link LoraMlpHead}, alpha {@code 2r}); the L2 term then pulls
 *                           the low-rank factors toward zero, i.e. the head toward the source
 * @param l2spHalfLife       {@code 0}: L2-SP keeps its strength; {@code n > 0}: it weakens as the user's
 *                           applied training samples {@code s} grow, to {@code l2sp * n / (n + s)} (half
 *                           strength after {@code n} samples), so the head may move further from the
 *                           source once the user has shown more of their own data
 * @param distillation       output consistency to the source head, {@code 0..1}: every training window's
 *                           target becomes {@code (1 - d) * label + d * sigmoid(sourceLogit / T)}, i.e. the
 *                           loss is {@code (1 - d)} times the label's cross-entropy plus {@code d} times the
 *                           cross-entropy to the source head's softened output
 * @param distillationTemperature {@code T} above; softens the source head's output
 * @param maxUpdateNorm      per-user update-rate cap: {@code 0} off; otherwise the L2 norm of the change an
 *                           arriving sample makes to the user's vector (all its optimizer steps together)
 *                           is scaled back to at most this, so no single sample moves a head far
 * @param hardNegativeWindows {@code 1}: a negative clip trains on one random window like a positive;
 *                           {@code k > 1}: on the highest-scoring of {@code k} random windows, since a
 *                           streaming detector fires on a negative's worst window
 */
public record HeadRecipe(
        int trainableTopLayers,
        OptimizerKind optimizer,
        float learningRate,
        float l2sp,
        float maxGradientNorm,
        int replaySteps,
        int replayBuffer,
        int userWindowsPerStep,
        int rehearsalPerStep,
        int windowFrames,
        float thresholdPosition,
        boolean timeShift,
        int loraRank,
        int l2spHalfLife,
        float distillation,
        float distillationTemperature,
        float maxUpdateNorm,
        int hardNegativeWindows) {

    /** The optimizers a recipe can name. */
    public enum OptimizerKind {
        ADAM,
        SGD
    }

    /** SGD's momentum. */
    public static final float SGD_MOMENTUM = 0.9f;

    public HeadRecipe {
        Objects.requireNonNull(optimizer, "optimizer");
        if (trainableTopLayers < 1
                || replaySteps < 1
                || replayBuffer < 1
                || userWindowsPerStep < 1
                || rehearsalPerStep < 0
                || loraRank < 0
                || windowFrames < 1
                || !(thresholdPosition >= 0f && thresholdPosition <= 1f)) {
            throw new IllegalArgumentException("invalid head recipe: " + this);
        }
        if (!(learningRate > 0f) || !(l2sp >= 0f) || !(maxGradientNorm > 0f)) {
            throw new IllegalArgumentException("invalid head recipe: " + this);
        }
        if (l2spHalfLife < 0
                || !(distillation >= 0f && distillation <= 1f)
                || !(distillationTemperature > 0f)
                || !(maxUpdateNorm >= 0f)
                || Float.isInfinite(maxUpdateNorm)
                || hardNegativeWindows < 1) {
            throw new IllegalArgumentException("invalid head recipe: " + this);
        }
    }

    /** A recipe without L2-SP decay, distillation or update-rate cap. */
    public HeadRecipe(
            int trainableTopLayers,
            OptimizerKind optimizer,
            float learningRate,
            float l2sp,
            float maxGradientNorm,
            int replaySteps,
            int replayBuffer,
            int userWindowsPerStep,
            int rehearsalPerStep,
            int windowFrames,
            float thresholdPosition,
            boolean timeShift,
            int loraRank) {
        this(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                0,
                0f,
                1f,
                0f,
                1);
    }

    /** L2-SP strength after {@code applied} training samples of a user ({@link #l2spHalfLife()}). */
    public float l2spAfter(long applied) {
        return l2spHalfLife == 0 ? l2sp : (float) (l2sp * (double) l2spHalfLife / (l2spHalfLife + applied));
    }

    public HeadRecipe withL2spHalfLife(int samples) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                samples,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }

    public HeadRecipe withDistillation(float weight, float temperature) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                l2spHalfLife,
                weight,
                temperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }

    public HeadRecipe withHardNegativeWindows(int k) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                k);
    }

    public HeadRecipe withMaxUpdateNorm(float norm) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                norm,
                hardNegativeWindows);
    }

    /**
     * The wake-word default, chosen from the quality sweep (docs/sweep, with the figures behind each
     * choice): rank-4 low-rank deltas on every layer of the source head (a fraction of the vector and
     * Adam state that full per-user copies would take), Adam 1e-3, L2 1e-2 toward the source that
     * weakens with the user's samples (half at 8), 40 optimizer steps per arriving clip, each over
     * the newest clip, 3 replayed clips of a 32-clip half-precision buffer and 8 rehearsal
     * negatives, time-shifted; threshold 3/4 of the way from the highest negative to the lowest
     * positive logit.
     */
    public static HeadRecipe wakeWordDefault() {
        return new HeadRecipe(
                5, OptimizerKind.ADAM, 1e-3f, 1e-2f, 10f, 40, 32, 4, 8, 16, 0.75f, true, 4, 8, 0f, 1f, 0f, 1);
    }

    /** The optimizer this recipe names. */
    public Optimizer newOptimizer() {
        return optimizer == OptimizerKind.ADAM ? Adam.of(learningRate) : new SgdMomentum(learningRate, SGD_MOMENTUM);
    }

    public HeadRecipe withTrainableTopLayers(int k) {
        return new HeadRecipe(
                k,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }

    public HeadRecipe withL2sp(float lambda) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                lambda,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }

    public HeadRecipe withRehearsalPerStep(int n) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                n,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }

    public HeadRecipe withTimeShift(boolean on) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                on,
                loraRank,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }

    /** Replay with {@code buffer} remembered clips and {@code userWindows} of them per step (1, 1 = no replay). */
    public HeadRecipe withReplay(int buffer, int userWindows) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                buffer,
                userWindows,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }

    public HeadRecipe withReplaySteps(int steps) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                steps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }

    public HeadRecipe withLearningRate(float lr) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                lr,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                loraRank,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }

    public HeadRecipe withThresholdPosition(float position) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                position,
                timeShift,
                loraRank,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }

    /** Low-rank per-user deltas of rank {@code r} on every frozen layer ({@code 0} = off). */
    public HeadRecipe withLoraRank(int r) {
        return new HeadRecipe(
                trainableTopLayers,
                optimizer,
                learningRate,
                l2sp,
                maxGradientNorm,
                replaySteps,
                replayBuffer,
                userWindowsPerStep,
                rehearsalPerStep,
                windowFrames,
                thresholdPosition,
                timeShift,
                r,
                l2spHalfLife,
                distillation,
                distillationTemperature,
                maxUpdateNorm,
                hardNegativeWindows);
    }
}
