package dev.headstream.dl4j;

import dev.headstream.core.head.Adam;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.HeadEngine;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.Optimizer;
import dev.headstream.core.head.SgdMomentum;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.head.TrainingConfig;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

/**
 * The Deeplearning4j reference engine: the source head rebuilt as a {@link MultiLayerNetwork}
 * (one DL4J layer per {@link HeadLayer}: {@link DenseLayer} with identity activation,
 * {@link Dl4jLayerNorm}, {@link ActivationLayer} ReLU, and a one-output sigmoid
 * {@link OutputLayer} with binary cross-entropy for the top Dense), with the same weights. Layers
 * below the trainable top {@code k} are wrapped in DL4J's {@link FrozenLayer} (no update, no
 * backprop below them). Each user is its own network, cloned from a template at the source weights,
 * with its own Adam state.
 *
 * <p>Training matches the native engine's objective and optimizer where DL4J allows it: mean
 * binary cross-entropy over the mini-batch (no output clipping), and either Adam with the same
 * learning rate, betas and epsilon or plain SGD ({@link SgdMomentum} with momentum 0, DL4J's
 * {@code Sgd}). What remains different, and bounds the parity tolerance: DL4J's Adam puts epsilon on
 * the uncorrected {@code sqrt(v)} ({@code lr sqrt(1-b2^t)/(1-b1^t) m/(sqrt(v)+eps)}) where the
 * native one uses {@code sqrt(v/(1-b2^t))+eps}; reductions run in a different order. L2-SP (a pull
 * towards the source weights) and gradient clipping are not expressible with DL4J's built-in
 * regularisers, so this engine rejects them ({@link #supportsL2Sp()} is false); the parity tests
 * check L2-SP against a separate DL4J network built for it.
 *
 * <p>A reference for parity tests and benchmarks, not for serving: a user costs a whole network.
 * Not thread-safe.
 */
public final class Dl4jHeadEngine implements HeadEngine {

    private final SourceHead source;
    private final HeadArchitecture architecture;
    private final int topK;
    private final int firstTrainable;
    private final int inputDim;
    private final MultiLayerNetwork template;

    private static final class Dl4jUser implements User {
        final MultiLayerNetwork net;

        Dl4jUser(MultiLayerNetwork net) {
            this.net = net;
        }
    }

    /**
     * @throws IllegalArgumentException if the optimizer is neither {@link Adam} without weight decay
     *                                  nor {@link SgdMomentum} without momentum, or L2-SP or gradient
     *                                  clipping is configured
     */
    public Dl4jHeadEngine(SourceHead source, int trainableTopK, TrainingConfig config) {
        this.source = Objects.requireNonNull(source, "source");
        Objects.requireNonNull(config, "config");
        this.architecture = source.architecture();
        this.topK = trainableTopK;
        this.firstTrainable = architecture.firstTrainableLayer(trainableTopK);
        this.inputDim = architecture.inputDim();
        IUpdater updater = updater(config.optimizer());
        if (config.l2SpLambda() != 0f) {
            throw new IllegalArgumentException("the DL4J engine has no L2-SP (a penalty towards the source weights); "
                    + "got lambda " + config.l2SpLambda());
        }
        if (config.maxGradientNorm() != Float.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(
                    "the DL4J engine does not clip gradients; got max norm " + config.maxGradientNorm());
        }
        this.template = new MultiLayerNetwork(configuration(updater));
        template.init();
        float[] params = source.parameters();
        for (int l = 0; l < architecture.layers().size(); l++) {
            setLayerParameters(
                    template.getLayer(l), architecture.layers().get(l), params, architecture.parameterOffset(l));
        }
    }

    /** DL4J's updater for {@code optimizer}: Adam without weight decay, or SGD without momentum. */
    private static IUpdater updater(Optimizer optimizer) {
        if (optimizer instanceof Adam adam && adam.weightDecay() == 0f) {
            return new org.nd4j.linalg.learning.config.Adam(
                    adam.learningRate(), adam.beta1(), adam.beta2(), adam.epsilon());
        }
        if (optimizer instanceof SgdMomentum sgd && sgd.momentum() == 0f) {
            return new Sgd(sgd.learningRate());
        }
        throw new IllegalArgumentException(
                "the DL4J engine supports Adam without weight decay and SGD without momentum, got " + optimizer);
    }

