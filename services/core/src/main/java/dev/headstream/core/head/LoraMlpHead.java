package dev.headstream.core.head;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Forward and backward passes of a binary MLP head adapted with per-user low-rank deltas
 * (LoRA, Hu et al. 2021) on its frozen, shared source layers.
 *
 * <p>Every {@link HeadLayer.Dense} layer {@code y = W x + b} of the source becomes
 * {@code y = W x + b + (alpha / r) B (A x)} with a per-user {@code A} of shape
 * {@code r x in} and {@code B} of shape {@code out x r}; {@code W + BA} is never materialised.
 * With {@code trainSmallParameters}, each LayerNorm's {@code gamma} and {@code beta} and the
 * last Dense's bias also train, as full per-user copies (they are tiny). Everything else is read
 * from the shared {@code source} array, which is never written.
 *
 * <p>Layout of the per-user flat vector ({@link #trainableLength()} floats), layer by layer
 * from the input side, in the order of {@link HeadArchitecture#layers()}:
 * <ul>
 *   <li>Dense: {@code A[r][in]} row-major, then {@code B[out][r]} row-major, then, for the last
 *       Dense and only with {@code trainSmallParameters}, {@code bias[out]};</li>
 *   <li>LayerNorm, only with {@code trainSmallParameters}: {@code gamma[dim]}, then {@code beta[dim]};</li>
 *   <li>ReLU: nothing.</li>
 * </ul>
 * {@link #initialTrainable} fills {@code A} uniformly in {@code +-1/sqrt(in)} from a seed,
 * {@code B} with zeros and the small parameters with their source values, so a fresh user's head
 * scores exactly like the source head ({@link #sourceLogit}). {@link #anchor} gives the L2 anchor of every entry: zero
 * for {@code A} and {@code B} (shrinking the factors shrinks the delta toward the source), the
 * source value for the small parameters (L2-SP).
 *
 * <p>The loss is the weighted binary cross-entropy on the logit, as in {@link MlpHead}. Gradients
 * reach every layer: backpropagation runs down to the first Dense, whose {@code A} trains.
 *
 * <p>The {@code source} parameters must be finite, as a {@link SourceHead}'s always are: the
 * vector backward pass adds a zero output gradient's row instead of skipping it, which gives the
 * same bits only with finite weights.
 *
 * <p>The frozen products of the Dense layers past the first (with at least 8 outputs; the
 * hidden 128 x 128 layer of openWakeWord's heads) run on the transposed source matrix
 * ({@link LayerKernels#columnsMatVec}: each output one chain of fused multiply-adds, eight outputs
 * per vector), about twice as fast as {@link LayerKernels#matVec}'s rows for scoring bank
 * windows. That is another summation order than {@link MlpHead}'s, so a LoRA head and a plain head
 * with the same weights agree to rounding, not bit for bit; every pass of this class (one window,
 * two windows, with or without a cached first-layer product, training) uses the same order.
 *
 * <p>Call order and thread-safety as {@link MlpHead}: immutable and shareable; one
 * {@link Workspace} per thread; a workspace allocates its transposed copies on first use (the
 * source's hidden layers, a user's {@code B}), {@link #firstLayerProduct} and
 * {@link #firstLayerProducts} one output array per window, and no other pass allocates; every
 * reduction runs in a fixed order, so results are deterministic. For mini-batch training use {@link LoraHeadTrainer}.
 */
public final class LoraMlpHead {

    private static final int DENSE = 0;
    private static final int LAYER_NORM = 1;
    private static final int RELU = 2;

    private final HeadArchitecture architecture;
    private final int rank;
    private final float alpha;
    private final float scale;
    private final boolean trainSmall;
    private final int layerCount;
    private final int[] kind;
    private final int[] inDim;
    private final int[] outDim;
    private final int[] sourceOffset;
    /** Per layer: offset of A (Dense), of gamma (trained LayerNorm); -1 otherwise. */
    private final int[] aOffset;
    /** Per Dense layer: offset of B; -1 otherwise. */
    private final int[] bOffset;
    /** Per layer: offset of the trained bias (last Dense with small parameters); -1 otherwise. */
    private final int[] biasOffset;
    /**
     * Per layer: a Dense layer past the first with at least {@link LayerKernels#LANES} outputs,
     * whose frozen product runs on its columns ({@link LayerKernels#columnsMatVec}, from a
     * transposed copy of the source kept in the {@link Workspace}).
     */
    private final boolean[] columns;

    private final float[] epsilon;
    private final int inputDim;
    private final int parameterCount;
    private final int length;

    /**
     * @param architecture         the source head's layers
     * @param rank                 {@code r}, at least 1
     * @param alpha                the delta is scaled by {@code alpha / r}; positive
     * @param trainSmallParameters also train LayerNorm gamma/beta and the last Dense's bias
     */
    public LoraMlpHead(HeadArchitecture architecture, int rank, float alpha, boolean trainSmallParameters) {
        this.architecture = Objects.requireNonNull(architecture, "architecture");
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
        }
        if (!(alpha > 0f) || Float.isInfinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be positive and finite, got " + alpha);
        }
        this.rank = rank;
        this.alpha = alpha;
        this.scale = alpha / rank;
        this.trainSmall = trainSmallParameters;
        this.inputDim = architecture.inputDim();
        this.parameterCount = architecture.parameterCount();
        this.layerCount = architecture.layers().size();
        this.kind = new int[layerCount];
        this.inDim = new int[layerCount];
        this.outDim = new int[layerCount];
        this.sourceOffset = new int[layerCount];
        this.aOffset = new int[layerCount];
        this.bOffset = new int[layerCount];
        this.biasOffset = new int[layerCount];
        this.epsilon = new float[layerCount];
        this.columns = new boolean[layerCount];
        int src = 0;
        int at = 0;
        for (int l = 0; l < layerCount; l++) {
            HeadLayer layer = architecture.layers().get(l);
            inDim[l] = layer.inputDim();
            outDim[l] = layer.outputDim();
            sourceOffset[l] = src;
            src += layer.parameterCount();
            aOffset[l] = -1;
            bOffset[l] = -1;
            biasOffset[l] = -1;
            if (layer instanceof HeadLayer.Dense) {
                kind[l] = DENSE;
                columns[l] = l > 0 && outDim[l] >= LayerKernels.LANES;
                aOffset[l] = at;
                at = Math.addExact(at, Math.multiplyExact(rank, inDim[l]));
                bOffset[l] = at;
                at = Math.addExact(at, Math.multiplyExact(outDim[l], rank));
                if (trainSmall && l == layerCount - 1) {
                    biasOffset[l] = at;
                    at += outDim[l];
                }
            } else if (layer instanceof HeadLayer.LayerNorm norm) {
                kind[l] = LAYER_NORM;
                epsilon[l] = norm.epsilon();
                if (trainSmall) {
                    aOffset[l] = at;
                    at += 2 * outDim[l];
                }
            } else {
                kind[l] = RELU;
            }
        }
        this.length = at;
    }

    public HeadArchitecture architecture() {
        return architecture;
    }

    public int rank() {
        return rank;
    }

    public float alpha() {
        return alpha;
    }

    public boolean trainsSmallParameters() {
        return trainSmall;
    }

    /**
     * One tensor of the per-user vector: its wire name ({@code layers.<i>.lora_a}, {@code lora_b},
     * {@code bias}, {@code gamma}, {@code beta}), shape, and where its floats lie in the vector.
     */
    public record Tensor(String name, int[] shape, int offset, int length) {}

    /** The per-user vector's tensors, in vector (and layer) order; together they cover it exactly. */
    public List<Tensor> tensors() {
        List<Tensor> out = new ArrayList<>();
        for (int l = 0; l < layerCount; l++) {
            if (kind[l] == DENSE) {
                out.add(new Tensor("layers." + l + ".lora_a", new int[] {rank, inDim[l]}, aOffset[l], rank * inDim[l]));
                out.add(new Tensor(
                        "layers." + l + ".lora_b", new int[] {outDim[l], rank}, bOffset[l], outDim[l] * rank));
                if (biasOffset[l] >= 0) {
                    out.add(new Tensor("layers." + l + ".bias", new int[] {outDim[l]}, biasOffset[l], outDim[l]));
                }
            } else if (kind[l] == LAYER_NORM && aOffset[l] >= 0) {
                out.add(new Tensor("layers." + l + ".gamma", new int[] {outDim[l]}, aOffset[l], outDim[l]));
                out.add(new Tensor("layers." + l + ".beta", new int[] {outDim[l]}, aOffset[l] + outDim[l], outDim[l]));
            }
        }
        return out;
    }

    /** Length of the per-user vector, of its gradient and of each optimizer moment. */
    public int trainableLength() {
        return length;
    }

    /** Scratch buffers for this head; one per thread. */
    public Workspace newWorkspace() {
        return new Workspace(this);
    }

    /** A user's starting point: seeded {@code A}, zero {@code B}, source values of the small parameters. */
    public float[] initialTrainable(float[] source, long seed) {
        checkSource(source);
        float[] t = new float[length];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int l = 0; l < layerCount; l++) {
            if (kind[l] == DENSE) {
                float bound = (float) (1.0 / Math.sqrt(inDim[l]));
                int n = rank * inDim[l];
                for (int i = 0; i < n; i++) {
                    t[aOffset[l] + i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
                }
            }
        }
        copySmall(source, t);
        return t;
    }

    /**
     * Writes into {@code anchor} (length {@link #trainableLength()}) the value each per-user entry is
     * pulled toward by L2: zero for {@code A} and {@code B}, the source value for small parameters.
     */
    public void anchor(float[] source, float[] anchor) {
        checkSource(source);
        checkTrainable(anchor);
        Arrays.fill(anchor, 0f);
        copySmall(source, anchor);
    }

    /**
     * The full parameter array of the adapted head ({@code W + (alpha/r) B A} and the small
     * parameters merged into a copy of the source), for publishing and export; allocates.
     */
    public float[] merged(float[] source, float[] trainable) {
        checkSource(source);
        checkTrainable(trainable);
        float[] p = source.clone();
        for (int l = 0; l < layerCount; l++) {
            if (kind[l] == DENSE) {
                int in = inDim[l];
                for (int o = 0; o < outDim[l]; o++) {
                    for (int j = 0; j < in; j++) {
                        float d = 0f;
                        for (int k = 0; k < rank; k++) {
                            d += trainable[bOffset[l] + o * rank + k] * trainable[aOffset[l] + k * in + j];
                        }
                        p[sourceOffset[l] + o * in + j] += scale * d;
                    }
                }
                if (biasOffset[l] >= 0) {
                    System.arraycopy(trainable, biasOffset[l], p, sourceOffset[l] + in * outDim[l], outDim[l]);
                }
            } else if (kind[l] == LAYER_NORM && aOffset[l] >= 0) {
                System.arraycopy(trainable, aOffset[l], p, sourceOffset[l], 2 * outDim[l]);
            }
        }
        return p;
    }

    /** The logit of the adapted head for the window {@code input[inputOffset .. inputOffset + inputDim)}. */
    public float logit(float[] source, float[] trainable, float[] input, int inputOffset, Workspace ws) {
        checkSource(source);
        checkTrainable(trainable);
        checkInput(input, inputOffset);
        checkWorkspace(ws);
        return forward(source, trainable, input, inputOffset, ws);
    }

    /** The score ({@code sigmoid(logit)}) of the adapted head for one window. */
    public float score(float[] source, float[] trainable, float[] input, int inputOffset, Workspace ws) {
        return MlpHead.sigmoid(logit(source, trainable, input, inputOffset, ws));
    }

    /** The logit of the unadapted source head (no delta, every value from {@code source}). */
    public float sourceLogit(float[] source, float[] input, int inputOffset, Workspace ws) {
        checkSource(source);
        checkInput(input, inputOffset);
        checkWorkspace(ws);
        return forward(source, null, input, inputOffset, ws);
    }

    /**
     * Runs forward and backward for one window and <em>adds</em> the gradient of its weighted loss
     * with respect to the per-user vector into {@code gradient} (laid out like it). The caller
     * zeroes {@code gradient} before a mini-batch; the window's logit is left in
     * {@link Workspace#lastLogit()}.
     *
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
        return accumulateGradient(source, trainable, null, 0, input, inputOffset, target, weight, ws, gradient);
    }

    /**
     * {@link #accumulateGradient(float[], float[], float[], int, float, float, Workspace, float[])}
     * with the first layer's frozen product taken from {@code base[baseOffset ..]} (as
     * {@link #firstLayerProduct} wrote it for the same window) instead of computed: the same
     * gradient and loss, bit for bit, without the first layer's full product. {@code base == null}
     * computes it.
     */
    public float accumulateGradient(
            float[] source,
            float[] trainable,
            float[] base,
            int baseOffset,
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
        if (gradient == null || gradient.length != length) {
            throw new IllegalArgumentException(
                    "gradient must have length " + length + ", got " + (gradient == null ? "null" : gradient.length));
        }
        if (!(target >= 0f && target <= 1f)) {
            throw new IllegalArgumentException("target must be in [0, 1], got " + target);
        }
        if (!(weight >= 0f) || Float.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be finite and non-negative, got " + weight);
        }
        if (base != null) {
            checkBase(base, baseOffset);
        }
        float z = forward(source, trainable, input, inputOffset, ws, base, baseOffset);
        float loss = weight * MlpHead.binaryCrossEntropy(z, target);
        float[] g = ws.gradA;
        float[] gNext = ws.gradB;
        g[0] = weight * (MlpHead.sigmoid(z) - target);
        for (int l = layerCount - 1; l >= 0; l--) {
            boolean propagate = l > 0;
            switch (kind[l]) {
                case DENSE -> {
                    float[] a = input;
                    if (l > 0) {
                        a = ws.activations[l - 1];
                    } else if (inputOffset != 0) {
                        System.arraycopy(input, inputOffset, ws.input, 0, inputDim);
                        a = ws.input;
                    }
                    denseBackward(source, trainable, l, a, g, gradient, ws, propagate ? gNext : null);
                }
                case LAYER_NORM -> {
                    boolean trained = aOffset[l] >= 0;
                    LayerKernels.layerNormBackward(
                            trained ? trainable : source,
                            trained ? aOffset[l] : sourceOffset[l],
                            outDim[l],
                            ws.normalized[l],
                            ws.inverseStd[l],
                            g,
                            trained ? gradient : null,
                            aOffset[l],
                            propagate ? gNext : null);
                }
                default -> LayerKernels.reluBackward(ws.activations[l], outDim[l], g, gNext);
            }
            float[] t = g;
            g = gNext;
            gNext = t;
        }
        return loss;
    }

    /**
     * The first layer's frozen product {@code W x} (no bias, no delta) for the window
     * {@code input[inputOffset ..]}, into {@code dst[dstOffset .. dstOffset + out)}: what
     * {@link #logitWithBase} takes instead of computing it. It does not depend on the user, so a
     * process computes it once per shared window (a negative bank) and every user's head reuses it.
     *
     * @throws IllegalStateException if the first layer is not Dense
     */
    public void firstLayerProduct(float[] source, float[] input, int inputOffset, float[] dst, int dstOffset) {
        checkSource(source);
        checkInput(input, inputOffset);
        if (kind[0] != DENSE) {
            throw new IllegalStateException("the first layer of this head is not Dense");
        }
        float[] y = new float[outDim[0]];
        LayerKernels.matVec(source, sourceOffset[0], inDim[0], outDim[0], input, inputOffset, y);
        System.arraycopy(y, 0, dst, dstOffset, y.length);
    }

    /**
     * {@link #firstLayerProduct} of two windows, into {@code dst[d1 ..]} and {@code dst[d2 ..]}: the
     * same floats, bit for bit ({@link LayerKernels#matVec2}), with the first layer's matrix read
     * once for both (about a third less time per window than one at a time for openWakeWord's
     * 1536 x 128 layer).
     */
    public void firstLayerProducts(
            float[] source, float[] input, int inputOffset1, int inputOffset2, float[] dst, int d1, int d2) {
        checkSource(source);
        checkInput(input, inputOffset1);
        checkInput(input, inputOffset2);
        if (kind[0] != DENSE) {
            throw new IllegalStateException("the first layer of this head is not Dense");
        }
        float[] y1 = new float[outDim[0]];
        float[] y2 = new float[outDim[0]];
        LayerKernels.matVec2(
                source, sourceOffset[0], inDim[0], outDim[0], input, inputOffset1, input, inputOffset2, y1, y2);
        System.arraycopy(y1, 0, dst, d1, y1.length);
        System.arraycopy(y2, 0, dst, d2, y2.length);
    }

    /** Width of the first layer's output: the floats {@link #firstLayerProduct} writes per window. */
    public int firstLayerWidth() {
        return outDim[0];
    }

    /**
     * {@link #logit} with the first layer's frozen product taken from {@code base[baseOffset ..]}
     * (as {@link #firstLayerProduct} wrote it) instead of computed: the same float, bit for bit,
     * at a fraction of the cost. {@code trainable == null} scores the source head.
     */
    public float logitWithBase(
            float[] source,
            float[] trainable,
            float[] base,
            int baseOffset,
            float[] input,
            int inputOffset,
            Workspace ws) {
        checkSource(source);
        if (trainable != null) {
            checkTrainable(trainable);
        }
        checkInput(input, inputOffset);
        checkWorkspace(ws);
        checkBase(base, baseOffset);
        return forward(source, trainable, input, inputOffset, ws, base, baseOffset);
    }

    /**
     * {@link #logitWithBase} of two windows at once, into {@code dst[d1]} and {@code dst[d2]}: the
     * same two floats, bit for bit, with each block of every shared and per-user matrix loaded once
     * for both windows. For scoring many windows with one head (a bank's calibration steps, hard
     * negative candidates), about twice as fast as one window at a time.
     */
    public void logitsWithBase(
            float[] source,
            float[] trainable,
            float[] base,
            int baseOffset1,
            int baseOffset2,
            float[] input,
            int inputOffset1,
            int inputOffset2,
            Workspace ws,
            float[] dst,
            int d1,
            int d2) {
        checkSource(source);
        if (trainable != null) {
            checkTrainable(trainable);
        }
        checkInput(input, inputOffset1);
        checkInput(input, inputOffset2);
        checkWorkspace(ws);
        checkBase(base, baseOffset1);
        checkBase(base, baseOffset2);
        Workspace other = ws.partner();
        forwardPair(source, trainable, input, inputOffset1, inputOffset2, ws, other, base, baseOffset1, baseOffset2);
        dst[d1] = ws.logit;
        dst[d2] = other.logit;
    }

    private float forward(float[] source, float[] trainable, float[] input, int inputOffset, Workspace ws) {
        return forward(source, trainable, input, inputOffset, ws, null, 0);
    }

    private float forward(
            float[] source,
            float[] trainable,
            float[] input,
            int inputOffset,
            Workspace ws,
            float[] base,
            int baseOffset) {
        float[] x = input;
        int xo = inputOffset;
        for (int l = 0; l < layerCount; l++) {
            float[] y = ws.activations[l];
            int in = inDim[l];
            int out = outDim[l];
            switch (kind[l]) {
                case DENSE -> {
                    int w = sourceOffset[l];
                    boolean trainedBias = biasOffset[l] >= 0 && trainable != null;
                    float[] biases = trainedBias ? trainable : source;
                    int bias = trainedBias ? biasOffset[l] : w + in * out;
                    if (l == 0 && base != null) {
                        System.arraycopy(base, baseOffset, y, 0, out);
                    } else if (columns[l]) {
                        LayerKernels.columnsMatVec(ws.columns(source)[l], in, out, x, xo, y);
                    } else {
                        LayerKernels.matVec(source, w, in, out, x, xo, y);
                    }
                    LayerKernels.addTo(biases, bias, y, out);
                    if (trainable != null) {
                        float[] u = ws.lowRank[l];
                        LayerKernels.matVec(trainable, aOffset[l], in, rank, x, xo, u);
                        LayerKernels.lowRankAdd(trainable, bOffset[l], out, rank, scale, u, y);
                    }
                }
                case LAYER_NORM -> {
                    boolean trained = aOffset[l] >= 0 && trainable != null;
                    ws.inverseStd[l] = LayerKernels.layerNormForward(
                            trained ? trainable : source,
                            trained ? aOffset[l] : sourceOffset[l],
                            out,
                            epsilon[l],
                            x,
                            xo,
                            ws.normalized[l],
                            y);
                }
                default -> LayerKernels.relu(x, xo, y, out);
            }
            x = y;
            xo = 0;
        }
        float z = x[0];
        ws.logit = z;
        return z;
    }

    /**
     * {@link #forward} of two windows of {@code input}, the first's activations in {@code ws1}, the
     * second's in {@code ws2}: every Dense product through {@link LayerKernels#matVec2}, every other
     * step per window exactly as {@link #forward}, so each logit has the same bits.
     */
    private void forwardPair(
            float[] source,
            float[] trainable,
            float[] input,
            int xo1,
            int xo2,
            Workspace ws1,
            Workspace ws2,
            float[] base,
            int baseOffset1,
            int baseOffset2) {
        float[] x1 = input;
        float[] x2 = input;
        int o1 = xo1;
        int o2 = xo2;
        for (int l = 0; l < layerCount; l++) {
            float[] y1 = ws1.activations[l];
            float[] y2 = ws2.activations[l];
            int in = inDim[l];
            int out = outDim[l];
            switch (kind[l]) {
                case DENSE -> {
                    int w = sourceOffset[l];
                    boolean trainedBias = biasOffset[l] >= 0 && trainable != null;
                    float[] biases = trainedBias ? trainable : source;
                    int bias = trainedBias ? biasOffset[l] : w + in * out;
                    if (l == 0 && base != null) {
                        System.arraycopy(base, baseOffset1, y1, 0, out);
                        System.arraycopy(base, baseOffset2, y2, 0, out);
                    } else if (columns[l]) {
                        LayerKernels.columnsMatVec2(ws1.columns(source)[l], in, out, x1, o1, x2, o2, y1, y2);
                    } else {
                        LayerKernels.matVec2(source, w, in, out, x1, o1, x2, o2, y1, y2);
                    }
                    LayerKernels.addTo(biases, bias, y1, out);
                    LayerKernels.addTo(biases, bias, y2, out);
                    if (trainable != null) {
                        float[] u1 = ws1.lowRank[l];
                        float[] u2 = ws2.lowRank[l];
                        LayerKernels.matVec2(trainable, aOffset[l], in, rank, x1, o1, x2, o2, u1, u2);
                        if (VectorSupport.ENABLED && out >= LayerKernels.LANES && rank < LayerKernels.LANES) {
                            LayerKernels.lowRankAddColumns2(
                                    trainable,
                                    bOffset[l],
                                    ws1.transposedB(trainable, l, bOffset[l], out),
                                    out,
                                    rank,
                                    scale,
                                    u1,
                                    y1,
                                    u2,
                                    y2);
                        } else {
                            LayerKernels.lowRankAdd2(trainable, bOffset[l], out, rank, scale, u1, y1, u2, y2);
                        }
                    }
                }
                case LAYER_NORM -> {
                    boolean trained = aOffset[l] >= 0 && trainable != null;
                    float[] p = trained ? trainable : source;
                    int at = trained ? aOffset[l] : sourceOffset[l];
                    ws1.inverseStd[l] =
                            LayerKernels.layerNormForward(p, at, out, epsilon[l], x1, o1, ws1.normalized[l], y1);
                    ws2.inverseStd[l] =
                            LayerKernels.layerNormForward(p, at, out, epsilon[l], x2, o2, ws2.normalized[l], y2);
                }
                default -> {
                    LayerKernels.relu(x1, o1, y1, out);
                    LayerKernels.relu(x2, o2, y2, out);
                }
            }
            x1 = y1;
            x2 = y2;
            o1 = 0;
            o2 = 0;
        }
        ws1.logit = x1[0];
        ws2.logit = x2[0];
    }

    /**
     * With {@code u = A a} from the forward pass and {@code v = s B^T gOut}: adds
     * {@code s gOut u^T} to B's gradient, {@code v a^T} to A's, {@code gOut} to a trained bias's,
     * and writes {@code W^T gOut + A^T v} to {@code gIn} when non-null. {@code a} starts at 0.
     */
    private void denseBackward(
            float[] source,
            float[] trainable,
            int l,
            float[] a,
            float[] gOut,
            float[] gradient,
            Workspace ws,
            float[] gIn) {
        int in = inDim[l];
        int out = outDim[l];
        int aOff = aOffset[l];
        int bOff = bOffset[l];
        float[] u = ws.lowRank[l];
        float[] v = ws.v;
        if (rank == 4) {
            // the general loop below with u and v in locals (v's sums in the same order: the same bits)
            float u0 = u[0];
            float u1 = u[1];
            float u2 = u[2];
            float u3 = u[3];
            float v0 = 0f;
            float v1 = 0f;
            float v2 = 0f;
            float v3 = 0f;
            for (int o = 0; o < out; o++) {
                float go = gOut[o];
                if (go != 0f) {
                    int row = bOff + o * 4;
                    float sg = scale * go;
                    gradient[row] += sg * u0;
                    gradient[row + 1] += sg * u1;
                    gradient[row + 2] += sg * u2;
                    gradient[row + 3] += sg * u3;
                    v0 += sg * trainable[row];
                    v1 += sg * trainable[row + 1];
                    v2 += sg * trainable[row + 2];
                    v3 += sg * trainable[row + 3];
                }
            }
            v[0] = v0;
            v[1] = v1;
            v[2] = v2;
            v[3] = v3;
        } else {
            Arrays.fill(v, 0, rank, 0f);
            for (int o = 0; o < out; o++) {
                float go = gOut[o];
                if (go != 0f) {
                    int row = bOff + o * rank;
                    float sg = scale * go;
                    for (int k = 0; k < rank; k++) {
                        gradient[row + k] += sg * u[k];
                        v[k] += sg * trainable[row + k];
                    }
                }
            }
        }
        if (biasOffset[l] >= 0) {
            for (int o = 0; o < out; o++) {
                gradient[biasOffset[l] + o] += gOut[o];
            }
        }
        for (int k = 0; k < rank; k++) {
            float vk = v[k];
            if (vk != 0f) {
                LayerKernels.axpy(vk, a, 0, gradient, aOff + k * in, in);
            }
        }
        if (gIn != null) {
            LayerKernels.transposedProduct(source, sourceOffset[l], in, out, gOut, gIn);
            for (int k = 0; k < rank; k++) {
                float vk = v[k];
                if (vk != 0f) {
                    LayerKernels.axpy(vk, trainable, aOff + k * in, gIn, 0, in);
                }
            }
        }
    }

    private void copySmall(float[] source, float[] t) {
        for (int l = 0; l < layerCount; l++) {
            if (biasOffset[l] >= 0) {
                System.arraycopy(source, sourceOffset[l] + inDim[l] * outDim[l], t, biasOffset[l], outDim[l]);
            } else if (kind[l] == LAYER_NORM && aOffset[l] >= 0) {
                System.arraycopy(source, sourceOffset[l], t, aOffset[l], 2 * outDim[l]);
            }
        }
    }

    private void checkSource(float[] source) {
        if (source == null || source.length != parameterCount) {
            throw new IllegalArgumentException("source parameters must have length " + parameterCount + ", got "
                    + (source == null ? "null" : source.length));
        }
    }

    private void checkTrainable(float[] trainable) {
        if (trainable == null || trainable.length != length) {
            throw new IllegalArgumentException("LoRA parameters must have length " + length + ", got "
                    + (trainable == null ? "null" : trainable.length));
        }
    }

    private void checkInput(float[] input, int inputOffset) {
        if (input == null || inputOffset < 0 || inputOffset > input.length - inputDim) {
            throw new IllegalArgumentException("input window [" + inputOffset + ", " + inputOffset + " + " + inputDim
                    + ") is outside an array of length " + (input == null ? "null" : input.length));
        }
    }

    /** {@code base[baseOffset ..]} holds a first Dense layer's product ({@link #firstLayerProduct}). */
    private void checkBase(float[] base, int baseOffset) {
        if (kind[0] != DENSE || baseOffset < 0 || baseOffset + outDim[0] > base.length) {
            throw new IllegalArgumentException(
                    "base must hold the first Dense layer's " + outDim[0] + " outputs at offset " + baseOffset);
        }
    }

    private void checkWorkspace(Workspace ws) {
        if (ws == null
                || ws.rank != rank
                || (ws.architecture != architecture && !ws.architecture.equals(architecture))) {
            throw new IllegalArgumentException("workspace was made for a different LoRA head");
        }
    }

    @Override
    public String toString() {
        return "LoraMlpHead[rank=" + rank + ", alpha=" + alpha + ", trainSmall=" + trainSmall + ", floats=" + length
                + "]";
    }

    /**
     * Activation, low-rank and gradient scratch memory for one (architecture, rank). Not
     * thread-safe: one per thread; reusable across calls and users.
     */
    public static final class Workspace {
        private final HeadArchitecture architecture;
        private final int rank;
        private final float[][] activations;
        private final float[][] normalized;
        private final float[][] lowRank;
        private final float[] inverseStd;
        private final float[] gradA;
        private final float[] gradB;
        private final float[] v;
        private final float[] input;
        private float logit;
        /** A second workspace for {@link #logitsWithBase}'s second window; made on first use. */
        private Workspace partner;
        /** The source array {@link #transposed} was made from (by identity); null before the first use. */
        private float[] transposedOf;
        /** Per column layer ({@link LoraMlpHead#columns}): its source matrix, transposed. */
        private final float[][] transposed;
        /** Per Dense layer: the per-user {@code B} that {@link #transposedB} last transposed, and its transpose. */
        private final float[][] lastB;

        private final float[][] lastBTransposed;

        private final LoraMlpHead head;

        private Workspace(LoraMlpHead head) {
            this.head = head;
            this.architecture = head.architecture;
            this.rank = head.rank;
            int n = head.layerCount;
            activations = new float[n][];
            normalized = new float[n][];
            lowRank = new float[n][];
            inverseStd = new float[n];
            int widestInput = 1;
            for (int l = 0; l < n; l++) {
                activations[l] = new float[head.outDim[l]];
                if (head.kind[l] == LAYER_NORM) {
                    normalized[l] = new float[head.outDim[l]];
                } else if (head.kind[l] == DENSE) {
                    lowRank[l] = new float[rank];
                }
                widestInput = Math.max(widestInput, head.inDim[l]);
            }
            int width = Math.max(architecture.maxLayerWidth(), widestInput);
            gradA = new float[width];
            gradB = new float[width];
            v = new float[rank];
            input = new float[architecture.inputDim()];
            transposed = new float[n][];
            lastB = new float[n][];
            lastBTransposed = new float[n][];
        }

        /**
         * Layer {@code l}'s {@code B} of {@code trainable} (its {@code out x rank} floats at
         * {@code at}, as the calling head lays them out), transposed ({@code rank x out}). The copy
         * is kept and made again only when {@code B} differs from the one it was made from (a
         * scoring loop runs many windows through one head, and training writes {@code trainable}
         * in place, so the check is on the values, not the array). Values compare as
         * {@link Arrays#equals(float[], float[])} does: -0 differs from +0, and every NaN equals
         * every NaN (a head with a NaN weight scores NaN either way).
         */
        private float[] transposedB(float[] trainable, int l, int at, int out) {
            int n = out * rank;
            float[] last = lastB[l];
            if (last == null || last.length != n) {
                last = new float[n];
                lastB[l] = last;
                lastBTransposed[l] = new float[n];
            } else if (Arrays.equals(last, 0, n, trainable, at, at + n)) {
                return lastBTransposed[l];
            }
            LayerKernels.transpose(trainable, at, rank, out, lastBTransposed[l]);
            System.arraycopy(trainable, at, last, 0, n);
            return lastBTransposed[l];
        }

        /**
         * The transposed source matrices of the column layers, made from {@code source} when it is
         * not the array they were last made from. A source head is frozen: its array is never
         * written once heads use it, so the copy stays its transpose.
         */
        private float[][] columns(float[] source) {
            if (transposedOf != source) {
                for (int l = 0; l < head.layerCount; l++) {
                    if (head.columns[l]) {
                        if (transposed[l] == null) {
                            transposed[l] = new float[head.inDim[l] * head.outDim[l]];
                        }
                        LayerKernels.transpose(
                                source, head.sourceOffset[l], head.inDim[l], head.outDim[l], transposed[l]);
                    }
                }
                transposedOf = source;
            }
            return transposed;
        }

        private Workspace partner() {
            if (partner == null) {
                partner = new Workspace(head);
            }
            return partner;
        }

        /** The logit of the most recent forward pass run with this workspace. */
        public float lastLogit() {
            return logit;
        }
    }
}
