package dev.headstream.core.embed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The {@code mel-cepstrum} recipe that docs/export.md gives non-Java consumers, written out here
 * step by step from that text alone, gives {@link MelCepstrumPooling#pool}'s bits: the document is
 * exact, and a change to where the pooling rounds fails here (the deltas' differences taken in
 * double instead of float32, as the document once implied, fail on the first clip). A change of
 * {@code StrictMath.cos} to {@code Math.cos} differs by an ulp of a double at most, which rounding
 * to float32 almost always hides: this test need not catch that one.
 */
class MelCepstrumRecipeTest {

    private static final int BANDS = 32;

    /** docs/export.md, "mel-cepstrum", steps 2 to 5, on frames already scaled (step 1). */
    private static float[] recipe(float[] m, int frames) {
        // 2. levels and speech frames
        float[] level = new float[frames];
        float loudest = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < frames; t++) {
            double s = 0;
            for (int n = 0; n < BANDS; n++) {
                s += m[t * BANDS + n];
            }
            level[t] = (float) (s / BANDS);
            loudest = Math.max(loudest, level[t]);
        }
        boolean[] speech = new boolean[frames];
        for (int t = 0; t < frames; t++) {
            speech[t] = level[t] >= loudest - 2.0;
        }
        // 3. cepstra
        float[][] c = new float[frames][20];
        for (int t = 0; t < frames; t++) {
            for (int k = 1; k <= 19; k++) {
                double s = 0;
                for (int n = 0; n < BANDS; n++) {
                    double basis = StrictMath.cos(StrictMath.PI * k * (n + 0.5) / BANDS) * StrictMath.sqrt(2.0 / BANDS);
                    s += m[t * BANDS + n] * basis;
                }
                c[t][k] = (float) s;
            }
        }
        // 4. deltas
        float[][] d = new float[frames][20];
        for (int t = 0; t < frames; t++) {
            for (int k = 1; k <= 19; k++) {
                double s = 0;
                for (int j = 1; j <= 2; j++) {
                    float after = c[Math.min(frames - 1, t + j)][k];
                    float before = c[Math.max(0, t - j)][k];
                    float term = j * (after - before);
                    s += term;
                }
                d[t][k] = (float) (s / 10);
            }
        }
        // 5. mean of c, mean of d, standard deviation of c, of d, over the speech frames
        float[] out = new float[76];
        for (int half = 0; half < 2; half++) {
            float[][] x = half == 0 ? c : d;
            for (int k = 1; k <= 19; k++) {
                double sum = 0;
                double sq = 0;
                int count = 0;
                for (int t = 0; t < frames; t++) {
                    if (speech[t]) {
                        double v = x[t][k];
                        sum += v;
                        sq += v * v;
                        count++;
                    }
                }
                double mean = sum / count;
                out[half * 19 + k - 1] = (float) mean;
                out[38 + half * 19 + k - 1] = (float) Math.sqrt(Math.max(0, sq / count - mean * mean));
            }
        }
        return out;
    }

    @Test
    void theDocumentedRecipeGivesThePoolingsBits() {
        SplittableRandom random = new SplittableRandom(2026);
        for (int clip = 0; clip < 200; clip++) {
            int frames = 3 + random.nextInt(300);
            float[] m = new float[frames * BANDS];
            for (int t = 0; t < frames; t++) {
                // speech, quiet and floor-level frames, in the front end's scaled range (-8 .. about 4)
                double base = random.nextInt(4) == 0 ? -7.9 : random.nextDouble(-6, 3);
                for (int n = 0; n < BANDS; n++) {
                    m[t * BANDS + n] = (float) (base + random.nextGaussian() * 0.8);
                }
            }
            assertThat(MelCepstrumPooling.pool(new FrontEndFrames(frames, BANDS, m)))
                    .as("clip %d of %d frames", clip, frames)
                    .isEqualTo(recipe(m, frames));
        }
    }
}
