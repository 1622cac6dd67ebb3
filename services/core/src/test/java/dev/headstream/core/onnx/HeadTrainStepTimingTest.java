package dev.headstream.core.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.head.Adam;
import dev.headstream.core.head.HeadTrainer;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.OptimizerState;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.head.TrainingConfig;
import org.junit.jupiter.api.Test;

/**
 * Prints the single-window train-step time (forward, backward, L2-SP, clipping, Adam) of the
 * imported hey_jarvis head for trainable depths 1, 2 and 5, and the scoring time. A measurement
 * for the record, not an assertion: the numbers depend on the machine and its load.
 */
class HeadTrainStepTimingTest {

    private static final int BLOCK = 100;

    @Test
    void printsSingleWindowTrainStepTimesOfHeyJarvis() throws Exception {
        SourceHead head = OnnxHeadImporter.importHead(HeadModels.path("hey_jarvis_v0.1.onnx"));
        float[] source = head.parameters();
        float[][] windows = EmbeddingLikeWindows.generate(head, 64, 11);
        TrainingConfig config = TrainingConfig.of(Adam.of(1e-3f)).withL2Sp(1e-2f).withMaxGradientNorm(1f);

        MlpHead frozen = new MlpHead(head.architecture(), 0);
        MlpHead.Workspace ws = frozen.newWorkspace();
        float[] sink = new float[1];
        double[] score = blockMicros(40, i -> sink[0] += frozen.sourceScore(source, windows[i % 64], 0, ws));
        System.out.printf("hey_jarvis score: %.1f us per window (fastest / median of %d-call blocks: %.1f / %.1f)%n",
                score[0], BLOCK, score[0], score[1]);

        for (int k : new int[] {1, 2, 5}) {
            HeadTrainer trainer = new HeadTrainer(new MlpHead(head.architecture(), k), config);
            float[] tail = head.trainableTail(k);
            OptimizerState state = trainer.newOptimizerState();
            double[] micros = blockMicros(k == 5 ? 20 : 40, i -> {
                trainer.accumulate(source, tail, windows[i % 64], 0, i & 1, 1f);
                sink[0] += trainer.step(source, tail, state);
            });
            System.out.printf("hey_jarvis train step, top k = %d (%d trainable floats): %.1f us per single-window "
                    + "step (Adam, L2-SP, clipping; fastest / median of %d-step blocks: %.1f / %.1f)%n",
                    k, tail.length, micros[0], BLOCK, micros[0], micros[1]);
        }
        assertThat(Float.isFinite(sink[0])).isTrue();
    }

    /**
     * Runs {@code blocks} warm-up blocks, then {@code blocks} measured ones; returns the fastest
     * and the median block mean in microseconds per call (the fastest block is the least
     * disturbed by other processes on a shared machine).
     */
    private static double[] blockMicros(int blocks, java.util.function.IntConsumer call) {
        int i = 0;
        for (int b = 0; b < blocks * BLOCK; b++) {
            call.accept(i++);
        }
        double[] means = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            long t0 = System.nanoTime();
            for (int c = 0; c < BLOCK; c++) {
                call.accept(i++);
            }
            means[b] = (System.nanoTime() - t0) / (double) BLOCK / 1e3;
        }
        java.util.Arrays.sort(means);
        return new double[] {means[0], means[blocks / 2]};
    }
}
