package dev.headstream.core.head;

import java.util.Arrays;

/**
 * The layer kernels every head engine shares (plain MLP, general task head, LoRA head): dense,
 * LayerNorm and ReLU forward and backward passes on flat float arrays, and reductions with a
 * fixed number of partial sums combined in a fixed order (deterministic, and written so the JIT
 * vectorizes the inner loops). Stateless; thread-safe.
 */
final class LayerKernels {

    private LayerKernels() {}

    static void denseForward(float[] w, int p, int in, int out, float[] x, int xo, float[] y) {
        matVec(w, p, in, out, x, xo, y);
        int bias = p + in * out;
        for (int o = 0; o < out; o++) {
            y[o] += w[bias + o];
        }
    }

    /**
     * {@code y[o] = W[o] . x} for the {@code out} rows of the row-major {@code out x in} matrix at
     * {@code w[p..]}. Every row sums the same way, on either path: {@link #LANES} partial sums,
     * partial {@code l} taking {@code x[j] * W[o][j]} for {@code j = l (mod LANES)} by fused
     * multiply-add in ascending {@code j}, combined as
     * {@code ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))}, plus the elements past the last
     * whole block of {@code LANES}, summed in order by fused multiply-add. With the Vector API
     * ({@link VectorSupport}) {@link VectorKernels#matVec} computes exactly this with 8-lane
     * vectors, four rows at a time (its speed-up is in docs/benchmarks.md, with the command); without
     * it, the scalar loop below does. The two are equal bit for bit, so a head trains
     * and scores the same whether or not a JVM was started with the Vector API.
     */
    static void matVec(float[] w, int p, int in, int out, float[] x, int xo, float[] y) {
        if (VectorSupport.ENABLED) {
            VectorKernels.matVec(w, p, in, out, x, xo, y);
        } else {
            matVecScalar(w, p, in, out, x, xo, y);
        }
    }

    /**
     * {@link #matVec} for two inputs at once: {@code y1 = W x1}, {@code y2 = W x2}, each the same
     * bits as its own {@link #matVec}. The vector path loads each block of {@code W} once for both.
     */
    static void matVec2(
            float[] w, int p, int in, int out, float[] x1, int xo1, float[] x2, int xo2, float[] y1, float[] y2) {
        if (VectorSupport.ENABLED) {
            VectorKernels.matVec2(w, p, in, out, x1, xo1, x2, xo2, y1, y2);
        } else {
            matVecScalar(w, p, in, out, x1, xo1, y1);
            matVecScalar(w, p, in, out, x2, xo2, y2);
        }
    }

    /**
     * {@code y = W x} with {@code W} given by its columns: {@code wt} is {@code W}'s transpose,
     * row-major {@code in x out} from offset 0 (row {@code j} holds column {@code j} of {@code W};
     * {@link #transpose} makes it). Each {@code y[o]} is one chain of fused multiply-adds
     * {@code t = fma(W[o][j], x[j], t)} from {@code t = +0} in ascending {@code j}: a different
     * summation order from {@link #matVec}'s, so the two agree to rounding, not bit for bit. With
     * the Vector API ({@link VectorKernels#columnsMatVec}) eight outputs are one vector and each
     * {@code x[j]} is broadcast, so no lanes are summed across; the same bits as the scalar loop.
     */
    static void columnsMatVec(float[] wt, int in, int out, float[] x, int xo, float[] y) {
        if (VectorSupport.ENABLED) {
            VectorKernels.columnsMatVec(wt, in, out, x, xo, y);
        } else {
            columnsMatVecScalar(wt, in, out, x, xo, y, 0);
        }
    }

