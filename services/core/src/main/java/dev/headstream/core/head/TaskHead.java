package dev.headstream.core.head;

import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Forward and backward passes of a general MLP task head ({@link TaskArchitecture}): any number
 * of logits interpreted by a {@link HeadOutput} (binary, softmax, masked multi-label), inverted
 * dropout during training, an optional distillation term toward the source head, and the same
 * shared-source + trainable-tail memory model as {@link MlpHead}.
 *
 * <p>Every pass reads the shared, frozen {@code source} array of the whole head (never written)
 * and the user's {@code trainable} tail of length {@link #trainableLength()}, which replaces
 * {@code source[trainableOffset() ..]}. Backpropagation stops at the lowest trainable layer.
 *
 * <p>Dropout: a training pass given a {@link RandomGenerator} zeroes each unit of a layer's output
 * with that layer's rate and scales the kept units by {@code 1 / (1 - rate)}, drawing one
 * {@code nextFloat()} per unit, bottom layer first, unit by unit; so the mask is a function of
 * the generator's state alone and a seeded generator makes training reproducible. Passes without
 * a generator (all scoring methods, or {@code null}) are the identity: inference mode. The mask of
 * the last pass stays in the {@link Workspace}.
 *
 * <p>Call order: one {@code TaskHead} per (architecture, trainable depth), one {@link Workspace}
 * per thread, then any calls in any order; {@link TaskHeadTrainer} adds mini-batches and the
 * optimizer step. Thread-safety: immutable and shareable; scratch memory lives in the workspace,
 * which belongs to one thread at a time. No pass allocates; reductions run in a fixed order.
 */
public final class TaskHead {

    private static final int DENSE = 0;
    private static final int LAYER_NORM = 1;
    private static final int RELU = 2;

    private final TaskArchitecture architecture;
    private final HeadOutput output;
    private final int outputs;
    private final int topK;
    private final int layerCount;
    private final int[] kind;
    private final int[] inDim;
    private final int[] outDim;
    private final int[] offset;
    private final float[] epsilon;
    private final float[] dropRate;
    private final int firstDropout;
    private final int inputDim;
    private final int parameterCount;
    private final int firstTrainable;
    private final int trainableOffset;

    /**
     * @param architecture  layers, dropout and output strategy
     * @param trainableTopK how many parameterised layers, counted from the top, train
     */
    public TaskHead(TaskArchitecture architecture, int trainableTopK) {
        this.architecture = Objects.requireNonNull(architecture, "architecture");
        this.output = architecture.output();
        this.outputs = output.outputs();
        this.firstTrainable = architecture.firstTrainableLayer(trainableTopK);
        this.topK = trainableTopK;
        this.trainableOffset = architecture.trainableOffset(trainableTopK);
        this.parameterCount = architecture.parameterCount();
        this.inputDim = architecture.inputDim();
        this.layerCount = architecture.layers().size();
        this.kind = new int[layerCount];
        this.inDim = new int[layerCount];
        this.outDim = new int[layerCount];
        this.offset = new int[layerCount];
        this.epsilon = new float[layerCount];
        this.dropRate = new float[layerCount];
        int at = 0;
        int firstDrop = layerCount;
        for (int l = 0; l < layerCount; l++) {
            HeadLayer layer = architecture.layers().get(l);
            if (layer instanceof HeadLayer.Dense) {
                kind[l] = DENSE;
            } else if (layer instanceof HeadLayer.LayerNorm norm) {
                kind[l] = LAYER_NORM;
                epsilon[l] = norm.epsilon();
            } else {
                kind[l] = RELU;
            }
            inDim[l] = layer.inputDim();
            outDim[l] = layer.outputDim();
            offset[l] = at;
            dropRate[l] = architecture.dropoutRates().get(l);
            if (dropRate[l] != 0f && firstDrop == layerCount) {
                firstDrop = l;
            }
            at += layer.parameterCount();
        }
        this.firstDropout = firstDrop;
    }

    public TaskArchitecture architecture() {
        return architecture;
    }

    public HeadOutput output() {
        return output;
    }

    /** Number of logits (and probabilities) per window. */
    public int outputs() {
        return outputs;
    }

    public int trainableTopK() {
        return topK;
    }

    /** Where the trainable tail starts in the full (source) parameter array. */
    public int trainableOffset() {
        return trainableOffset;
    }

