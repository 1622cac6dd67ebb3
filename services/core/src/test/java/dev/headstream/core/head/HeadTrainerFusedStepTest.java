package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused single-window step ({@link HeadTrainer#stepSingle} with {@link FusedDenseAdam}) against
 * the general path ({@code accumulate} then {@code step}): equal bit for bit, for every trainable
 * depth, with and without L2-SP and weight decay. The input width 101 is not a multiple of any
 * vector width, so each row also runs the kernel's scalar tail.
 */
class HeadTrainerFusedStepTest {

    private static final int IN = 101;
    private static final HeadArchitecture ARCH = HeadArchitecture.builder(IN)
            .dense(64)
            .layerNorm(1e-5f)
            .relu()
            .dense(70)
            .layerNorm(1e-5f)
            .relu()
            .dense(1)
            .build();
    private static final int WINDOWS = 40;
    private static final float[] X = TestHeads.randomVector(WINDOWS * IN + 3, 1.5, 11);

    @ParameterizedTest(name = "top-{0}, {1}")
    @CsvSource({
        "1, adam",
        "2, adam",
        "3, adam",
        "4, adam",
        "5, adam",
        "5, adamw+l2sp",
        "3, adamw+l2sp",
        "5, l2sp",
    })
    void fusedStepEqualsTheGeneralPathBitForBit(int k, String recipe) {
        TrainingConfig config = switch (recipe) {
            case "adam" -> TrainingConfig.of(Adam.of(0.01f));
            case "adamw+l2sp" -> TrainingConfig.of(Adam.adamW(0.01f, 0.05f)).withL2Sp(0.02f);
            default -> TrainingConfig.of(Adam.of(0.01f)).withL2Sp(0.5f);
        };
        float[] source = TestHeads.randomParameters(ARCH, 3);
        MlpHead head = new MlpHead(ARCH, k);
        HeadTrainer fused = new HeadTrainer(head, config, true);
        HeadTrainer general = new HeadTrainer(head, config, false);
        assertThat(general.fusesSingleWindow()).isFalse();
        // the two big dense layers (101 x 64 and 64 x 70) are fused once they train
        assertThat(fused.fusesSingleWindow())
                .as("fused step in use (needs --add-modules jdk.incubator.vector)")
                .isEqualTo(k >= 3);
        float[] a = head.initialTrainable(source);
        float[] b = head.initialTrainable(source);
        OptimizerState sa = fused.newOptimizerState();
        OptimizerState sb = general.newOptimizerState();
        SplittableRandom r = new SplittableRandom(7);
        for (int step = 0; step < 60; step++) {
            int offset = r.nextInt(WINDOWS) * IN + r.nextInt(4);
            float target = step % 3 == 0 ? 1f : step % 3 == 1 ? 0f : 0.7f;
            float weight = 0.5f + step % 2;
            float lossA = fused.stepSingle(source, a, sa, X, offset, target, weight);
            general.accumulate(source, b, X, offset, target, weight);
            float lossB = general.step(source, b, sb);
            assertThat(lossA).isEqualTo(lossB);
            assertThat(a).as("parameters after step %d", step).isEqualTo(b);
        }
        assertThat(sa.slot(0)).isEqualTo(sb.slot(0));
        assertThat(sa.slot(1)).isEqualTo(sb.slot(1));
        assertThat(sa.steps()).isEqualTo(sb.steps());
        assertThat(a).isNotEqualTo(head.initialTrainable(source));
        // the fused step leaves an empty batch behind: the general path can follow it
        fused.accumulate(source, a, X, 0, 1f, 1f);
        general.accumulate(source, b, X, 0, 1f, 1f);
        fused.step(source, a, sa);
        general.step(source, b, sb);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void signedZerosMatchToo() {
        // ReLU right after the first dense layer: its inactive units get an output gradient of 0,
        // and 0 * a negative input is -0 where the general path's buffer holds +0; with beta1 = 0
        // that sign would reach m and the weights
        HeadArchitecture plain = HeadArchitecture.builder(IN)
                .dense(64)
                .relu()
                .dense(70)
                .relu()
                .dense(1)
                .build();
        TrainingConfig config = TrainingConfig.of(new Adam(0.01f, 0f, 0.999f, 1e-8f, 0f));
        float[] source = TestHeads.randomParameters(plain, 4);
        MlpHead head = new MlpHead(plain, 3);
        HeadTrainer fused = new HeadTrainer(head, config, true);
        HeadTrainer general = new HeadTrainer(head, config, false);
        assertThat(fused.fusesSingleWindow()).isTrue();
        float[] a = head.initialTrainable(source);
        float[] b = head.initialTrainable(source);
        OptimizerState sa = fused.newOptimizerState();
        OptimizerState sb = general.newOptimizerState();
        for (int step = 0; step < 20; step++) {
            fused.stepSingle(source, a, sa, X, step * IN, step % 2, 1f);
            general.stepSingle(source, b, sb, X, step * IN, step % 2, 1f);
        }
        assertThat(sa.slot(0)).isEqualTo(sb.slot(0));
        assertThat(a).isEqualTo(b);
    }

    @Test
    void clippingOrAnotherOptimizerKeepsTheGeneralPath() {
        MlpHead head = new MlpHead(ARCH, 5);
        assertThat(new HeadTrainer(head, TrainingConfig.of(Adam.of(0.01f)).withMaxGradientNorm(1f)).fusesSingleWindow())
                .isFalse();
        HeadTrainer sgd = new HeadTrainer(head, TrainingConfig.of(new SgdMomentum(0.01f, 0.9f)));
        assertThat(sgd.fusesSingleWindow()).isFalse();
        float[] source = TestHeads.randomParameters(ARCH, 3);
        float[] a = head.initialTrainable(source);
        OptimizerState s = sgd.newOptimizerState();
        sgd.stepSingle(source, a, s, X, 0, 1f, 1f);
        assertThat(a).isNotEqualTo(head.initialTrainable(source));
    }

    @Test
    void aSingleWindowStepRefusesAHalfFilledBatch() {
        MlpHead head = new MlpHead(ARCH, 5);
        HeadTrainer trainer = new HeadTrainer(head, TrainingConfig.of(Adam.of(0.01f)));
        float[] source = TestHeads.randomParameters(ARCH, 3);
        float[] a = head.initialTrainable(source);
        OptimizerState s = trainer.newOptimizerState();
        trainer.accumulate(source, a, X, 0, 1f, 1f);
        assertThatThrownBy(() -> trainer.stepSingle(source, a, s, X, 0, 1f, 1f))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 window(s) are accumulated");
    }

    @Test
    void aRefusedStepLeavesNoGradientBehind() {
        MlpHead head = new MlpHead(ARCH, 5);
        TrainingConfig config = TrainingConfig.of(Adam.of(0.01f));
        HeadTrainer trainer = new HeadTrainer(head, config);
        HeadTrainer fresh = new HeadTrainer(head, config, false);
        float[] source = TestHeads.randomParameters(ARCH, 3);
        float[] a = head.initialTrainable(source);
        float[] b = head.initialTrainable(source);
        assertThatThrownBy(() -> trainer.stepSingle(source, a, new OptimizerState(2, 5), X, 0, 1f, 1f))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> trainer.stepSingle(source, a, trainer.newOptimizerState(), X, 0, 2f, 1f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("target");
        assertThat(a).isEqualTo(b);
        OptimizerState sa = trainer.newOptimizerState();
        OptimizerState sb = fresh.newOptimizerState();
        assertThat(trainer.stepSingle(source, a, sa, X, IN, 1f, 1f))
                .isEqualTo(fresh.stepSingle(source, b, sb, X, IN, 1f, 1f));
        assertThat(a).isEqualTo(b);
    }

    @Test
    void theEngineTakesTheFusedPathForOneWindowAndMatchesTheGeneralEngine() {
        float[] params = TestHeads.randomParameters(ARCH, 5);
        SourceHead source = new SourceHead("fused-test", "0".repeat(64), ARCH, params);
        TrainingConfig config = TrainingConfig.of(Adam.of(0.01f)).withL2Sp(0.01f);
        try (NativeHeadEngine fused = new NativeHeadEngine(source, 5, config, true);
                NativeHeadEngine general = new NativeHeadEngine(source, 5, config, false)) {
            assertThat(fused.fusesSingleWindow()).isTrue();
            HeadEngine.User a = fused.newUser();
            HeadEngine.User b = general.newUser();
            float[] window = new float[IN];
            for (int i = 0; i < 30; i++) {
                System.arraycopy(X, i * IN, window, 0, IN);
                float[] target = {i % 2};
                assertThat(fused.trainStep(a, window, target)).isEqualTo(general.trainStep(b, window, target));
            }
            assertThat(fused.trainableParameters(a)).isEqualTo(general.trainableParameters(b));
        }
    }
}
