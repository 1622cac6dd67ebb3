package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Analytic gradients of {@link TaskHead} (softmax cross-entropy, masked multi-label BCE, dropout
 * with a fixed mask, distillation) against central finite differences of the independent
 * double-precision {@link ReferenceTaskMlp}, with the tolerance argued in
 * {@link MlpHeadGradientTest}: {@code |analytic - numeric| <= 1e-5 + 1e-3 |numeric|}.
 */
class TaskHeadGradientTest {

    private static final double H = 1e-6;
    private static final int INPUT_OFFSET = 3;

    @ParameterizedTest(name = "top k = {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void softmaxCrossEntropyGradientMatchesFiniteDifferences(int k) {
        TaskArchitecture arch = TaskTestHeads.softmaxWithLayerNorm();
        check(arch, k, new float[] {0f, 0f, 1f, 0f}, null, 1.5f, Distillation.OFF, null, 21);
        check(arch, k, new float[] {0.1f, 0.6f, 0f, 0.3f}, null, 0.7f, Distillation.OFF, null, 22);
    }

    @ParameterizedTest(name = "top k = {0}")
    @ValueSource(ints = {1, 2, 3})
    void maskedMultiLabelGradientMatchesFiniteDifferences(int k) {
        TaskArchitecture arch = TaskTestHeads.multiLabelPlain();
        boolean[] mask = {true, false, true, true, false};
        check(arch, k, new float[] {1f, 0.5f, 0f, 0.8f, 1f}, mask, 2f, Distillation.OFF, null, 31);
        check(arch, k, new float[] {0f, 1f, 1f, 0f, 0f}, null, 1f, Distillation.OFF, null, 32);
    }

    @ParameterizedTest(name = "top k = {0}")
    @ValueSource(ints = {1, 2, 3, 4})
    void dropoutGradientMatchesFiniteDifferencesForTheDrawnMask(int k) {
        TaskArchitecture arch = TaskTestHeads.softmaxWithDropout();
        check(arch, k, new float[] {0f, 1f, 0f}, null, 1f, Distillation.OFF, 5L, 41);
        check(arch, k, new float[] {0.2f, 0.2f, 0.6f}, null, 1f, Distillation.OFF, 6L, 42);
    }

    @ParameterizedTest(name = "top k = {0}")
    @ValueSource(ints = {1, 3, 5})
    void distillationGradientMatchesFiniteDifferencesForSoftmax(int k) {
        check(
                TaskTestHeads.softmaxWithLayerNorm(),
                k,
                new float[] {1f, 0f, 0f, 0f},
                null,
                1f,
                new Distillation(0.8f, 3f),
                null,
                51);
    }

    @ParameterizedTest(name = "top k = {0}")
    @ValueSource(ints = {1, 2, 3})
    void distillationGradientMatchesFiniteDifferencesForMaskedMultiLabel(int k) {
        check(
                TaskTestHeads.multiLabelPlain(),
                k,
                new float[] {1f, 0f, 0f, 1f, 0f},
                new boolean[] {false, true, false, true, false},
                1f,
                new Distillation(1.2f, 1.5f),
                null,
                61);
    }

    @ParameterizedTest(name = "top k = {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void distillationGradientMatchesFiniteDifferencesForBinary(int k) {
        TaskArchitecture arch = TaskArchitecture.of(TestHeads.smallWithLayerNorm());
        check(arch, k, new float[] {1f}, null, 1f, new Distillation(0.5f, 2f), null, 71);
        check(arch, k, new float[] {0f}, null, 0f, new Distillation(2f, 1f), null, 72);
    }

    @ParameterizedTest(name = "top k = {0}")
    @ValueSource(ints = {1, 2, 4})
    void distillationWithDropoutUsesADropoutFreeSourceAndMatchesFiniteDifferences(int k) {
        check(
                TaskTestHeads.softmaxWithDropout(),
                k,
                new float[] {0f, 0f, 1f},
                null,
                1f,
                new Distillation(0.7f, 2f),
                9L,
                81);
    }

