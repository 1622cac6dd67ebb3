package dev.headstream.testkit.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headstream.runtime.speech.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ReadSpeechTest {

    private static final VoiceCatalog CATALOG = VoiceCatalog.standard();

    @Test
    void twentySecondStreamHasItsLengthPausesAndNoTextTwice() {
        assertTrue(Tools.allEngines(), Tools.SETUP_HINT);
        TextCorpus texts = TextCorpus.fortunes();
        StreamSpec spec = new StreamSpec(
                "train-000",
                Part.TRAIN,
                CATALOG.voices(Part.TRAIN, Engine.ESPEAK_NG).get(5),
                20,
                11);

        ReadStream stream = new ReadSpeech(MultiEngineSynth.defaults(), texts).renderStream(spec);

        assertThat(stream.pcm()).hasSize(20 * 16_000);
        List<ReadStream.Utterance> utterances = stream.utterances();
        assertThat(utterances).hasSizeGreaterThanOrEqualTo(2);
        assertThat(utterances.get(0).start()).isBetween(3_200, 24_000);
        List<Integer> gaps = new ArrayList<>();
        for (int i = 1; i < utterances.size(); i++) {
            gaps.add(utterances.get(i).start() - utterances.get(i - 1).end());
        }
        assertThat(gaps).allSatisfy(g -> assertThat(g).isBetween(3_200, 24_000));
        assertThat(utterances.get(utterances.size() - 1).end()).isLessThanOrEqualTo(20 * 16_000);
        assertThat(utterances)
                .extracting(u -> u.request().text())
                .doesNotHaveDuplicates()
                .allMatch(texts.pool(Part.TRAIN)::contains);
        assertThat(utterances).allSatisfy(u -> {
            assertThat(u.gainDb()).isBetween(-6.0, 6.0);
            assertThat(u.request().voice()).isEqualTo(spec.voice().voice());
        });
        assertThat(utterances.stream().map(u -> u.request().pitch()).distinct().count())
                .as("pitch jitter")
                .isGreaterThan(1);
        double speech = meanPower(
                stream.pcm(),
                utterances.stream().map(u -> new int[] {u.start(), u.end()}).toList());
        List<int[]> pauses = new ArrayList<>();
        for (int i = 1; i < utterances.size(); i++) {
            pauses.add(new int[] {
                utterances.get(i - 1).end() + 1_600, utterances.get(i).start()
            });
        }
        assertThat(10 * Math.log10(speech / meanPower(stream.pcm(), pauses)))
                .as("speech above the pauses, dB")
                .isGreaterThan(3);
    }

    @Test
    void sameSpecGivesIdenticalSamplesOnAnyThreadAndOtherSeedsDiffer() {
        assertTrue(Tools.allEngines(), Tools.SETUP_HINT);
        ReadSpeech reader = new ReadSpeech(MultiEngineSynth.defaults(), TextCorpus.fortunes());
        StreamSpec flite = new StreamSpec(
                "evaluation-001",
                Part.EVALUATION,
                CATALOG.voices(Part.EVALUATION, Engine.FLITE).get(0),
                8,
                3);
        StreamSpec festival = new StreamSpec(
                "calibration-002",
                Part.CALIBRATION,
                CATALOG.voices(Part.CALIBRATION, Engine.FESTIVAL).get(0),
                8,
                4);
        short[] first = reader.render(flite);
        assertThat(reader.render(flite)).isEqualTo(first);

        List<ReadStream> parallel = new ArrayList<>();
        List<Double> progress = new ArrayList<>();
        reader.renderAll(List.of(flite, festival), 2, parallel::add, (done, total) -> progress.add(done / total));
        assertThat(parallel).extracting(ReadStream::spec).containsExactly(flite, festival);
        assertThat(parallel.get(0).pcm()).isEqualTo(first);
        assertThat(parallel.get(1).pcm()).hasSize(8 * 16_000).isEqualTo(reader.render(festival));
        assertThat(progress).containsExactly(0.5, 1.0);

        StreamSpec otherSeed = new StreamSpec(flite.id(), flite.part(), flite.voice(), flite.seconds(), 5);
        assertThat(reader.render(otherSeed)).isNotEqualTo(first);
    }

    @Test
    void aStreamThatRunsOutOfTextIsNamed() {
        ReadSpeech reader = new ReadSpeech(new FakeSynthesizer(), TextCorpus.of(List.of("one two three")));
        Part part = TextCorpus.partOf("one two three");
        StreamSpec spec = new StreamSpec(
                part.name().toLowerCase() + "-000",
                part,
                CATALOG.voices(part, Engine.ESPEAK_NG).get(0),
                60,
                1);
        assertThatThrownBy(() -> reader.render(spec))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot render stream " + spec.id())
                .hasMessageContaining("text pool " + part + " ran out after 1 utterances");
    }

    @Test
    void noiseIsAddedAtTheDrawnSnrInItsColour() {
        int n = 64_000;
        double[] signal = new double[n];
        for (int i = 16_000; i < 48_000; i++) {
            signal[i] = 1_000 * Math.sin(2 * Math.PI * 440 * i / 16_000.0);
        }
        double[] noisy = signal.clone();
        StreamChannel channel = new StreamChannel(0, 0, 100, 0, StreamChannel.Noise.PINK, 20, -30);
        ReadSpeech.addNoise(
                noisy, List.of(new ReadStream.Utterance(null, 16_000, 48_000, 0)), channel, new SplittableRandom(1));
        double noise = 0;
        for (int i = 0; i < n; i++) {
            noise += (noisy[i] - signal[i]) * (noisy[i] - signal[i]);
        }
        double speech = 1_000.0 * 1_000.0 / 2;
        assertThat(10 * Math.log10(speech / (noise / n))).isCloseTo(20, Offset.offset(0.05));

        double white =
                lagOneCorrelation(ReadSpeech.colouredNoise(n, StreamChannel.Noise.WHITE, new SplittableRandom(2)));
        double pink = lagOneCorrelation(ReadSpeech.colouredNoise(n, StreamChannel.Noise.PINK, new SplittableRandom(2)));
        double brown =
                lagOneCorrelation(ReadSpeech.colouredNoise(n, StreamChannel.Noise.BROWN, new SplittableRandom(2)));
        assertThat(white).isCloseTo(0, Offset.offset(0.02));
        assertThat(pink).isBetween(0.5, 0.95);
        assertThat(brown).isGreaterThan(0.95);
    }

    @Test
    void channelsMixDryReverberantPhoneAndQuietStreams() {
        SplittableRandom random = new SplittableRandom(9);
        int n = 4_000;
        int dry = 0;
        int phone = 0;
        int quiet = 0;
        for (int i = 0; i < n; i++) {
            StreamChannel c = StreamChannel.draw(random);
            dry += c.reverberance() == 0 ? 1 : 0;
            phone += c.lowpassHz() == 3_400 ? 1 : 0;
            quiet += c.snrDb() >= 45 ? 1 : 0;
            assertThat(c.snrDb())
                    .satisfiesAnyOf(
                            s -> assertThat(s).isBetween(5.0, 40.0),
                            s -> assertThat(s).isBetween(45.0, 60.0));
            assertThat(c.levelDbfs()).isBetween(-36.0, -26.0);
            assertThat(c.soxEffects()).contains("highpass");
        }
        assertThat((double) dry / n).isCloseTo(0.35, Offset.offset(0.03));
        assertThat((double) phone / n).isCloseTo(0.20, Offset.offset(0.03));
        assertThat((double) quiet / n).isCloseTo(0.15, Offset.offset(0.03));
    }

    private static double meanPower(short[] pcm, List<int[]> ranges) {
        double sum = 0;
        long count = 0;
        for (int[] r : ranges) {
            for (int i = r[0]; i < r[1]; i++) {
                sum += (double) pcm[i] * pcm[i];
                count++;
            }
        }
        return sum / Math.max(1, count);
    }

    private static double lagOneCorrelation(double[] x) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < x.length; i++) {
            den += x[i] * x[i];
            if (i > 0) {
                num += x[i] * x[i - 1];
            }
        }
        return num / den;
    }
}
