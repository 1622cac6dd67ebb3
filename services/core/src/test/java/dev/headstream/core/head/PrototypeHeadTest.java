package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PrototypeHeadTest {

    @Test
    void firstLabeledExampleAlreadyScoresItsClassHighest() {
        int dim = 1536;
        PrototypeHead head = new PrototypeHead(3, dim, 0.1f);
        float[] a = TestHeads.randomVector(dim, 1.0, 1);
        float[] b = TestHeads.randomVector(dim, 1.0, 2);
        head.add(0, a, 0);
        head.add(2, b, 0);

        float[] nearA = TaskTestHeads.perturbed(a, 0.3, 3);
        assertThat(head.classify(nearA, 0)).isEqualTo(0);
        assertThat(head.classify(TaskTestHeads.perturbed(b, 0.3, 4), 0)).isEqualTo(2);
        float[] p = new float[3];
        head.probabilities(nearA, 0, p);
        assertThat(p[0]).isGreaterThan(p[2]);
        assertThat(p[1]).as("a class without a prototype").isEqualTo(0f);
        assertThat(p[0] + p[2]).isCloseTo(1f, within(1e-6f));
    }

    @Test
    void cosineToTheClassMeanMatchesHandComputedValues() {
        PrototypeHead head = new PrototypeHead(2, 3, 1f);
        head.add(0, new float[] {3f, 0f, 0f}, 0);
        head.add(0, new float[] {0f, 0.5f, 0f}, 0);

        assertThat(head.copyMeans()).containsExactly(0.5f, 0.5f, 0f, 0f, 0f, 0f);
        assertThat(head.cosine(0, new float[] {2f, 2f, 0f}, 0)).isCloseTo(1f, within(1e-6f));
        assertThat(head.cosine(0, new float[] {1f, 0f, 0f}, 0)).isCloseTo((float) (1 / Math.sqrt(2)), within(1e-6f));
        assertThat(head.cosine(0, new float[] {0f, 0f, 5f}, 0)).isEqualTo(0f);
        assertThat(head.cosine(0, new float[] {-1f, -1f, 0f}, 0)).isCloseTo(-1f, within(1e-6f));
        assertThat(head.cosine(0, new float[] {9f, 1f, 0f, 1f, 0f}, 2))
                .as("window at an offset: (0, 1, 0)")
                .isCloseTo((float) (1 / Math.sqrt(2)), within(1e-6f));
        assertThatThrownBy(() -> head.cosine(1, new float[] {1f, 0f, 0f}, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void incrementalMeanEqualsTheBatchMeanOfNormalizedWindows() {
        int dim = 96;
        int n = 40;
        PrototypeHead head = new PrototypeHead(1, dim, 0.1f);
        double[] batch = new double[dim];
        for (int i = 0; i < n; i++) {
            float[] x = TestHeads.randomVector(dim, 1.0 + i, 100 + i);
            head.add(0, x, 0);
            double norm = 0;
            for (float v : x) {
                norm += (double) v * v;
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < dim; j++) {
                batch[j] += x[j] / norm / n;
            }
        }
        float[] means = head.copyMeans();
        for (int j = 0; j < dim; j++) {
            assertThat((double) means[j]).as("dimension %d", j).isCloseTo(batch[j], within(1e-6));
        }
        assertThat(head.count(0)).isEqualTo(n);
    }

    @Test
    void binaryScoreIsContrastiveOnceBothPrototypesExist() {
        PrototypeHead head = new PrototypeHead(2, 2, 0.5f);
        float[] x = {1f, 1f};
        assertThat(head.binaryScore(x, 0)).as("no prototype: never accepts").isEqualTo(0f);

        head.add(1, new float[] {1f, 0f}, 0);
        float cosPositive = (float) (1 / Math.sqrt(2));
        assertThat(head.binaryScore(x, 0)).isCloseTo((cosPositive + 1f) / 2f, within(1e-6f));

        head.add(0, new float[] {-1f, 0f}, 0);
        float cosNegative = -cosPositive;
        assertThat(head.binaryScore(x, 0))
                .isCloseTo(MlpHead.sigmoid((cosPositive - cosNegative) / 0.5f), within(1e-6f));
        assertThat(head.binaryScore(new float[] {-2f, 0.1f}, 0)).isLessThan(0.5f);
    }

    @Test
    void theSameExamplesGiveBitIdenticalStateAndRestoreRoundTrips() {
        PrototypeHead a = new PrototypeHead(2, 64, 0.2f);
        PrototypeHead b = new PrototypeHead(2, 64, 0.2f);
        for (int i = 0; i < 10; i++) {
            float[] x = TestHeads.randomVector(64, 1.0, i);
            a.add(i % 2, x, 0);
            b.add(i % 2, x, 0);
        }
        assertThat(b.copyMeans()).containsExactly(a.copyMeans());
        PrototypeHead restored = PrototypeHead.restore(2, 64, 0.2f, a.copyMeans(), a.copyCounts());
        float[] probe = TestHeads.randomVector(64, 1.0, 99);
        assertThat(restored.binaryScore(probe, 0)).isEqualTo(a.binaryScore(probe, 0));
        assertThat(a.stateBytes()).isEqualTo(2 * 64 * 4 + 2 * 8);

        PrototypeHead copy = a.copy();
        copy.add(0, probe, 0);
        assertThat(a.count(0)).isEqualTo(5);
    }

    @Test
    void rejectsAZeroWindowAsAnExample() {
        PrototypeHead head = new PrototypeHead(2, 3, 0.1f);
        assertThatThrownBy(() -> head.add(0, new float[3], 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(head.hasPrototype(0)).isFalse();
    }
}
