package dev.headstream.dl4j;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.nd4j.autodiff.loss.LossReduce;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * A whole binary MLP head and its loss as one DL4J {@link SameDiffOutputLayer}: the forward graph
 * is spelled out with SameDiff ops and SameDiff differentiates it from the loss down. One output
 * layer rather than a stack of {@code SameDiffLayer}s because DL4J 1.0.0-M2.1 returns twice the
 * gradient from a {@code SameDiffLayer}'s backward pass ({@link Dl4jSameDiffLayerGradientTest});
 * that layer takes the error from above through an external-errors function, an output layer
 * starts its backward pass at its own loss and has no such function.
 *
 * <p>Every trained quantity is a DL4J parameter that is zero at its anchor, so that DL4J's own L2
 * regulariser (a pull toward zero) is a pull toward the anchor. Per layer {@code i}, bottom first:
 * <pre>
 *   Dense:     y = x (W0 + dW) + (b0 + db) + scale * (x A) B
 *   LayerNorm: y = (gamma0 + dgamma) * (x - mean) / sqrt(var + eps) + (beta0 + dbeta)
 *   ReLU:      y = max(x, 0)
 * </pre>
 * named {@code L<i>W0}, {@code L<i>dW}, ... (no underscore: DL4J's updater splits gradient keys at
 * the last one to find the layer). {@code W0, b0, gamma0, beta0} are the frozen source
 * values ({@link Sgd} with learning rate 0, no regularisation); of the others only those a layer
 * trains exist: {@code dW, db} for a fine-tuned Dense, {@code A [in, r], B [r, out]} for a LoRA
 * Dense, {@code db} alone for a LoRA head's trained last bias, {@code dgamma, dbeta} for a trained
 * LayerNorm. Trained parameters get the network's updater and an {@link L2Regularization} with
 * coefficient {@code l2} (none when 0).
 *
 * <p>Labels are {@code [n, 2]}: column 0 the target, column 1 the window's weight. The loss
 * variable is ND4J's {@code sigmoidCrossEntropy} op on the logit with those weights, summed over
 * the batch ({@link LossReduce#SUM}); DL4J divides the score and, in its updater, the gradient by
 * the mini-batch size. The activations ({@link #activationsVertexName()}) are the sigmoid score.
 */
public final class AnchoredHeadLayer extends SameDiffOutputLayer {

    private static final long serialVersionUID = 1L;

    static final int DENSE = 0;
    static final int LAYER_NORM = 1;
    static final int RELU = 2;

    private int inputDim;
    private int[] kinds;
    private int[] widths;
    private double[] epsilons;
    /** Dense: train dW and db. LayerNorm: train dgamma and dbeta. */
    private boolean[] deltas;
    /** Dense: train db alone (a LoRA head's last bias). */
    private boolean[] biasDeltas;

    private int rank;
    private double loraScale;
    private double l2;

    /** For DL4J's JSON configuration mapper. */
    AnchoredHeadLayer() {}

    AnchoredHeadLayer(
            int inputDim,
            int[] kinds,
            int[] widths,
            double[] epsilons,
            boolean[] deltas,
            boolean[] biasDeltas,
            int rank,
            double loraScale,
            double l2) {
        this.inputDim = inputDim;
        this.kinds = kinds.clone();
        this.widths = widths.clone();
        this.epsilons = epsilons.clone();
        this.deltas = deltas.clone();
        this.biasDeltas = biasDeltas.clone();
        this.rank = rank;
        this.loraScale = loraScale;
        this.l2 = l2;
    }

    /** Whether {@code param} holds a frozen source value. */
    static boolean frozen(String param) {
        return param.endsWith("0");
    }

    static String name(int layer, String param) {
        return "L" + layer + param;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> p) {
        SDVariable x = input;
        for (int i = 0; i < kinds.length; i++) {
            switch (kinds[i]) {
                case DENSE -> {
                    SDVariable w = p.get(name(i, "W0"));
                    if (deltas[i]) {
                        w = w.add(p.get(name(i, "dW")));
                    }
                    SDVariable b = p.get(name(i, "b0"));
                    if (deltas[i] || biasDeltas[i]) {
                        b = b.add(p.get(name(i, "db")));
                    }
                    SDVariable y = x.mmul(w).add(b);
                    if (rank > 0) {
                        y = y.add(x.mmul(p.get(name(i, "A")))
                                .mmul(p.get(name(i, "B")))
                                .mul(loraScale));
                    }
                    x = y;
                }
                case LAYER_NORM -> {
                    SDVariable gamma = p.get(name(i, "gamma0"));
                    SDVariable beta = p.get(name(i, "beta0"));
                    if (deltas[i]) {
                        gamma = gamma.add(p.get(name(i, "dgamma")));
                        beta = beta.add(p.get(name(i, "dbeta")));
                    }
                    SDVariable mean = x.mean(true, 1);
                    SDVariable centered = x.sub(mean);
                    SDVariable variance = centered.mul(centered).mean(true, 1);
                    SDVariable std = sd.math.sqrt(variance.add(epsilons[i]));
                    x = centered.div(std).mul(gamma).add(beta);
                }
                default -> x = sd.nn.relu(x, 0);
            }
        }
        sd.nn.sigmoid("score", x);
        SDVariable target = labels.get(SDIndex.all(), SDIndex.interval(0, 1));
        SDVariable weight = labels.get(SDIndex.all(), SDIndex.interval(1, 2));
        return sd.loss.sigmoidCrossEntropy("loss", target, x, weight, LossReduce.SUM, 0.0);
    }

    @Override
    public String activationsVertexName() {
        return "score";
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        int in = inputDim;
        for (int i = 0; i < kinds.length; i++) {
            int out = widths[i];
            if (kinds[i] == DENSE) {
                params.addWeightParam(name(i, "W0"), in, out);
                params.addBiasParam(name(i, "b0"), 1, out);
                if (deltas[i]) {
                    params.addWeightParam(name(i, "dW"), in, out);
                }
                if (rank > 0) {
                    params.addWeightParam(name(i, "A"), in, rank);
                    params.addWeightParam(name(i, "B"), rank, out);
                }
                if (deltas[i] || biasDeltas[i]) {
                    params.addBiasParam(name(i, "db"), 1, out);
                }
            } else if (kinds[i] == LAYER_NORM) {
                params.addWeightParam(name(i, "gamma0"), 1, out);
                params.addBiasParam(name(i, "beta0"), 1, out);
                if (deltas[i]) {
                    params.addWeightParam(name(i, "dgamma"), 1, out);
                    params.addBiasParam(name(i, "dbeta"), 1, out);
                }
            }
            in = out;
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.values().forEach(v -> v.assign(0));
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return frozen(paramName) ? new Sgd(0.0) : super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return frozen(paramName) || l2 == 0 ? List.of() : List.of(new L2Regularization(l2));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(1);
    }

    public int getInputDim() {
        return inputDim;
    }

    public void setInputDim(int inputDim) {
        this.inputDim = inputDim;
    }

    public int[] getKinds() {
        return kinds;
    }

    public void setKinds(int[] kinds) {
        this.kinds = kinds;
    }

    public int[] getWidths() {
        return widths;
    }

    public void setWidths(int[] widths) {
        this.widths = widths;
    }

    public double[] getEpsilons() {
        return epsilons;
    }

    public void setEpsilons(double[] epsilons) {
        this.epsilons = epsilons;
    }

    public boolean[] getDeltas() {
        return deltas;
    }

    public void setDeltas(boolean[] deltas) {
        this.deltas = deltas;
    }

    public boolean[] getBiasDeltas() {
        return biasDeltas;
    }

    public void setBiasDeltas(boolean[] biasDeltas) {
        this.biasDeltas = biasDeltas;
    }

    public int getRank() {
        return rank;
    }

    public void setRank(int rank) {
        this.rank = rank;
    }

    public double getLoraScale() {
        return loraScale;
    }

    public void setLoraScale(double loraScale) {
        this.loraScale = loraScale;
    }

    public double getL2() {
        return l2;
    }

    public void setL2(double l2) {
        this.l2 = l2;
    }
}
