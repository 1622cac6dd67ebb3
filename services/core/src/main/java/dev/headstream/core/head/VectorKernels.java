package dev.headstream.core.head;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API path of {@link LayerKernels#matVec}: 8-lane vectors (256 bits; a fixed width, so
 * the sums are the same on any machine), four rows at a time so each block of {@code x} is loaded
 * once for four rows. Bit-identical to {@link LayerKernels#matVecScalar}; see there for the
 * summation order. Only loaded when {@link VectorSupport#ENABLED}.
 */
final class VectorKernels {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_256;

    static {
        if (SPECIES.length() != LayerKernels.LANES) {
            throw new AssertionError("vector lanes " + SPECIES.length() + " != " + LayerKernels.LANES);
        }
    }

    private VectorKernels() {}

    static void matVec(float[] w, int p, int in, int out, float[] x, int xo, float[] y) {
        int blocks = in - in % LayerKernels.LANES;
        int o = 0;
        for (; o <= out - 4; o += 4) {
            int r0 = p + o * in;
            int r1 = r0 + in;
            int r2 = r1 + in;
            int r3 = r2 + in;
            FloatVector a = FloatVector.zero(SPECIES);
            FloatVector b = FloatVector.zero(SPECIES);
            FloatVector c = FloatVector.zero(SPECIES);
            FloatVector d = FloatVector.zero(SPECIES);
            for (int j = 0; j < blocks; j += LayerKernels.LANES) {
                FloatVector xv = FloatVector.fromArray(SPECIES, x, xo + j);
                a = FloatVector.fromArray(SPECIES, w, r0 + j).fma(xv, a);
                b = FloatVector.fromArray(SPECIES, w, r1 + j).fma(xv, b);
                c = FloatVector.fromArray(SPECIES, w, r2 + j).fma(xv, c);
                d = FloatVector.fromArray(SPECIES, w, r3 + j).fma(xv, d);
            }
            y[o] = combine(a) + tail(w, r0, x, xo, blocks, in);
            y[o + 1] = combine(b) + tail(w, r1, x, xo, blocks, in);
            y[o + 2] = combine(c) + tail(w, r2, x, xo, blocks, in);
            y[o + 3] = combine(d) + tail(w, r3, x, xo, blocks, in);
        }
        for (; o < out; o++) {
            int r = p + o * in;
            FloatVector a = FloatVector.zero(SPECIES);
            for (int j = 0; j < blocks; j += LayerKernels.LANES) {
                a = FloatVector.fromArray(SPECIES, w, r + j).fma(FloatVector.fromArray(SPECIES, x, xo + j), a);
            }
            y[o] = combine(a) + tail(w, r, x, xo, blocks, in);
        }
    }

    /** {@link LayerKernels#axpy}: a multiply, then an add, per lane (no fused multiply-add), as the scalar loop. */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int blocks = n - n % LayerKernels.LANES;
        FloatVector av = FloatVector.broadcast(SPECIES, a);
        for (int j = 0; j < blocks; j += LayerKernels.LANES) {
            FloatVector.fromArray(SPECIES, y, yo + j)
                    .add(FloatVector.fromArray(SPECIES, x, xo + j).mul(av))
                    .intoArray(y, yo + j);
        }
        for (int j = blocks; j < n; j++) {
            y[yo + j] += a * x[xo + j];
        }
    }

    /** {@code ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))} of the eight lanes, in this order. */
    private static float combine(FloatVector v) {
        float s0 = v.lane(0);
        float s1 = v.lane(1);
        float s2 = v.lane(2);
        float s3 = v.lane(3);
        float s4 = v.lane(4);
        float s5 = v.lane(5);
        float s6 = v.lane(6);
        float s7 = v.lane(7);
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    private static float tail(float[] w, int r, float[] x, int xo, int from, int in) {
        float t = 0f;
        for (int j = from; j < in; j++) {
            t = Math.fma(w[r + j], x[xo + j], t);
        }
        return t;
    }
}