    /** Length of the trainable tail, of its gradient and of each optimizer moment. */
    public int trainableLength() {
        return parameterCount - trainableOffset;
    }

    /** Scratch buffers for this architecture; one per thread. */
    public Workspace newWorkspace() {
        return new Workspace(architecture);
    }

    /** A copy of the source values of the trainable tail: a user's starting point. */
    public float[] initialTrainable(float[] source) {
        checkSource(source);
        return Arrays.copyOfRange(source, trainableOffset, parameterCount);
    }

    /** Writes the adapted head's logits for one window into {@code out} (inference: no dropout). */
    public void logits(float[] source, float[] trainable, float[] input, int inputOffset, Workspace ws, float[] out) {
        checkSource(source);
        checkTrainable(trainable);
        checkInput(input, inputOffset);
        checkWorkspace(ws);
        checkOut(out);
        forward(source, trainable, firstTrainable, 0, input, inputOffset, ws, null);
        System.arraycopy(ws.activations[layerCount - 1], 0, out, 0, outputs);
    }

    /** Writes the adapted head's output probabilities for one window into {@code out}. */
    public void probabilities(
            float[] source, float[] trainable, float[] input, int inputOffset, Workspace ws, float[] out) {
        logits(source, trainable, input, inputOffset, ws, out);
        output.probabilities(out, out);
    }

    /** Writes the unadapted source head's logits (every layer from {@code source}) into {@code out}. */
    public void sourceLogits(float[] source, float[] input, int inputOffset, Workspace ws, float[] out) {
        checkSource(source);
        checkInput(input, inputOffset);
        checkWorkspace(ws);
        checkOut(out);
        forward(source, null, layerCount, 0, input, inputOffset, ws, null);
        System.arraycopy(ws.activations[layerCount - 1], 0, out, 0, outputs);
    }

    /** Writes the unadapted source head's output probabilities into {@code out}. */
    public void sourceProbabilities(float[] source, float[] input, int inputOffset, Workspace ws, float[] out) {
        sourceLogits(source, input, inputOffset, ws, out);
        output.probabilities(out, out);
    }

    /** {@link #accumulateGradient(float[], float[], float[], int, float[], boolean[], float, Distillation, RandomGenerator, Workspace, float[])} without distillation. */
    public float accumulateGradient(
            float[] source,
            float[] trainable,
            float[] input,
            int inputOffset,
            float[] targets,
            boolean[] mask,
            float weight,
            RandomGenerator dropoutRandom,
            Workspace ws,
            float[] gradient) {
        return accumulateGradient(
                source,
                trainable,
                input,
                inputOffset,
                targets,
                mask,
                weight,
                Distillation.OFF,
                dropoutRandom,
                ws,
                gradient);
    }

