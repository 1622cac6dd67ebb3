package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HeadTrainerTest {

    private static final HeadArchitecture ARCH = HeadArchitecture.builder(4)
            .dense(8)
            .layerNorm(1e-5f)
            .relu()
            .dense(1)
            .build();

    /** Two Gaussian blobs, separable by the sign of x0 + x1. */
    private static final int SAMPLES = 64;

    private static final float[] X = new float[SAMPLES * 4];
    private static final float[] Y = new float[SAMPLES];

    static {
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < SAMPLES; i++) {
            float label = i % 2;
            Y[i] = label;
            float centre = label == 1f ? 1.5f : -1.5f;
            for (int j = 0; j < 4; j++) {
                X[i * 4 + j] = (float) ((j < 2 ? centre : 0) + 0.5 * (2 * r.nextDouble() - 1));
            }
        }
    }

    @Test
    void adamReducesTheLossOfASeparableProblem() {
        assertTrainingSeparates(TrainingConfig.of(Adam.of(0.05f)));
    }

    @Test
    void sgdWithMomentumReducesTheLossOfASeparableProblem() {
        assertTrainingSeparates(TrainingConfig.of(new SgdMomentum(0.1f, 0.9f)));
    }

    @Test
    void largeL2SpLambdaKeepsTheWeightsNearTheSource() {
        float[] source = TestHeads.randomParameters(ARCH, 3);
        double free = distanceAfterTraining(source, TrainingConfig.of(Adam.of(0.05f)));
        double anchored =
                distanceAfterTraining(source, TrainingConfig.of(Adam.of(0.05f)).withL2Sp(100f));

        assertThat(free).isGreaterThan(1.0);
        assertThat(anchored).isLessThan(0.05 * free);
    }

    @Test
    void theSameSequenceGivesBitIdenticalParametersAndState() {
        float[] source = TestHeads.randomParameters(ARCH, 3);
        TrainingConfig config =
                TrainingConfig.of(Adam.adamW(0.02f, 0.01f)).withL2Sp(0.01f).withMaxGradientNorm(0.5f);
        MlpHead head = new MlpHead(ARCH, 3);
        float[][] tails = new float[2][];
        OptimizerState[] states = new OptimizerState[2];
        for (int run = 0; run < 2; run++) {
            HeadTrainer trainer = new HeadTrainer(head, config);
            tails[run] = head.initialTrainable(source);
            states[run] = trainer.newOptimizerState();
            train(trainer, source, tails[run], states[run], 50, 4);
        }

        assertThat(Arrays.equals(tails[0], tails[1])).isTrue();
        assertThat(states[0].sameAs(states[1])).isTrue();
        assertThat(tails[0]).isNotEqualTo(head.initialTrainable(source));
    }

    @Test
    void trainingNeverWritesTheSharedSourceArray() {
        float[] source = TestHeads.randomParameters(ARCH, 3);
        float[] before = source.clone();
        MlpHead head = new MlpHead(ARCH, 2);
        HeadTrainer trainer =
                new HeadTrainer(head, TrainingConfig.of(Adam.of(0.05f)).withL2Sp(0.1f));
        float[] tail = head.initialTrainable(source);

        train(trainer, source, tail, trainer.newOptimizerState(), 20, 4);

        assertThat(source).isEqualTo(before);
        assertThat(tail).hasSize(ARCH.trainableLength(2));
    }

    @Test
    void aNonFiniteLossDiscardsTheBatchAndLeavesTheTailUnchanged() {
        float[] source = TestHeads.randomParameters(ARCH, 3);
        MlpHead head = new MlpHead(ARCH, 3);
        HeadTrainer trainer = new HeadTrainer(head, TrainingConfig.of(Adam.of(0.05f)));
        float[] tail = head.initialTrainable(source);
        float[] before = tail.clone();
        OptimizerState state = trainer.newOptimizerState();

        trainer.accumulate(source, tail, new float[] {Float.NaN, 0f, 0f, 0f}, 0, 1f, 1f);

        assertThatThrownBy(() -> trainer.step(source, tail, state))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("non-finite loss; batch discarded, head unchanged");
        assertThat(tail).isEqualTo(before);
        assertThat(state.steps()).isZero();
        assertThat(trainer.batchSize()).isZero();
    }

    @Test
    void stepWithoutAccumulatedWindowsIsRejected() {
        MlpHead head = new MlpHead(ARCH, 1);
        HeadTrainer trainer = new HeadTrainer(head, TrainingConfig.of(Adam.of(0.05f)));
        float[] source = TestHeads.randomParameters(ARCH, 3);

        assertThatThrownBy(() -> trainer.step(source, head.initialTrainable(source), trainer.newOptimizerState()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no window accumulated in this batch");
    }

    @Test
    void accumulateReturnsThePrequentialScoreOfTheCurrentTail() {
        float[] source = TestHeads.randomParameters(ARCH, 3);
        MlpHead head = new MlpHead(ARCH, 3);
        HeadTrainer trainer = new HeadTrainer(head, TrainingConfig.of(Adam.of(0.05f)));
        float[] tail = head.initialTrainable(source);

        float score = trainer.accumulate(source, tail, X, 4, 1f, 1f);

        assertThat(score).isEqualTo(head.score(source, tail, X, 4, head.newWorkspace()));
    }

    private static void assertTrainingSeparates(TrainingConfig config) {
        float[] source = TestHeads.randomParameters(ARCH, 9);
        MlpHead head = new MlpHead(ARCH, ARCH.parameterisedLayerCount());
        HeadTrainer trainer = new HeadTrainer(head, config);
        float[] tail = head.initialTrainable(source);
        double before = meanLoss(head, source, tail);

        train(trainer, source, tail, trainer.newOptimizerState(), 200, 8);

        double after = meanLoss(head, source, tail);
        assertThat(after).isLessThan(0.1 * before).isLessThan(0.05);
        MlpHead.Workspace ws = head.newWorkspace();
        for (int i = 0; i < SAMPLES; i++) {
            assertThat(head.score(source, tail, X, i * 4, ws) > 0.5f).isEqualTo(Y[i] == 1f);
        }
    }

    private static double distanceAfterTraining(float[] source, TrainingConfig config) {
        MlpHead head = new MlpHead(ARCH, ARCH.parameterisedLayerCount());
        HeadTrainer trainer = new HeadTrainer(head, config);
        float[] tail = head.initialTrainable(source);
        // Train towards the flipped labels: the source must move far to fit them.
        OptimizerState state = trainer.newOptimizerState();
        for (int step = 0; step < 300; step++) {
            for (int b = 0; b < 8; b++) {
                int i = (step * 8 + b) % SAMPLES;
                trainer.accumulate(source, tail, X, i * 4, 1f - Y[i], 1f);
            }
            trainer.step(source, tail, state);
        }
        double d = 0;
        for (int i = 0; i < tail.length; i++) {
            d += Math.pow(tail[i] - source[head.trainableOffset() + i], 2);
        }
        return Math.sqrt(d);
    }

    private static void train(
            HeadTrainer trainer, float[] source, float[] tail, OptimizerState state, int steps, int batch) {
        for (int step = 0; step < steps; step++) {
            for (int b = 0; b < batch; b++) {
                int i = (step * batch + b) % SAMPLES;
                trainer.accumulate(source, tail, X, i * 4, Y[i], 1f);
            }
            trainer.step(source, tail, state);
        }
    }

    private static double meanLoss(MlpHead head, float[] source, float[] tail) {
        MlpHead.Workspace ws = head.newWorkspace();
        double sum = 0;
        for (int i = 0; i < SAMPLES; i++) {
            sum += MlpHead.binaryCrossEntropy(head.logit(source, tail, X, i * 4, ws), Y[i]);
        }
        return sum / SAMPLES;
    }
}
