package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LoraMlpHead} and {@link LoraHeadTrainer}: analytic gradients for {@code A}, {@code B} and
 * the small full parameters against central finite differences of the double-precision
 * {@link ReferenceMlp} run on the merged weights {@code W + (alpha/r) B A} (built here, in
 * double, from the layout documented on {@link LoraMlpHead}); exact equality with the source head
 * at initialisation; determinism. Tolerances as in {@link MlpHeadGradientTest}.
 */
class LoraMlpHeadTest {

    private static final double H = 1e-6;
    private static final double ABS_TOL = 1e-5;
    private static final double REL_TOL = 1e-3;

    static List<Arguments> heads() {
        List<Arguments> cases = new ArrayList<>();
        for (int r : new int[] {1, 2, 4}) {
            cases.add(Arguments.of("layerNorm", TestHeads.smallWithLayerNorm(), r, true));
            cases.add(Arguments.of("layerNorm", TestHeads.smallWithLayerNorm(), r, false));
            cases.add(Arguments.of("plain", TestHeads.smallPlain(), r, true));
            cases.add(Arguments.of("columns", TestHeads.smallWithColumnLayer(), r, true));
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} head, rank {2}, small params {3}")
    @MethodSource("heads")
    void singleWindowGradientMatchesFiniteDifferences(String name, HeadArchitecture arch, int rank, boolean small) {
        float[] source = TestHeads.randomParameters(arch, 11);
        LoraMlpHead head = new LoraMlpHead(arch, rank, 2f * rank, small);
        float[] trainable = perturbed(head, source, 0.3, 12);
        float[][] cases = {{1f, 1f}, {0f, 2.5f}, {0.3f, 0.7f}};
        for (int c = 0; c < cases.length; c++) {
            float target = cases[c][0];
            float weight = cases[c][1];
            float[] x = TestHeads.randomVector(arch.inputDim(), 2.0, 100 + c);
            double[] t = ReferenceMlp.toDouble(trainable);
            double[] xd = ReferenceMlp.toDouble(x);
            assertAwayFromReluKinks(arch, merged(head, source, t), xd);

            float[] analytic = new float[head.trainableLength()];
            float loss =
                    head.accumulateGradient(source, trainable, x, 0, target, weight, head.newWorkspace(), analytic);
            double refLoss =
                    ReferenceMlp.loss(ReferenceMlp.logit(arch, merged(head, source, t), xd, null), target, weight);
            assertThat((double) loss).isCloseTo(refLoss, Offset.offset(1e-5 + 1e-5 * refLoss));

            double[] numeric = new double[analytic.length];
            for (int i = 0; i < numeric.length; i++) {
                double saved = t[i];
                t[i] = saved + H;
                double up =
                        ReferenceMlp.loss(ReferenceMlp.logit(arch, merged(head, source, t), xd, null), target, weight);
                t[i] = saved - H;
                double down =
                        ReferenceMlp.loss(ReferenceMlp.logit(arch, merged(head, source, t), xd, null), target, weight);
                t[i] = saved;
                numeric[i] = (up - down) / (2 * H);
            }
            assertThat(mismatches(analytic, numeric)).as("case %d", c).isEmpty();
            assertThat(nonZeroIn(numeric, 0, rank * arch.inputDim()))
                    .as("first layer's A gets gradient")
                    .isTrue();
        }
    }

    @ParameterizedTest(name = "{0} head, rank {2}, small params {3}")
    @MethodSource("heads")
    void miniBatchGradientWithL2MatchesFiniteDifferencesOfTheObjective(
            String name, HeadArchitecture arch, int rank, boolean small) {
        float[] source = TestHeads.randomParameters(arch, 21);
        LoraMlpHead head = new LoraMlpHead(arch, rank, rank, small);
        float[] trainable = perturbed(head, source, 0.3, 22);
        float lambda = 0.37f;
        LoraHeadTrainer trainer =
                new LoraHeadTrainer(head, TrainingConfig.of(Adam.of(1e-3f)).withL2Sp(lambda));
        float[][] xs = new float[3][];
        float[] targets = {1f, 0f, 0.6f};
        float[] weights = {1f, 0.5f, 2f};
        for (int i = 0; i < xs.length; i++) {
            xs[i] = TestHeads.randomVector(arch.inputDim(), 2.0, 200 + i);
            assertAwayFromReluKinks(
                    arch, merged(head, source, ReferenceMlp.toDouble(trainable)), ReferenceMlp.toDouble(xs[i]));
            trainer.accumulate(source, trainable, xs[i], 0, targets[i], weights[i]);
        }
        float meanLoss = trainer.completeGradient(source, trainable);
        float[] analytic = new float[head.trainableLength()];
        trainer.copyGradient(analytic);
        double[] t = ReferenceMlp.toDouble(trainable);
        float[] anchor = new float[t.length];
        head.anchor(source, anchor);
        assertThat((double) meanLoss)
                .isCloseTo(objective(arch, head, source, anchor, t, xs, targets, weights, 0), Offset.offset(1e-4));
        assertThat((double) trainer.l2SpPenalty(source, trainable))
                .isCloseTo(
                        objective(arch, head, source, anchor, t, xs, targets, weights, lambda)
                                - objective(arch, head, source, anchor, t, xs, targets, weights, 0),
                        Offset.offset(1e-4));

        double[] numeric = new double[analytic.length];
        for (int i = 0; i < numeric.length; i++) {
            double saved = t[i];
            t[i] = saved + H;
            double up = objective(arch, head, source, anchor, t, xs, targets, weights, lambda);
            t[i] = saved - H;
            double down = objective(arch, head, source, anchor, t, xs, targets, weights, lambda);
            t[i] = saved;
            numeric[i] = (up - down) / (2 * H);
        }
        assertThat(mismatches(analytic, numeric)).isEmpty();
    }

    @Test
    void initialHeadScoresExactlyLikeItsSourceLogitAndLikeThePlainHeadToRounding() {
        for (HeadArchitecture arch : List.of(
                TestHeads.smallWithLayerNorm(),
                TestHeads.smallPlain(),
                TestHeads.smallWithColumnLayer(),
                TestHeads.heyJarvisShape())) {
            float[] source = TestHeads.randomParameters(arch, 5);
            MlpHead full = new MlpHead(arch, 0);
            MlpHead.Workspace fws = full.newWorkspace();
            for (int r : new int[] {1, 4, 8}) {
                LoraMlpHead head = new LoraMlpHead(arch, r, 2f * r, true);
                float[] t = head.initialTrainable(source, 99);
                LoraMlpHead.Workspace ws = head.newWorkspace();
                for (int c = 0; c < 5; c++) {
                    float[] x = TestHeads.randomVector(arch.inputDim(), 2.0, 300 + c);
                    // the plain head sums its hidden layers by rows, the LoRA head by columns
                    // (LayerKernels.columnsMatVec): the same to rounding, and exactly equal where
                    // no layer past the first has 8 outputs
                    float plain = full.sourceLogit(source, x, 0, fws);
                    float expected = head.sourceLogit(source, x, 0, ws);
                    assertThat(head.logit(source, t, x, 0, ws)).isEqualTo(expected);
                    if (hasColumnLayer(arch)) {
                        assertThat(expected).isCloseTo(plain, Offset.offset(1e-5f * Math.max(1f, Math.abs(plain))));
                    } else {
                        assertThat(expected).isEqualTo(plain);
                    }
                }
                assertThat(head.merged(source, t)).isEqualTo(source);
            }
        }
    }

    @Test
    void twoFirstLayerProductsAtOnceAreEachWindowsOwnBitForBit() {
        HeadArchitecture arch = TestHeads.heyJarvisShape();
        float[] source = TestHeads.randomParameters(arch, 41);
        LoraMlpHead head = new LoraMlpHead(arch, 4, 8f, true);
        float[] input = TestHeads.randomVector(arch.inputDim() + 96 * 5, 2.0, 42);
        int width = head.firstLayerWidth();
        float[] one = new float[2 + 2 * width];
        head.firstLayerProduct(source, input, 96 * 5, one, 2);
        head.firstLayerProduct(source, input, 96, one, 2 + width);
        float[] two = new float[2 + 2 * width];
        head.firstLayerProducts(source, input, 96 * 5, 96, two, 2, 2 + width);
        assertThat(two).containsExactly(one);
        assertThat(one[2]).isNotEqualTo(one[2 + width]);
    }

    @Test
    void pairsFollowEveryInPlaceChangeOfTheLowRankFactors() {
        for (HeadArchitecture arch : List.of(TestHeads.heyJarvisShape(), TestHeads.smallWithColumnLayer())) {
            float[] source = TestHeads.randomParameters(arch, 51);
            LoraMlpHead head = new LoraMlpHead(arch, 4, 8f, true);
            float[] t = perturbed(head, source, 0.05, 52);
            int windows = 4;
            float[] input = TestHeads.randomVector(arch.inputDim() + 3 * windows, 2.0, 53);
            int width = head.firstLayerWidth();
            float[] base = new float[windows * width];
            for (int w = 0; w < windows; w++) {
                head.firstLayerProduct(source, input, 3 * w, base, w * width);
            }
            LoraMlpHead.Workspace ws = head.newWorkspace();
            LoraMlpHead.Workspace single = head.newWorkspace();
            // B of the hidden layer (layer 3): one entry +0, then -0, then another value, in place
            int b3 = head.tensors().stream()
                    .filter(x -> x.name().equals("layers.3.lora_b"))
                    .findFirst()
                    .orElseThrow()
                    .offset();
            t[b3] = 0f;
            float[] before = pairs(head, source, t, base, input, ws);
            float[] values = {0f, -0f, 0.37f};
            for (float value : values) {
                t[b3 + (value == 0.37f ? 5 : 0)] = value;
                float[] after = pairs(head, source, t, base, input, ws);
                for (int w = 0; w < windows; w++) {
                    assertThat(after[w])
                            .as("window %d after writing %s", w, value)
                            .isEqualTo(head.logitWithBase(source, t, base, w * width, input, 3 * w, single));
                }
                if (value == 0.37f) {
                    assertThat(after).isNotEqualTo(before);
                }
            }
        }
    }

    private static float[] pairs(
            LoraMlpHead head, float[] source, float[] t, float[] base, float[] input, LoraMlpHead.Workspace ws) {
        int width = head.firstLayerWidth();
        float[] out = new float[4];
        head.logitsWithBase(source, t, base, 0, width, input, 0, 3, ws, out, 0, 1);
        head.logitsWithBase(source, t, base, 2 * width, 3 * width, input, 6, 9, ws, out, 2, 3);
        return out;
    }

    @Test
    void aWorkspaceTakesUpAnotherSourceArray() {
        HeadArchitecture arch = TestHeads.heyJarvisShape();
        float[] first = TestHeads.randomParameters(arch, 31);
        float[] second = TestHeads.randomParameters(arch, 32);
        LoraMlpHead head = new LoraMlpHead(arch, 4, 8f, true);
        float[] t = perturbed(head, first, 0.05, 33);
        float[] x = TestHeads.randomVector(arch.inputDim(), 2.0, 34);
        LoraMlpHead.Workspace shared = head.newWorkspace();
        float a1 = head.logit(first, t, x, 0, shared);
        float a2 = head.logit(second, t, x, 0, shared);
        float a3 = head.logit(first, t, x, 0, shared);
        assertThat(a2).isEqualTo(head.logit(second, t, x, 0, head.newWorkspace()));
        assertThat(a3).isEqualTo(a1).isNotEqualTo(a2);
    }

    @Test
    void aCachedFirstLayerProductGivesTheSameLogitBitForBit() {
        HeadArchitecture arch = TestHeads.heyJarvisShape();
        float[] source = TestHeads.randomParameters(arch, 11);
        LoraMlpHead head = new LoraMlpHead(arch, 4, 8f, true);
        float[] t = head.initialTrainable(source, 5);
        SplittableRandom rnd = new SplittableRandom(9);
        for (int i = 0; i < t.length; i++) {
            t[i] += (float) (rnd.nextGaussian() * 0.05);
        }
        float[] input = new float[arch.inputDim() + 96];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) rnd.nextGaussian();
        }
        LoraMlpHead.Workspace ws = head.newWorkspace();
        float[] base = new float[3 + head.firstLayerWidth()];
        head.firstLayerProduct(source, input, 96, base, 3);
        assertThat(head.logitWithBase(source, t, base, 3, input, 96, ws))
                .isEqualTo(head.logit(source, t, input, 96, ws));
        assertThat(head.logitWithBase(source, null, base, 3, input, 96, ws))
                .isEqualTo(head.sourceLogit(source, input, 96, ws));
    }

    @Test
    void twoWindowsAtOnceScoreEachAsItsOwnPassBitForBit() {
        HeadArchitecture arch = TestHeads.heyJarvisShape();
        float[] source = TestHeads.randomParameters(arch, 21);
        LoraMlpHead head = new LoraMlpHead(arch, 4, 8f, true);
        float[] t = perturbed(head, source, 0.05, 22);
        SplittableRandom rnd = new SplittableRandom(23);
        int windows = 9;
        float[] input = new float[arch.inputDim() + 96 * windows];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) rnd.nextGaussian();
        }
        int width = head.firstLayerWidth();
        float[] base = new float[windows * width];
        for (int w = 0; w < windows; w++) {
            head.firstLayerProduct(source, input, 96 * w, base, w * width);
        }
        LoraMlpHead.Workspace ws = head.newWorkspace();
        for (float[] trainable : new float[][] {t, null}) {
            float[] single = new float[windows];
            for (int w = 0; w < windows; w++) {
                single[w] = head.logitWithBase(source, trainable, base, w * width, input, 96 * w, ws);
            }
            float[] paired = new float[windows];
            for (int w = 0; w + 1 < windows; w += 2) {
                head.logitsWithBase(
                        source,
                        trainable,
                        base,
                        (w + 1) * width,
                        w * width,
                        input,
                        96 * (w + 1),
                        96 * w,
                        ws,
                        paired,
                        w + 1,
                        w);
            }
            paired[windows - 1] = single[windows - 1];
            assertThat(paired).containsExactly(single);
            assertThat(single[0]).isNotEqualTo(single[1]);
        }
    }

    @Test
    void aCachedFirstLayerProductGivesTheSameGradientBitForBit() {
        HeadArchitecture arch = TestHeads.heyJarvisShape();
        float[] source = TestHeads.randomParameters(arch, 12);
        LoraMlpHead head = new LoraMlpHead(arch, 4, 8f, true);
        float[] t = perturbed(head, source, 0.05, 6);
        SplittableRandom rnd = new SplittableRandom(10);
        float[] input = new float[arch.inputDim() + 96 * 3];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) rnd.nextGaussian();
        }
        LoraMlpHead.Workspace ws = head.newWorkspace();
        float[] computed = new float[head.trainableLength()];
        float[] cached = new float[head.trainableLength()];
        for (int offset : new int[] {0, 96, 192, 288}) {
            float[] base = new float[5 + head.firstLayerWidth()];
            head.firstLayerProduct(source, input, offset, base, 5);
            float target = offset % 192 == 0 ? 1f : 0f;
            float a = head.accumulateGradient(source, t, input, offset, target, 0.75f, ws, computed);
            float b = head.accumulateGradient(source, t, base, 5, input, offset, target, 0.75f, ws, cached);
            assertThat(b).isEqualTo(a);
        }
        assertThat(cached).containsExactly(computed);
        double norm = 0;
        for (float g : computed) {
            norm += g * g;
        }
        assertThat(norm).isPositive();
        float[] wrongSize = new float[head.firstLayerWidth() - 1];
        assertThatThrownBy(() -> head.accumulateGradient(source, t, wrongSize, 0, input, 0, 1f, 1f, ws, cached))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("base must hold");
    }

    private static boolean hasColumnLayer(HeadArchitecture arch) {
        for (int l = 1; l < arch.layers().size(); l++) {
            if (arch.layers().get(l) instanceof HeadLayer.Dense
                    && arch.layers().get(l).outputDim() >= 8) {
                return true;
            }
        }
        return false;
    }

    @Test
    void mergedWeightsScoreLikeTheLowRankHead() {
        HeadArchitecture arch = TestHeads.smallWithLayerNorm();
        float[] source = TestHeads.randomParameters(arch, 7);
        LoraMlpHead head = new LoraMlpHead(arch, 3, 6f, true);
        float[] t = perturbed(head, source, 0.3, 8);
        MlpHead full = new MlpHead(arch, arch.parameterisedLayerCount());
        float[] merged = head.merged(source, t);
        for (int c = 0; c < 5; c++) {
            float[] x = TestHeads.randomVector(arch.inputDim(), 2.0, 400 + c);
            assertThat(full.logit(source, full.initialTrainable(merged), x, 0, full.newWorkspace()))
                    .isCloseTo(head.logit(source, t, x, 0, head.newWorkspace()), Offset.offset(1e-5f));
        }
    }

    @Test
    void trainingIsDeterministicAndMovesTheHead() {
        HeadArchitecture arch = TestHeads.heyJarvisShape();
        float[] source = TestHeads.randomParameters(arch, 3);
        LoraMlpHead head = new LoraMlpHead(arch, 4, 8f, true);
        float[][] runs = new float[2][];
        OptimizerState[] states = new OptimizerState[2];
        for (int run = 0; run < 2; run++) {
            LoraHeadTrainer trainer = new LoraHeadTrainer(
                    head, TrainingConfig.of(Adam.of(1e-2f)).withL2Sp(1e-2f).withMaxGradientNorm(10f));
            float[] t = head.initialTrainable(source, 42);
            OptimizerState state = trainer.newOptimizerState();
            for (int step = 0; step < 10; step++) {
                float[] x = TestHeads.randomVector(arch.inputDim(), 1.0, 500 + step);
                trainer.accumulate(source, t, x, 0, step % 2, 1f);
                trainer.step(source, t, state);
            }
            runs[run] = t;
            states[run] = state;
        }
        assertThat(runs[0]).isEqualTo(runs[1]);
        assertThat(states[0].sameAs(states[1])).isTrue();
        assertThat(runs[0]).isNotEqualTo(head.initialTrainable(source, 42));
        assertThat(head.initialTrainable(source, 42))
                .isEqualTo(head.initialTrainable(source, 42))
                .isNotEqualTo(head.initialTrainable(source, 43));
    }

    @Test
    void perUserVectorIsKilobytesForTheHeyJarvisShape() {
        HeadArchitecture arch = TestHeads.heyJarvisShape();
        // A and B of 1536->128, 128->128, 128->1, plus 2 x (gamma, beta) of 128 and the last bias.
        assertThat(new LoraMlpHead(arch, 4, 8f, true).trainableLength())
                .isEqualTo(4 * 1536 + 128 * 4 + 4 * 128 + 128 * 4 + 4 * 128 + 4 + 4 * 128 + 1);
        assertThat(new LoraMlpHead(arch, 4, 8f, false).trainableLength())
                .isEqualTo(4 * 1536 + 128 * 4 + 4 * 128 + 128 * 4 + 4 * 128 + 4);
    }

    @Test
    void rejectsMismatchedArrays() {
        HeadArchitecture arch = TestHeads.smallPlain();
        LoraMlpHead head = new LoraMlpHead(arch, 2, 2f, true);
        float[] source = TestHeads.randomParameters(arch, 1);
        assertThatThrownBy(() -> head.logit(source, new float[3], new float[9], 0, head.newWorkspace()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> head.logit(
                        source,
                        head.initialTrainable(source, 1),
                        new float[9],
                        0,
                        new LoraMlpHead(arch, 3, 2f, true).newWorkspace()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LoraMlpHead(arch, 0, 1f, true)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The merged full parameter vector, in double, from the documented per-user layout. */
    static double[] merged(LoraMlpHead head, float[] source, double[] t) {
        HeadArchitecture arch = head.architecture();
        int r = head.rank();
        double s = head.alpha() / r;
        double[] p = ReferenceMlp.toDouble(source);
        int src = 0;
        int at = 0;
        List<HeadLayer> layers = arch.layers();
        for (int l = 0; l < layers.size(); l++) {
            HeadLayer layer = layers.get(l);
            if (layer instanceof HeadLayer.Dense d) {
                int in = d.inputDim();
                int out = d.outputDim();
                int a = at;
                int b = at + r * in;
                for (int o = 0; o < out; o++) {
                    for (int j = 0; j < in; j++) {
                        double delta = 0;
                        for (int k = 0; k < r; k++) {
                            delta += t[b + o * r + k] * t[a + k * in + j];
                        }
                        p[src + o * in + j] += s * delta;
                    }
                }
                at = b + out * r;
                if (head.trainsSmallParameters() && l == layers.size() - 1) {
                    for (int o = 0; o < out; o++) {
                        p[src + in * out + o] = t[at + o];
                    }
                    at += out;
                }
            } else if (layer instanceof HeadLayer.LayerNorm n && head.trainsSmallParameters()) {
                for (int j = 0; j < 2 * n.dim(); j++) {
                    p[src + j] = t[at + j];
                }
                at += 2 * n.dim();
            }
            src += layer.parameterCount();
        }
        assertThat(at).isEqualTo(head.trainableLength());
        return p;
    }

    private static double objective(
            HeadArchitecture arch,
            LoraMlpHead head,
            float[] source,
            float[] anchor,
            double[] t,
            float[][] xs,
            float[] targets,
            float[] weights,
            double lambda) {
        double[] p = merged(head, source, t);
        double sum = 0;
        for (int i = 0; i < xs.length; i++) {
            sum += ReferenceMlp.loss(
                    ReferenceMlp.logit(arch, p, ReferenceMlp.toDouble(xs[i]), null), targets[i], weights[i]);
        }
        double penalty = 0;
        for (int i = 0; i < t.length; i++) {
            penalty += (t[i] - anchor[i]) * (t[i] - anchor[i]);
        }
        return sum / xs.length + lambda / 2 * penalty;
    }

    /** The initial vector with noise on every entry (so B, and hence A's gradient, is non-zero). */
    private static float[] perturbed(LoraMlpHead head, float[] source, double scale, long seed) {
        float[] v = head.initialTrainable(source, seed);
        float[] noise = TestHeads.randomVector(v.length, scale, seed + 1);
        for (int i = 0; i < v.length; i++) {
            v[i] += noise[i];
        }
        return v;
    }

    private static List<Integer> mismatches(float[] analytic, double[] numeric) {
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i < analytic.length; i++) {
            if (Math.abs(analytic[i] - numeric[i]) > ABS_TOL + REL_TOL * Math.abs(numeric[i])) {
                bad.add(i);
            }
        }
        return bad;
    }

    private static boolean nonZeroIn(double[] v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Math.abs(v[i]) > 1e-4) {
                return true;
            }
        }
        return false;
    }

    private static void assertAwayFromReluKinks(HeadArchitecture arch, double[] p, double[] x) {
        List<Double> pre = new ArrayList<>();
        ReferenceMlp.logit(arch, p, x, pre);
        for (double v : pre) {
            assertThat(Math.abs(v))
                    .as("pre-ReLU value, far beyond what a step of H moves it")
                    .isGreaterThan(1e-4);
        }
    }
}
