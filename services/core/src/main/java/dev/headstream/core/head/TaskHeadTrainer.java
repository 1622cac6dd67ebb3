package dev.headstream.core.head;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Mini-batch training of one {@link TaskHead}, the general counterpart of {@link HeadTrainer}:
 * the same call order, L2-SP anchor, gradient clipping and optimizer step, plus any
 * {@link HeadOutput}, label masks, dropout and a {@link Distillation} term.
 *
 * <p>Call order per mini-batch: {@link #accumulate} once per window (at least once), then
 * {@link #step} (or {@link #completeGradient} then {@link #applyUpdate}); {@link #discardBatch()}
 * drops a batch at any point. All windows of a batch and its step use the same {@code source}
 * and {@code trainable} arrays.
 *
 * <p>The minimised objective of a batch of {@code n} windows is
 * {@code (1/n) sum_i [weight_i * taskLoss_i + distillation_i] + lambda/2 * ||w - w_source||^2};
 * its gradient is clipped to {@code maxGradientNorm} and handed to the optimizer.
 *
 * <p>Thread-safety: not thread-safe; one trainer per worker thread, serving any number of users
 * of the same head (all per-user memory is the caller's {@code trainable} array and
 * {@link OptimizerState}). Nothing is allocated per window or per step. Deterministic: the same
 * calls, with dropout generators in the same states, give bit-identical parameters.
 */
public final class TaskHeadTrainer {

    private enum Phase { READY, ACCUMULATING, COMPLETE }

    private final TaskHead head;
    private final TrainingConfig config;
    private final Distillation distillation;
    private final TaskHead.Workspace workspace;
    private final float[] gradient;
    private final float[] anchor;
    private float[] anchorSource;
    private Phase phase = Phase.READY;
    private int count;
    private double lossSum;
    private float gradientNorm = Float.NaN;
    private float clipScale = 1f;
    private float gradientScale = 1f;

    public TaskHeadTrainer(TaskHead head, TrainingConfig config) {
        this(head, config, Distillation.OFF);
    }

    public TaskHeadTrainer(TaskHead head, TrainingConfig config, Distillation distillation) {
        this.head = Objects.requireNonNull(head, "head");
        this.config = Objects.requireNonNull(config, "config");
        this.distillation = Objects.requireNonNull(distillation, "distillation");
        this.workspace = head.newWorkspace();
        this.gradient = new float[head.trainableLength()];
        this.anchor = new float[head.trainableLength()];
    }

    public TaskHead head() {
        return head;
    }

    public TrainingConfig config() {
        return config;
    }

    public Distillation distillation() {
        return distillation;
    }

    /** Fresh optimizer state for one user's trainable tail. */
    public OptimizerState newOptimizerState() {
        return config.optimizer().newState(head.trainableLength());
    }

    /**
     * Adds one window's loss gradient to the batch; see
     * {@link TaskHead#accumulateGradient(float[], float[], float[], int, float[], boolean[], float, Distillation, RandomGenerator, TaskHead.Workspace, float[])}.
     * The window's logits before this batch's update (prequential, and with dropout when a
     * generator is given) can be read with {@link #copyLastLogits}.
     *
     * @return the window's loss (weighted task loss plus distillation term)
     */
    public float accumulate(float[] source, float[] trainable, float[] input, int inputOffset, float[] targets,
            boolean[] mask, float weight, RandomGenerator dropoutRandom) {
        if (phase == Phase.COMPLETE) {
            throw new IllegalStateException("gradient already completed: call applyUpdate or discardBatch first");
        }
        float loss = head.accumulateGradient(source, trainable, input, inputOffset, targets, mask, weight, distillation,
                dropoutRandom, workspace, gradient);
        phase = Phase.ACCUMULATING;
        count++;
        lossSum += loss;
        return loss;
    }

    /** Copies the logits of the last accumulated window into {@code out}. */
    public void copyLastLogits(float[] out) {
        workspace.copyLogits(out);
    }

    /**
     * Averages the batch gradient, adds the L2-SP term and, when clipping is configured, measures
     * the norm and sets the clip factor.
     *
     * @return the mean loss of the batch (without the L2-SP penalty)
     * @throws IllegalStateException if no window was accumulated, or the loss or gradient is not
     *                               finite (the batch is then discarded and the tail is unchanged)
     */
    public float completeGradient(float[] source, float[] trainable) {
        if (phase != Phase.ACCUMULATING) {
            throw new IllegalStateException(phase == Phase.READY ? "no window accumulated in this batch"
                    : "gradient already completed");
        }
        int n = gradient.length;
        if (trainable == null || trainable.length != n) {
            throw new IllegalArgumentException("trainable parameters must have length " + n);
        }
        double meanLoss = lossSum / count;
        if (!Double.isFinite(meanLoss)) {
            discardBatch();
            throw new IllegalStateException("non-finite loss; batch discarded, head unchanged");
        }
        float inverseCount = 1f / count;
        float lambda = config.l2SpLambda();
        float[] g = gradient;
        if (lambda != 0f) {
            float[] w0 = anchor(source);
            for (int i = 0; i < n; i++) {
                g[i] = g[i] * inverseCount + lambda * (trainable[i] - w0[i]);
            }
            gradientScale = 1f;
        } else {
            gradientScale = inverseCount;
        }
        clipScale = 1f;
        gradientNorm = Float.NaN;
        float max = config.maxGradientNorm();
        if (max != Float.POSITIVE_INFINITY) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += (double) g[i] * g[i];
            }
            double norm = Math.sqrt(sum) * gradientScale;
            if (!Double.isFinite(norm)) {
                discardBatch();
                throw new IllegalStateException("non-finite gradient; batch discarded, head unchanged");
            }
            gradientNorm = (float) norm;
            if (norm > max) {
                clipScale = (float) (max / (norm + 1e-6));
            }
        }
        phase = Phase.COMPLETE;
        return (float) meanLoss;
    }

    /** Applies the optimizer to {@code trainable} with the completed gradient and readies the next batch. */
    public void applyUpdate(float[] trainable, OptimizerState state) {
        if (phase != Phase.COMPLETE) {
            throw new IllegalStateException("completeGradient must run before applyUpdate");
        }
        config.optimizer().step(trainable, gradient, gradientScale * clipScale, state);
        discardBatch();
    }

    /** {@link #completeGradient} then {@link #applyUpdate}; returns the batch's mean loss before the update. */
    public float step(float[] source, float[] trainable, OptimizerState state) {
        float loss = completeGradient(source, trainable);
        applyUpdate(trainable, state);
        return loss;
    }

    /** Drops the current batch (if any) and zeroes the gradient buffer. */
    public void discardBatch() {
        if (phase != Phase.READY) {
            Arrays.fill(gradient, 0f);
        }
        phase = Phase.READY;
        count = 0;
        lossSum = 0;
    }

    /** Windows accumulated in the current batch. */
    public int batchSize() {
        return count;
    }

    /** L2 norm of the last completed gradient before clipping; {@code NaN} unless clipping is configured. */
    public float lastGradientNorm() {
        return gradientNorm;
    }

    /** Factor the last completed gradient is multiplied by for clipping ({@code 1} = not clipped). */
    public float lastClipScale() {
        return clipScale;
    }

    /** Copies the completed, scaled and clipped gradient into {@code target} (diagnostics and tests). */
    public void copyGradient(float[] target) {
        if (phase != Phase.COMPLETE) {
            throw new IllegalStateException("no completed gradient");
        }
        for (int i = 0; i < gradient.length; i++) {
            target[i] = gradient[i] * (gradientScale * clipScale);
        }
    }

    private float[] anchor(float[] source) {
        if (source != anchorSource) {
            int offset = head.trainableOffset();
            if (source == null || source.length != offset + anchor.length) {
                throw new IllegalArgumentException("source parameters must have length " + (offset + anchor.length));
            }
            System.arraycopy(source, offset, anchor, 0, anchor.length);
            anchorSource = source;
        }
        return anchor;
    }
}
