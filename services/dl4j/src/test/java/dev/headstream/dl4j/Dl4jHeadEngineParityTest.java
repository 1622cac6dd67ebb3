package dev.headstream.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.head.Adam;
import dev.headstream.core.head.HeadEngine;
import dev.headstream.core.head.HeadTrainer;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.NativeHeadEngine;
import dev.headstream.core.head.SgdMomentum;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.head.TrainingConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DL4J and native engines agree under Adam: the {@code hey_jarvis_v0.1} source head, the same 100
 * mini-batches of 8 pseudo-random embedding windows, Adam with the defaults both engines use (lr
 * 1e-3, betas 0.9/0.999, epsilon 1e-8), no L2-SP and no clipping (the DL4J engine has neither),
 * trainable top 1 and top 5 (all layers).
 *
 * <p>Adam divides each step by the root of the gradient's running second moment, so a gradient that
 * is wrong by a constant factor trains almost exactly like the right one (measured with
 * {@link AnchoredReference} under DL4J's Adam, 10 steps of top-5 on weighted batches: ours with every
 * window's weight times 8 ends as close to DL4J as ours without, normwise 1.1e-2 against 1.0e-2 on
 * the displacement). This test therefore first asserts that the two engines' gradients on the
 * first batch agree ({@link Dl4jGradientParityTest}'s tolerances; the gradient tests there and the
 * SGD steps of {@link Dl4jSgdStepParityTest} are where a wrong factor is caught), and then checks
 * what only this run can: Adam's arithmetic, 100 steps of it, against DL4J's.
 *
 * <p>DL4J's Adam adds epsilon to the uncorrected {@code sqrt(v)}, the native one (PyTorch's form)
 * to {@code sqrt(v / (1 - beta2^t))}: DL4J's effective epsilon is larger by
 * {@code 1 / sqrt(1 - beta2^t)} (about 32x at the first step). Where a weight's gradient stays
 * within a few orders of magnitude of epsilon, the engines take steps of very different size for
 * it, up to the learning rate apart per step. Tolerances after 100 updates (a step is about
 * {@code lr = 1e-3}; weights move by up to 0.09): top-1, every weight within
 * {@value #TOP1_WEIGHT_TOLERANCE} (measured 1.5e-5); all layers, at most {@value #MAX_FAR_FRACTION}
 * of the weights differ by more than {@value #NEAR} (measured 0.9%) and none by more than
 * {@value #ALL_WEIGHT_TOLERANCE} (measured 8.1e-3). Scores on 16 held-out windows within
 * {@value #SCORE_TOLERANCE}. A control run with a 10% larger DL4J learning rate must break these
 * tolerances (measured: top-1 up to 1.0e-2 apart, all layers 94% of the weights more than 1e-4
 * apart).
 */
class Dl4jHeadEngineParityTest {

    static final double TOP1_WEIGHT_TOLERANCE = 1e-4;
    static final double ALL_WEIGHT_TOLERANCE = 2e-2;
    static final double NEAR = 1e-4;
    static final double MAX_FAR_FRACTION = 0.02;
    static final double SCORE_TOLERANCE = 1e-5;
    private static final int BATCHES = 100;
    private static final int BATCH = 8;
    private static final float LR = 1e-3f;

    private static SourceHead head;
    private static float[][] windows;
    private static float[][] targets;
    private static float[] probes;
    private static int dim;

    @BeforeAll
    static void load() {
        head = ParityData.heyJarvis();
        dim = head.architecture().inputDim();
        ParityData.SyntheticWindows gen = new ParityData.SyntheticWindows(dim, 7);
        windows = new float[BATCHES][];
        targets = new float[BATCHES][BATCH];
        for (int b = 0; b < BATCHES; b++) {
            windows[b] = new float[BATCH * dim];
            for (int i = 0; i < BATCH; i++) {
                targets[b][i] = gen.next(windows[b], i * dim);
            }
        }
        probes = new float[16 * dim];
        for (int i = 0; i < 16; i++) {
            gen.next(probes, i * dim);
        }
    }

    @ParameterizedTest(name = "top-{0}")
    @ValueSource(ints = {1, 5})
    void weightsAndScoresAgreeAfterHundredUpdates(int k) {
        try (HeadEngine nat = new NativeHeadEngine(head, k, TrainingConfig.of(Adam.of(LR)));
                Dl4jHeadEngine dl4j = new Dl4jHeadEngine(head, k, TrainingConfig.of(Adam.of(LR)))) {
            GradientMismatch first = GradientMismatch.between(
                    nativeGradient(k, windows[0], targets[0]), dl4j.gradient(dl4j.newUser(), windows[0], targets[0]));
            System.out.printf("PARITY top-%d first-batch gradient: %s%n", k, first);
            assertThat(Dl4jGradientParityTest.agrees(first))
                    .as("first-batch gradients: %s", first)
                    .isTrue();
            Result r = train(nat, dl4j);
            System.out.printf(
                    "PARITY top-%d: %d trainable weights, max |w_native - w_dl4j| = %.3g, %d over %.0e,"
                            + " max |w - w_source| = %.3g, max |score diff| = %.3g, first-batch loss native %.7f dl4j %.7f%n",
                    k,
                    r.weights,
                    r.maxWeightDiff,
                    r.far,
                    NEAR,
                    r.maxMoved,
                    r.maxScoreDiff,
                    r.firstLossNative,
                    r.firstLossDl4j);
            assertThat(r.maxMoved).as("training moved the weights").isGreaterThan(50 * LR);
            if (k == 1) {
                assertThat(r.maxWeightDiff)
                        .as("max top-1 weight difference")
                        .isLessThanOrEqualTo(TOP1_WEIGHT_TOLERANCE);
            } else {
                assertThat(r.maxWeightDiff).as("max weight difference").isLessThanOrEqualTo(ALL_WEIGHT_TOLERANCE);
                assertThat(r.far / (double) r.weights)
                        .as("fraction of weights differing by more than %s", NEAR)
                        .isLessThanOrEqualTo(MAX_FAR_FRACTION);
            }
            assertThat(r.maxScoreDiff).as("max score difference").isLessThanOrEqualTo(SCORE_TOLERANCE);
            assertThat((double) Math.abs(r.firstLossNative - r.firstLossDl4j))
                    .as("first-batch loss")
                    .isLessThanOrEqualTo(1e-5);
        }
    }

    @ParameterizedTest(name = "top-{0}")
    @ValueSource(ints = {1, 5})
    void toleranceDetectsADifferentLearningRate(int k) {
        try (HeadEngine nat = new NativeHeadEngine(head, k, TrainingConfig.of(Adam.of(LR)));
                HeadEngine dl4j = new Dl4jHeadEngine(head, k, TrainingConfig.of(Adam.of(LR * 1.1f)))) {
            Result r = train(nat, dl4j);
            System.out.printf(
                    "PARITY control top-%d, DL4J lr x1.1: max |w_native - w_dl4j| = %.3g, %d of %d over %.0e%n",
                    k, r.maxWeightDiff, r.far, r.weights, NEAR);
            if (k == 1) {
                assertThat(r.maxWeightDiff).isGreaterThan(TOP1_WEIGHT_TOLERANCE);
            } else {
                assertThat(r.far / (double) r.weights).isGreaterThan(MAX_FAR_FRACTION);
            }
        }
    }

    /** The native trainer's gradient of the batch's mean loss at the source weights. */
    private static float[] nativeGradient(int k, float[] batchWindows, float[] batchTargets) {
        HeadTrainer trainer =
                new HeadTrainer(new MlpHead(head.architecture(), k), TrainingConfig.of(new SgdMomentum(1f, 0f)));
        float[] tail = head.trainableTail(k);
        for (int i = 0; i < batchTargets.length; i++) {
            trainer.accumulate(head.parameters(), tail, batchWindows, i * dim, batchTargets[i], 1f);
        }
        trainer.completeGradient(head.parameters(), tail);
        float[] g = new float[tail.length];
        trainer.copyGradient(g);
        return g;
    }

    private record Result(
            int weights,
            double maxWeightDiff,
            int far,
            double maxMoved,
            double maxScoreDiff,
            float firstLossNative,
            float firstLossDl4j) {}

    private static Result train(HeadEngine a, HeadEngine b) {
        HeadEngine.User ua = a.newUser();
        HeadEngine.User ub = b.newUser();
        float[] start = a.trainableParameters(ua);
        float[] startB = b.trainableParameters(ub);
        assertThat(startB).as("both engines start at the source weights").containsExactly(start);
        float firstA = 0;
        float firstB = 0;
        for (int i = 0; i < BATCHES; i++) {
            float la = a.trainStep(ua, windows[i], targets[i]);
            float lb = b.trainStep(ub, windows[i], targets[i]);
            if (i == 0) {
                firstA = la;
                firstB = lb;
            }
        }
        float[] wa = a.trainableParameters(ua);
        float[] wb = b.trainableParameters(ub);
        double maxDiff = 0;
        double maxMoved = 0;
        int far = 0;
        for (int i = 0; i < wa.length; i++) {
            double d = Math.abs(wa[i] - wb[i]);
            maxDiff = Math.max(maxDiff, d);
            if (d > NEAR) {
                far++;
            }
            maxMoved = Math.max(maxMoved, Math.abs(wa[i] - start[i]));
        }
        double maxScore = 0;
        for (int i = 0; i < 16; i++) {
            maxScore = Math.max(maxScore, Math.abs(a.score(ua, probes, i * dim) - b.score(ub, probes, i * dim)));
        }
        return new Result(wa.length, maxDiff, far, maxMoved, maxScore, firstA, firstB);
    }
}
