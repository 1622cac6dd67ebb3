package dev.headstream.testkit.synth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The room, microphone band and background of one read-speech stream.
 *
 * <p>{@link #draw}: 35 % of streams are dry, the rest get sox {@code reverb} with reverberance
 * 10-80 % and room scale 20-100 %; 20 % are phone-band (300-3,400 Hz), 30 % are low-passed at
 * 4-7 kHz above a 50-150 Hz high-pass, the rest only high-passed at 50-150 Hz; the noise is
 * white, pink or brown (one third each) at an SNR uniform in 5-40 dB, except 15 % of streams with
 * low noise only (45-60 dB); the speech level is -36 to -26 dBFS RMS.
 *
 * @param reverberance sox {@code reverb} reverberance in %, 0 for a dry stream
 * @param roomScale    sox {@code reverb} room scale in %
 * @param highpassHz   sox {@code highpass} corner, Hz
 * @param lowpassHz    sox {@code lowpass} corner, Hz; 0 for none
 * @param noise        colour of the continuous background noise
 * @param snrDb        speech power (over the utterances) to noise power, dB
 * @param levelDbfs    speech RMS level the utterances are scaled to before their +-6 dB jitter, dBFS
 */
public record StreamChannel(
        double reverberance,
        double roomScale,
        int highpassHz,
        int lowpassHz,
        Noise noise,
        double snrDb,
        double levelDbfs) {

    /** Background noise colours: flat, -3 dB per octave, -6 dB per octave. */
    public enum Noise {
        WHITE,
        PINK,
        BROWN
    }

    /** Draws a channel with the probabilities above. */
    public static StreamChannel draw(SplittableRandom random) {
        double reverberance = 0;
        double roomScale = 0;
        if (random.nextDouble() >= 0.35) {
            reverberance = round1(uniform(random, 10, 80));
            roomScale = round1(uniform(random, 20, 100));
        }
        double band = random.nextDouble();
        int highpass;
        int lowpass;
        if (band < 0.20) {
            highpass = 300;
            lowpass = 3_400;
        } else if (band < 0.50) {
            highpass = 50 + random.nextInt(101);
            lowpass = 4_000 + 100 * random.nextInt(31);
        } else {
            highpass = 50 + random.nextInt(101);
            lowpass = 0;
        }
        Noise noise = Noise.values()[random.nextInt(3)];
        double snr = random.nextDouble() < 0.15 ? uniform(random, 45, 60) : uniform(random, 5, 40);
        double level = uniform(random, -36, -26);
        return new StreamChannel(reverberance, roomScale, highpass, lowpass, noise, round1(snr), round1(level));
    }

    /** The sox effects of the room and band: {@code reverb R 50 S 0 0 0}, {@code highpass H}, {@code lowpass L}. */
    public List<String> soxEffects() {
        List<String> effects = new ArrayList<>();
        if (reverberance > 0) {
            effects.addAll(List.of("reverb", fmt(reverberance), "50", fmt(roomScale), "0", "0", "0"));
        }
        effects.addAll(List.of("highpass", Integer.toString(highpassHz)));
        if (lowpassHz > 0) {
            effects.addAll(List.of("lowpass", Integer.toString(lowpassHz)));
        }
        return effects;
    }

    /** One line for a manifest, e.g. {@code reverb=35.0/60.2 band=300-3400 noise=PINK snr=12.5 level=-24.1}. */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "reverb=%s band=%d-%s noise=%s snr=%.1f level=%.1f",
                reverberance > 0 ? fmt(reverberance) + "/" + fmt(roomScale) : "dry",
                highpassHz,
                lowpassHz > 0 ? Integer.toString(lowpassHz) : "",
                noise,
                snrDb,
                levelDbfs);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static double round1(double v) {
        return Math.rint(v * 10) / 10;
    }

    private static double uniform(SplittableRandom random, double min, double max) {
        return min + (max - min) * random.nextDouble();
    }
}
