package dev.headstream.core.head;

import java.util.Arrays;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Forward and backward passes of a binary MLP head whose top {@code k} parameterised layers
 * train, on flat {@code float[]} parameters.
 *
 * <p>Every pass reads two parameter arrays: the shared, frozen {@code source} array of the whole
 * source head (read only, never written, shared by all users of the head) and the user's
 * {@code trainable} tail of length {@link #trainableLength()}, which replaces the source values
 * of {@code source[trainableOffset() ..]}. Layers below {@link HeadArchitecture#firstTrainableLayer}
 * read from {@code source}, the others from {@code trainable}. Backpropagation stops at the
 * lowest trainable layer: no gradient is computed for the input or for frozen layers.
 *
 * <p>The score is {@code sigmoid(logit)}; the training loss of one window is the weighted binary
 * cross-entropy {@code weight * (max(z, 0) - z * target + log(1 + exp(-|z|)))} on the logit
 * {@code z}, with {@code target} in {@code [0, 1]} (soft targets allowed, e.g. a source score for
 * distillation).
 *
 * <p>Call order: build one {@code MlpHead} per (architecture, trainable depth), one
 * {@link Workspace} per thread ({@link #newWorkspace()}), then call {@link #score},
 * {@link #sourceScore} or {@link #accumulateGradient} any number of times, in any order. For
 * mini-batch training with an optimizer step use {@link HeadTrainer}.
 *
 * <p>Thread-safety: an {@code MlpHead} is immutable and may be shared by all threads. All
 * per-call scratch memory lives in a {@link Workspace}, which belongs to one thread at a time;
 * with it, no pass allocates. Results are deterministic: every reduction runs in a fixed order.
 */
public final class MlpHead {

    private static final int DENSE = 0;
    private static final int LAYER_NORM = 1;
    private static final int RELU = 2;

    private final HeadArchitecture architecture;
    private final int topK;
    private final int layerCount;
    private final int[] kind;
    private final int[] inDim;
    private final int[] outDim;
    private final int[] offset;
    private final float[] epsilon;
    private final int inputDim;
    private final int parameterCount;
    private final int firstTrainable;
    private final int trainableOffset;
    /** Per layer: a trainable dense layer whose weight gradient a single-window step may fuse into the optimizer. */
    private final boolean[] fusable;

    /** Smallest weight block (in x out) worth a fused single-window step. */
    static final int FUSE_MIN_WEIGHTS = 4096;

    /**
     * @param architecture  the head's layers and parameter layout
     * @param trainableTopK how many parameterised layers, counted from the top, train
     *                      ({@code 0} = none, {@code architecture.parameterisedLayerCount()} = all)
     */
    public MlpHead(HeadArchitecture architecture, int trainableTopK) {
        this.architecture = Objects.requireNonNull(architecture, "architecture");
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
        int at = 0;
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
            at += layer.parameterCount();
        }
        this.fusable = new boolean[layerCount];
        for (int l = firstTrainable; l < layerCount; l++) {
            fusable[l] = kind[l] == DENSE && inDim[l] * outDim[l] >= FUSE_MIN_WEIGHTS;
        }
    }

    public HeadArchitecture architecture() {
        return architecture;
    }

    /** The number of trainable parameterised layers, counted from the top. */
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

    /** The logit of the adapted head for the window {@code input[inputOffset .. inputOffset + inputDim)}. */
    public float logit(float[] source, float[] trainable, float[] input, int inputOffset, Workspace ws) {
        checkSource(source);
        checkTrainable(trainable);
        checkInput(input, inputOffset);
        checkWorkspace(ws);
        return forward(source, trainable, firstTrainable, input, inputOffset, ws);
    }

    /** The score ({@code sigmoid(logit)}) of the adapted head for one window. */
    public float score(float[] source, float[] trainable, float[] input, int inputOffset, Workspace ws) {
        return sigmoid(logit(source, trainable, input, inputOffset, ws));
    }

    /** The logit of the unadapted source head (every layer read from {@code source}). */
    public float sourceLogit(float[] source, float[] input, int inputOffset, Workspace ws) {
        checkSource(source);
        checkInput(input, inputOffset);
        checkWorkspace(ws);
        return forward(source, null, layerCount, input, inputOffset, ws);
    }

    /** The score of the unadapted source head for one window. */
    public float sourceScore(float[] source, float[] input, int inputOffset, Workspace ws) {
        return sigmoid(sourceLogit(source, input, inputOffset, ws));
    }

    /**
     * Runs forward and backward for one window and <em>adds</em> the gradient of its weighted
     * loss with respect to the trainable tail into {@code gradient} (length
     * {@link #trainableLength()}, laid out like the tail). The caller zeroes {@code gradient}
     * before a mini-batch and owns any averaging; {@link HeadTrainer} does both. The window's
     * logit is left in {@link Workspace#lastLogit()}.
     *
     * @param target label in {@code [0, 1]}
     * @param weight non-negative sample weight
     * @return the weighted loss of this window before any update
     */
    public float accumulateGradient(
            float[] source,
            float[] trainable,
            float[] input,
            int inputOffset,
            float target,
            float weight,
            Workspace ws,
            float[] gradient) {
        checkBackward(source, trainable, input, inputOffset, target, weight, ws, gradient);
        return backward(source, trainable, input, inputOffset, target, weight, ws, gradient, false);
    }

    private void checkBackward(
            float[] source,
            float[] trainable,
            float[] input,
            int inputOffset,
            float target,
            float weight,
            Workspace ws,
            float[] gradient) {
        checkSource(source);
        checkTrainable(trainable);
        checkInput(input, inputOffset);
        checkWorkspace(ws);
        if (gradient == null || gradient.length != trainableLength()) {
            throw new IllegalArgumentException("gradient must have length " + trainableLength() + ", got "
                    + (gradient == null ? "null" : gradient.length));
        }
        if (!(target >= 0f && target <= 1f)) {
            throw new IllegalArgumentException("target must be in [0, 1], got " + target);
        }
        if (!(weight >= 0f) || Float.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be finite and non-negative, got " + weight);
        }
    }

    /**
     * The trainable dense layers (indices into the architecture's layers) whose weight gradient
     * {@link #accumulateGradientDeferred} leaves to a fused optimizer step: those with at least
     * {@link #FUSE_MIN_WEIGHTS} weights.
     */
    int[] fusableLayers() {
        return IntStream.range(0, layerCount).filter(l -> fusable[l]).toArray();
    }

    /** Where dense layer {@code l}'s weight block starts in the trainable vector. */
    int trainableWeightOffset(int l) {
        return offset[l] - trainableOffset;
    }

    int inputDim(int l) {
        return inDim[l];
    }

    int outputDim(int l) {
        return outDim[l];
    }

    /**
     * {@link #accumulateGradient} for a step of one window whose {@link #fusableLayers()} get their
     * weight update from a fused kernel: their weight gradient is not added to {@code gradient};
     * instead the workspace keeps each such layer's output gradient ({@link Workspace#deferredOutputGradient})
     * and input ({@link Workspace#deferredInput}). Everything else is added as usual.
     */
    float accumulateGradientDeferred(
            float[] source,
            float[] trainable,
            float[] input,
            int inputOffset,
            float target,
            float weight,
            Workspace ws,
            float[] gradient) {
        checkBackward(source, trainable, input, inputOffset, target, weight, ws, gradient);
        return backward(source, trainable, input, inputOffset, target, weight, ws, gradient, true);
    }

    private float backward(
            float[] source,
            float[] trainable,
            float[] input,
            int inputOffset,
            float target,
            float weight,
            Workspace ws,
            float[] gradient,
            boolean defer) {
        float z = forward(source, trainable, firstTrainable, input, inputOffset, ws);
        float loss = weight * binaryCrossEntropy(z, target);
        if (firstTrainable == layerCount) {
            return loss;
        }
        float[] g = ws.gradA;
        float[] gNext = ws.gradB;
        g[0] = weight * (sigmoid(z) - target);
        for (int l = layerCount - 1; l >= firstTrainable; l--) {
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
                    boolean fuse = defer && fusable[l];
                    if (fuse) {
                        System.arraycopy(g, 0, ws.deferredOutputGradient[l], 0, outDim[l]);
                        ws.deferredInput[l] = a;
                    }
                    LayerKernels.denseBackward(
                            trainable, p, inDim[l], outDim[l], a, g, gradient, ws.row, propagate ? gNext : null, !fuse);
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

    /** {@code 1 / (1 + exp(-z))}, computed without overflow for either sign. */
    public static float sigmoid(float z) {
        if (z >= 0f) {
            return (float) (1.0 / (1.0 + Math.exp(-z)));
        }
        double e = Math.exp(z);
        return (float) (e / (1.0 + e));
    }

    /** Unweighted binary cross-entropy of {@code sigmoid(logit)} against {@code target}, stable for any logit. */
    public static float binaryCrossEntropy(float logit, float target) {
        return (float)
                (Math.max(logit, 0.0) - (double) logit * target + Math.log1p(Math.exp(-Math.abs((double) logit))));
    }

    private float forward(
            float[] source, float[] trainable, int tailFrom, float[] input, int inputOffset, Workspace ws) {
        float[] x = input;
        int xo = inputOffset;
        for (int l = 0; l < layerCount; l++) {
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
            x = y;
            xo = 0;
        }
        float z = x[0];
        ws.logit = z;
        return z;
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

    private void checkWorkspace(Workspace ws) {
        if (ws == null || (ws.architecture != architecture && !ws.architecture.equals(architecture))) {
            throw new IllegalArgumentException("workspace was made for a different architecture");
        }
    }

    /**
     * Activation and gradient scratch memory for one architecture. Not thread-safe: one per
     * thread (or per call); reusable across calls, heads of the same architecture and users.
     */
    public static final class Workspace {
        private final HeadArchitecture architecture;
        private final float[][] activations;
        private final float[][] normalized;
        private final float[] inverseStd;
        private final float[] gradA;
        private final float[] gradB;
        private final float[] input;
        private final float[] row;
        /** Per layer: the output gradient of a dense layer whose weight update was deferred (else null). */
        final float[][] deferredOutputGradient;
        /** Per layer: the input (from index 0) of a dense layer whose weight update was deferred. */
        final float[][] deferredInput;

        private float logit;

        public Workspace(HeadArchitecture architecture) {
            this.architecture = Objects.requireNonNull(architecture, "architecture");
            int n = architecture.layers().size();
            activations = new float[n][];
            normalized = new float[n][];
            inverseStd = new float[n];
            for (int l = 0; l < n; l++) {
                HeadLayer layer = architecture.layers().get(l);
                activations[l] = new float[layer.outputDim()];
                if (layer instanceof HeadLayer.LayerNorm) {
                    normalized[l] = new float[layer.outputDim()];
                }
            }
            int width = architecture.maxLayerWidth();
            gradA = new float[width];
            gradB = new float[width];
            input = new float[architecture.inputDim()];
            int widestInput = 1;
            for (HeadLayer layer : architecture.layers()) {
                widestInput = Math.max(widestInput, layer.inputDim());
            }
            row = new float[widestInput];
            deferredOutputGradient = new float[n][];
            deferredInput = new float[n][];
            for (int l = 0; l < n; l++) {
                if (architecture.layers().get(l) instanceof HeadLayer.Dense) {
                    deferredOutputGradient[l] =
                            new float[architecture.layers().get(l).outputDim()];
                }
            }
        }

        /** The logit of the most recent forward pass run with this workspace. */
        public float lastLogit() {
            return logit;
        }
    }
}
