package dev.headstream.dl4j;

import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.SourceHead;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * A DL4J network that computes what the native trainers compute, including what the
 * {@link Dl4jHeadEngine} cannot express (L2-SP, LoRA, per-window weights), with DL4J doing every
 * step of the arithmetic that is compared:
 *
 * <ul>
 *   <li>forward, loss and backward: one {@link AnchoredHeadLayer} (the head's graph in SameDiff ops,
 *       ND4J's weighted {@code sigmoidCrossEntropy}, SameDiff's automatic differentiation);</li>
 *   <li>the mean over the batch: {@code MultiLayerNetwork} divides the score, and its updater the
 *       summed gradient, by the mini-batch size (a zero-weight window still counts, as natively);</li>
 *   <li>L2-SP: DL4J's {@code L2Regularization} adds {@code l2 * p} to the gradient of every trained
 *       parameter {@code p}, and each trained parameter here is the distance to its anchor (the source
 *       value for fine-tuned weights and for the LoRA head's small parameters, zero for LoRA factors),
 *       so this is {@code l2 * (w - w_anchor)}; DL4J's score adds {@code l2/2 * ||p||^2};</li>
 *   <li>the update: the network's updater ({@link Sgd} for the step parity), in {@code fit}.</li>
 * </ul>
 *
 * The native vector's layout is rebuilt here from the documented layouts of
 * {@link HeadArchitecture} and {@link LoraMlpHead}, not taken from them, so a layout error on either
 * side shows up as a mismatch. Not thread-safe.
 */
final class AnchoredReference {

    private final int inputDim;
    private final MultiLayerNetwork net;
    private final IUpdater updater;
    private final List<Slot> slots;
    private final int length;
    private final INDArray frozenAtStart;

    /**
     * One trained DL4J parameter: its name, where it sits in the native vector, its native shape
     * (DL4J holds the transpose when {@code transposed}) and the anchor it is measured from.
     */
    private record Slot(String param, int offset, int rows, int cols, boolean transposed, float[] anchor) {}

    private AnchoredReference(
            SourceHead source, AnchoredHeadLayer head, List<Slot> slots, float[] trainable, IUpdater updater) {
        this.inputDim = source.architecture().inputDim();
        this.updater = updater;
        this.slots = List.copyOf(slots);
        this.length = slots.stream().mapToInt(s -> s.rows * s.cols).sum();
        this.net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(0)
                .dataType(DataType.FLOAT)
                .updater(updater)
                .list()
                .layer(0, head)
                .build());
        net.init();
        loadSource(source);
        load(trainable);
        this.frozenAtStart = frozen();
    }

    /**
     * Fine-tuning of the top {@code k} parameterised layers from {@code trainable} (the native
     * tail), with L2-SP of strength {@code l2} toward the source values.
     */
    static AnchoredReference topK(SourceHead source, int k, float[] trainable, double l2, IUpdater updater) {
        HeadArchitecture arch = source.architecture();
        int first = arch.firstTrainableLayer(k);
        int n = arch.layers().size();
        boolean[] deltas = new boolean[n];
        List<Slot> slots = new ArrayList<>();
        float[] src = source.parameters();
        int at = 0;
        for (int l = first; l < n; l++) {
            HeadLayer layer = arch.layers().get(l);
            int p = arch.parameterOffset(l);
            deltas[l] = true;
            if (layer instanceof HeadLayer.Dense d) {
                int in = d.inputDim();
                int out = d.outputDim();
                slots.add(new Slot(AnchoredHeadLayer.name(l, "dW"), at, out, in, true, slice(src, p, out * in)));
                at += out * in;
                slots.add(new Slot(AnchoredHeadLayer.name(l, "db"), at, 1, out, false, slice(src, p + out * in, out)));
                at += out;
            } else if (layer instanceof HeadLayer.LayerNorm norm) {
                int dim = norm.dim();
                slots.add(new Slot(AnchoredHeadLayer.name(l, "dgamma"), at, 1, dim, false, slice(src, p, dim)));
                at += dim;
                slots.add(new Slot(AnchoredHeadLayer.name(l, "dbeta"), at, 1, dim, false, slice(src, p + dim, dim)));
                at += dim;
            }
        }
        return new AnchoredReference(source, layer(arch, deltas, new boolean[n], 0, 0, l2), slots, trainable, updater);
    }

    /**
     * The LoRA head {@code head} on {@code source} at the per-user vector {@code trainable}, with L2 of
     * strength {@code l2} toward {@link LoraMlpHead#anchor}'s anchor (zero for the factors, the source
     * values for the small parameters).
     */
    static AnchoredReference lora(SourceHead source, LoraMlpHead head, float[] trainable, double l2, IUpdater updater) {
        HeadArchitecture arch = source.architecture();
        int r = head.rank();
        boolean small = head.trainsSmallParameters();
        int n = arch.layers().size();
        boolean[] deltas = new boolean[n];
        boolean[] biasDeltas = new boolean[n];
        float[] src = source.parameters();
        // LoraMlpHead's documented layout: per Dense A[r][in], B[out][r], and for the last Dense with
        // small parameters bias[out]; per LayerNorm with small parameters gamma[dim], beta[dim]
        List<Slot> slots = new ArrayList<>();
        int at = 0;
        for (int l = 0; l < n; l++) {
            HeadLayer layer = arch.layers().get(l);
            int p = arch.parameterOffset(l);
            if (layer instanceof HeadLayer.Dense d) {
                int in = d.inputDim();
                int out = d.outputDim();
                slots.add(new Slot(AnchoredHeadLayer.name(l, "A"), at, r, in, true, new float[r * in]));
                at += r * in;
                slots.add(new Slot(AnchoredHeadLayer.name(l, "B"), at, out, r, true, new float[out * r]));
                at += out * r;
                if (small && l == n - 1) {
                    biasDeltas[l] = true;
                    slots.add(new Slot(
                            AnchoredHeadLayer.name(l, "db"), at, 1, out, false, slice(src, p + in * out, out)));
                    at += out;
                }
            } else if (layer instanceof HeadLayer.LayerNorm norm && small) {
                int dim = norm.dim();
                deltas[l] = true;
                slots.add(new Slot(AnchoredHeadLayer.name(l, "dgamma"), at, 1, dim, false, slice(src, p, dim)));
                at += dim;
                slots.add(new Slot(AnchoredHeadLayer.name(l, "dbeta"), at, 1, dim, false, slice(src, p + dim, dim)));
                at += dim;
            }
        }
        if (at != head.trainableLength()) {
            throw new IllegalStateException(
                    "LoRA layout: derived " + at + " floats, the head says " + head.trainableLength());
        }
        AnchoredHeadLayer conf = layer(arch, deltas, biasDeltas, r, head.alpha() / r, l2);
        return new AnchoredReference(source, conf, slots, trainable, updater);
    }

    private static AnchoredHeadLayer layer(
            HeadArchitecture arch, boolean[] deltas, boolean[] biasDeltas, int rank, double scale, double l2) {
        int n = arch.layers().size();
        int[] kinds = new int[n];
        int[] widths = new int[n];
        double[] epsilons = new double[n];
        for (int l = 0; l < n; l++) {
            HeadLayer layer = arch.layers().get(l);
            widths[l] = layer.outputDim();
            if (layer instanceof HeadLayer.Dense) {
                kinds[l] = AnchoredHeadLayer.DENSE;
            } else if (layer instanceof HeadLayer.LayerNorm norm) {
                kinds[l] = AnchoredHeadLayer.LAYER_NORM;
                epsilons[l] = norm.epsilon();
            } else {
                kinds[l] = AnchoredHeadLayer.RELU;
            }
        }
        return new AnchoredHeadLayer(arch.inputDim(), kinds, widths, epsilons, deltas, biasDeltas, rank, scale, l2);
    }

    /** What DL4J computes for one batch before any update. */
    record Evaluation(float[] gradient, double objective) {}

    /**
     * DL4J's effective gradient of the batch objective at the current parameters, in the native
     * layout: {@code computeGradientAndScore} (the sum of the windows' weighted-loss gradients), then
     * the network's own updater, which divides by the batch size, adds the L2 term and applies
     * {@code Sgd(1.0)}, the identity; the parameters are not touched. The objective is DL4J's score:
     * the mean weighted loss plus its L2 score.
     *
     * @throws IllegalStateException unless the network was built with {@code Sgd(1.0)}
     */
    Evaluation evaluate(ParityData.Batch batch) {
        if (!(updater instanceof Sgd sgd) || sgd.getLearningRate() != 1.0) {
            throw new IllegalStateException("evaluate needs a network built with Sgd(1.0), got " + updater);
        }
        net.setInput(features(batch));
        net.setLabels(labels(batch));
        net.computeGradientAndScore();
        double score = net.score();
        Gradient g = net.gradient();
        net.getUpdater().update(net, g, 0, 0, batch.size(), LayerWorkspaceMgr.noWorkspaces());
        float[] out = new float[length];
        for (Slot s : slots) {
            put(g.getGradientFor("0_" + s.param), s, out, null);
        }
        return new Evaluation(out, score);
    }

    /** One DL4J training step ({@code fit}) on the batch. */
    void fit(ParityData.Batch batch) {
        net.fit(features(batch), labels(batch));
    }

    /** The trained values in the native layout (anchor + DL4J parameter). */
    float[] trainable() {
        float[] out = new float[length];
        for (Slot s : slots) {
            put(layer().getParam(s.param), s, out, s.anchor);
        }
        return out;
    }

    /** Whether every frozen parameter ({@code W0, b0, gamma0, beta0}) still holds its source value. */
    boolean frozenUnchanged() {
        return frozen().equals(frozenAtStart);
    }

    /** DL4J's score (sigmoid output) for the window {@code input[offset .. offset + inputDim)}. */
    float score(float[] input, int offset) {
        float[] w = new float[inputDim];
        System.arraycopy(input, offset, w, 0, inputDim);
        return net.output(Nd4j.create(w, new long[] {1, inputDim}, 'c')).getFloat(0);
    }

    private Layer layer() {
        return net.getLayer(0);
    }

    private INDArray features(ParityData.Batch batch) {
        return Nd4j.create(batch.windows(), new long[] {batch.size(), inputDim}, 'c');
    }

    /** {@code [n, 2]}: target, weight. */
    private static INDArray labels(ParityData.Batch batch) {
        int n = batch.size();
        float[] l = new float[2 * n];
        for (int i = 0; i < n; i++) {
            l[2 * i] = batch.targets()[i];
            l[2 * i + 1] = batch.weights()[i];
        }
        return Nd4j.create(l, new long[] {n, 2}, 'c');
    }

    private void load(float[] trainable) {
        if (trainable.length != length) {
            throw new IllegalArgumentException("trainable length " + trainable.length + ", expected " + length);
        }
        for (Slot s : slots) {
            float[] v = new float[s.rows * s.cols];
            for (int i = 0; i < v.length; i++) {
                v[i] = trainable[s.offset + i] - s.anchor[i];
            }
            INDArray m = Nd4j.create(v, new long[] {s.rows, s.cols}, 'c');
            layer().getParam(s.param).assign(s.transposed ? m.transpose() : m);
        }
    }

    /** Writes a DL4J array for slot {@code s} into the native vector, adding {@code anchor} when non-null. */
    private static void put(INDArray value, Slot s, float[] out, float[] anchor) {
        INDArray nativeShape = s.transposed ? value.transpose() : value.reshape(s.rows, s.cols);
        float[] v = Nd4j.toFlattened('c', nativeShape).toFloatVector();
        for (int i = 0; i < v.length; i++) {
            out[s.offset + i] = anchor == null ? v[i] : anchor[i] + v[i];
        }
    }

    private void loadSource(SourceHead source) {
        HeadArchitecture arch = source.architecture();
        float[] src = source.parameters();
        for (int l = 0; l < arch.layers().size(); l++) {
            HeadLayer layer = arch.layers().get(l);
            int p = arch.parameterOffset(l);
            if (layer instanceof HeadLayer.Dense d) {
                int in = d.inputDim();
                int out = d.outputDim();
                layer().getParam(AnchoredHeadLayer.name(l, "W0"))
                        .assign(Nd4j.create(slice(src, p, out * in), new long[] {out, in}, 'c')
                                .transpose());
                layer().getParam(AnchoredHeadLayer.name(l, "b0"))
                        .assign(Nd4j.create(slice(src, p + out * in, out), new long[] {1, out}, 'c'));
            } else if (layer instanceof HeadLayer.LayerNorm norm) {
                int dim = norm.dim();
                layer().getParam(AnchoredHeadLayer.name(l, "gamma0"))
                        .assign(Nd4j.create(slice(src, p, dim), new long[] {1, dim}, 'c'));
                layer().getParam(AnchoredHeadLayer.name(l, "beta0"))
                        .assign(Nd4j.create(slice(src, p + dim, dim), new long[] {1, dim}, 'c'));
            }
        }
    }

    /** All frozen parameters, concatenated (a copy). */
    private INDArray frozen() {
        List<INDArray> parts = new ArrayList<>();
        layer().paramTable().forEach((name, value) -> {
            if (AnchoredHeadLayer.frozen(name)) {
                parts.add(Nd4j.toFlattened('c', value));
            }
        });
        return Nd4j.toFlattened('c', parts);
    }

    private static float[] slice(float[] a, int from, int n) {
        float[] s = new float[n];
        System.arraycopy(a, from, s, 0, n);
        return s;
    }
}
