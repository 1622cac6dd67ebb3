package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SpeakerProjectionTest {

    /** Speakers apart along dim 0 by 1, each speaker's utterances spread by 10 along dim 1 and 0.1 along dim 0. */
    private static List<float[]> data(int speakers, int each, int[] labels, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[]> xs = new ArrayList<>();
        for (int s = 0; s < speakers; s++) {
            for (int i = 0; i < each; i++) {
                labels[xs.size()] = s;
                xs.add(new float[] {
                    (float) (s + 0.1 * r.nextGaussian()), (float) (10 * r.nextGaussian()), (float) r.nextGaussian()
                });
            }
        }
        return xs;
    }

    @Test
    void discriminantDirectionFindsTheSmallButConsistentDifference() {
        int[] labels = new int[400];
        List<float[]> xs = data(4, 100, labels, 1);
        SpeakerProjection lda = SpeakerProjection.fit(xs, labels, 1, 1e-6);
        assertThat(lda.components()).isEqualTo(1);
        // the projection separates the speakers: between-speaker spread of means >> within
        double[] means = new double[4];
        double within = 0;
        List<Float> ys = new ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            float y = lda.apply(xs.get(i))[0];
            ys.add(y);
            means[labels[i]] += y / 100;
        }
        for (int i = 0; i < xs.size(); i++) {
            double d = ys.get(i) - means[labels[i]];
            within += d * d / xs.size();
        }
        double gap = Math.abs(means[1] - means[0]);
        assertThat(gap / Math.sqrt(within)).isGreaterThan(5);
        // whitened: the within-speaker variance along the kept direction is about 1
        assertThat(within).isCloseTo(1, within(0.1));
    }

    @Test
    void whiteningGivesUnitWithinSpeakerVariance() {
        int[] labels = new int[400];
        List<float[]> xs = data(4, 100, labels, 2);
        SpeakerProjection w = SpeakerProjection.fit(xs, labels, 0, 0);
        assertThat(w.components()).isEqualTo(3);
        double[][] cov = new double[3][3];
        double[][] mean = new double[4][3];
        List<float[]> ys = xs.stream().map(w::apply).toList();
        for (int i = 0; i < ys.size(); i++) {
            for (int d = 0; d < 3; d++) {
                mean[labels[i]][d] += ys.get(i)[d] / 100;
            }
        }
        for (int i = 0; i < ys.size(); i++) {
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    cov[a][b] += (ys.get(i)[a] - mean[labels[i]][a]) * (ys.get(i)[b] - mean[labels[i]][b]) / ys.size();
                }
            }
        }
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                assertThat(cov[a][b]).isCloseTo(a == b ? 1 : 0, within(1e-3));
            }
        }
    }

    @Test
    void refusesMoreDirectionsThanSpeakersAllow() {
        int[] labels = new int[20];
        List<float[]> xs = data(2, 10, labels, 3);
        assertThatThrownBy(() -> SpeakerProjection.fit(xs, labels, 2, 1e-3))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
