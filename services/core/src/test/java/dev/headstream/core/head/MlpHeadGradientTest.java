package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Analytic gradients of {@link MlpHead} and {@link HeadTrainer} against central finite
 * differences of an independent double-precision reference ({@link ReferenceMlp}).
 *
 * <p>Tolerance: the reference derivative is a central difference in double with
 * {@code h = 1e-6}, so its own error is about {@code 1e-10} (rounding {@code ~1e-16/h} plus
 * truncation {@code ~h^2}); what remains is the float32 rounding of the engine, about
 * {@code 1e-6} relative to the terms summed into each entry. An entry passes when
 * {@code |analytic - numeric| <= 1e-5 + 1e-3 |numeric|}; a wrong gradient (wrong index, missing
 * factor or term) is off by O(1) relative and fails, and
 * {@link #gradientCheckRejectsAGradientThatIsOffByOnePercent} shows that even a 1% error on one
 * entry fails.
 */
class MlpHeadGradientTest {

    private static final double H = 1e-6;
    private static final double ABS_TOL = 1e-5;
    private static final double REL_TOL = 1e-3;

    static List<Arguments> depths() {
        List<Arguments> cases = new ArrayList<>();
        for (int k : new int[] {1, 2, 3, 4, 5}) {
            cases.add(Arguments.of("layerNorm", TestHeads.smallWithLayerNorm(), k));
        }
        for (int k : new int[] {1, 2, 3}) {
            cases.add(Arguments.of("plain", TestHeads.smallPlain(), k));
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} head, top k = {2}")
    @MethodSource("depths")
    void singleWindowGradientMatchesFiniteDifferencesForWeightedTargets(String name, HeadArchitecture arch, int k) {
        float[] source = TestHeads.randomParameters(arch, 11);
        MlpHead head = new MlpHead(arch, k);
        float[] trainable = perturbed(head.initialTrainable(source), 0.05, 12);
        float[][] cases = {{1f, 1f}, {0f, 2.5f}, {0.3f, 0.7f}};
        for (int c = 0; c < cases.length; c++) {
            float target = cases[c][0];
            float weight = cases[c][1];
            float[] x = TestHeads.randomVector(arch.inputDim(), 2.0, 100 + c);
            assertAwayFromReluKinks(arch, ReferenceMlp.combine(source, trainable, head.trainableOffset()), x);

            float[] analytic = new float[head.trainableLength()];
            MlpHead.Workspace ws = head.newWorkspace();
            float loss = head.accumulateGradient(source, trainable, x, 0, target, weight, ws, analytic);

            double[] xd = ReferenceMlp.toDouble(x);
            double[] p = ReferenceMlp.combine(source, trainable, head.trainableOffset());
            double refLoss = ReferenceMlp.loss(ReferenceMlp.logit(arch, p, xd, null), target, weight);
            assertThat((double) loss).isCloseTo(refLoss, Offset.offset(1e-5 + 1e-5 * refLoss));

            double[] numeric = new double[analytic.length];
            for (int i = 0; i < numeric.length; i++) {
                int at = head.trainableOffset() + i;
                double saved = p[at];
                p[at] = saved + H;
                double up = ReferenceMlp.loss(ReferenceMlp.logit(arch, p, xd, null), target, weight);
                p[at] = saved - H;
                double down = ReferenceMlp.loss(ReferenceMlp.logit(arch, p, xd, null), target, weight);
                p[at] = saved;
                numeric[i] = (up - down) / (2 * H);
            }
            assertThat(mismatches(analytic, numeric))
                    .as("case %d (target %s, weight %s)", c, target, weight)
                    .isEmpty();
            assertThat(maxAbs(numeric)).as("the check is not vacuous").isGreaterThan(1e-3);
        }
    }

    @ParameterizedTest(name = "{0} head, top k = {2}")
    @MethodSource("depths")
    void miniBatchGradientWithL2SpMatchesFiniteDifferencesOfTheObjective(String name, HeadArchitecture arch, int k) {
        float[] source = TestHeads.randomParameters(arch, 21);
        MlpHead head = new MlpHead(arch, k);
        float[] trainable = perturbed(head.initialTrainable(source), 0.1, 22);
        float lambda = 0.37f;
        HeadTrainer trainer =
                new HeadTrainer(head, TrainingConfig.of(Adam.of(1e-3f)).withL2Sp(lambda));
        float[][] xs = new float[3][];
        float[] targets = {1f, 0f, 0.6f};
        float[] weights = {1f, 0.5f, 2f};
        for (int i = 0; i < xs.length; i++) {
            xs[i] = TestHeads.randomVector(arch.inputDim(), 2.0, 200 + i);
            assertAwayFromReluKinks(arch, ReferenceMlp.combine(source, trainable, head.trainableOffset()), xs[i]);
            trainer.accumulate(source, trainable, xs[i], 0, targets[i], weights[i]);
        }
        float meanLoss = trainer.completeGradient(source, trainable);
        float penalty = trainer.l2SpPenalty(source, trainable);
        float[] analytic = new float[head.trainableLength()];
        trainer.copyGradient(analytic);

        double[] p = ReferenceMlp.combine(source, trainable, head.trainableOffset());
        double refPenalty = objective(arch, p, source, head.trainableOffset(), xs, targets, weights, lambda)
                - objective(arch, p, source, head.trainableOffset(), xs, targets, weights, 0);
        double refLoss = objective(arch, p, source, head.trainableOffset(), xs, targets, weights, 0);
        assertThat((double) meanLoss).isCloseTo(refLoss, Offset.offset(1e-5 * (1 + refLoss)));
        assertThat((double) penalty).isCloseTo(refPenalty, Offset.offset(1e-5 * (1 + refPenalty)));
        assertThat(refPenalty).as("the penalty is exercised").isGreaterThan(1e-3);

        double[] numeric = new double[analytic.length];
        for (int i = 0; i < numeric.length; i++) {
            int at = head.trainableOffset() + i;
            double saved = p[at];
            p[at] = saved + H;
            double up = objective(arch, p, source, head.trainableOffset(), xs, targets, weights, lambda);
            p[at] = saved - H;
            double down = objective(arch, p, source, head.trainableOffset(), xs, targets, weights, lambda);
            p[at] = saved;
            numeric[i] = (up - down) / (2 * H);
        }
        assertThat(mismatches(analytic, numeric)).isEmpty();
    }

    @Test
    void gradientCheckRejectsAGradientThatIsOffByOnePercent() {
        HeadArchitecture arch = TestHeads.smallWithLayerNorm();
        float[] source = TestHeads.randomParameters(arch, 11);
        MlpHead head = new MlpHead(arch, 5);
        float[] x = TestHeads.randomVector(arch.inputDim(), 2.0, 100);
        float[] analytic = new float[head.trainableLength()];
        head.accumulateGradient(source, head.initialTrainable(source), x, 0, 1f, 1f, head.newWorkspace(), analytic);
        double[] numeric = ReferenceMlp.toDouble(analytic);
        assertThat(mismatches(analytic, numeric)).isEmpty();
        int largest = 0;
        for (int i = 0; i < analytic.length; i++) {
            if (Math.abs(analytic[i]) > Math.abs(analytic[largest])) {
                largest = i;
            }
        }
        numeric[largest] *= 1.01;
        assertThat(mismatches(analytic, numeric)).containsExactly(largest);
    }

    @Test
    void clippingScalesTheWholeGradientToTheMaximumNorm() {
        HeadArchitecture arch = TestHeads.smallWithLayerNorm();
        float[] source = TestHeads.randomParameters(arch, 31);
        MlpHead head = new MlpHead(arch, 5);
        float[] trainable = head.initialTrainable(source);
        float[] x = TestHeads.randomVector(arch.inputDim(), 2.0, 300);
        HeadTrainer free = new HeadTrainer(head, TrainingConfig.of(Adam.of(1e-3f)));
        HeadTrainer clipped =
                new HeadTrainer(head, TrainingConfig.of(Adam.of(1e-3f)).withMaxGradientNorm(0.01f));
        free.accumulate(source, trainable, x, 0, 0f, 1f);
        clipped.accumulate(source, trainable, x, 0, 0f, 1f);
        free.completeGradient(source, trainable);
        clipped.completeGradient(source, trainable);
        float[] g = new float[head.trainableLength()];
        float[] c = new float[head.trainableLength()];
        free.copyGradient(g);
        clipped.copyGradient(c);
        assertThat(free.lastGradientNorm()).isGreaterThan(0.01f);
        assertThat(norm(c)).isCloseTo(0.01, Offset.offset(1e-6));
        double scale = 0.01 / norm(g);
        for (int i = 0; i < g.length; i++) {
            assertThat((double) c[i]).isCloseTo(g[i] * scale, Offset.offset(1e-8));
        }
    }

    private static double objective(
            HeadArchitecture arch,
            double[] p,
            float[] source,
            int offset,
            float[][] xs,
            float[] targets,
            float[] weights,
            double lambda) {
        double sum = 0;
        for (int i = 0; i < xs.length; i++) {
            sum += ReferenceMlp.loss(
                    ReferenceMlp.logit(arch, p, ReferenceMlp.toDouble(xs[i]), null), targets[i], weights[i]);
        }
        double penalty = 0;
        for (int i = offset; i < p.length; i++) {
            penalty += (p[i] - source[i]) * (p[i] - source[i]);
        }
        return sum / xs.length + lambda / 2 * penalty;
    }

    /** Indices where analytic and numeric gradients disagree beyond the stated tolerance. */
    private static List<Integer> mismatches(float[] analytic, double[] numeric) {
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i < analytic.length; i++) {
            if (Math.abs(analytic[i] - numeric[i]) > ABS_TOL + REL_TOL * Math.abs(numeric[i])) {
                bad.add(i);
            }
        }
        return bad;
    }

    /** The finite differences are only valid where no ReLU input sits on its kink. */
    private static void assertAwayFromReluKinks(HeadArchitecture arch, double[] p, float[] x) {
        List<Double> pre = new ArrayList<>();
        ReferenceMlp.logit(arch, p, ReferenceMlp.toDouble(x), pre);
        for (double v : pre) {
            assertThat(Math.abs(v)).as("pre-ReLU value").isGreaterThan(1e-3);
        }
        assertThat(pre)
                .as("some ReLUs are active and some are not")
                .anyMatch(v -> v > 0)
                .anyMatch(v -> v < 0);
    }

    private static float[] perturbed(float[] v, double scale, long seed) {
        float[] noise = TestHeads.randomVector(v.length, scale, seed);
        float[] out = v.clone();
        for (int i = 0; i < v.length; i++) {
            out[i] += noise[i];
        }
        return out;
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double d : v) {
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float f : v) {
            s += (double) f * f;
        }
        return Math.sqrt(s);
    }
}
