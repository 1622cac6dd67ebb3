package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MelFeaturesTest {

    private static final int BINS = 32;

    /** {@code frames} frames of 32 bands: a random spectral shape per frame, plus {@code level[f]}. */
    private static float[] mel(long seed, float... level) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] m = new float[level.length * BINS];
        for (int f = 0; f < level.length; f++) {
            for (int b = 0; b < BINS; b++) {
                m[f * BINS + b] = level[f] + (float) r.nextDouble(-0.2, 0.2);
            }
        }
        return m;
    }

    @Test
    void speechFramesAreThoseWithinTheDropOfTheLoudestFrame() {
        float[] m = new float[3 * 2];
        // energies (mean of 2 bands): 5, 1, 4.5
        m[0] = 4;
        m[1] = 6;
        m[2] = 1;
        m[3] = 1;
        m[4] = 4.5f;
        m[5] = 4.5f;
        assertThat(MelFeatures.energies(m, 2)).containsExactly(5f, 1f, 4.5f);
        assertThat(MelFeatures.speechFrames(m, 2, 1.0)).containsExactly(true, false, true);
        assertThat(MelFeatures.speechFrames(m, 2, 0.1)).containsExactly(true, false, false);
        assertThat(MelFeatures.speechFrames(m, 2, 5.0)).containsExactly(true, true, true);
    }

    @Test
    void cepstrumDropsTheLevelAndFindsACosineShape() {
        float[] flat = new float[BINS];
        java.util.Arrays.fill(flat, 3.7f);
        for (float c : MelFeatures.cepstrum(flat, 0, BINS, MelFeatures.CEPSTRA)) {
            assertThat(c).isCloseTo(0f, within(1e-5f));
        }
        // the k = 2 basis vector, unscaled: its orthonormal coefficient is sqrt(BINS / 2)
        float[] shape = new float[BINS];
        for (int n = 0; n < BINS; n++) {
            shape[n] = 1f + (float) Math.cos(Math.PI * 2 * (n + 0.5) / BINS);
        }
        float[] c = MelFeatures.cepstrum(shape, 0, BINS, MelFeatures.CEPSTRA);
        assertThat(c).hasSize(MelFeatures.CEPSTRA);
        assertThat(c[1]).isCloseTo((float) Math.sqrt(BINS / 2.0), within(1e-4f));
        assertThat(c[0]).isCloseTo(0f, within(1e-5f));
        assertThat(c[2]).isCloseTo(0f, within(1e-5f));
        assertThatThrownBy(() -> MelFeatures.cepstrum(shape, 0, BINS, BINS))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deltasOfARampAreItsSlopeInsideAndSmallerAtTheEdges() {
        float[] ramp = {0, 2, 4, 6, 8, 10, 12};
        float[] d = MelFeatures.deltas(ramp, 1, 2);
        assertThat(d[3]).isCloseTo(2f, within(1e-6f));
        assertThat(d[2]).isCloseTo(2f, within(1e-6f));
        // frame 0: (1 * (2 - 0) + 2 * (4 - 0)) / 10 = 1
        assertThat(d[0]).isCloseTo(1f, within(1e-6f));
        assertThat(d[6]).isCloseTo(1f, within(1e-6f));
    }

    @Test
    void logMelSummaryIsMeanAndStdOverSpeechFramesOnly() {
        float[] m = new float[3 * 2];
        m[0] = 5;
        m[1] = 7;
        m[2] = -3; // quiet frame, left out
        m[3] = -3;
        m[4] = 7;
        m[5] = 5;
        float[] s = MelFeatures.summary(m, 2, MelFeatures.Base.LOGMEL, false, 2.0);
        assertThat(s).containsExactly(6f, 6f, 1f, 1f);
    }

    @Test
    void cepstralSummaryIgnoresTheClipLevel() {
        float[] quiet = mel(3, 2f, 2.5f, -4f, 2.2f, 1.9f);
        float[] loud = quiet.clone();
        for (int i = 0; i < loud.length; i++) {
            loud[i] += 1.5f;
        }
        for (boolean deltas : new boolean[] {false, true}) {
            float[] a = MelFeatures.summary(quiet, BINS, MelFeatures.Base.CEPSTRUM, deltas, 3.0);
            float[] b = MelFeatures.summary(loud, BINS, MelFeatures.Base.CEPSTRUM, deltas, 3.0);
            assertThat(a).hasSize(deltas ? 4 * MelFeatures.CEPSTRA : 2 * MelFeatures.CEPSTRA);
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).isCloseTo(a[i], within(1e-4f));
            }
        }
        float[] logmel = MelFeatures.summary(quiet, BINS, MelFeatures.Base.LOGMEL, false, 3.0);
        float[] logmelLoud = MelFeatures.summary(loud, BINS, MelFeatures.Base.LOGMEL, false, 3.0);
        assertThat(logmelLoud[0] - logmel[0]).isCloseTo(1.5f, within(1e-4f));
    }

    @Test
    void meanNormalisedCepstrumKeepsOnlyTheSpread() {
        float[] m = mel(5, 2f, 2.5f, 2.2f, 1.9f, 2.4f, 2.1f);
        float[] cep = MelFeatures.summary(m, BINS, MelFeatures.Base.CEPSTRUM, false, 3.0);
        float[] cmn = MelFeatures.summary(m, BINS, MelFeatures.Base.CEPSTRUM_CMN, false, 3.0);
        assertThat(cmn).hasSize(MelFeatures.CEPSTRA);
        for (int i = 0; i < MelFeatures.CEPSTRA; i++) {
            assertThat(cmn[i]).isCloseTo(cep[MelFeatures.CEPSTRA + i], within(1e-4f));
        }
        float[] cmnDeltas = MelFeatures.summary(m, BINS, MelFeatures.Base.CEPSTRUM_CMN, true, 3.0);
        assertThat(cmnDeltas).hasSize(3 * MelFeatures.CEPSTRA);
    }

    @Test
    void summaryRefusesPartialFrames() {
        assertThatThrownBy(() -> MelFeatures.summary(new float[BINS + 1], BINS, MelFeatures.Base.LOGMEL, false, 3.0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void representationLabelsRoundTrip() {
        MelFeatures.Representation r =
                new MelFeatures.Representation(MelFeatures.Base.CEPSTRUM_CMN, true, MelFeatures.Transform.LDA);
        assertThat(r.label()).isEqualTo("mel-cepstrum-cmn-deltas-lda");
        assertThat(MelFeatures.Representation.parse(r.label())).isEqualTo(r);
        assertThat(MelFeatures.Representation.parse("mel-logmel-centred"))
                .isEqualTo(
                        new MelFeatures.Representation(MelFeatures.Base.LOGMEL, false, MelFeatures.Transform.CENTRED));
        assertThatThrownBy(() -> MelFeatures.Representation.parse("mel-logmel-plda"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void modelCentresOnTheTrainingMeanAndProjectsOnSpeakersMinusOneDirections() {
        SplittableRandom r = new SplittableRandom(11);
        List<float[]> xs = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            for (int i = 0; i < 20; i++) {
                float[] x = new float[6];
                for (int d = 0; d < 6; d++) {
                    x[d] = (d == s ? 3f : 0f) + (float) r.nextGaussian();
                }
                xs.add(x);
                groups.add("s" + s);
            }
        }
        MelRepresentationModel model = MelRepresentationModel.learn(xs, groups, 0);
        assertThat(model.speakers()).isEqualTo(4);
        double[] mean = new double[6];
        for (float[] x : xs) {
            for (int d = 0; d < 6; d++) {
                mean[d] += x[d] / xs.size();
            }
        }
        float[] c = model.apply(MelFeatures.Transform.CENTRED, xs.get(0));
        assertThat(c[0]).isCloseTo((float) (xs.get(0)[0] - mean[0]), within(1e-5f));
        assertThat(model.apply(MelFeatures.Transform.LDA, xs.get(0))).hasSize(3);
        assertThat(model.apply(MelFeatures.Transform.WCCN, xs.get(0))).hasSize(6);
        assertThatThrownBy(() -> model.apply(MelFeatures.Transform.CENTRED, new float[5]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theCepstrumWithDeltasAtTheDefaultDropIsTheServicesMelCepstrumPooling() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        float[] mel = new float[60 * BINS];
        for (int f = 0; f < 60; f++) {
            double level = f < 10 || f > 50 ? -6 : 2 + random.nextDouble();
            for (int b = 0; b < BINS; b++) {
                mel[f * BINS + b] = (float) (level + random.nextGaussian() * 0.5);
            }
        }
        assertThat(MelFeatures.summary(mel, BINS, MelFeatures.Base.CEPSTRUM, true, 2.0))
                .containsExactly(dev.headstream.core.embed.MelCepstrumPooling.pool(
                        dev.headstream.core.embed.FrontEndFrames.of(mel, BINS)));
    }
}
