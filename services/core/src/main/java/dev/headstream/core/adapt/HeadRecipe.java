package dev.headstream.core.adapt;

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
 *                           ({@link dev.headstream.core.head.LoraMlpHead}, alpha {@code 2r}); the L2 term then pulls
 *                           the low-rank factors toward zero, i.e. the head toward the source
 */
public record HeadRecipe(int trainableTopLayers, OptimizerKind optimizer, float learningRate, float l2sp, float maxGradientNorm,
        int replaySteps, int replayBuffer, int userWindowsPerStep, int rehearsalPerStep, int windowFrames, float thresholdPosition, boolean timeShift,
        int loraRank) {

    /** The optimizers a recipe can name. */
    public enum OptimizerKind { ADAM, SGD }

    /** SGD's momentum. */
    public static final float SGD_MOMENTUM = 0.9f;

    public HeadRecipe {
        java.util.Objects.requireNonNull(optimizer, "optimizer");
        if (trainableTopLayers < 1 || replaySteps < 1 || replayBuffer < 1 || userWindowsPerStep < 1
                || rehearsalPerStep < 0 || loraRank < 0 || windowFrames < 1 || !(thresholdPosition >= 0f && thresholdPosition <= 1f)) {
            throw new IllegalArgumentException("invalid head recipe: " + this);
        }
        if (!(learningRate > 0f) || !(l2sp >= 0f) || !(maxGradientNorm > 0f)) {
            throw new IllegalArgumentException("invalid head recipe: " + this);
        }
    }

    /** The wake-word default: every layer, Adam 1e-3, L2-SP 1e-2, 20 replay steps per clip, 4 own + 8 rehearsal windows per step. */
    public static HeadRecipe wakeWordDefault() {
        return new HeadRecipe(5, OptimizerKind.ADAM, 1e-3f, 1e-2f, 10f, 20, 32, 4, 8, 16, 0.75f, true, 0);
    }

    /** The optimizer this recipe names. */
    public dev.headstream.core.head.Optimizer newOptimizer() {
        return optimizer == OptimizerKind.ADAM ? dev.headstream.core.head.Adam.of(learningRate)
                : new dev.headstream.core.head.SgdMomentum(learningRate, SGD_MOMENTUM);
    }

    public HeadRecipe withTrainableTopLayers(int k) {
        return new HeadRecipe(k, optimizer, learningRate, l2sp, maxGradientNorm, replaySteps, replayBuffer,
                userWindowsPerStep, rehearsalPerStep, windowFrames, thresholdPosition, timeShift, loraRank);
    }

    public HeadRecipe withL2sp(float lambda) {
        return new HeadRecipe(trainableTopLayers, optimizer, learningRate, lambda, maxGradientNorm, replaySteps,
                replayBuffer, userWindowsPerStep, rehearsalPerStep, windowFrames, thresholdPosition, timeShift, loraRank);
    }

    public HeadRecipe withRehearsalPerStep(int n) {
        return new HeadRecipe(trainableTopLayers, optimizer, learningRate, l2sp, maxGradientNorm, replaySteps,
                replayBuffer, userWindowsPerStep, n, windowFrames, thresholdPosition, timeShift, loraRank);
    }

    public HeadRecipe withTimeShift(boolean on) {
        return new HeadRecipe(trainableTopLayers, optimizer, learningRate, l2sp, maxGradientNorm, replaySteps,
                replayBuffer, userWindowsPerStep, rehearsalPerStep, windowFrames, thresholdPosition, on, loraRank);
    }

    /** Replay with {@code buffer} remembered clips and {@code userWindows} of them per step (1, 1 = no replay). */
    public HeadRecipe withReplay(int buffer, int userWindows) {
        return new HeadRecipe(trainableTopLayers, optimizer, learningRate, l2sp, maxGradientNorm, replaySteps, buffer,
                userWindows, rehearsalPerStep, windowFrames, thresholdPosition, timeShift, loraRank);
    }

    public HeadRecipe withReplaySteps(int steps) {
        return new HeadRecipe(trainableTopLayers, optimizer, learningRate, l2sp, maxGradientNorm, steps, replayBuffer,
                userWindowsPerStep, rehearsalPerStep, windowFrames, thresholdPosition, timeShift, loraRank);
    }

    /** Low-rank per-user deltas of rank {@code r} on every frozen layer ({@code 0} = off). */
    public HeadRecipe withLoraRank(int r) {
        return new HeadRecipe(trainableTopLayers, optimizer, learningRate, l2sp, maxGradientNorm, replaySteps, replayBuffer,
                userWindowsPerStep, rehearsalPerStep, windowFrames, thresholdPosition, timeShift, r);
    }
}