    private MultiLayerConfiguration configuration(IUpdater updater) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(0)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(updater)
                .list();
        List<HeadLayer> layers = architecture.layers();
        for (int l = 0; l < layers.size(); l++) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layerConf(layers.get(l), l == layers.size() - 1);
            list.layer(l, l < firstTrainable ? new FrozenLayer(conf) : conf);
        }
        return list.build();
    }

    private static org.deeplearning4j.nn.conf.layers.Layer layerConf(HeadLayer layer, boolean top) {
        if (layer instanceof HeadLayer.Dense dense) {
            if (top) {
                return new OutputLayer.Builder(new LossBinaryXENT(0.0))
                        .nIn(dense.inputDim())
                        .nOut(dense.outputDim())
                        .activation(Activation.SIGMOID)
                        .build();
            }
            return new DenseLayer.Builder()
                    .nIn(dense.inputDim())
                    .nOut(dense.outputDim())
                    .activation(Activation.IDENTITY)
                    .build();
        }
        if (layer instanceof HeadLayer.LayerNorm norm) {
            return new Dl4jLayerNorm(norm.dim(), norm.epsilon());
        }
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    /** Copies a layer's slice of a flat native parameter array into the DL4J layer. */
    private static void setLayerParameters(Layer target, HeadLayer layer, float[] params, int offset) {
        if (layer instanceof HeadLayer.Dense dense) {
            int in = dense.inputDim();
            int out = dense.outputDim();
            float[] w = new float[in * out];
            System.arraycopy(params, offset, w, 0, w.length);
            float[] b = new float[out];
            System.arraycopy(params, offset + w.length, b, 0, out);
            // native layout is W[out][in] row-major; DL4J's W is [in, out]
            target.getParam("W")
                    .assign(Nd4j.create(w, new long[] {out, in}, 'c').transpose());
            target.getParam("b").assign(Nd4j.create(b, new long[] {1, out}, 'c'));
        } else if (layer instanceof HeadLayer.LayerNorm norm) {
            int dim = norm.dim();
            float[] gamma = new float[dim];
            float[] beta = new float[dim];
            System.arraycopy(params, offset, gamma, 0, dim);
            System.arraycopy(params, offset + dim, beta, 0, dim);
            target.getParam("gamma").assign(Nd4j.create(gamma, new long[] {1, dim}, 'c'));
            target.getParam("beta").assign(Nd4j.create(beta, new long[] {1, dim}, 'c'));
        }
    }

    /**
     * Writes a layer's parameters (or their gradients: whatever {@code from} returns for a DL4J
     * parameter name) to {@code out} in the native flat layout.
     */
    private static void getLayerParameters(Function<String, INDArray> from, HeadLayer layer, float[] out, int offset) {
        if (layer instanceof HeadLayer.Dense dense) {
            float[] w = Nd4j.toFlattened('c', from.apply("W").transpose()).toFloatVector();
            float[] b = Nd4j.toFlattened('c', from.apply("b")).toFloatVector();
            System.arraycopy(w, 0, out, offset, w.length);
            System.arraycopy(b, 0, out, offset + w.length, dense.outputDim());
        } else if (layer instanceof HeadLayer.LayerNorm norm) {
            float[] gamma = Nd4j.toFlattened('c', from.apply("gamma")).toFloatVector();
            float[] beta = Nd4j.toFlattened('c', from.apply("beta")).toFloatVector();
            System.arraycopy(gamma, 0, out, offset, norm.dim());
            System.arraycopy(beta, 0, out, offset + norm.dim(), norm.dim());
        }
    }

    @Override
    public String name() {
        return "dl4j";
    }

    @Override
    public SourceHead source() {
        return source;
    }

    @Override
    public int trainableTopK() {
        return topK;
    }

    @Override
    public User newUser() {
        return new Dl4jUser(template.clone());
    }

    @Override
    public float score(User user, float[] input, int offset) {
        if (input == null || offset < 0 || offset > input.length - inputDim) {
            throw new IllegalArgumentException(
                    "input window [" + offset + ", " + offset + " + " + inputDim + ") is outside the array");
        }
        float[] window = new float[inputDim];
        System.arraycopy(input, offset, window, 0, inputDim);
        INDArray out = own(user).net.output(Nd4j.create(window, new long[] {1, inputDim}, 'c'));
        return out.getFloat(0);
    }

    @Override
    public float trainStep(User user, float[] windows, float[] targets) {
        checkBatch(windows, targets);
        MultiLayerNetwork net = own(user).net;
        INDArray features = Nd4j.create(windows, new long[] {targets.length, inputDim}, 'c');
        INDArray labels = Nd4j.create(targets, new long[] {targets.length, 1}, 'c');
        net.fit(features, labels);
        return (float) net.score();
    }

    /**
     * DL4J's gradient of the batch's mean loss with respect to the trainable tail, at the user's
     * current weights, in the native layout; nothing is updated. {@code computeGradientAndScore}
     * returns the sum over the windows (inside {@code fit}, DL4J's updater divides by the mini-batch
     * size), so this divides by {@code targets.length}. For the parity tests.
     */
    float[] gradient(User user, float[] windows, float[] targets) {
        checkBatch(windows, targets);
        MultiLayerNetwork net = own(user).net;
        net.setInput(Nd4j.create(windows, new long[] {targets.length, inputDim}, 'c'));
        net.setLabels(Nd4j.create(targets, new long[] {targets.length, 1}, 'c'));
        net.computeGradientAndScore();
        Gradient sum = net.gradient();
        float[] tail = new float[architecture.trainableLength(topK)];
        int base = architecture.trainableOffset(topK);
        List<HeadLayer> layers = architecture.layers();
        for (int l = firstTrainable; l < layers.size(); l++) {
            int l0 = l;
            getLayerParameters(
                    name -> sum.getGradientFor(l0 + "_" + name),
                    layers.get(l),
                    tail,
                    architecture.parameterOffset(l) - base);
        }
        for (int i = 0; i < tail.length; i++) {
            tail[i] /= targets.length;
        }
        return tail;
    }

    @Override
    public float[] trainableParameters(User user) {
        MultiLayerNetwork net = own(user).net;
        float[] tail = new float[architecture.trainableLength(topK)];
        int base = architecture.trainableOffset(topK);
        List<HeadLayer> layers = architecture.layers();
        for (int l = firstTrainable; l < layers.size(); l++) {
            getLayerParameters(net.getLayer(l)::getParam, layers.get(l), tail, architecture.parameterOffset(l) - base);
        }
        return tail;
    }

    @Override
    public boolean supportsL2Sp() {
        return false;
    }

    @Override
    public void close() {
        // networks are garbage collected with their users; ND4J's native memory follows
    }

    private void checkBatch(float[] windows, float[] targets) {
        if (windows == null
                || targets == null
                || targets.length == 0
                || windows.length != (long) targets.length * inputDim) {
            throw new IllegalArgumentException(
                    "a batch needs at least one window and windows.length == targets.length * " + inputDim);
        }
    }

    private static Dl4jUser own(User user) {
        if (user instanceof Dl4jUser u) {
            return u;
        }
        throw new IllegalArgumentException("user was not created by a DL4J engine: " + user);
    }
}
