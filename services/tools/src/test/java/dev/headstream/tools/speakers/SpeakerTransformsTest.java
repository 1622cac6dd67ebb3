package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.embed.MelCepstrumPooling;
import dev.headstream.core.head.InputTransform;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import dev.headstream.testkit.synth.VoiceCatalog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SpeakerTransforms#learn} on the real front end, with a stand-in synthesizer whose "voices"
 * are harmonic tones of a pitch and spectral tilt per voice (fast, and no speech tools needed):
 * the transform reads {@code mel-cepstrum}, is the same bits on every build, and a file written
 * with its recipe is up to date for that recipe only.
 */
class SpeakerTransformsTest {

    @TempDir
    Path dir;

    /** A tone per voice: pitch and tilt from the voice's name, amplitude jitter from the request. */
    private static final Synthesizer TONES = new Synthesizer() {
        @Override
        public short[] synthesize(SynthRequest request) {
            int voice = request.voice().toString().hashCode();
            double f0 = 90 + Math.floorMod(voice, 160);
            double tilt = 0.5 + Math.floorMod(voice / 160, 10) / 5.0;
            SplittableRandom random = new SplittableRandom(request.canonical().hashCode());
            short[] pcm = new short[16_000];
            for (int i = 0; i < pcm.length; i++) {
                double s = 0;
                for (int h = 1; h <= 12; h++) {
                    s += Math.sin(2 * Math.PI * f0 * h * i / Synthesizer.SAMPLE_RATE) / Math.pow(h, tilt);
                }
                pcm[i] = (short) (3000 * s * (0.8 + 0.2 * random.nextDouble()) + random.nextGaussian() * 50);
            }
            return pcm;
        }

        @Override
        public String identity() {
            return "tones";
        }
    };

    @Test
    void aTransformOfTheTrainSpeakersReadsMelCepstrumIsTheSameEveryTimeAndKnowsItsRecipe() throws Exception {
        Path models = Path.of(System.getProperty("headstream.models.dir"));
        VoiceCatalog catalog = VoiceCatalog.standard();
        List<String> progress = new ArrayList<>();
        InputTransform a;
        InputTransform b;
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(models)) {
            a = SpeakerTransforms.learn(catalog, 3, 4, TONES, backbone, 2, progress::add);
            b = SpeakerTransforms.learn(catalog, 3, 4, TONES, backbone, 1, line -> {});
        }
        assertThat(a.pooling()).isEqualTo(ClipPooling.MEL_CEPSTRUM);
        assertThat(List.of(a.inputs(), a.outputs()))
                .containsExactly(MelCepstrumPooling.WIDTH, MelCepstrumPooling.WIDTH);
        assertThat(b.sha256()).as("the same bits on 1 or 2 synthesis threads").isEqualTo(a.sha256());
        assertThat(a.description()).isEqualTo(SpeakerTransforms.recipe(catalog, 3, 4));
        assertThat(progress).last().asString().contains("clips 76 / 76 rendered and pooled for the speaker transform");

        Path file = dir.resolve("t.hsit");
        a.write(file);
        assertThat(SpeakerTransforms.upToDate(file, catalog, 3, 4)).isTrue();
        assertThat(SpeakerTransforms.upToDate(file, catalog, 3, 5)).isFalse();
        assertThat(SpeakerTransforms.upToDate(file, catalog, 4, 4)).isFalse();
        assertThat(SpeakerTransforms.upToDate(dir.resolve("missing.hsit"), catalog, 3, 4))
                .isFalse();
    }
}
