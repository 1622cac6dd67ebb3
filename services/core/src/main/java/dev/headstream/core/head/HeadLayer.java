package dev.headstream.core.head;

/**
 * One layer of an MLP head. Immutable values; the parameters live in flat {@code float[]}
 * arrays laid out by {@link HeadArchitecture}.
 *
 * <p>Parameter layout inside a layer's slice:
 * <ul>
 *   <li>{@link Dense}: weights {@code [out][in]} row-major (as ONNX {@code Gemm} with
 *       {@code transB=1}), then {@code bias[out]};</li>
 *   <li>{@link LayerNorm}: {@code gamma[dim]}, then {@code beta[dim]};</li>
 *   <li>{@link Relu}: none.</li>
 * </ul>
 */
public sealed interface HeadLayer permits HeadLayer.Dense, HeadLayer.LayerNorm, HeadLayer.Relu {

    /** Width of the vector this layer reads. */
    int inputDim();

    /** Width of the vector this layer writes. */
    int outputDim();

    /** Number of floats this layer owns in the flat parameter array. */
    int parameterCount();

    /** Whether the layer owns parameters (and so counts towards "trainable top k"). */
    default boolean parameterised() {
        return parameterCount() > 0;
    }

    /** Fully connected: {@code y = W x + b}, {@code W} stored {@code [outputDim][inputDim]}. */
    record Dense(int inputDim, int outputDim) implements HeadLayer {
        public Dense {
            if (inputDim <= 0 || outputDim <= 0) {
                throw new IllegalArgumentException(
                        "Dense dimensions must be positive, got " + inputDim + "x" + outputDim);
            }
            Math.addExact(Math.multiplyExact(inputDim, outputDim), outputDim);
        }

        @Override
        public int parameterCount() {
            return inputDim * outputDim + outputDim;
        }
    }

    /**
     * Layer normalisation over the feature dimension, as ONNX exporters write it out:
     * {@code y = gamma * (x - mean) / sqrt(var + epsilon) + beta} with the biased variance
     * {@code mean((x - mean)^2)}.
     */
    record LayerNorm(int dim, float epsilon) implements HeadLayer {
        public LayerNorm {
            if (dim <= 0) {
                throw new IllegalArgumentException("LayerNorm dimension must be positive, got " + dim);
            }
            if (!(epsilon > 0f) || Float.isInfinite(epsilon)) {
                throw new IllegalArgumentException("LayerNorm epsilon must be positive and finite, got " + epsilon);
            }
        }

        @Override
        public int inputDim() {
            return dim;
        }

        @Override
        public int outputDim() {
            return dim;
        }

        @Override
        public int parameterCount() {
            return 2 * dim;
        }
    }

    /** Element-wise {@code max(x, 0)}. */
    record Relu(int dim) implements HeadLayer {
        public Relu {
            if (dim <= 0) {
                throw new IllegalArgumentException("Relu dimension must be positive, got " + dim);
            }
        }

        @Override
        public int inputDim() {
            return dim;
        }

        @Override
        public int outputDim() {
            return dim;
        }

        @Override
        public int parameterCount() {
            return 0;
        }
    }
}