    /** {@link #columnsMatVec} for two inputs, each the same bits as its own; the vector path loads each column block once for both. */
    static void columnsMatVec2(
            float[] wt, int in, int out, float[] x1, int xo1, float[] x2, int xo2, float[] y1, float[] y2) {
        if (VectorSupport.ENABLED) {
            VectorKernels.columnsMatVec2(wt, in, out, x1, xo1, x2, xo2, y1, y2);
        } else {
            columnsMatVecScalar(wt, in, out, x1, xo1, y1, 0);
            columnsMatVecScalar(wt, in, out, x2, xo2, y2, 0);
        }
    }

    /** The scalar path of {@link #columnsMatVec}, for the outputs from {@code from} on; package-private so tests can compare the two. */
    static void columnsMatVecScalar(float[] wt, int in, int out, float[] x, int xo, float[] y, int from) {
        // j outside, o inside: each y[o] is still one chain in ascending j from +0, and the chains
        // of a row of wt are independent, so the loop runs as fast as the rows' sums do
        Arrays.fill(y, from, out, 0f);
        for (int j = 0; j < in; j++) {
            float xj = x[xo + j];
            int r = j * out;
            for (int o = from; o < out; o++) {
                y[o] = Math.fma(wt[r + o], xj, y[o]);
            }
        }
    }

    /** Writes the transpose of the row-major {@code out x in} matrix at {@code w[p..]} into {@code wt[0 .. in * out)}. */
    static void transpose(float[] w, int p, int in, int out, float[] wt) {
        for (int o = 0; o < out; o++) {
            int r = p + o * in;
            for (int j = 0; j < in; j++) {
                wt[j * out + o] = w[r + j];
            }
        }
    }

    /**
     * {@code gIn = W^T gOut} for the row-major {@code out x in} matrix at {@code w[p..]}: zeroed,
     * then every row {@code o} with {@code gOut[o] != 0} added in ascending {@code o}, element by
     * element as {@link #axpy} adds it ({@code gIn[j] + gOut[o] * W[o][j]}). With the Vector API
     * ({@link VectorKernels#transposedProduct}) the same bits, for finite weights (a source head's
     * always are).
     */
    static void transposedProduct(float[] w, int p, int in, int out, float[] gOut, float[] gIn) {
        if (VectorSupport.ENABLED) {
            VectorKernels.transposedProduct(w, p, in, out, gOut, gIn);
        } else {
            transposedProductScalar(w, p, in, out, gOut, gIn);
        }
    }

    /** The scalar path of {@link #transposedProduct}; package-private so tests can compare the two. */
    static void transposedProductScalar(float[] w, int p, int in, int out, float[] gOut, float[] gIn) {
        Arrays.fill(gIn, 0, in, 0f);
        for (int o = 0; o < out; o++) {
            float go = gOut[o];
            if (go != 0f) {
                axpyScalar(go, w, p + o * in, gIn, 0, in);
            }
        }
    }

