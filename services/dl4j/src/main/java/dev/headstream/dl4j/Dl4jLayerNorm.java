package dev.headstream.dl4j;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Layer normalisation exactly as ONNX exporters decompose it and as the native
 * {@code HeadLayer.LayerNorm} computes it: {@code gamma * (x - mean) / sqrt(var + eps) + beta}
 * with the biased variance {@code mean((x - mean)^2)} and {@code eps} inside the square root.
 *
 * <p>DL4J's built-in option ({@code DenseLayer.hasLayerNorm}) normalises {@code W x} before the
 * dense bias, has no shift of its own and fixes its epsilon, so it cannot hold the source head's
 * {@code Dense(b) -> LayerNorm(gamma, beta)} weights. This layer is written as a
 * {@link SameDiffLayer}: the forward graph is spelled out and SameDiff derives the backward pass,
 * so it is an independent check of the native hand-written gradient. Parameters: {@code gamma}
 * then {@code beta}, each {@code [1, dim]}.
 */
public final class Dl4jLayerNorm extends SameDiffLayer {

    private static final long serialVersionUID = 1L;

    private int dim;
    private double epsilon;

    /** For DL4J's JSON configuration mapper. */
    protected Dl4jLayerNorm() {}

    public Dl4jLayerNorm(int dim, double epsilon) {
        this.dim = dim;
        this.epsilon = epsilon;
    }

    public int getDim() {
        return dim;
    }

    public void setDim(int dim) {
        this.dim = dim;
    }

    public double getEpsilon() {
        return epsilon;
    }

    public void setEpsilon(double epsilon) {
        this.epsilon = epsilon;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
        SDVariable mean = x.mean(true, 1);
        SDVariable centered = x.sub(mean);
        SDVariable variance = centered.mul(centered).mean(true, 1);
        SDVariable std = sd.math.sqrt(variance.add(epsilon));
        return centered.div(std).mul(params.get("gamma")).add(params.get("beta"));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam("gamma", 1, dim);
        params.addBiasParam("beta", 1, dim);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get("gamma").assign(1);
        params.get("beta").assign(0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(dim);
    }
}
