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

    @Test
    void theTestJvmRunsWithTheVectorApi() {
        assertThat(VectorSupport.ENABLED)
                .as("surefire passes --add-modules jdk.incubator.vector")
                .isTrue();
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
}