    @Test
    void unlabeledOutputsGetExactlyZeroGradientAndDoNotChangeTheLoss() {
        TaskArchitecture arch = TaskTestHeads.multiLabelPlain();
        float[] source = TaskTestHeads.randomParameters(arch, 91);
        TaskHead top1 = new TaskHead(arch, 1);
        float[] trainable = TaskTestHeads.perturbed(top1.initialTrainable(source), 0.05, 92);
        float[] x = TestHeads.randomVector(arch.inputDim(), 2.0, 93);
        boolean[] mask = {true, false, true, false, false};
        float[] targets = {1f, 0f, 0f, 1f, 0f};
        float[] otherTargets = {1f, 1f, 0f, 0f, 0.5f};

        float[] g1 = new float[top1.trainableLength()];
        float[] g2 = new float[top1.trainableLength()];
        TaskHead.Workspace ws = top1.newWorkspace();
        float loss1 = top1.accumulateGradient(source, trainable, x, 0, targets, mask, 1f, null, ws, g1);
        float loss2 = top1.accumulateGradient(source, trainable, x, 0, otherTargets, mask, 1f, null, ws, g2);

        assertThat(loss2).isEqualTo(loss1);
        assertThat(g2).containsExactly(g1);
        int in = 5;
        int bias = in * 5;
        for (int o : new int[] {1, 3, 4}) {
            assertThat(Arrays.copyOfRange(g1, o * in, (o + 1) * in))
                    .as("weights of output %d", o)
                    .containsOnly(0f);
            assertThat(g1[bias + o]).as("bias of output %d", o).isEqualTo(0f);
        }
        assertThat(g1[bias]).isNotEqualTo(0f);
    }

    @Test
    void sampleWithNoLabeledOutputContributesZeroLossAndZeroGradient() {
        TaskArchitecture arch = TaskTestHeads.multiLabelPlain();
        float[] source = TaskTestHeads.randomParameters(arch, 101);
        TaskHead all = new TaskHead(arch, arch.parameterisedLayerCount());
        float[] trainable = TaskTestHeads.perturbed(all.initialTrainable(source), 0.05, 102);
        float[] x = TestHeads.randomVector(arch.inputDim(), 2.0, 103);
        float[] gradient = new float[all.trainableLength()];

        float loss = all.accumulateGradient(
                source,
                trainable,
                x,
                0,
                new float[] {1f, 0f, 1f, 0f, 1f},
                new boolean[5],
                3f,
                null,
                all.newWorkspace(),
                gradient);

        assertThat(loss).isEqualTo(0f);
        assertThat(gradient).containsOnly(0f);
    }

    @ParameterizedTest(name = "top k = {0}")
    @ValueSource(ints = {1, 3, 5})
    void binaryTaskHeadMatchesMlpHeadBitForBit(int k) {
        HeadArchitecture binary = TestHeads.smallWithLayerNorm();
        float[] source = TestHeads.randomParameters(binary, 111);
        MlpHead mlp = new MlpHead(binary, k);
        TaskHead task = new TaskHead(TaskArchitecture.of(binary), k);
        float[] trainable = TaskTestHeads.perturbed(mlp.initialTrainable(source), 0.05, 112);
        float[] x = TestHeads.randomVector(binary.inputDim() + INPUT_OFFSET, 2.0, 113);
        float[] expected = new float[mlp.trainableLength()];
        float[] actual = new float[task.trainableLength()];

        float expectedLoss =
                mlp.accumulateGradient(source, trainable, x, INPUT_OFFSET, 0.3f, 1.7f, mlp.newWorkspace(), expected);
        TaskHead.Workspace ws = task.newWorkspace();
        float actualLoss = task.accumulateGradient(
                source, trainable, x, INPUT_OFFSET, new float[] {0.3f}, null, 1.7f, null, ws, actual);

        assertThat(actualLoss).isEqualTo(expectedLoss);
        assertThat(actual).containsExactly(expected);
        float[] z = new float[1];
        task.logits(source, trainable, x, INPUT_OFFSET, ws, z);
        assertThat(z[0]).isEqualTo(mlp.logit(source, trainable, x, INPUT_OFFSET, mlp.newWorkspace()));
    }

