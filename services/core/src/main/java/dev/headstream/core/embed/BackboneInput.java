package dev.headstream.core.embed;

import java.util.Arrays;

/** What a sample gives the backbone: PCM audio or a float tensor. Values are not copied; do not mutate. */
public sealed interface BackboneInput {

    /**
     * Mono signed 16-bit PCM.
     *
     * @param sampleRateHz sample rate of {@code pcm}
     * @param pcm          samples in int16 range
     */
    record Audio(int sampleRateHz, short[] pcm) implements BackboneInput {
        public double seconds() {
            return pcm.length / (double) sampleRateHz;
        }
    }

    /**
     * A dense float tensor in row-major order.
     *
     * @param shape  dimensions, each at least 1
     * @param values {@code product(shape)} floats
     */
    record Tensor(long[] shape, float[] values) implements BackboneInput {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                if (d < 1) {
                    throw new IllegalArgumentException("tensor dimension must be >= 1, got " + Arrays.toString(shape));
                }
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException(
                        "tensor of shape " + Arrays.toString(shape) + " needs " + n + " values, got " + values.length);
            }
        }
    }
}
