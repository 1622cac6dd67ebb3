package dev.headstream.core.head;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API paths of {@link LayerKernels}' kernels: 8-lane vectors (256 bits; a fixed width,
 * so the sums are the same on any machine). {@link #matVec} takes four or eight rows at a time so
 * each block of {@code x} is loaded once for them; {@link #columnsMatVec} takes eight outputs per
 * vector from the transposed matrix. Each is bit-identical to its scalar path in
 * {@link LayerKernels} (see there for the summation orders). Only loaded when
 * {@link VectorSupport#ENABLED}.
 */
final class VectorKernels {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_256;
    /** Four lanes: {@link LayerKernels#sum}'s four partial sums. */
    private static final VectorSpecies<Float> QUARTER = FloatVector.SPECIES_128;

    static {
        if (SPECIES.length() != LayerKernels.LANES) {
            throw new AssertionError("vector lanes " + SPECIES.length() + " != " + LayerKernels.LANES);
        }
    }

    private VectorKernels() {}

    static void matVec(float[] w, int p, int in, int out, float[] x, int xo, float[] y) {
        int blocks = in - in % LayerKernels.LANES;
        int o = 0;
        for (; o <= out - 8; o += 8) {
            int r0 = p + o * in;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector a4 = a0;
            FloatVector a5 = a0;
            FloatVector a6 = a0;
            FloatVector a7 = a0;
            for (int j = 0; j < blocks; j += LayerKernels.LANES) {
                FloatVector xv = FloatVector.fromArray(SPECIES, x, xo + j);
                int r = r0 + j;
                a0 = FloatVector.fromArray(SPECIES, w, r).fma(xv, a0);
                a1 = FloatVector.fromArray(SPECIES, w, r + in).fma(xv, a1);
                a2 = FloatVector.fromArray(SPECIES, w, r + 2 * in).fma(xv, a2);
                a3 = FloatVector.fromArray(SPECIES, w, r + 3 * in).fma(xv, a3);
                a4 = FloatVector.fromArray(SPECIES, w, r + 4 * in).fma(xv, a4);
                a5 = FloatVector.fromArray(SPECIES, w, r + 5 * in).fma(xv, a5);
                a6 = FloatVector.fromArray(SPECIES, w, r + 6 * in).fma(xv, a6);
                a7 = FloatVector.fromArray(SPECIES, w, r + 7 * in).fma(xv, a7);
            }
            y[o] = combine(a0) + tail(w, r0, x, xo, blocks, in);
            y[o + 1] = combine(a1) + tail(w, r0 + in, x, xo, blocks, in);
            y[o + 2] = combine(a2) + tail(w, r0 + 2 * in, x, xo, blocks, in);
            y[o + 3] = combine(a3) + tail(w, r0 + 3 * in, x, xo, blocks, in);
            y[o + 4] = combine(a4) + tail(w, r0 + 4 * in, x, xo, blocks, in);
            y[o + 5] = combine(a5) + tail(w, r0 + 5 * in, x, xo, blocks, in);
            y[o + 6] = combine(a6) + tail(w, r0 + 6 * in, x, xo, blocks, in);
            y[o + 7] = combine(a7) + tail(w, r0 + 7 * in, x, xo, blocks, in);
        }
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

    /**
     * {@link #matVec} of one matrix with two inputs: {@code y1 = W x1} and {@code y2 = W x2}, each
     * row summed exactly as {@link #matVec} sums it (so the same bits), with each block of a row
     * loaded once for both inputs (eight sums in flight instead of four).
     */
    static void matVec2(
            float[] w, int p, int in, int out, float[] x1, int xo1, float[] x2, int xo2, float[] y1, float[] y2) {
        int blocks = in - in % LayerKernels.LANES;
        int o = 0;
        for (; o <= out - 4; o += 4) {
            int r0 = p + o * in;
            int r1 = r0 + in;
            int r2 = r1 + in;
            int r3 = r2 + in;
            FloatVector a = FloatVector.zero(SPECIES);
            FloatVector b = a;
            FloatVector c = a;
            FloatVector d = a;
            FloatVector e = a;
            FloatVector f = a;
            FloatVector g = a;
            FloatVector h = a;
            for (int j = 0; j < blocks; j += LayerKernels.LANES) {
                FloatVector u = FloatVector.fromArray(SPECIES, x1, xo1 + j);
                FloatVector v = FloatVector.fromArray(SPECIES, x2, xo2 + j);
                FloatVector w0 = FloatVector.fromArray(SPECIES, w, r0 + j);
                FloatVector w1 = FloatVector.fromArray(SPECIES, w, r1 + j);
                FloatVector w2 = FloatVector.fromArray(SPECIES, w, r2 + j);
                FloatVector w3 = FloatVector.fromArray(SPECIES, w, r3 + j);
                a = w0.fma(u, a);
                b = w1.fma(u, b);
                c = w2.fma(u, c);
                d = w3.fma(u, d);
                e = w0.fma(v, e);
                f = w1.fma(v, f);
                g = w2.fma(v, g);
                h = w3.fma(v, h);
            }
            y1[o] = combine(a) + tail(w, r0, x1, xo1, blocks, in);
            y1[o + 1] = combine(b) + tail(w, r1, x1, xo1, blocks, in);
            y1[o + 2] = combine(c) + tail(w, r2, x1, xo1, blocks, in);
            y1[o + 3] = combine(d) + tail(w, r3, x1, xo1, blocks, in);
            y2[o] = combine(e) + tail(w, r0, x2, xo2, blocks, in);
            y2[o + 1] = combine(f) + tail(w, r1, x2, xo2, blocks, in);
            y2[o + 2] = combine(g) + tail(w, r2, x2, xo2, blocks, in);
            y2[o + 3] = combine(h) + tail(w, r3, x2, xo2, blocks, in);
        }
        for (; o < out; o++) {
            int r = p + o * in;
            FloatVector a = FloatVector.zero(SPECIES);
            FloatVector b = a;
            for (int j = 0; j < blocks; j += LayerKernels.LANES) {
                FloatVector wv = FloatVector.fromArray(SPECIES, w, r + j);
                a = wv.fma(FloatVector.fromArray(SPECIES, x1, xo1 + j), a);
                b = wv.fma(FloatVector.fromArray(SPECIES, x2, xo2 + j), b);
            }
            y1[o] = combine(a) + tail(w, r, x1, xo1, blocks, in);
            y2[o] = combine(b) + tail(w, r, x2, xo2, blocks, in);
        }
    }

    /**
     * {@link LayerKernels#columnsMatVec}: 32 outputs at a time in four vectors (then 8, then the
     * scalar loop for the rest), {@code x[j]} broadcast; every lane runs its output's own chain of
     * fused multiply-adds in ascending {@code j}, so the same bits as the scalar loop.
     */
    static void columnsMatVec(float[] wt, int in, int out, float[] x, int xo, float[] y) {
        int lanes = LayerKernels.LANES;
        int o = 0;
        for (; o <= out - 4 * lanes; o += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int j = 0, r = o; j < in; j++, r += out) {
                FloatVector u = FloatVector.broadcast(SPECIES, x[xo + j]);
                a0 = FloatVector.fromArray(SPECIES, wt, r).fma(u, a0);
                a1 = FloatVector.fromArray(SPECIES, wt, r + lanes).fma(u, a1);
                a2 = FloatVector.fromArray(SPECIES, wt, r + 2 * lanes).fma(u, a2);
                a3 = FloatVector.fromArray(SPECIES, wt, r + 3 * lanes).fma(u, a3);
            }
            a0.intoArray(y, o);
            a1.intoArray(y, o + lanes);
            a2.intoArray(y, o + 2 * lanes);
            a3.intoArray(y, o + 3 * lanes);
        }
        for (; o <= out - lanes; o += lanes) {
            FloatVector a = FloatVector.zero(SPECIES);
            for (int j = 0, r = o; j < in; j++, r += out) {
                a = FloatVector.fromArray(SPECIES, wt, r).fma(FloatVector.broadcast(SPECIES, x[xo + j]), a);
            }
            a.intoArray(y, o);
        }
        LayerKernels.columnsMatVecScalar(wt, in, out, x, xo, y, o);
    }

    /**
     * {@link #columnsMatVec} of two inputs: 32 outputs of each at a time (eight vectors), each
     * column block loaded once for both; the same bits as one input at a time.
     */
    static void columnsMatVec2(
            float[] wt, int in, int out, float[] x1, int xo1, float[] x2, int xo2, float[] y1, float[] y2) {
        int lanes = LayerKernels.LANES;
        int o = 0;
        for (; o <= out - 4 * lanes; o += 4 * lanes) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            FloatVector b2 = a0;
            FloatVector b3 = a0;
            for (int j = 0, r = o; j < in; j++, r += out) {
                FloatVector w0 = FloatVector.fromArray(SPECIES, wt, r);
                FloatVector w1 = FloatVector.fromArray(SPECIES, wt, r + lanes);
                FloatVector w2 = FloatVector.fromArray(SPECIES, wt, r + 2 * lanes);
                FloatVector w3 = FloatVector.fromArray(SPECIES, wt, r + 3 * lanes);
                FloatVector u = FloatVector.broadcast(SPECIES, x1[xo1 + j]);
                FloatVector v = FloatVector.broadcast(SPECIES, x2[xo2 + j]);
                a0 = w0.fma(u, a0);
                a1 = w1.fma(u, a1);
                a2 = w2.fma(u, a2);
                a3 = w3.fma(u, a3);
                b0 = w0.fma(v, b0);
                b1 = w1.fma(v, b1);
                b2 = w2.fma(v, b2);
                b3 = w3.fma(v, b3);
            }
            a0.intoArray(y1, o);
            a1.intoArray(y1, o + lanes);
            a2.intoArray(y1, o + 2 * lanes);
            a3.intoArray(y1, o + 3 * lanes);
            b0.intoArray(y2, o);
            b1.intoArray(y2, o + lanes);
            b2.intoArray(y2, o + 2 * lanes);
            b3.intoArray(y2, o + 3 * lanes);
        }
        for (; o <= out - lanes; o += lanes) {
            FloatVector a = FloatVector.zero(SPECIES);
            FloatVector b = a;
            for (int j = 0, r = o; j < in; j++, r += out) {
                FloatVector w = FloatVector.fromArray(SPECIES, wt, r);
                a = w.fma(FloatVector.broadcast(SPECIES, x1[xo1 + j]), a);
                b = w.fma(FloatVector.broadcast(SPECIES, x2[xo2 + j]), b);
            }
            a.intoArray(y1, o);
            b.intoArray(y2, o);
        }
        LayerKernels.columnsMatVecScalar(wt, in, out, x1, xo1, y1, o);
        LayerKernels.columnsMatVecScalar(wt, in, out, x2, xo2, y2, o);
    }

    /**
     * The vector part of {@link LayerKernels#lowRankAddColumns2}: the first {@code out - out % 8}
     * outputs of both inputs; returns how many were done.
     */
    static int lowRankAddColumns2(
            float[] bt, int out, int rank, float scale, float[] u, float[] y, float[] v, float[] z) {
        int lanes = LayerKernels.LANES;
        int blocks = out - out % lanes;
        FloatVector sc = FloatVector.broadcast(SPECIES, scale);
        for (int o = 0; o < blocks; o += lanes) {
            FloatVector s = FloatVector.zero(SPECIES);
            FloatVector t = s;
            for (int k = 0; k < rank; k++) {
                FloatVector b = FloatVector.fromArray(SPECIES, bt, k * out + o);
                s = s.add(b.mul(u[k]));
                t = t.add(b.mul(v[k]));
            }
            FloatVector.fromArray(SPECIES, y, o).add(s.mul(sc)).intoArray(y, o);
            FloatVector.fromArray(SPECIES, z, o).add(t.mul(sc)).intoArray(z, o);
        }
        return blocks;
    }

    /** The vector part of {@link LayerKernels#addTo}; returns how many elements were done. */
    static int addTo(float[] a, int ao, float[] y, int n) {
        int blocks = n - n % LayerKernels.LANES;
        for (int i = 0; i < blocks; i += LayerKernels.LANES) {
            FloatVector.fromArray(SPECIES, y, i)
                    .add(FloatVector.fromArray(SPECIES, a, ao + i))
                    .intoArray(y, i);
        }
        return blocks;
    }

    /**
     * The vector part of {@link LayerKernels#relu}; returns how many were done. {@code Math.max(v, 0f)}
     * is {@code v} where {@code v > 0} or {@code v} is NaN (its own bits, payload and all) and
     * {@code +0} elsewhere (-0 included), which is what the blend keeps.
     */
    static int relu(float[] x, int xo, float[] y, int n) {
        int blocks = n - n % LayerKernels.LANES;
        FloatVector zero = FloatVector.zero(SPECIES);
        for (int i = 0; i < blocks; i += LayerKernels.LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xo + i);
            VectorMask<Float> keep = v.compare(VectorOperators.GT, 0f).or(v.compare(VectorOperators.NE, v));
            zero.blend(v, keep).intoArray(y, i);
        }
        return blocks;
    }

    /**
     * {@link LayerKernels#layerNormForwardScalar} with vectors: the mean's four partial sums, the
     * variance's eight products-then-sums and every element-wise step are the scalar loop's own
     * operations lane by lane, combined in the same order, so the same floats bit for bit.
     */
    static float layerNormForward(float[] w, int p, int dim, float eps, float[] x, int xo, float[] xhat, float[] y) {
        int quarters = dim - dim % 4;
        FloatVector q = FloatVector.zero(QUARTER);
        for (int j = 0; j < quarters; j += 4) {
            q = q.add(FloatVector.fromArray(QUARTER, x, xo + j));
        }
        float total = (q.lane(0) + q.lane(1)) + (q.lane(2) + q.lane(3));
        for (int j = quarters; j < dim; j++) {
            total += x[xo + j];
        }
        float mean = total / dim;
        int blocks = dim - dim % LayerKernels.LANES;
        FloatVector m = FloatVector.broadcast(SPECIES, mean);
        FloatVector squares = FloatVector.zero(SPECIES);
        for (int j = 0; j < blocks; j += LayerKernels.LANES) {
            FloatVector c = FloatVector.fromArray(SPECIES, x, xo + j).sub(m);
            c.intoArray(xhat, j);
            squares = squares.add(c.mul(c));
        }
        for (int j = blocks; j < dim; j++) {
            xhat[j] = x[xo + j] - mean;
        }
        float sq = combine(squares);
        for (int j = blocks; j < dim; j++) {
            sq += xhat[j] * xhat[j];
        }
        float variance = sq / dim;
        float std = (float) Math.sqrt(variance + eps);
        FloatVector sd = FloatVector.broadcast(SPECIES, std);
        int beta = p + dim;
        for (int j = 0; j < blocks; j += LayerKernels.LANES) {
            FloatVector h = FloatVector.fromArray(SPECIES, xhat, j).div(sd);
            h.intoArray(xhat, j);
            h.mul(FloatVector.fromArray(SPECIES, w, p + j))
                    .add(FloatVector.fromArray(SPECIES, w, beta + j))
                    .intoArray(y, j);
        }
        for (int j = blocks; j < dim; j++) {
            float h = xhat[j] / std;
            xhat[j] = h;
            y[j] = h * w[p + j] + w[beta + j];
        }
        return 1f / std;
    }

    /**
     * {@link LayerKernels#transposedProductScalar} with vectors: {@code gIn} kept in registers 64
     * elements at a time while every row of {@code W} is added in order, so each element sees the
     * scalar loop's own products and sums in the same order (the same bits), with its loads and
     * stores done once instead of once per row.
     */
    static void transposedProduct(float[] w, int p, int in, int out, float[] gOut, float[] gIn) {
        // every row is added, a zero gOut[o] too: with finite weights its products are zeros, which
        // leave each sum's bits as they are (a sum that starts at +0 never becomes -0), so this is
        // the scalar loop's skip without a branch (a branch around vector sums makes C2 box them)
        int lanes = LayerKernels.LANES;
        int wide = in - in % (8 * lanes);
        for (int j = 0; j < wide; j += 8 * lanes) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector a4 = a0;
            FloatVector a5 = a0;
            FloatVector a6 = a0;
            FloatVector a7 = a0;
            for (int o = 0; o < out; o++) {
                FloatVector g = FloatVector.broadcast(SPECIES, gOut[o]);
                int r = p + o * in + j;
                a0 = a0.add(FloatVector.fromArray(SPECIES, w, r).mul(g));
                a1 = a1.add(FloatVector.fromArray(SPECIES, w, r + lanes).mul(g));
                a2 = a2.add(FloatVector.fromArray(SPECIES, w, r + 2 * lanes).mul(g));
                a3 = a3.add(FloatVector.fromArray(SPECIES, w, r + 3 * lanes).mul(g));
                a4 = a4.add(FloatVector.fromArray(SPECIES, w, r + 4 * lanes).mul(g));
                a5 = a5.add(FloatVector.fromArray(SPECIES, w, r + 5 * lanes).mul(g));
                a6 = a6.add(FloatVector.fromArray(SPECIES, w, r + 6 * lanes).mul(g));
                a7 = a7.add(FloatVector.fromArray(SPECIES, w, r + 7 * lanes).mul(g));
            }
            a0.intoArray(gIn, j);
            a1.intoArray(gIn, j + lanes);
            a2.intoArray(gIn, j + 2 * lanes);
            a3.intoArray(gIn, j + 3 * lanes);
            a4.intoArray(gIn, j + 4 * lanes);
            a5.intoArray(gIn, j + 5 * lanes);
            a6.intoArray(gIn, j + 6 * lanes);
            a7.intoArray(gIn, j + 7 * lanes);
        }
        int blocks = in - in % lanes;
        for (int j = wide; j < blocks; j += lanes) {
            FloatVector a = FloatVector.zero(SPECIES);
            for (int o = 0; o < out; o++) {
                a = a.add(
                        FloatVector.fromArray(SPECIES, w, p + o * in + j).mul(FloatVector.broadcast(SPECIES, gOut[o])));
            }
            a.intoArray(gIn, j);
        }
        for (int j = blocks; j < in; j++) {
            float t = 0f;
            for (int o = 0; o < out; o++) {
                float go = gOut[o];
                if (go != 0f) {
                    t += go * w[p + o * in + j];
                }
            }
            gIn[j] = t;
        }
    }

    /** {@link LayerKernels#reluBackward}: {@code gIn[j] = y[j] > 0 ? gOut[j] : 0}, eight at a time. */
    static void reluBackward(float[] y, int dim, float[] gOut, float[] gIn) {
        int blocks = dim - dim % LayerKernels.LANES;
        FloatVector zero = FloatVector.zero(SPECIES);
        for (int j = 0; j < blocks; j += LayerKernels.LANES) {
            VectorMask<Float> on = FloatVector.fromArray(SPECIES, y, j).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(SPECIES, gOut, j), on).intoArray(gIn, j);
        }
        for (int j = blocks; j < dim; j++) {
            gIn[j] = y[j] > 0f ? gOut[j] : 0f;
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
