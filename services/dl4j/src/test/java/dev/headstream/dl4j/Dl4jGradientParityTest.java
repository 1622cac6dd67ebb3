package dev.headstream.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headstream.core.head.Adam;
import dev.headstream.core.head.HeadEngine;
import dev.headstream.core.head.HeadTrainer;
import dev.headstream.core.head.LoraHeadTrainer;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.MiniBatchTrainer;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SgdMomentum;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.head.TrainingConfig;
import dev.headstream.dl4j.ParityData.Batch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The native trainers' mini-batch gradient equals DL4J's, compared directly, before any optimizer
 * can hide a factor: on the real {@code hey_jarvis} head, one batch of 8 windows with soft targets
 * and per-window weights (one of them 0), from start points away from the source so that the L2
 * term is not zero.
 *
 * <p>What is compared: the vector {@link MiniBatchTrainer#copyGradient} hands to the optimizer
 * ({@link HeadTrainer} for fine-tuning the top {@code k} layers, {@link LoraHeadTrainer} for the
 * LoRA head), i.e. the gradient of {@code (1/n) sum_i weight_i BCE(z_i, target_i) + lambda/2
 * ||w - anchor||^2}, against the same vector from {@link AnchoredReference}: DL4J's
 * {@code computeGradientAndScore} through SameDiff's automatic differentiation of the head's graph
 * and ND4J's weighted {@code sigmoidCrossEntropy}, then DL4J's updater (division by the batch size,
 * DL4J's {@code L2Regularization} on parameters that are the distance to their anchors, and
 * {@code Sgd(1.0)}). Also the batch's mean weighted loss against DL4J's score. The LoRA reference
 * is a network with the same forward graph ({@code x (W0) + b0 + (alpha/r) (x A^T) B^T}, frozen
 * {@code W0}), differentiated by SameDiff: the chain rule through the factors is DL4J's, not ours.
 * Separately, the {@link Dl4jHeadEngine}'s own network (DL4J's stock Dense and output layers plus
 * {@link Dl4jLayerNorm}) gives the same gradient as {@link HeadTrainer} for every trainable depth.
 *
 * <p>Tolerances, from float32 reductions in a different order (measured: at most about 6e-7 normwise
 * and 2e-4 per element): {@link #NORMWISE} on {@code ||ours - dl4j|| / ||dl4j||}, {@link #ELEMENTWISE}
 * on the worst element relative to its own size (see {@link GradientMismatch}), {@link #LOSS} on the
 * relative loss difference. A constant factor {@code c} on our gradient gives a normwise error of
 * exactly {@code |c - 1|}, so these tolerances reject any factor further than 1e-5 from 1; the
 * negative controls below check that the comparison does fail for 8x, 0.5x and 1.001x, for a
 * dropped L2-SP term, ignored weights and a wrong LoRA scale.
 */
class Dl4jGradientParityTest {

    static final double NORMWISE = 1e-5;
    static final double ELEMENTWISE = 2e-3;
    static final double LOSS = 1e-6;
    /** L2-SP strength: with the start points' offsets it is a sizable part of the gradient (printed). */
    static final float LAMBDA = 0.05f;

    static final int RANK = 4;
    static final float ALPHA = 8f;

    private static SourceHead source;
    private static Batch batch;

    @BeforeAll
    static void load() {
        source = ParityData.heyJarvis();
        batch = Batch.weighted(source.architecture().inputDim(), 11, 1, 8)[0];
    }

    /** Whether the comparison accepts {@code m}. */
    static boolean agrees(GradientMismatch m) {
        return m.normwise() <= NORMWISE && m.elementwise() <= ELEMENTWISE;
    }

    record NativeGradient(float[] gradient, float loss) {}

    private static float[] fullStart(int k) {
        return ParityData.fineTuningStart(source, k);
    }

    private static float[] loraStart(LoraMlpHead head) {
        return ParityData.loraStart(source, head);
    }

    static NativeGradient nativeGradient(MlpHead head, float lambda, float[] trainable, Batch b) {
        HeadTrainer trainer =
                new HeadTrainer(head, TrainingConfig.of(new SgdMomentum(1f, 0f)).withL2Sp(lambda));
        int dim = source.architecture().inputDim();
        for (int i = 0; i < b.size(); i++) {
            trainer.accumulate(source.parameters(), trainable, b.windows(), i * dim, b.targets()[i], b.weights()[i]);
        }
        return complete(trainer, trainable);
    }

    static NativeGradient nativeGradient(LoraMlpHead head, float lambda, float[] trainable, Batch b) {
        LoraHeadTrainer trainer = new LoraHeadTrainer(
                head, TrainingConfig.of(new SgdMomentum(1f, 0f)).withL2Sp(lambda));
        int dim = source.architecture().inputDim();
        for (int i = 0; i < b.size(); i++) {
            trainer.accumulate(source.parameters(), trainable, b.windows(), i * dim, b.targets()[i], b.weights()[i]);
        }
        return complete(trainer, trainable);
    }

    private static NativeGradient complete(MiniBatchTrainer trainer, float[] trainable) {
        float loss = trainer.completeGradient(source.parameters(), trainable);
        float[] g = new float[trainable.length];
        trainer.copyGradient(g);
        trainer.discardBatch();
        return new NativeGradient(g, loss);
    }

    static AnchoredReference.Evaluation dl4jFull(int k, float lambda, float[] trainable, Batch b) {
        return AnchoredReference.topK(source, k, trainable, lambda, new Sgd(1.0))
                .evaluate(b);
    }

    static AnchoredReference.Evaluation dl4jLora(LoraMlpHead head, float lambda, float[] trainable, Batch b) {
        return AnchoredReference.lora(source, head, trainable, lambda, new Sgd(1.0))
                .evaluate(b);
    }

    private static void assertAgrees(String what, NativeGradient ours, AnchoredReference.Evaluation dl4j) {
        GradientMismatch m = GradientMismatch.between(ours.gradient(), dl4j.gradient());
        System.out.printf(
                "GRADIENT %s: %d entries, %s; loss native %.8f dl4j %.8f%n",
                what, ours.gradient().length, m, ours.loss(), dl4j.objective());
        assertThat(m.normwise()).as("%s: normwise relative error", what).isLessThanOrEqualTo(NORMWISE);
        assertThat(m.elementwise()).as("%s: worst element", what).isLessThanOrEqualTo(ELEMENTWISE);
        assertThat(Math.abs(ours.loss() - dl4j.objective()) / Math.abs(dl4j.objective()))
                .as("%s: relative loss difference", what)
                .isLessThanOrEqualTo(LOSS);
    }

    @ParameterizedTest(name = "top-{0}, lambda {1}")
    @CsvSource({"1, 0", "3, 0", "5, 0", "1, 0.05", "5, 0.05"})
    void fineTuningGradientMatchesDl4j(int k, float lambda) {
        float[] start = fullStart(k);
        NativeGradient ours = nativeGradient(new MlpHead(source.architecture(), k), lambda, start, batch);
        assertAgrees("top-" + k + " lambda " + lambda, ours, dl4jFull(k, lambda, start, batch));
    }

    @ParameterizedTest(name = "small parameters {0}, lambda {1}")
    @CsvSource({"false, 0", "true, 0", "false, 0.05", "true, 0.05"})
    void loraGradientMatchesDl4j(boolean small, float lambda) {
        LoraMlpHead head = new LoraMlpHead(source.architecture(), RANK, ALPHA, small);
        float[] start = loraStart(head);
        NativeGradient ours = nativeGradient(head, lambda, start, batch);
        assertAgrees(
                "LoRA r" + RANK + " small " + small + " lambda " + lambda, ours, dl4jLora(head, lambda, start, batch));
    }

    @ParameterizedTest(name = "top-{0}")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void engineNetworkGradientMatchesNative(int k) {
        Batch unweighted = batch.unweighted();
        float[] ours = nativeGradient(new MlpHead(source.architecture(), k), 0f, source.trainableTail(k), unweighted)
                .gradient();
        try (Dl4jHeadEngine engine = new Dl4jHeadEngine(source, k, TrainingConfig.of(Adam.of(1e-3f)))) {
            HeadEngine.User user = engine.newUser();
            GradientMismatch m =
                    GradientMismatch.between(ours, engine.gradient(user, unweighted.windows(), unweighted.targets()));
            System.out.printf("GRADIENT engine top-%d: %s%n", k, m);
            assertThat(agrees(m)).as("engine top-%d: %s", k, m).isTrue();
        }
    }

    @ParameterizedTest(name = "x{0}")
    @ValueSource(floats = {8f, 0.5f, 1.001f})
    void comparisonRejectsAScaledGradient(float factor) {
        float[] start = fullStart(5);
        NativeGradient ours = nativeGradient(new MlpHead(source.architecture(), 5), LAMBDA, start, batch);
        GradientMismatch full = GradientMismatch.between(
                GradientMismatch.scaled(ours.gradient(), factor),
                dl4jFull(5, LAMBDA, start, batch).gradient());
        LoraMlpHead head = new LoraMlpHead(source.architecture(), RANK, ALPHA, true);
        float[] loraStart = loraStart(head);
        NativeGradient loraOurs = nativeGradient(head, LAMBDA, loraStart, batch);
        GradientMismatch lora = GradientMismatch.between(
                GradientMismatch.scaled(loraOurs.gradient(), factor),
                dl4jLora(head, LAMBDA, loraStart, batch).gradient());
        System.out.printf("CONTROL x%s: top-5 %s; LoRA %s%n", factor, full, lora);
        for (GradientMismatch m : new GradientMismatch[] {full, lora}) {
            assertThat(agrees(m)).as("x%s must be rejected: %s", factor, m).isFalse();
            assertThat(m.normwise()).as("normwise error of x%s", factor).isCloseTo(Math.abs(factor - 1), within(1e-4));
            assertThat(m.scale()).as("fitted scale of x%s", factor).isCloseTo(factor, within(1e-4));
        }
    }

    @Test
    void comparisonRejectsADroppedL2SpTerm() {
        float[] start = fullStart(5);
        NativeGradient ours = nativeGradient(new MlpHead(source.architecture(), 5), LAMBDA, start, batch);
        GradientMismatch full = GradientMismatch.between(
                ours.gradient(), dl4jFull(5, 0f, start, batch).gradient());
        LoraMlpHead head = new LoraMlpHead(source.architecture(), RANK, ALPHA, true);
        float[] loraStart = loraStart(head);
        NativeGradient loraOurs = nativeGradient(head, LAMBDA, loraStart, batch);
        GradientMismatch lora = GradientMismatch.between(
                loraOurs.gradient(), dl4jLora(head, 0f, loraStart, batch).gradient());
        System.out.printf("CONTROL L2-SP lambda %s against none: top-5 %s; LoRA %s%n", LAMBDA, full, lora);
        assertThat(agrees(full)).as("top-5 without L2-SP: %s", full).isFalse();
        assertThat(agrees(lora)).as("LoRA without L2: %s", lora).isFalse();
        assertThat(full.normwise()).as("the L2-SP term's share").isGreaterThan(1000 * NORMWISE);
        assertThat(lora.normwise()).as("the L2 term's share").isGreaterThan(1000 * NORMWISE);
    }

    @Test
    void comparisonRejectsIgnoredSampleWeights() {
        float[] start = fullStart(5);
        NativeGradient ours = nativeGradient(new MlpHead(source.architecture(), 5), LAMBDA, start, batch.unweighted());
        GradientMismatch m = GradientMismatch.between(
                ours.gradient(), dl4jFull(5, LAMBDA, start, batch).gradient());
        System.out.printf("CONTROL weights ignored: top-5 %s%n", m);
        assertThat(agrees(m)).as("unweighted against weighted: %s", m).isFalse();
    }

    @Test
    void comparisonRejectsAWrongLoraScale() {
        LoraMlpHead head = new LoraMlpHead(source.architecture(), RANK, ALPHA, true);
        LoraMlpHead doubled = new LoraMlpHead(source.architecture(), RANK, 2 * ALPHA, true);
        float[] start = loraStart(head);
        NativeGradient ours = nativeGradient(doubled, 0f, start, batch);
        GradientMismatch m = GradientMismatch.between(
                ours.gradient(), dl4jLora(head, 0f, start, batch).gradient());
        System.out.printf("CONTROL LoRA alpha %s against %s: %s%n", 2 * ALPHA, ALPHA, m);
        assertThat(agrees(m)).as("alpha/r doubled: %s", m).isFalse();
    }
}
