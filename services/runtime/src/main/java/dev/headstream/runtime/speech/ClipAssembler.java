package dev.headstream.runtime.speech;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Places synthesized speech in a fixed-length clip the way a wake-word detector sees it.
 *
 * <p>Steps, all driven by one seed: trim leading and trailing silence (10 ms frames quieter
 * than {@link Settings#silenceThresholdDb()} below the loudest frame, keeping
 * {@link Settings#silenceMarginSamples()} either side); scale so the speech peaks at
 * {@link Settings#peakDbfs()} plus a uniform jitter of +-{@link Settings#gainJitterDb()};
 * put it so that its end lands uniformly between {@link Settings#endMinFraction()} and
 * {@link Settings#endMaxFraction()} of the clip (openWakeWord heads expect the wake word to
 * end near the end of their window), dropping the start of speech that does not fit; add
 * white Gaussian noise over the whole clip at a uniform SNR (relative to the speech RMS)
 * between {@link Settings#snrMinDb()} and {@link Settings#snrMaxDb()}; round and clip to int16.
 *
 * <p>Deterministic across JVMs: {@link SplittableRandom} and {@link StrictMath} only.
 * Immutable and thread-safe.
 */
public final class ClipAssembler {

    /** Frame length used for silence trimming: 10 ms at 16 kHz. */
    public static final int FRAME = 160;

    /**
     * How clips are laid out.
     *
     * @param clipSamples          clip length in samples (16 kHz)
     * @param endMinFraction       earliest speech end, as a fraction of the clip
     * @param endMaxFraction       latest speech end, as a fraction of the clip
     * @param snrMinDb             lowest speech-to-noise ratio, dB
     * @param snrMaxDb             highest speech-to-noise ratio, dB
     * @param peakDbfs             nominal speech peak, dB relative to int16 full scale
     * @param gainJitterDb         uniform jitter of the peak level, +- dB
     * @param silenceThresholdDb   frames this far below the loudest frame (energy) count as silence
     * @param silenceMarginSamples samples kept either side of the detected speech
     */
    public record Settings(
            int clipSamples,
            double endMinFraction,
            double endMaxFraction,
            double snrMinDb,
            double snrMaxDb,
            double peakDbfs,
            double gainJitterDb,
            double silenceThresholdDb,
            int silenceMarginSamples) {

        public Settings {
            if (clipSamples < FRAME) {
                throw new IllegalArgumentException("clipSamples must be at least " + FRAME + ", was " + clipSamples);
            }
            if (!(endMinFraction > 0 && endMinFraction <= endMaxFraction && endMaxFraction <= 1)) {
                throw new IllegalArgumentException("need 0 < endMinFraction <= endMaxFraction <= 1, was "
                        + endMinFraction + ".." + endMaxFraction);
            }
            if (!(snrMinDb <= snrMaxDb) || Double.isInfinite(snrMaxDb) || Double.isInfinite(snrMinDb)) {
                throw new IllegalArgumentException(
                        "need finite snrMinDb <= snrMaxDb, was " + snrMinDb + ".." + snrMaxDb);
            }
            if (!(peakDbfs <= 0 && gainJitterDb >= 0 && peakDbfs > -60)) {
                throw new IllegalArgumentException(
                        "need -60 < peakDbfs <= 0 and gainJitterDb >= 0, was " + peakDbfs + ", " + gainJitterDb);
            }
            if (!(silenceThresholdDb < 0) || silenceMarginSamples < 0) {
                throw new IllegalArgumentException("need silenceThresholdDb < 0 and silenceMarginSamples >= 0, was "
                        + silenceThresholdDb + ", " + silenceMarginSamples);
            }
        }

        /** 2.5 s clips, speech ending at 70-95 %, SNR 20-40 dB, peak -6 dBFS +- 3 dB, trim at -45 dB with 10 ms margin. */
        public static Settings defaults() {
            return new Settings(40_000, 0.70, 0.95, 20, 40, -6, 3, -45, FRAME);
        }

        /** These settings with another clip length. */
        public Settings withClipSamples(int samples) {
            return new Settings(
                    samples,
                    endMinFraction,
                    endMaxFraction,
                    snrMinDb,
                    snrMaxDb,
                    peakDbfs,
                    gainJitterDb,
                    silenceThresholdDb,
                    silenceMarginSamples);
        }

        /** These settings with another speech-end range. */
        public Settings withEndRange(double minFraction, double maxFraction) {
            return new Settings(
                    clipSamples,
                    minFraction,
                    maxFraction,
                    snrMinDb,
                    snrMaxDb,
                    peakDbfs,
                    gainJitterDb,
                    silenceThresholdDb,
                    silenceMarginSamples);
        }

        /** These settings with another SNR range. */
        public Settings withSnrRange(double minDb, double maxDb) {
            return new Settings(
                    clipSamples,
                    endMinFraction,
                    endMaxFraction,
                    minDb,
                    maxDb,
                    peakDbfs,
                    gainJitterDb,
                    silenceThresholdDb,
                    silenceMarginSamples);
        }
    }

    /**
     * An assembled clip.
     *
     * @param pcm         the clip, {@link Settings#clipSamples()} int16 samples at 16 kHz
     * @param speechStart first clip sample holding (trimmed) speech
     * @param speechEnd   one past the last clip sample holding speech
     * @param peakDbfs    the speech peak level applied, dBFS
     * @param snrDb       the speech-to-noise ratio applied, dB
     */
    public record Clip(short[] pcm, int speechStart, int speechEnd, double peakDbfs, double snrDb) {}

    private final Settings settings;

    public ClipAssembler(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Assembles one clip.
     *
     * @param speech 16 kHz speech, with or without silence around it
     * @param seed   drives placement, level, SNR and noise
     * @throws IllegalArgumentException when {@code speech} is silent
     */
    public Clip assemble(short[] speech, long seed) {
        int[] bounds = speechBounds(speech, settings.silenceThresholdDb(), settings.silenceMarginSamples());
        int n = settings.clipSamples();
        SplittableRandom random = new SplittableRandom(seed);
        double endFraction = uniform(random, settings.endMinFraction(), settings.endMaxFraction());
        double peakDbfs = settings.peakDbfs() + uniform(random, -settings.gainJitterDb(), settings.gainJitterDb());
        double snrDb = uniform(random, settings.snrMinDb(), settings.snrMaxDb());

        int end = Math.max(1, Math.min(n, (int) Math.round(endFraction * n)));
        int length = bounds[1] - bounds[0];
        int skip = Math.max(0, length - end);
        int start = end - (length - skip);
        int from = bounds[0] + skip;

        int peak = 0;
        for (int i = from; i < bounds[1]; i++) {
            peak = Math.max(peak, Math.abs(speech[i]));
        }
        if (peak == 0) {
            peak = 1;
        }
        double gain = StrictMath.pow(10, peakDbfs / 20) * Short.MAX_VALUE / peak;

        double[] clip = new double[n];
        double energy = 0;
        for (int i = 0; i < end - start; i++) {
            double v = speech[from + i] * gain;
            clip[start + i] = v;
            energy += v * v;
        }
        double rms = Math.sqrt(energy / Math.max(1, end - start));
        double noiseStd = rms / StrictMath.pow(10, snrDb / 20);
        Gaussian gaussian = new Gaussian(random);
        short[] pcm = new short[n];
        for (int i = 0; i < n; i++) {
            double v = Math.rint(clip[i] + noiseStd * gaussian.next());
            pcm[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
        }
        return new Clip(pcm, start, end, peakDbfs, snrDb);
    }

    /**
     * Finds the speech in {@code speech}: from the first to the last 10 ms frame whose energy is
     * within {@code thresholdDb} of the loudest frame, widened by {@code marginSamples}.
     *
     * @return {@code {start, end}}, end exclusive
     * @throws IllegalArgumentException when every sample is zero
     */
    public static int[] speechBounds(short[] speech, double thresholdDb, int marginSamples) {
        int frames = (speech.length + FRAME - 1) / FRAME;
        double[] energy = new double[frames];
        double max = 0;
        for (int f = 0; f < frames; f++) {
            int to = Math.min(speech.length, (f + 1) * FRAME);
            double sum = 0;
            for (int i = f * FRAME; i < to; i++) {
                sum += (double) speech[i] * speech[i];
            }
            energy[f] = sum / (to - f * FRAME);
            max = Math.max(max, energy[f]);
        }
        if (max == 0) {
            throw new IllegalArgumentException("speech is silent (" + speech.length + " zero samples)");
        }
        double threshold = max * StrictMath.pow(10, thresholdDb / 10);
        int first = 0;
        while (energy[first] < threshold) {
            first++;
        }
        int last = frames - 1;
        while (energy[last] < threshold) {
            last--;
        }
        int start = Math.max(0, first * FRAME - marginSamples);
        int end = Math.min(speech.length, (last + 1) * FRAME + marginSamples);
        return new int[] {start, end};
    }

    private static double uniform(SplittableRandom random, double min, double max) {
        return min == max ? min : min + (max - min) * random.nextDouble();
    }

    /** Box-Muller on {@link SplittableRandom} with {@link StrictMath}: the same numbers on every JVM. */
    public static final class Gaussian {
        private final SplittableRandom random;
        private double spare;
        private boolean hasSpare;

        public Gaussian(SplittableRandom random) {
            this.random = random;
        }

        public double next() {
            if (hasSpare) {
                hasSpare = false;
                return spare;
            }
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double r = StrictMath.sqrt(-2 * StrictMath.log(u1));
            double theta = 2 * StrictMath.PI * u2;
            spare = r * StrictMath.sin(theta);
            hasSpare = true;
            return r * StrictMath.cos(theta);
        }
    }
}
