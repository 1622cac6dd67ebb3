package dev.headstream.dl4j;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
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
 *
 * <p>DL4J 1.0.0-M2.1 returns exactly twice the true gradient from a {@code SameDiffLayer}'s
 * backward pass, both for the layer's parameters and for the error it passes to the layer below:
 * it is 2x the finite difference of DL4J's own score for every graph tried, in float and double
 * ({@code Dl4jSameDiffLayerGradientTest} measures it on a one-op layer). The layer this
 * configuration instantiates therefore halves what DL4J's backward pass returns (exact in binary
 * floating point). Without that, every layer at or below the upper LayerNorm trained with twice its
 * gradient, and at or below the lower one with four times; Adam, nearly invariant to a gradient's
 * scale, hid it. That test fails once a DL4J release stops doubling, and the halving must go with
 * it.
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
    public org.deeplearning4j.nn.api.Layer instantiate(
            NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners,
            int layerIndex,
            INDArray layerParamsView,
            boolean initializeParams,
            DataType networkDataType) {
        HalvedBackprop layer = new HalvedBackprop(conf, networkDataType);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    /** DL4J's SameDiff layer with its doubled backward pass halved (see the class javadoc). */
    static final class HalvedBackprop extends org.deeplearning4j.nn.layers.samediff.SameDiffLayer {

        private static final long serialVersionUID = 1L;

        HalvedBackprop(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            Pair<Gradient, INDArray> doubled = super.backpropGradient(epsilon, workspaceMgr);
            for (INDArray g : doubled.getFirst().gradientForVariable().values()) {
                g.muli(0.5);
            }
            doubled.getSecond().muli(0.5);
            return doubled;
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(dim);
    }
}