    /**
     * Runs forward and backward for one window and <em>adds</em> the gradient of its loss with
     * respect to the trainable tail into {@code gradient}. The loss is
     * {@code weight * taskLoss(targets, mask) + distillation term} (see {@link HeadOutput} and
     * {@link Distillation}); the source head that provides the soft target runs without dropout.
     * The window's logits are left in the workspace ({@link Workspace#copyLogits}), and the two
     * loss parts in {@link Workspace#lastTaskLoss()} and {@link Workspace#lastDistillationLoss()}.
     *
     * @param targets       per-output targets (see {@link HeadOutput#addLossGradient})
     * @param mask          labeled outputs for multi-label heads, else {@code null}
     * @param weight        non-negative sample weight of the task loss
     * @param distillation  output consistency to the source ({@link Distillation#OFF} = none)
     * @param dropoutRandom generator for the dropout mask; {@code null} = no dropout
     * @return the window's loss before any update
     */
    public float accumulateGradient(
            float[] source,
            float[] trainable,
            float[] input,
            int inputOffset,
            float[] targets,
            boolean[] mask,
            float weight,
            Distillation distillation,
            RandomGenerator dropoutRandom,
            Workspace ws,
            float[] gradient) {
        checkSource(source);
        checkTrainable(trainable);
        checkInput(input, inputOffset);
        checkWorkspace(ws);
        Objects.requireNonNull(distillation, "distillation");
        if (gradient == null || gradient.length != trainableLength()) {
            throw new IllegalArgumentException("gradient must have length " + trainableLength() + ", got "
                    + (gradient == null ? "null" : gradient.length));
        }
        if (targets == null || targets.length != outputs) {
            throw new IllegalArgumentException(
                    "targets must have length " + outputs + ", got " + (targets == null ? "null" : targets.length));
        }
        if (!(weight >= 0f) || Float.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be finite and non-negative, got " + weight);
        }
        int start = 0;
        if (distillation.active()) {
            forward(source, null, layerCount, 0, input, inputOffset, ws, null);
            System.arraycopy(ws.activations[layerCount - 1], 0, ws.sourceLogits, 0, outputs);
            // Layers below both the first trainable layer and the first dropout read the same
            // parameters and inputs in both passes: reuse the source pass's activations there.
            start = dropoutRandom == null ? firstTrainable : Math.min(firstTrainable, firstDropout);
        }
        forward(source, trainable, firstTrainable, start, input, inputOffset, ws, dropoutRandom);
        float[] z = ws.activations[layerCount - 1];
        float[] gz = ws.gradLogits;
        Arrays.fill(gz, 0f);
        float taskLoss = output.addLossGradient(z, targets, mask, weight, gz);
        float distillationLoss = distillation.active()
                ? output.addDistillationGradient(
                        z, ws.sourceLogits, distillation.temperature(), distillation.weight(), gz)
                : 0f;
        ws.taskLoss = taskLoss;
        ws.distillationLoss = distillationLoss;
        float loss = taskLoss + distillationLoss;
        if (firstTrainable == layerCount || allZero(gz)) {
            return loss;
        }
        float[] g = ws.gradA;
        float[] gNext = ws.gradB;
        System.arraycopy(gz, 0, g, 0, outputs);
        for (int l = layerCount - 1; l >= firstTrainable; l--) {
            if (ws.dropped[l]) {
                float[] s = ws.dropScale[l];
                for (int j = 0; j < outDim[l]; j++) {
                    g[j] *= s[j];
                }
            }
            float[] a = l == 0 ? input : ws.activations[l - 1];
            int ao = l == 0 ? inputOffset : 0;
            int p = offset[l] - trainableOffset;
            boolean propagate = l > firstTrainable;
            switch (kind[l]) {
                case DENSE -> {
                    if (ao != 0) {
                        System.arraycopy(a, ao, ws.input, 0, inDim[l]);
                        a = ws.input;
                    }
                    LayerKernels.denseBackward(
                            trainable, p, inDim[l], outDim[l], a, g, gradient, ws.row, propagate ? gNext : null);
                }
                case LAYER_NORM ->
                    LayerKernels.layerNormBackward(
                            trainable,
                            p,
                            outDim[l],
                            ws.normalized[l],
                            ws.inverseStd[l],
                            g,
                            gradient,
                            p,
                            propagate ? gNext : null);
                default -> LayerKernels.reluBackward(ws.activations[l], outDim[l], g, gNext);
            }
            float[] t = g;
            g = gNext;
            gNext = t;
        }
        return loss;
    }

    private void forward(
            float[] source,
            float[] trainable,
            int tailFrom,
            int start,
            float[] input,
            int inputOffset,
            Workspace ws,
            RandomGenerator random) {
        float[] x = start == 0 ? input : ws.activations[start - 1];
        int xo = start == 0 ? inputOffset : 0;
        for (int l = start; l < layerCount; l++) {
            float[] params = l >= tailFrom ? trainable : source;
            int p = l >= tailFrom ? offset[l] - trainableOffset : offset[l];
            float[] y = ws.activations[l];
            switch (kind[l]) {
                case DENSE -> LayerKernels.denseForward(params, p, inDim[l], outDim[l], x, xo, y);
                case LAYER_NORM ->
                    ws.inverseStd[l] =
                            LayerKernels.layerNormForward(params, p, outDim[l], epsilon[l], x, xo, ws.normalized[l], y);
                default -> LayerKernels.reluForward(x, xo, outDim[l], y);
            }
            boolean drop = random != null && dropRate[l] != 0f;
            ws.dropped[l] = drop;
            if (drop) {
                float rate = dropRate[l];
                float keepScale = 1f / (1f - rate);
                float[] s = ws.dropScale[l];
                for (int j = 0; j < outDim[l]; j++) {
                    float sj = random.nextFloat() < rate ? 0f : keepScale;
                    s[j] = sj;
                    y[j] *= sj;
                }
            }
            x = y;
            xo = 0;
        }
    }

