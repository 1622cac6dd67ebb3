package dev.headstream.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

/**
 * The DL4J defect that {@link Dl4jLayerNorm} works around, measured on DL4J alone: a network
 * {@code Dense(3 -> 4) -> SameDiff layer -> sigmoid output}, in double precision, whose gradient
 * from {@code computeGradientAndScore} (divided by the batch size, as DL4J's updater does) is
 * compared with the central finite difference ({@code h = 1e-6}) of DL4J's own score, for every
 * parameter.
 *
 * <p>With a one-op SameDiff layer ({@code y = x * s}) DL4J 1.0.0-M2.1 returns twice the finite
 * difference for the SameDiff layer's parameter and for the Dense layer below it (the error passed
 * down is doubled too), and the exact gradient for the output layer above it. If this test fails
 * because the factor is 1, DL4J has been fixed: remove the halving in {@link Dl4jLayerNorm}. With
 * {@link Dl4jLayerNorm} in its place every parameter's gradient is the finite difference.
 */
class Dl4jSameDiffLayerGradientTest {

    private static final int BATCH = 3;

    @Test
    void dl4jReturnsTwiceTheGradientThroughASameDiffLayer() {
        Comparison c = compare(new Scale(4));
        System.out.printf("SAMEDIFF one-op layer: below %s; layer %s; above %s%n", c.below, c.layer, c.above);
        assertThat(c.layer.scale()).as("the SameDiff layer's parameter").isCloseTo(2.0, within(1e-6));
        assertThat(c.below.scale()).as("the Dense layer below it").isCloseTo(2.0, within(1e-6));
        assertThat(c.above.normwise()).as("the output layer above it").isLessThan(1e-6);
    }

    @Test
    void dl4jLayerNormReturnsTheFiniteDifferenceOfDl4jsScore() {
        Comparison c = compare(new Dl4jLayerNorm(4, 1e-5));
        System.out.printf("SAMEDIFF Dl4jLayerNorm: below %s; layer %s; above %s%n", c.below, c.layer, c.above);
        assertThat(c.layer.normwise()).as("gamma and beta").isLessThan(1e-6);
        assertThat(c.below.normwise()).as("the Dense layer below").isLessThan(1e-6);
        assertThat(c.above.normwise()).as("the output layer above").isLessThan(1e-6);
    }

    private record Comparison(GradientMismatch below, GradientMismatch layer, GradientMismatch above) {}

    private static Comparison compare(Layer middle) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.DOUBLE)
                .list()
                .layer(
                        0,
                        new DenseLayer.Builder()
                                .nIn(3)
                                .nOut(4)
                                .activation(Activation.TANH)
                                .build())
                .layer(1, middle)
                .layer(
                        2,
                        new OutputLayer.Builder(new LossBinaryXENT(0.0))
                                .nIn(4)
                                .nOut(1)
                                .activation(Activation.SIGMOID)
                                .build())
                .build());
        net.init();
        net.getLayer(1)
                .params()
                .assign(Nd4j.linspace(
                        DataType.DOUBLE, 0.5, 0.25, net.getLayer(1).numParams()));
        INDArray features = Nd4j.create(new double[][] {{0.3, -1.2, 0.8}, {1.5, 0.1, -0.4}, {-0.7, 0.9, 0.2}});
        INDArray labels = Nd4j.create(new double[][] {{1}, {0}, {1}});
        DataSet data = new DataSet(features, labels);
        net.setInput(features);
        net.setLabels(labels);
        net.computeGradientAndScore();
        INDArray params = net.params();
        float[] analytic = new float[(int) params.length()];
        float[] numeric = new float[analytic.length];
        INDArray flatGradient = net.gradient().gradient();
        double h = 1e-6;
        for (int i = 0; i < analytic.length; i++) {
            analytic[i] = (float) (flatGradient.getDouble(i) / BATCH);
            double p = params.getDouble(i);
            params.putScalar(i, p + h);
            double plus = net.score(data, false);
            params.putScalar(i, p - h);
            double minus = net.score(data, false);
            params.putScalar(i, p);
            numeric[i] = (float) ((plus - minus) / (2 * h));
        }
        int below = (int) net.getLayer(0).numParams();
        int layer = below + (int) net.getLayer(1).numParams();
        return new Comparison(
                GradientMismatch.between(slice(analytic, 0, below), slice(numeric, 0, below)),
                GradientMismatch.between(slice(analytic, below, layer), slice(numeric, below, layer)),
                GradientMismatch.between(
                        slice(analytic, layer, analytic.length), slice(numeric, layer, analytic.length)));
    }

    private static float[] slice(float[] a, int from, int to) {
        return Arrays.copyOfRange(a, from, to);
    }

    /** {@code y = x * s}, elementwise: the smallest SameDiff layer with a parameter. */
    public static final class Scale extends SameDiffLayer {

        private static final long serialVersionUID = 1L;

        private int dim;

        Scale() {}

        Scale(int dim) {
            this.dim = dim;
        }

        public int getDim() {
            return dim;
        }

        public void setDim(int dim) {
            this.dim = dim;
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
            return x.mul(params.get("s"));
        }

        @Override
        public void defineParameters(SDLayerParams params) {
            params.addWeightParam("s", 1, dim);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            params.get("s").assign(1);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType inputType) {
            return InputType.feedForward(dim);
        }
    }
}