    /**
     * {@code y[yo + j] += a * x[xo + j]} for {@code j < n}: each element a product rounded to float,
     * then a sum rounded to float, as the scalar statement. With the Vector API
     * ({@link VectorKernels#axpy}) eight elements at a time with the same two roundings, so the
     * same bits; C2 on JDK 17 leaves the scalar loop unvectorized when {@code xo != yo}.
     */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        if (VectorSupport.ENABLED) {
            VectorKernels.axpy(a, x, xo, y, yo, n);
        } else {
            axpyScalar(a, x, xo, y, yo, n);
        }
    }

    /** The scalar path of {@link #axpy}; package-private so tests can compare the two. */
    static void axpyScalar(float a, float[] x, int xo, float[] y, int yo, int n) {
        for (int j = 0; j < n; j++) {
            y[yo + j] += a * x[xo + j];
        }
    }

    /** Partial sums per row of {@link #matVec} (the vector path's lane count). */
    static final int LANES = 8;

    /** The scalar path of {@link #matVec}; package-private so tests can compare the two. */
    static void matVecScalar(float[] w, int p, int in, int out, float[] x, int xo, float[] y) {
        int blocks = in - in % LANES;
        for (int o = 0; o < out; o++) {
            int r = p + o * in;
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            float s4 = 0f;
            float s5 = 0f;
            float s6 = 0f;
            float s7 = 0f;
            for (int j = 0; j < blocks; j += LANES) {
                int a = r + j;
                int b = xo + j;
                s0 = Math.fma(w[a], x[b], s0);
                s1 = Math.fma(w[a + 1], x[b + 1], s1);
                s2 = Math.fma(w[a + 2], x[b + 2], s2);
                s3 = Math.fma(w[a + 3], x[b + 3], s3);
                s4 = Math.fma(w[a + 4], x[b + 4], s4);
                s5 = Math.fma(w[a + 5], x[b + 5], s5);
                s6 = Math.fma(w[a + 6], x[b + 6], s6);
                s7 = Math.fma(w[a + 7], x[b + 7], s7);
            }
            float tail = 0f;
            for (int j = blocks; j < in; j++) {
                tail = Math.fma(w[r + j], x[xo + j], tail);
            }
            y[o] = (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) + tail;
        }
    }

    /**
     * Adds {@code gOut x a^T} to the weight gradient and {@code gOut} to the bias gradient, and
     * writes {@code W^T gOut} to {@code gIn} when it is non-null. {@code a} starts at index 0.
     *
     * <p>HotSpot C2 on JDK 17 vectorizes a loop only when all its arrays are indexed with the same
     * loop-invariant offset, so each gradient row is updated in a scratch row at offset 0 and
     * copied back (faster than updating it in place; see docs/benchmarks.md).
     */
    static void denseBackward(
            float[] w, int p, int in, int out, float[] a, float[] gOut, float[] gradient, float[] row, float[] gIn) {
        denseBackward(w, p, in, out, a, gOut, gradient, row, gIn, true);
    }

    /**
     * {@link #denseBackward(float[], int, int, int, float[], float[], float[], float[], float[])},
     * leaving out the weight gradient when {@code weights} is false (a fused optimizer step forms
     * it from {@code gOut} and {@code a} itself; {@code row} may then be null).
     */
    static void denseBackward(
            float[] w,
            int p,
            int in,
            int out,
            float[] a,
            float[] gOut,
            float[] gradient,
            float[] row,
            float[] gIn,
            boolean weights) {
        int bias = p + in * out;
        for (int o = 0; o < out; o++) {
            float go = gOut[o];
            gradient[bias + o] += go;
            if (weights && go != 0f) {
                int start = p + o * in;
                System.arraycopy(gradient, start, row, 0, in);
                for (int j = 0; j < in; j++) {
                    row[j] += go * a[j];
                }
                System.arraycopy(row, 0, gradient, start, in);
            }
        }
        if (gIn != null) {
            Arrays.fill(gIn, 0, in, 0f);
            for (int o = 0; o < out; o++) {
                float go = gOut[o];
                if (go != 0f) {
                    int start = p + o * in;
                    for (int j = 0; j < in; j++) {
                        gIn[j] += go * w[start + j];
                    }
                }
            }
        }
    }

    /**
     * Writes {@code xhat} and {@code y}; returns {@code 1 / sqrt(var + eps)}. With the Vector API
     * ({@link VectorKernels#layerNormForward}) the same floats, bit for bit.
     */
    static float layerNormForward(float[] w, int p, int dim, float eps, float[] x, int xo, float[] xhat, float[] y) {
        if (VectorSupport.ENABLED) {
            return VectorKernels.layerNormForward(w, p, dim, eps, x, xo, xhat, y);
        }
        return layerNormForwardScalar(w, p, dim, eps, x, xo, xhat, y);
    }

    /** The scalar path of {@link #layerNormForward}; package-private so tests can compare the two. */
    static float layerNormForwardScalar(
            float[] w, int p, int dim, float eps, float[] x, int xo, float[] xhat, float[] y) {
        float mean = sum(x, xo, dim) / dim;
        for (int j = 0; j < dim; j++) {
            xhat[j] = x[xo + j] - mean;
        }
        float variance = dot(xhat, 0, xhat, 0, dim) / dim;
        float std = (float) Math.sqrt(variance + eps);
        int beta = p + dim;
        for (int j = 0; j < dim; j++) {
            float h = xhat[j] / std;
            xhat[j] = h;
            y[j] = h * w[p + j] + w[beta + j];
        }
        return 1f / std;
    }

    /** {@code gradient} null when gamma/beta are frozen; {@code g} is the offset of their gradient. */
    static void layerNormBackward(
            float[] w,
            int p,
            int dim,
            float[] xhat,
            float inverseStd,
            float[] gOut,
            float[] gradient,
            int g,
            float[] gIn) {
        if (gradient != null) {
            for (int j = 0; j < dim; j++) {
                gradient[g + j] += gOut[j] * xhat[j];
                gradient[g + dim + j] += gOut[j];
            }
        }
        if (gIn != null) {
            for (int j = 0; j < dim; j++) {
                gIn[j] = gOut[j] * w[p + j];
            }
            float meanG = sum(gIn, 0, dim) / dim;
            float meanGx = dot(gIn, 0, xhat, 0, dim) / dim;
            for (int j = 0; j < dim; j++) {
                gIn[j] = inverseStd * (gIn[j] - meanG - xhat[j] * meanGx);
            }
        }
    }

    static void reluForward(float[] x, int xo, int dim, float[] y) {
        for (int j = 0; j < dim; j++) {
            y[j] = Math.max(x[xo + j], 0f);
        }
    }

    static void reluBackward(float[] y, int dim, float[] gOut, float[] gIn) {
        if (VectorSupport.ENABLED) {
            VectorKernels.reluBackward(y, dim, gOut, gIn);
            return;
        }
        reluBackwardScalar(y, dim, gOut, gIn);
    }

    /** The scalar path of {@link #reluBackward}; package-private so tests can compare the two. */
    static void reluBackwardScalar(float[] y, int dim, float[] gOut, float[] gIn) {
        for (int j = 0; j < dim; j++) {
            gIn[j] = y[j] > 0f ? gOut[j] : 0f;
        }
    }

    /**
     * {@code y[o] += scale * dot(B[o], u)} for the {@code out} rows of the row-major
     * {@code out x rank} matrix at {@code b[p..]}, each sum exactly as {@link #dot} forms it (for a
     * rank below 8, a sum from zero in ascending order), with {@code u} read into locals once
     * instead of a call per row.
     */
    static void lowRankAdd(float[] b, int p, int out, int rank, float scale, float[] u, float[] y) {
        if (rank == 4) {
            float u0 = u[0];
            float u1 = u[1];
            float u2 = u[2];
            float u3 = u[3];
            for (int o = 0; o < out; o++) {
                int r = p + 4 * o;
                float s = 0f;
                s += b[r] * u0;
                s += b[r + 1] * u1;
                s += b[r + 2] * u2;
                s += b[r + 3] * u3;
                y[o] += scale * s;
            }
        } else {
            for (int o = 0; o < out; o++) {
                y[o] += scale * dot(b, p + o * rank, u, 0, rank);
            }
        }
    }

    /**
     * {@link #lowRankAdd2} for {@code out >= LANES} and {@code rank < LANES} with {@code bt}
     * holding {@code B} transposed ({@code rank x out}, from offset 0): with the Vector API eight
     * outputs at a time, each lane summing its row as {@link #lowRankAdd} does (from {@code +0},
     * each product rounded, then added, in ascending {@code k}), so the same bits; without it,
     * {@link #lowRankAdd2} on {@code B} itself.
     */
    static void lowRankAddColumns2(
            float[] b, int p, float[] bt, int out, int rank, float scale, float[] u, float[] y, float[] v, float[] z) {
        if (VectorSupport.ENABLED) {
            int done = VectorKernels.lowRankAddColumns2(bt, out, rank, scale, u, y, v, z);
            for (int o = done; o < out; o++) {
                float s = 0f;
                float t = 0f;
                for (int k = 0; k < rank; k++) {
                    s += b[p + o * rank + k] * u[k];
                    t += b[p + o * rank + k] * v[k];
                }
                y[o] += scale * s;
                z[o] += scale * t;
            }
        } else {
            lowRankAdd2(b, p, out, rank, scale, u, y, v, z);
        }
    }

    /** {@code y[i] += a[ao + i]} for {@code i < n}, eight at a time with the Vector API (the same bits: one add per element). */
    static void addTo(float[] a, int ao, float[] y, int n) {
        int i = 0;
        if (VectorSupport.ENABLED) {
            i = VectorKernels.addTo(a, ao, y, n);
        }
        for (; i < n; i++) {
            y[i] += a[ao + i];
        }
    }

    /** {@code y[i] = Math.max(x[xo + i], 0f)} for {@code i < n}, eight at a time with the Vector API (the same bits, -0 and NaN included). */
    static void relu(float[] x, int xo, float[] y, int n) {
        int i = 0;
        if (VectorSupport.ENABLED) {
            i = VectorKernels.relu(x, xo, y, n);
        }
        for (; i < n; i++) {
            y[i] = Math.max(x[xo + i], 0f);
        }
    }

    /** {@link #lowRankAdd} for two inputs, each row of {@code B} read once for both. */
    static void lowRankAdd2(
            float[] b, int p, int out, int rank, float scale, float[] u, float[] y, float[] v, float[] z) {
        if (rank == 4) {
            float u0 = u[0];
            float u1 = u[1];
            float u2 = u[2];
            float u3 = u[3];
            float v0 = v[0];
            float v1 = v[1];
            float v2 = v[2];
            float v3 = v[3];
            for (int o = 0; o < out; o++) {
                int r = p + 4 * o;
                float b0 = b[r];
                float b1 = b[r + 1];
                float b2 = b[r + 2];
                float b3 = b[r + 3];
                float s = 0f;
                s += b0 * u0;
                s += b1 * u1;
                s += b2 * u2;
                s += b3 * u3;
                float t = 0f;
                t += b0 * v0;
                t += b1 * v1;
                t += b2 * v2;
                t += b3 * v3;
                y[o] += scale * s;
                z[o] += scale * t;
            }
        } else {
            lowRankAdd(b, p, out, rank, scale, u, y);
            lowRankAdd(b, p, out, rank, scale, v, z);
        }
    }

    /** Dot product with eight independent partial sums combined in a fixed order. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        float s4 = 0f;
        float s5 = 0f;
        float s6 = 0f;
        float s7 = 0f;
        int j = 0;
        for (; j <= n - 8; j += 8) {
            s0 += a[ao + j] * b[bo + j];
            s1 += a[ao + j + 1] * b[bo + j + 1];
            s2 += a[ao + j + 2] * b[bo + j + 2];
            s3 += a[ao + j + 3] * b[bo + j + 3];
            s4 += a[ao + j + 4] * b[bo + j + 4];
            s5 += a[ao + j + 5] * b[bo + j + 5];
            s6 += a[ao + j + 6] * b[bo + j + 6];
            s7 += a[ao + j + 7] * b[bo + j + 7];
        }
        float s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; j < n; j++) {
            s += a[ao + j] * b[bo + j];
        }
        return s;
    }

    static float sum(float[] a, int ao, int n) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int j = 0;
        for (; j <= n - 4; j += 4) {
            s0 += a[ao + j];
            s1 += a[ao + j + 1];
            s2 += a[ao + j + 2];
            s3 += a[ao + j + 3];
        }
        float s = (s0 + s1) + (s2 + s3);
        for (; j < n; j++) {
            s += a[ao + j];
        }
        return s;
    }
}
