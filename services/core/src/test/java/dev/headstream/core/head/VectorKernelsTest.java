package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Vector API and scalar paths of {@link LayerKernels#matVec} give the same floats bit for bit
 * (so a head trains the same in a JVM with or without {@code --add-modules jdk.incubator.vector}),
 * and both agree with a double-precision product to float rounding.
 */
class VectorKernelsTest {

    /** Calls of a kernel before its result is compared, so that C2 has compiled it (the Vector API's intrinsics). */
    private static final int WARM = 20_000;

    @Test
    void theTestJvmRunsWithTheVectorApi() {
        assertThat(VectorSupport.ENABLED)
                .as("surefire passes --add-modules jdk.incubator.vector")
                .isTrue();
    }

    @ParameterizedTest(name = "{1} x {0}, offsets {2}/{3}")
    @CsvSource({
        "128, 128, 0, 0",
        "128, 128, 3, 5",
        "1536, 128, 0, 7",
        "128, 40, 0, 0",
        "9, 13, 1, 2",
        "5, 7, 0, 0",
        "64, 1, 0, 3",
        "1, 33, 2, 0"
    })
    void columnProductsAreBitIdenticalOnBothPathsForOneAndTwoInputsAndMatchTheRowsToRounding(
            int in, int out, int xo1, int xo2) {
        SplittableRandom r = new SplittableRandom(in * 17L + out);
        float[] w = new float[in * out];
        float[] x = new float[Math.max(xo1, xo2) + in + 1];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.3);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 2);
        }
        float[] wt = new float[in * out];
        LayerKernels.transpose(w, 0, in, out, wt);
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < in; j++) {
                assertThat(wt[j * out + o]).isEqualTo(w[o * in + j]);
            }
        }
        float[] scalar1 = new float[out];
        float[] scalar2 = new float[out];
        LayerKernels.columnsMatVecScalar(wt, in, out, x, xo1, scalar1, 0);
        LayerKernels.columnsMatVecScalar(wt, in, out, x, xo2, scalar2, 0);
        float[] vector = new float[out];
        float[] y1 = new float[out];
        float[] y2 = new float[out];
        for (int rep = 0; rep < WARM / 10; rep++) {
            VectorKernels.columnsMatVec(wt, in, out, x, xo1, vector);
            VectorKernels.columnsMatVec2(wt, in, out, x, xo1, x, xo2, y1, y2);
        }
        VectorKernels.columnsMatVec(wt, in, out, x, xo1, vector);
        assertThat(vector).isEqualTo(scalar1);
        VectorKernels.columnsMatVec2(wt, in, out, x, xo1, x, xo2, y1, y2);
        assertThat(y1).isEqualTo(scalar1);
        assertThat(y2).isEqualTo(scalar2);
        // the scalar path is one fused multiply-add chain per output, in ascending j
        for (int o = 0; o < out; o++) {
            float chain = 0f;
            double exact = 0;
            double magnitude = 0;
            for (int j = 0; j < in; j++) {
                chain = Math.fma(w[o * in + j], x[xo1 + j], chain);
                exact += (double) w[o * in + j] * x[xo1 + j];
                magnitude += Math.abs((double) w[o * in + j] * x[xo1 + j]);
            }
            assertThat(scalar1[o]).isEqualTo(chain);
            assertThat((double) scalar1[o]).isCloseTo(exact, Offset.offset(1e-6 * magnitude + 1e-7));
        }
    }

    @ParameterizedTest(name = "{1} x {0}, offsets {2}/{3}")
    @CsvSource({
        "1536, 128, 0, 0",
        "1536, 128, 7, 3",
        "128, 128, 0, 1",
        "37, 7, 5, 2",
        "5, 3, 0, 0",
        "8, 1, 1, 0",
        "1, 9, 0, 4",
        "96, 4, 0, 0",
        "17, 5, 0, 0"
    })
    void vectorAndScalarPathsAreBitIdentical(int in, int out, int p, int xo) {
        SplittableRandom r = new SplittableRandom(in * 31L + out);
        float[] w = new float[p + in * out + 3];
        float[] x = new float[xo + in + 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.3);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 2);
        }
        float[] vector = new float[out];
        float[] scalar = new float[out];
        VectorKernels.matVec(w, p, in, out, x, xo, vector);
        LayerKernels.matVecScalar(w, p, in, out, x, xo, scalar);
        assertThat(vector).isEqualTo(scalar);
        for (int o = 0; o < out; o++) {
            double exact = 0;
            double magnitude = 0;
            for (int j = 0; j < in; j++) {
                exact += (double) w[p + o * in + j] * x[xo + j];
                magnitude += Math.abs((double) w[p + o * in + j] * x[xo + j]);
            }
            assertThat((double) scalar[o]).isCloseTo(exact, Offset.offset(1e-6 * magnitude + 1e-7));
        }
    }

    @ParameterizedTest(name = "{1} x {0}, offsets {2}/{3}/{4}")
    @CsvSource({
        "1536, 4, 0, 0, 96",
        "1536, 128, 7, 3, 200",
        "128, 128, 0, 1, 0",
        "128, 1, 0, 5, 2",
        "37, 7, 5, 2, 9",
        "5, 3, 0, 0, 1",
        "1, 9, 0, 4, 0"
    })
    void twoInputsGiveEachInputsOwnProductOnBothPaths(int in, int out, int p, int xo1, int xo2) {
        SplittableRandom r = new SplittableRandom(in * 17L + out + xo2);
        float[] w = new float[p + in * out + 3];
        float[] x = new float[Math.max(xo1, xo2) + in + 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.3);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 2);
        }
        float[] one = new float[out];
        float[] two = new float[out];
        LayerKernels.matVecScalar(w, p, in, out, x, xo1, one);
        LayerKernels.matVecScalar(w, p, in, out, x, xo2, two);
        float[] y1 = new float[out];
        float[] y2 = new float[out];
        VectorKernels.matVec2(w, p, in, out, x, xo1, x, xo2, y1, y2);
        assertThat(y1).containsExactly(one);
        assertThat(y2).containsExactly(two);
        float[] z1 = new float[out];
        float[] z2 = new float[out];
        LayerKernels.matVec2(w, p, in, out, x, xo1, x, xo2, z1, z2);
        assertThat(z1).containsExactly(one);
        assertThat(z2).containsExactly(two);
    }

    @ParameterizedTest(name = "dim {0}, offset {1}")
    @CsvSource({"128, 0", "128, 5", "37, 3", "8, 0", "5, 1", "1, 0", "4, 2"})
    void layerNormVectorAndScalarPathsAreBitIdentical(int dim, int xo) {
        SplittableRandom r = new SplittableRandom(dim * 13L + xo);
        float[] w = new float[3 + 2 * dim];
        float[] x = new float[xo + dim + 1];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (1 + r.nextGaussian() * 0.2);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 3 + 0.5);
        }
        float[] xhatV = new float[dim];
        float[] yV = new float[dim];
        float[] xhatS = new float[dim];
        float[] yS = new float[dim];
        float invV = VectorKernels.layerNormForward(w, 3, dim, 1e-5f, x, xo, xhatV, yV);
        float invS = LayerKernels.layerNormForwardScalar(w, 3, dim, 1e-5f, x, xo, xhatS, yS);
        assertThat(invV).isEqualTo(invS);
        assertThat(xhatV).containsExactly(xhatS);
        assertThat(yV).containsExactly(yS);
        double mean = 0;
        for (int j = 0; j < dim; j++) {
            mean += x[xo + j];
        }
        mean /= dim;
        if (dim > 1) {
            assertThat((double) xhatS[0] / invS).isCloseTo(x[xo] - mean, Offset.offset(1e-4));
        }
    }

    @ParameterizedTest(name = "{1} x {0}")
    @CsvSource({"128, 128", "1536, 4", "128, 1", "37, 5", "96, 3", "7, 9", "64, 2"})
    void transposedProductVectorAndScalarPathsAreBitIdenticalToRowByRowAxpy(int in, int out) {
        SplittableRandom r = new SplittableRandom(in * 5L + out);
        int p = 3;
        float[] w = new float[p + in * out + 1];
        float[] gOut = new float[out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        for (int o = 0; o < out; o++) {
            gOut[o] = o % 3 == 1 ? 0f : (float) r.nextGaussian();
        }
        float[] expected = new float[in];
        for (int o = 0; o < out; o++) {
            if (gOut[o] != 0f) {
                for (int j = 0; j < in; j++) {
                    expected[j] += gOut[o] * w[p + o * in + j];
                }
            }
        }
        float[] vector = new float[in];
        float[] scalar = new float[in];
        java.util.Arrays.fill(vector, 9f);
        java.util.Arrays.fill(scalar, 9f);
        VectorKernels.transposedProduct(w, p, in, out, gOut, vector);
        LayerKernels.transposedProductScalar(w, p, in, out, gOut, scalar);
        assertThat(vector).containsExactly(expected);
        assertThat(scalar).containsExactly(expected);
    }

    @Test
    void reluBackwardVectorAndScalarPathsAgree() {
        int dim = 21;
        float[] y = new float[dim];
        float[] g = new float[dim];
        SplittableRandom r = new SplittableRandom(4);
        for (int j = 0; j < dim; j++) {
            y[j] = j % 5 == 0 ? 0f : (float) r.nextGaussian();
            g[j] = (float) r.nextGaussian();
        }
        y[3] = Float.NaN;
        y[4] = -0f;
        float[] vector = new float[dim];
        float[] scalar = new float[dim];
        VectorKernels.reluBackward(y, dim, g, vector);
        LayerKernels.reluBackwardScalar(y, dim, g, scalar);
        assertThat(vector).containsExactly(scalar);
        assertThat(scalar[3]).isZero();
        assertThat(scalar[1]).isEqualTo(y[1] > 0 ? g[1] : 0f);
    }

    @ParameterizedTest(name = "rank {0}")
    @CsvSource({"1", "3", "4", "7", "8", "9"})
    void lowRankAddSumsEachRowAsTheDotProduct(int rank) {
        SplittableRandom r = new SplittableRandom(rank);
        int out = 21;
        float[] b = new float[2 + out * rank];
        float[] u = new float[rank];
        float[] v = new float[rank];
        float[] y = new float[out];
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        for (int k = 0; k < rank; k++) {
            u[k] = (float) r.nextGaussian();
            v[k] = (float) r.nextGaussian();
        }
        for (int o = 0; o < out; o++) {
            y[o] = (float) r.nextGaussian();
        }
        float[] expectedU = y.clone();
        float[] expectedV = y.clone();
        for (int o = 0; o < out; o++) {
            expectedU[o] += 0.7f * LayerKernels.dot(b, 2 + o * rank, u, 0, rank);
            expectedV[o] += 0.7f * LayerKernels.dot(b, 2 + o * rank, v, 0, rank);
        }
        float[] one = y.clone();
        LayerKernels.lowRankAdd(b, 2, out, rank, 0.7f, u, one);
        assertThat(one).containsExactly(expectedU);
        float[] first = y.clone();
        float[] second = y.clone();
        LayerKernels.lowRankAdd2(b, 2, out, rank, 0.7f, u, first, v, second);
        assertThat(first).containsExactly(expectedU);
        assertThat(second).containsExactly(expectedV);
        assertThat(first).isNotEqualTo(y);
    }

    @ParameterizedTest(name = "n {0}, offsets {1}/{2}")
    @CsvSource({"1536, 0, 0", "1536, 5, 130", "128, 3, 0", "13, 0, 2", "7, 1, 1", "0, 0, 0"})
    void axpyVectorAndScalarPathsAreBitIdenticalToTheScalarStatement(int n, int xo, int yo) {
        SplittableRandom r = new SplittableRandom(n * 7L + xo);
        float[] x = new float[xo + n + 3];
        float[] y = new float[yo + n + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 3);
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) r.nextGaussian();
        }
        float a = (float) r.nextGaussian();
        float[] expected = y.clone();
        for (int j = 0; j < n; j++) {
            expected[yo + j] = expected[yo + j] + a * x[xo + j];
        }
        float[] vector = y.clone();
        float[] scalar = y.clone();
        VectorKernels.axpy(a, x, xo, vector, yo, n);
        LayerKernels.axpyScalar(a, x, xo, scalar, yo, n);
        assertThat(vector).containsExactly(expected);
        assertThat(scalar).containsExactly(expected);
    }

    @ParameterizedTest(name = "rank {0}, {1} outputs")
    @CsvSource({"4, 128", "1, 8", "3, 21", "7, 40", "4, 9"})
    void lowRankAddOnTheTransposeIsBitIdenticalToTheRows(int rank, int out) {
        SplittableRandom r = new SplittableRandom(rank * 13L + out);
        float[] b = new float[3 + out * rank];
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) (r.nextGaussian() * 0.4);
        }
        b[3] = -0f;
        float[] bt = new float[out * rank];
        LayerKernels.transpose(b, 3, rank, out, bt);
        float[] u = new float[rank];
        float[] v = new float[rank];
        for (int k = 0; k < rank; k++) {
            u[k] = (float) r.nextGaussian();
            v[k] = (float) r.nextGaussian();
        }
        float[] y = new float[out];
        float[] z = new float[out];
        for (int o = 0; o < out; o++) {
            y[o] = (float) r.nextGaussian();
            z[o] = (float) r.nextGaussian();
        }
        for (int rep = 0; rep < WARM; rep++) {
            LayerKernels.lowRankAddColumns2(b, 3, bt, out, rank, 1.75f, u, y.clone(), v, z.clone());
        }
        float[] y1 = y.clone();
        float[] z1 = z.clone();
        LayerKernels.lowRankAdd2(b, 3, out, rank, 1.75f, u, y1, v, z1);
        float[] y2 = y.clone();
        float[] z2 = z.clone();
        LayerKernels.lowRankAddColumns2(b, 3, bt, out, rank, 1.75f, u, y2, v, z2);
        assertThat(y2).isEqualTo(y1).isNotEqualTo(y);
        assertThat(z2).isEqualTo(z1);
    }

    @Test
    void reluAndAddToKeepTheScalarStatementsBitsWithSignedZerosAndNaN() {
        float[] x = new float[21];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        x[2] = -0f;
        x[3] = Float.NaN;
        x[4] = 0f;
        x[5] = Float.NEGATIVE_INFINITY;
        x[6] = Float.intBitsToFloat(0x7fc0_0123); // a NaN with a payload
        x[7] = Float.intBitsToFloat(0xffc0_0001); // a negative one
        x[19] = -0f;
        float[] y = new float[20];
        // compiled, not interpreted: the Vector API's interpreted fallback is Math.max itself
        for (int rep = 0; rep < WARM; rep++) {
            LayerKernels.relu(x, 1, y, 20);
            LayerKernels.addTo(x, 1, y, 20);
        }
        LayerKernels.relu(x, 1, y, 20);
        for (int i = 0; i < 20; i++) {
            assertThat(Float.floatToRawIntBits(y[i]))
                    .as("element %d", i)
                    .isEqualTo(Float.floatToRawIntBits(Math.max(x[1 + i], 0f)));
        }
        float[] sum = y.clone();
        LayerKernels.addTo(x, 1, sum, 20);
        for (int i = 0; i < 20; i++) {
            assertThat(Float.floatToRawIntBits(sum[i]))
                    .as("element %d", i)
                    .isEqualTo(Float.floatToRawIntBits(y[i] + x[1 + i]));
        }
    }
}
