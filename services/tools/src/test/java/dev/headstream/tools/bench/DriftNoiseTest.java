package dev.headstream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DriftNoiseTest {

    /** A 440 Hz tone of amplitude 1,000 (power 500,000) on samples 4,000-12,000 of 16,000, silence around it. */
    private static short[] tone() {
        short[] pcm = new short[16_000];
        for (int i = 4_000; i < 12_000; i++) {
            pcm[i] = (short) Math.round(1_000 * Math.sin(2 * Math.PI * 440 * i / 16_000.0));
        }
        return pcm;
    }

    private static double power(short[] pcm, int from, int to) {
        double p = 0;
        for (int i = from; i < to; i++) {
            p += (double) pcm[i] * pcm[i];
        }
        return p / (to - from);
    }

    @Test
    void noisePowerIsTheSpeechPowerAtTheRequestedRatio() {
        short[] pcm = tone();
        double speech = power(pcm, 4_000, 12_000);
        assertThat(speech).isCloseTo(500_000, within(1_000.0));
        for (double snrDb : new double[] {0, 10}) {
            short[] noisy = BenchTransferCommand.withNoise(pcm, 4_000, 12_000, snrDb, new SplittableRandom(1));
            // the silent parts hold the noise alone: 8,000 samples estimate its power within a few percent
            double noise = (power(noisy, 0, 4_000) + power(noisy, 12_000, 16_000)) / 2;
            assertThat(10 * Math.log10(speech / noise)).as("SNR").isCloseTo(snrDb, within(0.3));
        }
        assertThat(BenchTransferCommand.withNoise(pcm, 4_000, 12_000, 0, new SplittableRandom(1)))
                .as("seeded")
                .isEqualTo(BenchTransferCommand.withNoise(pcm, 4_000, 12_000, 0, new SplittableRandom(1)));
    }
}
