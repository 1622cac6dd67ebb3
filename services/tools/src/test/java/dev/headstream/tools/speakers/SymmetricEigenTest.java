package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

    @Test
    void knownTwoByTwo() {
        // [[2, 1], [1, 2]] has eigenvalues 3 (along (1, 1)) and 1 (along (1, -1))
        SymmetricEigen e = SymmetricEigen.of(new double[][] {{2, 1}, {1, 2}});
        assertThat(e.values()[0]).isCloseTo(3, within(1e-12));
        assertThat(e.values()[1]).isCloseTo(1, within(1e-12));
        assertThat(Math.abs(e.vectors()[0][0])).isCloseTo(Math.sqrt(0.5), within(1e-12));
        assertThat(e.vectors()[0][0] * e.vectors()[1][0]).isPositive();
    }

    @Test
    void reconstructsARandomSymmetricMatrixWithOrthonormalVectors() {
        int n = 12;
        SplittableRandom r = new SplittableRandom(5);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = r.nextDouble(-1, 1);
                a[j][i] = a[i][j];
            }
        }
        SymmetricEigen e = SymmetricEigen.of(a);
        for (int j = 1; j < n; j++) {
            assertThat(e.values()[j]).isLessThanOrEqualTo(e.values()[j - 1]);
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double rec = 0;
                double dot = 0;
                for (int k = 0; k < n; k++) {
                    rec += e.vectors()[i][k] * e.values()[k] * e.vectors()[j][k];
                    dot += e.vectors()[k][i] * e.vectors()[k][j];
                }
                assertThat(rec).as("A[%d][%d]", i, j).isCloseTo(a[i][j], within(1e-9));
                assertThat(dot).isCloseTo(i == j ? 1 : 0, within(1e-9));
            }
        }
    }

    @Test
    void refusesANonSymmetricMatrix() {
        assertThatThrownBy(() -> SymmetricEigen.of(new double[][] {{1, 2}, {0, 1}}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
