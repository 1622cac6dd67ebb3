package dev.headstream.core.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MelCepstrumPoolingTest {

    private static final int BINS = 32;

    /** Band {@code n} of a frame that is {@code amplitude} times DCT basis vector {@code k}, plus {@code level}. */
    private static float band(int n, int k, double amplitude, double level) {
        return (float) (level + amplitude * Math.cos(Math.PI * k * (n + 0.5) / BINS));
    }

    @Test
    void aFrameThatIsOneCosineHasOneCepstralCoefficient() {
        float[] mel = new float[BINS];
        for (int n = 0; n < BINS; n++) {
            mel[n] = band(n, 3, 1.0, 7.0);
        }
        float[] c = new float[MelCepstrumPooling.CEPSTRA];
        MelCepstrumPooling.cepstrum(mel, 0, BINS, c, 0, MelCepstrumPooling.CEPSTRA);
        // orthonormal DCT-II: sqrt(2/N) * sum cos^2 = sqrt(2/N) * N/2 = sqrt(N/2) = 4; the level is c0, dropped
        for (int k = 1; k <= MelCepstrumPooling.CEPSTRA; k++) {
            assertThat(c[k - 1]).as("c%d", k).isCloseTo(k == 3 ? 4f : 0f, within(1e-5f));
        }
    }

    @Test
    void aRampInC1PoolsToItsMeanSpreadAndSlopeOverTheSpeechFramesOnly() {
        // frames 0..F-1, c1 = r * t; the two frames at each end are 40 dB below the others (the drop
        // is 20 dB), so they are not speech; their cepstra still feed the deltas of their neighbours
        int frames = 14;
        double r = 0.25;
        float[] mel = new float[frames * BINS];
        for (int t = 0; t < frames; t++) {
            double level = t < 2 || t >= frames - 2 ? 1.0 : 5.0;
            for (int n = 0; n < BINS; n++) {
                mel[t * BINS + n] = band(n, 1, r * t / 4, level);
            }
        }
        float[] v = MelCepstrumPooling.pool(FrontEndFrames.of(mel, BINS));
        assertThat(v).hasSize(MelCepstrumPooling.WIDTH).hasSize(76);
        int m = frames - 4; // speech frames t = 2 .. frames - 3
        int c = MelCepstrumPooling.CEPSTRA;
        assertThat(v[0]).as("mean c1").isCloseTo((float) (r * (frames - 1) / 2.0), within(1e-5f));
        assertThat(v[c]).as("mean of c1's delta").isCloseTo((float) r, within(1e-5f));
        assertThat(v[2 * c]).as("std c1").isCloseTo((float) (r * Math.sqrt((m * m - 1) / 12.0)), within(1e-5f));
        assertThat(v[3 * c]).as("std of c1's delta").isCloseTo(0f, within(1e-5f));
        for (int j = 1; j < c; j++) {
            for (int block = 0; block < 4; block++) {
                assertThat(v[block * c + j]).as("block %d, c%d", block, j + 1).isCloseTo(0f, within(1e-5f));
            }
        }
    }

    @Test
    void speechFramesAreWithinTheDropOfTheLoudest() {
        float[] mel = new float[3 * BINS];
        java.util.Arrays.fill(mel, 0, BINS, 5f);
        java.util.Arrays.fill(mel, BINS, 2 * BINS, 2.9f);
        java.util.Arrays.fill(mel, 2 * BINS, 3 * BINS, 3.1f);
        assertThat(MelCepstrumPooling.speechFrames(mel, BINS, MelCepstrumPooling.SPEECH_DROP))
                .containsExactly(true, false, true);
    }

    @Test
    void tooFewBandsOrRaggedFramesAreRefused() {
        assertThatThrownBy(() -> MelCepstrumPooling.pool(FrontEndFrames.of(new float[4 * 19], 19)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("19 coefficients after c0 from 19 bands");
        assertThatThrownBy(() -> FrontEndFrames.of(new float[33], BINS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no whole, non-zero number of 32-value frames");
    }
}
