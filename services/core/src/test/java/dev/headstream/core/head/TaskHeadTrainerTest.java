package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TaskHeadTrainerTest {

    @Test
    void binaryTaskTrainerReproducesHeadTrainerBitForBit() {
        HeadArchitecture binary = TestHeads.smallWithLayerNorm();
        float[] source = TestHeads.randomParameters(binary, 1);
        TrainingConfig config = TrainingConfig.of(Adam.adamW(0.01f, 0.01f)).withL2Sp(0.05f);
        HeadTrainer reference = new HeadTrainer(new MlpHead(binary, 3), config);
        TaskHeadTrainer trainer = new TaskHeadTrainer(new TaskHead(TaskArchitecture.of(binary), 3), config);
        float[] expected = reference.head().initialTrainable(source);
        float[] actual = expected.clone();
        OptimizerState expectedState = reference.newOptimizerState();
        OptimizerState actualState = trainer.newOptimizerState();
        float[] x = TestHeads.randomVector(binary.inputDim() * 12, 2.0, 2);

        for (int step = 0; step < 4; step++) {
            for (int i = 0; i < 3; i++) {
                int window = (step * 3 + i) * binary.inputDim();
                float target = (step + i) % 2;
                reference.accumulate(source, expected, x, window, target, 1f);
                trainer.accumulate(source, actual, x, window, new float[] {target}, null, 1f, null);
            }
            assertThat(trainer.step(source, actual, actualState))
                    .isEqualTo(reference.step(source, expected, expectedState));
        }

        assertThat(actual).containsExactly(expected);
        assertThat(actualState.sameAs(expectedState)).isTrue();
    }

    @Test
    void distillationAtUnitTemperatureEqualsTheBlendedTargetInTheBinaryTrainer() {
        HeadArchitecture binary = TestHeads.smallWithLayerNorm();
        float[] source = TestHeads.randomParameters(binary, 11);
        Distillation distillation = new Distillation(0.6f, 1f);
        MlpHead mlp = new MlpHead(binary, 5);
        HeadTrainer reference = new HeadTrainer(mlp, TrainingConfig.of(new SgdMomentum(0.1f, 0f)));
        TaskHeadTrainer trainer = new TaskHeadTrainer(
                new TaskHead(TaskArchitecture.of(binary), 5),
                TrainingConfig.of(new SgdMomentum(0.1f, 0f)),
                distillation);
        float[] tail = TaskTestHeads.perturbed(mlp.initialTrainable(source), 0.2, 12);
        float[] x = TestHeads.randomVector(binary.inputDim() * 2, 2.0, 13);
        MlpHead.Workspace ws = mlp.newWorkspace();
        for (int w = 0; w < 2; w++) {
            float label = w;
            float sourceLogit = mlp.sourceLogit(source, x, w * binary.inputDim(), ws);
            reference.accumulate(
                    source,
                    tail,
                    x,
                    w * binary.inputDim(),
                    distillation.blendedTarget(label, 1f, sourceLogit),
                    distillation.blendedWeight(1f));
            trainer.accumulate(source, tail, x, w * binary.inputDim(), new float[] {label}, null, 1f, null);
        }
        reference.completeGradient(source, tail);
        trainer.completeGradient(source, tail);
        float[] expected = new float[tail.length];
        float[] actual = new float[tail.length];
        reference.copyGradient(expected);
        trainer.copyGradient(actual);

        for (int i = 0; i < tail.length; i++) {
            assertThat(actual[i])
                    .as("entry %d", i)
                    .isCloseTo(expected[i], within(1e-6f + 1e-4f * Math.abs(expected[i])));
        }
        assertThatThrownBy(() -> new Distillation(0.6f, 2f).blendedTarget(1f, 1f, 0f))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void distillationIsZeroAtTheSourceAndPullsAnUnlabeledHeadBackTowardIt() {
        TaskArchitecture arch = TaskTestHeads.softmaxWithLayerNorm();
        float[] source = TaskTestHeads.randomParameters(arch, 21);
        TaskHead head = new TaskHead(arch, 2);
        TaskHeadTrainer trainer =
                new TaskHeadTrainer(head, TrainingConfig.of(new SgdMomentum(0.05f, 0f)), new Distillation(1f, 2f));
        float[] x = TestHeads.randomVector(arch.inputDim() * 8, 2.0, 22);
        float[] uniform = {0.25f, 0.25f, 0.25f, 0.25f};

        float[] atSource = head.initialTrainable(source);
        float loss = trainer.accumulate(source, atSource, x, 0, uniform, null, 0f, null);
        trainer.completeGradient(source, atSource);
        float[] gradient = new float[atSource.length];
        trainer.copyGradient(gradient);
        trainer.discardBatch();
        assertThat(loss).isEqualTo(0f);
        assertThat(gradient).containsOnly(0f);

        float[] moved = TaskTestHeads.perturbed(atSource, 0.3, 23);
        OptimizerState state = trainer.newOptimizerState();
        float first = Float.NaN;
        float last = Float.NaN;
        for (int step = 0; step < 30; step++) {
            for (int w = 0; w < 8; w++) {
                trainer.accumulate(source, moved, x, w * arch.inputDim(), uniform, null, 0f, null);
            }
            last = trainer.step(source, moved, state);
            if (step == 0) {
                first = last;
            }
        }
        assertThat(first).isGreaterThan(0f);
        assertThat(last).isLessThan(0.5f * first);
    }

    @Test
    void trainingWithDropoutIsDeterministicGivenTheSeed() {
        TaskArchitecture arch = TaskTestHeads.softmaxWithDropout();
        float[] source = TaskTestHeads.randomParameters(arch, 31);
        float[] x = TestHeads.randomVector(arch.inputDim() * 6, 2.0, 32);
        float[] run1 = train(arch, source, x, 7);
        float[] run2 = train(arch, source, x, 7);
        float[] otherSeed = train(arch, source, x, 8);

        assertThat(run2).containsExactly(run1);
        assertThat(Arrays.equals(otherSeed, run1)).isFalse();
    }

    @Test
    void dropoutIsTheIdentityAtInferenceAndScalesKeptUnitsWhenTraining() {
        TaskArchitecture arch = TaskArchitecture.builder(16)
                .dense(400)
                .relu()
                .dropout(0.25f)
                .dense(2)
                .build(HeadOutput.softmax(2));
        float[] source = TaskTestHeads.randomParameters(arch, 41);
        float[] x = TestHeads.randomVector(16, 2.0, 42);
        TaskHead withDropout = new TaskHead(arch, 2);
        TaskHead without = new TaskHead(arch.withoutDropout(), 2);
        float[] tail = withDropout.initialTrainable(source);
        float[] a = new float[2];
        float[] b = new float[2];
        withDropout.logits(source, tail, x, 0, withDropout.newWorkspace(), a);
        without.logits(source, tail, x, 0, without.newWorkspace(), b);
        assertThat(a).containsExactly(b);

        TaskHead.Workspace ws = withDropout.newWorkspace();
        withDropout.accumulateGradient(
                source,
                tail,
                x,
                0,
                new float[] {1f, 0f},
                null,
                1f,
                new SplittableRandom(3),
                ws,
                new float[withDropout.trainableLength()]);
        float[] scale = new float[400];
        ws.copyDropoutScale(1, scale);
        long dropped = 0;
        for (float s : scale) {
            assertThat(s).isIn(0f, 1f / 0.75f);
            dropped += s == 0f ? 1 : 0;
        }
        assertThat(dropped).isBetween(70L, 130L);
    }

    @Test
    void batchOfUnlabeledMultiLabelSamplesLeavesTheHeadUnchanged() {
        TaskArchitecture arch = TaskTestHeads.multiLabelPlain();
        float[] source = TaskTestHeads.randomParameters(arch, 51);
        TaskHeadTrainer trainer =
                new TaskHeadTrainer(new TaskHead(arch, 3), TrainingConfig.of(new SgdMomentum(0.5f, 0f)));
        float[] tail = TaskTestHeads.perturbed(trainer.head().initialTrainable(source), 0.1, 52);
        float[] before = tail.clone();
        float[] x = TestHeads.randomVector(arch.inputDim() * 3, 2.0, 53);
        for (int w = 0; w < 3; w++) {
            trainer.accumulate(
                    source, tail, x, w * arch.inputDim(), new float[] {1f, 1f, 0f, 0f, 1f}, new boolean[5], 1f, null);
        }

        assertThat(trainer.step(source, tail, trainer.newOptimizerState())).isEqualTo(0f);
        assertThat(tail).containsExactly(before);
    }

    @Test
    void softmaxHeadLearnsThreeSeparableClasses() {
        TaskArchitecture arch = TaskArchitecture.builder(4)
                .dense(16)
                .relu()
                .dropout(0.1f)
                .dense(3)
                .build(HeadOutput.softmax(3));
        float[] source = TaskTestHeads.randomParameters(arch, 61);
        TaskHeadTrainer trainer = new TaskHeadTrainer(new TaskHead(arch, 2), TrainingConfig.of(Adam.of(0.02f)));
        float[] tail = trainer.head().initialTrainable(source);
        OptimizerState state = trainer.newOptimizerState();
        SplittableRandom data = new SplittableRandom(62);
        SplittableRandom dropout = new SplittableRandom(63);
        float[] x = new float[4];
        float[][] oneHot = {{1f, 0f, 0f}, {0f, 1f, 0f}, {0f, 0f, 1f}};
        for (int step = 0; step < 300; step++) {
            for (int c = 0; c < 3; c++) {
                point(c, data, x);
                trainer.accumulate(source, tail, x, 0, oneHot[c], null, 1f, dropout);
            }
            trainer.step(source, tail, state);
        }
        int correct = 0;
        float[] p = new float[3];
        TaskHead.Workspace ws = trainer.head().newWorkspace();
        for (int i = 0; i < 90; i++) {
            int c = i % 3;
            point(c, data, x);
            trainer.head().probabilities(source, tail, x, 0, ws, p);
            int best = p[0] >= p[1] && p[0] >= p[2] ? 0 : (p[1] >= p[2] ? 1 : 2);
            correct += best == c ? 1 : 0;
        }
        assertThat(correct).isGreaterThanOrEqualTo(85);
    }

    private static void point(int c, SplittableRandom r, float[] x) {
        for (int j = 0; j < 4; j++) {
            x[j] = (float) ((j == c ? 2.0 : 0.0) + 0.4 * (2 * r.nextDouble() - 1));
        }
    }

    private static float[] train(TaskArchitecture arch, float[] source, float[] x, long seed) {
        TaskHeadTrainer trainer = new TaskHeadTrainer(
                new TaskHead(arch, 4), TrainingConfig.of(Adam.of(0.01f)), new Distillation(0.3f, 2f));
        float[] tail = trainer.head().initialTrainable(source);
        OptimizerState state = trainer.newOptimizerState();
        SplittableRandom random = new SplittableRandom(seed);
        for (int step = 0; step < 5; step++) {
            for (int w = 0; w < 6; w++) {
                float[] target = new float[3];
                target[(w + step) % 3] = 1f;
                trainer.accumulate(source, tail, x, w * arch.inputDim(), target, null, 1f, random);
            }
            trainer.step(source, tail, state);
        }
        return tail;
    }
}
