package dev.headstream.testkit.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.Voice;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class CorpusPlanTest {

    private static final Map<Part, Double> HOURS = Map.of(Part.TRAIN, 2.0, Part.CALIBRATION, 1.0, Part.EVALUATION, 1.0);

    @Test
    void everyPartGetsItsHoursInStreamsOfTwoToFiveMinutes() {
        CorpusPlan plan = CorpusPlan.of(HOURS, 42);
        assertThat(plan.seconds(Part.TRAIN)).isCloseTo(7_200, Offset.offset(1e-6));
        assertThat(plan.seconds(Part.CALIBRATION)).isCloseTo(3_600, Offset.offset(1e-6));
        assertThat(plan.seconds(Part.EVALUATION)).isCloseTo(3_600, Offset.offset(1e-6));
        assertThat(plan.streams(Part.USERS)).isEmpty();
        for (Part part : Part.BANK) {
            Map<String, List<StreamSpec>> byVoiceBucket = plan.streams(part).stream()
                    .collect(Collectors.groupingBy(s -> s.voice().engine() == Engine.ESPEAK_NG
                            ? "espeak"
                            : s.voice().voice().id()));
            byVoiceBucket.forEach((bucket, streams) -> {
                assertThat(streams).allMatch(s -> s.seconds() <= 300);
                assertThat(streams)
                        .as("%s %s: at most one short stream", part, bucket)
                        .filteredOn(s -> s.seconds() < 120)
                        .hasSizeLessThanOrEqualTo(1);
            });
            assertThat(plan.streams(part))
                    .allMatch(s -> s.part() == part && s.voice().part() == part);
        }
        assertThat(plan.streams())
                .extracting(StreamSpec::id)
                .doesNotHaveDuplicates()
                .allMatch(id -> id.matches("(train|calibration|evaluation)-\\d{3}"));
        assertThat(plan.streams().stream().map(StreamSpec::seed).distinct()).hasSameSizeAs(plan.streams());
    }

    @Test
    void everyEngineOfAPartReadsInProportionAcrossAsManyVoicesAsPossible() {
        CorpusPlan plan = CorpusPlan.of(HOURS, 42);
        VoiceCatalog catalog = VoiceCatalog.standard();
        for (Part part : Part.BANK) {
            List<StreamSpec> streams = plan.streams(part);
            Map<Engine, Double> seconds = streams.stream()
                    .collect(Collectors.groupingBy(
                            s -> s.voice().engine(), Collectors.summingDouble(StreamSpec::seconds)));
            assertThat(seconds.keySet()).containsExactlyInAnyOrderElementsOf(catalog.engines(part));
            assertThat(seconds.get(Engine.ESPEAK_NG) / plan.seconds(part)).isCloseTo(0.70, Offset.offset(1e-9));
            Map<Voice, Double> others = streams.stream()
                    .filter(s -> s.voice().engine() != Engine.ESPEAK_NG)
                    .collect(Collectors.groupingBy(
                            s -> s.voice().voice(), Collectors.summingDouble(StreamSpec::seconds)));
            assertThat(others)
                    .hasSize(catalog.voices(part).size()
                            - catalog.voices(part, Engine.ESPEAK_NG).size());
            assertThat(others.values())
                    .allSatisfy(s ->
                            assertThat(s).isCloseTo(0.30 * plan.seconds(part) / others.size(), Offset.offset(1e-6)));

            List<StreamSpec> espeak = streams.stream()
                    .filter(s -> s.voice().engine() == Engine.ESPEAK_NG)
                    .toList();
            long variants = catalog.voices(part, Engine.ESPEAK_NG).stream()
                    .map(v -> v.voice().variant())
                    .distinct()
                    .count();
            assertThat(espeak.stream().map(StreamSpec::voice).distinct().count())
                    .isEqualTo(Math.min(
                            espeak.size(),
                            catalog.voices(part, Engine.ESPEAK_NG).size()));
            assertThat(espeak.stream()
                            .map(s -> s.voice().voice().variant())
                            .distinct()
                            .count())
                    .isEqualTo(Math.min(espeak.size(), variants));
        }
    }

    @Test
    void samePlanFromTheSameSeedAndAnotherFromAnother() {
        assertThat(CorpusPlan.of(HOURS, 42).streams())
                .isEqualTo(CorpusPlan.of(HOURS, 42).streams());
        assertThat(CorpusPlan.of(HOURS, 42).canonical())
                .isEqualTo(CorpusPlan.of(HOURS, 42).canonical());
        assertThat(CorpusPlan.of(HOURS, 43).streams())
                .isNotEqualTo(CorpusPlan.of(HOURS, 42).streams());
        List<StreamSpec> tiny = CorpusPlan.of(Map.of(Part.TRAIN, 0.01), 1).streams();
        assertThat(tiny).hasSize(2);
        assertThat(tiny.get(0).seconds()).isCloseTo(0.7 * 36, Offset.offset(1e-9));
        assertThat(tiny.get(1).seconds()).isCloseTo(0.3 * 36, Offset.offset(1e-9));
    }

    @Test
    void usersVoicesAreNotForTheBank() {
        assertThatThrownBy(() -> CorpusPlan.of(Map.of(Part.USERS, 1.0), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("USERS voices are held out for synthetic users; a corpus plan covers [TRAIN, CALIBRATION,"
                        + " EVALUATION]");
        assertThatThrownBy(() -> CorpusPlan.of(Map.of(Part.TRAIN, -1.0), 1)).hasMessageContaining("hours for TRAIN");
        CatalogVoice trainVoice = VoiceCatalog.standard().voices(Part.TRAIN).get(0);
        assertThatThrownBy(() -> new StreamSpec("x", Part.EVALUATION, trainVoice, 10, 1))
                .hasMessageContaining("belongs to TRAIN, not EVALUATION");
    }

    @Test
    void recipeIdChangesWithThePlanAndTheTexts() {
        assertTrue(Tools.allEngines(), Tools.SETUP_HINT);
        ReadSpeech reader =
                new ReadSpeech(MultiEngineSynth.defaults(), TextCorpus.of(List.of("a b c", "d e f", "g h i")));
        String id = reader.recipeId(CorpusPlan.of(HOURS, 42));
        assertThat(id).startsWith(ReadSpeech.CODE_VERSION + "-").isEqualTo(reader.recipeId(CorpusPlan.of(HOURS, 42)));
        assertThat(reader.recipeId(CorpusPlan.of(HOURS, 43))).isNotEqualTo(id);
        assertThat(reader.recipeId(CorpusPlan.of(Map.of(Part.TRAIN, 2.0), 42))).isNotEqualTo(id);
        ReadSpeech otherTexts = new ReadSpeech(MultiEngineSynth.defaults(), TextCorpus.of(List.of("a b c", "d e f")));
        assertThat(otherTexts.recipeId(CorpusPlan.of(HOURS, 42))).isNotEqualTo(id);
    }
}
