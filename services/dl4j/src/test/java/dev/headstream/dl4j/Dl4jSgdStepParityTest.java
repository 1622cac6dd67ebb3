package dev.headstream.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.head.HeadEngine;
import dev.headstream.core.head.HeadTrainer;
import dev.headstream.core.head.LoraHeadTrainer;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.MiniBatchTrainer;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.NativeHeadEngine;
import dev.headstream.core.head.OptimizerState;
import dev.headstream.core.head.SgdMomentum;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.head.TrainingConfig;
import dev.headstream.dl4j.ParityData.Batch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Training steps agree with DL4J under plain SGD ({@code w -= lr * g}), where nothing normalises a
 * wrong factor in the gradient away: {@value #STEPS} mini-batches of 8 windows, learning rate
 * {@value #LR}, on the real {@code hey_jarvis} head.
 *
 * <p>What is compared: the displacement {@code w_end - w_start} of the trainable vector, ours
 * against DL4J's, with {@link GradientMismatch}: normwise at most {@value #NORMWISE}, worst element
 * at most {@value #ELEMENTWISE}. A step is {@code -lr} times the gradient, so a constant factor
 * {@code c} on the gradient shows up as a normwise error of about {@code |c - 1|}. Looser than the
 * single-gradient tolerances of {@link Dl4jGradientParityTest} because rounding accumulates over
 * the steps and DL4J holds a fine-tuned weight as {@code source + delta} (measured after 20 steps:
 * normwise at most about 1e-5, worst element about 0.03, on entries whose displacement is near the
 * 1e-3 floor). Three runs:
 *
 * <ul>
 *   <li>the engines: {@link NativeHeadEngine} and {@link Dl4jHeadEngine} with
 *       {@code SgdMomentum(lr, 0)} (DL4J's {@code Sgd}), top-1 and top-5, unweighted; also their
 *       scores on held-out windows, within {@value #SCORE};</li>
 *   <li>fine-tuning all layers with L2-SP (lambda {@value #LAMBDA}) and per-window weights:
 *       {@link HeadTrainer} against {@link AnchoredReference}'s {@code fit} with {@code Sgd(lr)};</li>
 *   <li>the LoRA head (rank 4, small parameters trained) with L2 toward its anchor and weights:
 *       {@link LoraHeadTrainer} against {@link AnchoredReference}.</li>
 * </ul>
 *
 * The negative control trains ours with every window's weight times 8 (the loss gradient times 8;
 * the L2 term unchanged) and asserts that the comparison rejects the result.
 */
class Dl4jSgdStepParityTest {

    static final int STEPS = 20;
    static final float LR = 0.01f;
    static final float LAMBDA = Dl4jGradientParityTest.LAMBDA;
    static final double NORMWISE = 1e-4;
    static final double ELEMENTWISE = 0.1;
    static final double SCORE = 1e-5;
    private static final int CONTROL_STEPS = 5;

    private static SourceHead source;
    private static Batch[] batches;
    private static Batch probes;
    private static int dim;

    @BeforeAll
    static void load() {
        source = ParityData.heyJarvis();
        dim = source.architecture().inputDim();
        batches = Batch.weighted(dim, 21, STEPS, 8);
        probes = Batch.weighted(dim, 22, 1, 16)[0];
    }

    static boolean agrees(GradientMismatch m) {
        return m.normwise() <= NORMWISE && m.elementwise() <= ELEMENTWISE;
    }

    @ParameterizedTest(name = "top-{0}")
    @ValueSource(ints = {1, 5})
    void enginesAgreeUnderSgd(int k) {
        TrainingConfig sgd = TrainingConfig.of(new SgdMomentum(LR, 0f));
        try (HeadEngine nat = new NativeHeadEngine(source, k, sgd);
                HeadEngine dl4j = new Dl4jHeadEngine(source, k, sgd)) {
            HeadEngine.User un = nat.newUser();
            HeadEngine.User ud = dl4j.newUser();
            float[] start = nat.trainableParameters(un);
            for (Batch b : batches) {
                nat.trainStep(un, b.windows(), b.targets());
                dl4j.trainStep(ud, b.windows(), b.targets());
            }
            float[] ours = GradientMismatch.displacement(nat.trainableParameters(un), start);
            float[] theirs = GradientMismatch.displacement(dl4j.trainableParameters(ud), start);
            GradientMismatch m = GradientMismatch.between(ours, theirs);
            double score = 0;
            for (int i = 0; i < probes.size(); i++) {
                score = Math.max(
                        score,
                        Math.abs(nat.score(un, probes.windows(), i * dim) - dl4j.score(ud, probes.windows(), i * dim)));
            }
            System.out.printf(
                    "SGD engines top-%d, %d steps: displacement %s; max |moved| %.3g; max |score diff| %.3g%n",
                    k, STEPS, m, maxAbs(theirs), score);
            assertThat(agrees(m)).as("top-%d displacement: %s", k, m).isTrue();
            assertThat(score).as("max score difference").isLessThanOrEqualTo(SCORE);
        }
    }

    @Test
    void l2SpFineTuningAgreesUnderSgd() {
        GradientMismatch m = fineTuning(STEPS, 1f);
        assertThat(agrees(m)).as("top-5 with L2-SP and weights: %s", m).isTrue();
    }

    @Test
    void loraAgreesUnderSgd() {
        GradientMismatch m = lora(STEPS, 1f);
        assertThat(agrees(m)).as("LoRA with L2 and weights: %s", m).isTrue();
    }

    @Test
    void stepComparisonRejectsAGradientScaledByEight() {
        GradientMismatch full = fineTuning(CONTROL_STEPS, 8f);
        GradientMismatch low = lora(CONTROL_STEPS, 8f);
        assertThat(agrees(full)).as("top-5 trained with 8x weights: %s", full).isFalse();
        assertThat(agrees(low)).as("LoRA trained with 8x weights: %s", low).isFalse();
    }

    /** Top-5 with L2-SP from a perturbed start; ours with every weight times {@code factor}. */
    private static GradientMismatch fineTuning(int steps, float factor) {
        float[] start = ParityData.fineTuningStart(source, 5);
        HeadTrainer trainer = new HeadTrainer(new MlpHead(source.architecture(), 5), sgdWithL2Sp());
        AnchoredReference dl4j = AnchoredReference.topK(source, 5, start, LAMBDA, new Sgd(LR));
        return compare("top-5 L2-SP", trainer, trainer::accumulate, dl4j, start, steps, factor);
    }

    /** LoRA rank 4 with small parameters and L2 from a perturbed start; ours with every weight times {@code factor}. */
    private static GradientMismatch lora(int steps, float factor) {
        LoraMlpHead head = new LoraMlpHead(source.architecture(), 4, 8f, true);
        float[] start = ParityData.loraStart(source, head);
        LoraHeadTrainer trainer = new LoraHeadTrainer(head, sgdWithL2Sp());
        AnchoredReference dl4j = AnchoredReference.lora(source, head, start, LAMBDA, new Sgd(LR));
        return compare("LoRA", trainer, trainer::accumulate, dl4j, start, steps, factor);
    }

    private static TrainingConfig sgdWithL2Sp() {
        return TrainingConfig.of(new SgdMomentum(LR, 0f)).withL2Sp(LAMBDA);
    }

    /** A trainer's {@code accumulate(source, trainable, input, offset, target, weight)}. */
    private interface Accumulate {
        float add(float[] source, float[] trainable, float[] input, int offset, float target, float weight);
    }

    private static GradientMismatch compare(
            String what,
            MiniBatchTrainer trainer,
            Accumulate accumulate,
            AnchoredReference dl4j,
            float[] start,
            int steps,
            float factor) {
        float[] w = start.clone();
        OptimizerState state = trainer.newOptimizerState();
        for (int s = 0; s < steps; s++) {
            Batch b = batches[s];
            for (int i = 0; i < b.size(); i++) {
                accumulate.add(source.parameters(), w, b.windows(), i * dim, b.targets()[i], factor * b.weights()[i]);
            }
            trainer.step(source.parameters(), w, state);
            dl4j.fit(b);
        }
        assertThat(dl4j.frozenUnchanged()).as("DL4J's frozen source values").isTrue();
        float[] theirs = GradientMismatch.displacement(dl4j.trainable(), start);
        GradientMismatch m = GradientMismatch.between(GradientMismatch.displacement(w, start), theirs);
        System.out.printf(
                "SGD %s, %d steps, our weights x%s: displacement %s; max |moved| %.3g%n",
                what, steps, factor, m, maxAbs(theirs));
        return m;
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
