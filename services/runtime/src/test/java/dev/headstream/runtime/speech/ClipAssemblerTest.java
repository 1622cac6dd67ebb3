package dev.headstream.runtime.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ClipAssemblerTest {

    private static final ClipAssembler.Settings DEFAULTS = ClipAssembler.Settings.defaults();

    /** 0.2 s silence, 0.8 s of a 440 Hz tone, 0.3 s silence. */
    private static short[] speech(int toneSamples) {
        short[] pcm = new short[3_200 + toneSamples + 4_800];
        for (int i = 0; i < toneSamples; i++) {
            pcm[3_200 + i] = (short) Math.round(10_000 * Math.sin(2 * Math.PI * 440 * i / 16_000.0));
        }
        return pcm;
    }

    @Test
    void assemblesClipOfConfiguredLengthWithinInt16Range() {
        ClipAssembler assembler = new ClipAssembler(DEFAULTS);
        for (long seed = 0; seed < 20; seed++) {
            ClipAssembler.Clip clip = assembler.assemble(speech(12_800), seed);
            assertThat(clip.pcm()).hasSize(40_000);
            int peak = 0;
            for (short s : clip.pcm()) {
                peak = Math.max(peak, Math.abs(s));
            }
            // peak at -6 dBFS +- 3 dB plus a little noise: well inside int16, far from silence
            assertThat(peak).isBetween(11_000, 32_767);
        }
    }

    @Test
    void clipsToInt16RangeInsteadOfWrappingAround() {
        ClipAssembler.Settings loud = new ClipAssembler.Settings(16_000, 0.7, 0.95, 0, 0, 0, 0, -45, 160);
        ClipAssembler.Clip clip = new ClipAssembler(loud).assemble(speech(8_000), 3);
        int atRails = 0;
        for (short s : clip.pcm()) {
            if (s == Short.MAX_VALUE || s == Short.MIN_VALUE) {
                atRails++;
            }
        }
        assertThat(atRails)
                .as("0 dBFS peak plus 0 dB SNR noise must saturate, not wrap")
                .isGreaterThan(0);
    }

    @Test
    void placesTheEndOfSpeechBetween70And95PercentOfTheClip() {
        ClipAssembler assembler = new ClipAssembler(DEFAULTS.withSnrRange(60, 60));
        double lowest = 1;
        double highest = 0;
        for (long seed = 0; seed < 200; seed++) {
            ClipAssembler.Clip clip = assembler.assemble(speech(12_800), seed);
            double end = clip.speechEnd() / 40_000.0;
            assertThat(end).isBetween(0.70, 0.95);
            lowest = Math.min(lowest, end);
            highest = Math.max(highest, end);
            int lastLoud = clip.pcm().length - 1;
            while (Math.abs(clip.pcm()[lastLoud]) < 100) {
                lastLoud--;
            }
            assertThat(clip.speechEnd() - lastLoud)
                    .as("audible speech ends at speechEnd")
                    .isBetween(1, 2 * ClipAssembler.FRAME);
            assertThat(clip.speechEnd() - clip.speechStart()).isBetween(12_800, 12_800 + 4 * ClipAssembler.FRAME);
        }
        assertThat(lowest).as("the whole range is used").isLessThan(0.72);
        assertThat(highest).isGreaterThan(0.93);
    }

    @Test
    void keepsTheEndOfSpeechLongerThanTheClip() {
        ClipAssembler.Settings exact = new ClipAssembler.Settings(8_000, 0.9, 0.9, 300, 300, -6, 0, -45, 0);
        short[] ramp = new short[20_000];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (short) (1 + i);
        }
        ClipAssembler.Clip clip = new ClipAssembler(exact).assemble(ramp, 1);
        assertThat(clip.speechStart()).isZero();
        assertThat(clip.speechEnd()).isEqualTo(7_200);
        double gain = Math.pow(10, -6 / 20.0) * Short.MAX_VALUE / 20_000;
        assertThat(clip.pcm()[7_199]).isEqualTo((short) Math.rint(20_000 * gain));
        assertThat(clip.pcm()[0]).isEqualTo((short) Math.rint((20_000 - 7_199) * gain));
        assertThat(clip.pcm()[7_200]).isZero();
    }

    @Test
    void addsNoiseAtTheDrawnSnr() {
        ClipAssembler assembler = new ClipAssembler(DEFAULTS.withSnrRange(30, 30));
        ClipAssembler.Clip clip = assembler.assemble(speech(12_800), 11);
        assertThat(clip.snrDb()).isEqualTo(30.0);
        double speechEnergy = 0;
        for (int i = clip.speechStart(); i < clip.speechEnd(); i++) {
            speechEnergy += (double) clip.pcm()[i] * clip.pcm()[i];
        }
        double noiseEnergy = 0;
        for (int i = 0; i < clip.speechStart(); i++) {
            noiseEnergy += (double) clip.pcm()[i] * clip.pcm()[i];
        }
        double snr = 10
                * Math.log10(
                        (speechEnergy / (clip.speechEnd() - clip.speechStart())) / (noiseEnergy / clip.speechStart()));
        assertThat(snr).isCloseTo(30.0, within(1.0));
    }

    @Test
    void trimsLeadingAndTrailingSilence() {
        int[] bounds = ClipAssembler.speechBounds(speech(8_000), -45, 0);
        assertThat(bounds[0]).isEqualTo(3_200);
        assertThat(bounds[1]).isEqualTo(3_200 + 8_000);
        int[] margin = ClipAssembler.speechBounds(speech(8_000), -45, 160);
        assertThat(margin).containsExactly(3_040, 11_360);
    }

    @Test
    void sameSeedGivesIdenticalClipsAndOtherSeedsDiffer() {
        ClipAssembler assembler = new ClipAssembler(DEFAULTS);
        short[] speech = speech(12_800);
        assertThat(assembler.assemble(speech, 7).pcm())
                .isEqualTo(new ClipAssembler(DEFAULTS).assemble(speech, 7).pcm());
        assertThat(assembler.assemble(speech, 7).pcm())
                .isNotEqualTo(assembler.assemble(speech, 8).pcm());
    }

    @Test
    void rejectsSilentSpeech() {
        assertThatThrownBy(() -> new ClipAssembler(DEFAULTS).assemble(new short[4_000], 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("silent");
    }

    @Test
    void rejectsInconsistentSettings() {
        assertThatThrownBy(() -> DEFAULTS.withEndRange(0.9, 0.7)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DEFAULTS.withSnrRange(40, 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DEFAULTS.withClipSamples(10)).isInstanceOf(IllegalArgumentException.class);
    }
}