    @Test
    void gradientCheckRejectsAGradientThatIsOffByOnePercent() {
        double[] numeric = {0.5, -0.25, 0.125};
        float[] analytic = {0.5f, -0.25f * 1.01f, 0.125f};
        assertThat(mismatches(analytic, numeric)).hasSize(1);
    }

    /** Compares the analytic loss and gradient of one window against the double reference. */
    private static void check(
            TaskArchitecture arch,
            int k,
            float[] targets,
            boolean[] mask,
            float weight,
            Distillation distillation,
            Long dropoutSeed,
            long seed) {
        float[] source = TaskTestHeads.randomParameters(arch, seed);
        TaskHead head = new TaskHead(arch, k);
        float[] trainable = TaskTestHeads.perturbed(head.initialTrainable(source), 0.1, seed + 1);
        float[] x = TestHeads.randomVector(arch.inputDim() + INPUT_OFFSET, 2.0, seed + 2);
        TaskHead.Workspace ws = head.newWorkspace();
        float[] analytic = new float[head.trainableLength()];
        SplittableRandom random = dropoutSeed == null ? null : new SplittableRandom(dropoutSeed);

        float loss = head.accumulateGradient(
                source, trainable, x, INPUT_OFFSET, targets, mask, weight, distillation, random, ws, analytic);

        double[][] scales = new double[arch.layers().size()][];
        boolean anyDropped = false;
        for (int l = 0; l < scales.length; l++) {
            if (arch.dropoutRates().get(l) != 0f && random != null) {
                float[] s = new float[arch.layers().get(l).outputDim()];
                ws.copyDropoutScale(l, s);
                scales[l] = ReferenceMlp.toDouble(s);
                for (float v : s) {
                    anyDropped |= v == 0f;
                }
            }
        }
        if (random != null) {
            assertThat(anyDropped).as("the drawn mask drops something").isTrue();
        }
        double[] xd = ReferenceMlp.toDouble(Arrays.copyOfRange(x, INPUT_OFFSET, x.length));
        double[] zSource = ReferenceTaskMlp.logits(arch, ReferenceMlp.toDouble(source), xd, null);
        double[] p = ReferenceMlp.combine(source, trainable, head.trainableOffset());
        ToDoubleFunction<double[]> lossOf = params -> {
            double[] z = ReferenceTaskMlp.logits(arch, params, xd, scales);
            double value = weight * ReferenceTaskMlp.taskLoss(arch.output(), z, targets, mask);
            if (distillation.active()) {
                value += distillation.weight()
                        * ReferenceTaskMlp.distillation(arch.output(), z, zSource, distillation.temperature());
            }
            return value;
        };
        double refLoss = lossOf.applyAsDouble(p);
        assertThat((double) loss).isCloseTo(refLoss, within(1e-5 + 1e-5 * Math.abs(refLoss)));

        double[] numeric = new double[analytic.length];
        for (int i = 0; i < numeric.length; i++) {
            int at = head.trainableOffset() + i;
            double saved = p[at];
            p[at] = saved + H;
            double up = lossOf.applyAsDouble(p);
            p[at] = saved - H;
            double down = lossOf.applyAsDouble(p);
            p[at] = saved;
            numeric[i] = (up - down) / (2 * H);
        }
        assertThat(mismatches(analytic, numeric))
                .as("%s, k=%d, seed %d", arch.output(), k, seed)
                .isEmpty();
        assertThat(Arrays.stream(numeric).map(Math::abs).max().orElse(0))
                .as("the check is not vacuous")
                .isGreaterThan(1e-3);
    }

    private static List<String> mismatches(float[] analytic, double[] numeric) {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < numeric.length; i++) {
            if (Math.abs(analytic[i] - numeric[i]) > 1e-5 + 1e-3 * Math.abs(numeric[i])) {
                bad.add("[" + i + "] analytic " + analytic[i] + " numeric " + numeric[i]);
            }
        }
        return bad;
    }
}