    private static boolean allZero(float[] v) {
        for (float f : v) {
            if (f != 0f) {
                return false;
            }
        }
        return true;
    }

    private void checkSource(float[] source) {
        if (source == null || source.length != parameterCount) {
            throw new IllegalArgumentException("source parameters must have length " + parameterCount + ", got "
                    + (source == null ? "null" : source.length));
        }
    }

    private void checkTrainable(float[] trainable) {
        if (trainable == null || trainable.length != trainableLength()) {
            throw new IllegalArgumentException("trainable parameters must have length " + trainableLength() + ", got "
                    + (trainable == null ? "null" : trainable.length));
        }
    }

    private void checkInput(float[] input, int inputOffset) {
        if (input == null || inputOffset < 0 || inputOffset > input.length - inputDim) {
            throw new IllegalArgumentException("input window [" + inputOffset + ", " + inputOffset + " + " + inputDim
                    + ") is outside an array of length " + (input == null ? "null" : input.length));
        }
    }

    private void checkOut(float[] out) {
        if (out == null || out.length != outputs) {
            throw new IllegalArgumentException(
                    "output buffer must have length " + outputs + ", got " + (out == null ? "null" : out.length));
        }
    }

    private void checkWorkspace(Workspace ws) {
        if (ws == null || (ws.architecture != architecture && !ws.architecture.equals(architecture))) {
            throw new IllegalArgumentException("workspace was made for a different architecture");
        }
    }

    /**
     * Activation, dropout-mask and gradient scratch memory for one {@link TaskArchitecture}. Not
     * thread-safe: one per thread; reusable across calls, heads of the same architecture and users.
     */
    public static final class Workspace {
        private final TaskArchitecture architecture;
        private final float[][] activations;
        private final float[][] normalized;
        private final float[][] dropScale;
        private final boolean[] dropped;
        private final float[] inverseStd;
        private final float[] gradA;
        private final float[] gradB;
        private final float[] input;
        private final float[] row;
        private final float[] sourceLogits;
        private final float[] gradLogits;
        private float taskLoss;
        private float distillationLoss;

        public Workspace(TaskArchitecture architecture) {
            this.architecture = Objects.requireNonNull(architecture, "architecture");
            int n = architecture.layers().size();
            activations = new float[n][];
            normalized = new float[n][];
            dropScale = new float[n][];
            dropped = new boolean[n];
            inverseStd = new float[n];
            int widestInput = 1;
            for (int l = 0; l < n; l++) {
                HeadLayer layer = architecture.layers().get(l);
                activations[l] = new float[layer.outputDim()];
                if (layer instanceof HeadLayer.LayerNorm) {
                    normalized[l] = new float[layer.outputDim()];
                }
                if (architecture.dropoutRates().get(l) != 0f) {
                    dropScale[l] = new float[layer.outputDim()];
                }
                widestInput = Math.max(widestInput, layer.inputDim());
            }
            int width = architecture.maxLayerWidth();
            gradA = new float[width];
            gradB = new float[width];
            input = new float[architecture.inputDim()];
            row = new float[widestInput];
            sourceLogits = new float[architecture.output().outputs()];
            gradLogits = new float[architecture.output().outputs()];
        }

        /** Copies the logits of the most recent pass into {@code out}. */
        public void copyLogits(float[] out) {
            float[] z = activations[activations.length - 1];
            System.arraycopy(z, 0, out, 0, z.length);
        }

        /**
         * Copies the dropout scale of layer {@code layer}'s output from the most recent pass
         * ({@code 0} = dropped, {@code 1/(1-rate)} = kept; all {@code 1} when that pass had no
         * dropout there) into {@code out}.
         */
        public void copyDropoutScale(int layer, float[] out) {
            int width = activations[layer].length;
            if (dropped[layer]) {
                System.arraycopy(dropScale[layer], 0, out, 0, width);
            } else {
                Arrays.fill(out, 0, width, 1f);
            }
        }

        /** Weighted task loss of the most recent {@code accumulateGradient}. */
        public float lastTaskLoss() {
            return taskLoss;
        }

        /** Distillation term of the most recent {@code accumulateGradient} ({@code 0} when off). */
        public float lastDistillationLoss() {
            return distillationLoss;
        }
    }
}
