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

        /** Most dimensions of a shape that {@link #describe} writes out. */
        static final int DESCRIBED_DIMS = 8;

        public Tensor {
            // the product of the dimensions, capped at one more than there are values (never overflows)
            long cap = values.length + 1L;
            long n = 1;
            for (long d : shape) {
                if (d < 1) {
                    throw new IllegalArgumentException("tensor dimension must be >= 1, got " + describe(shape));
                }
                n = d > cap / n ? cap : Math.min(cap, n * d);
            }
            if (n != values.length) {
                throw new IllegalArgumentException("tensor of shape " + describe(shape) + " needs "
                        + (n == cap ? "more than " + values.length : String.valueOf(n)) + " values, got "
                        + values.length);
            }
        }

        /**
         * {@code shape} for a message: {@code [1, 16, 96]}, or its first {@value #DESCRIBED_DIMS}
         * dimensions and the rank when it has more, since a sample can declare any number of them.
         */
        public static String describe(long[] shape) {
            if (shape.length <= DESCRIBED_DIMS) {
                return Arrays.toString(shape);
            }
            String head = Arrays.toString(Arrays.copyOf(shape, DESCRIBED_DIMS));
            return head.substring(0, head.length() - 1) + ", ...] (" + shape.length + " dimensions)";
        }
    }
}
