package dev.headstream.cli.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.cli.evaluate.EvalHead;
import dev.headstream.cli.evaluate.HeadLoader;
import dev.headstream.cli.evaluate.TestAudio;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What a window costs the detector, in file mode (the whole file handed over at once, scored in
 * blocks of 256 windows) and live (one 80 ms step per call, as standard input and
 * {@code --realtime} deliver it), on 30 s of audio; the median of three runs each. Prints both.
 * Live, a window costs one mel step and one whole embedding (the sequence graph cannot share work
 * with the previous step's window), so a few times the file cost, not the 2 s of re-embedding a
 * front end without state would pay.
 */
class StreamingDetectorCostBench {

    private static final int SECONDS = 30;

    @Test
    void liveScoringCostsAFewTimesFileScoringPerWindow() {
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(TestAudio.modelsDir())) {
            EvalHead h = HeadLoader.fromFile(TestAudio.modelsDir().resolve("hey_jarvis_v0.1.onnx"), 0.5f);
            DetectorHead head = new DetectorHead("acme/alice/wake", 1, "ACTIVE", false, 0, h);
            HeadSource source = new HeadSource() {
                @Override
                public Optional<DetectorHead> current() {
                    return Optional.of(head);
                }

                @Override
                public String describe() {
                    return "fixed";
                }

                @Override
                public void close() {}
            };
            short[] pcm = new short[16_000 * SECONDS];
            SplittableRandom r = new SplittableRandom(1);
            for (int i = 0; i < pcm.length; i++) {
                pcm[i] = (short) r.nextInt(-3000, 3000);
            }
            long windows = StreamingDetector.windows(pcm.length);
            msPerWindow(backbone, source, pcm, pcm.length); // warm-up
            double[] file = new double[3];
            double[] live = new double[3];
            for (int i = 0; i < 3; i++) {
                file[i] = msPerWindow(backbone, source, pcm, pcm.length);
                live[i] = msPerWindow(backbone, source, pcm, WakeWordBackbone.STEP_SAMPLES);
            }
            Arrays.sort(file);
            Arrays.sort(live);
            System.out.printf(
                    "detector cost per window (%d windows, median of 3): file %.2f ms, live (one 80 ms step per"
                            + " call) %.2f ms, live/file %.1fx%n",
                    windows, file[1], live[1], live[1] / file[1]);
        }
    }

    /** Milliseconds per window when {@code pcm} is handed over in pieces of {@code piece} samples. */
    private static double msPerWindow(WakeWordBackbone backbone, HeadSource source, short[] pcm, int piece) {
        StreamingDetector d = new StreamingDetector(backbone, source, new StreamingDetector.Events() {}, 256);
        long t = System.nanoTime();
        for (int at = 0; at < pcm.length; at += piece) {
            d.accept(pcm, at, Math.min(piece, pcm.length - at));
        }
        double ms = (System.nanoTime() - t) / 1e6;
        assertThat(d.windowsDone()).isEqualTo(StreamingDetector.windows(pcm.length));
        return ms / d.windowsDone();
    }
}
