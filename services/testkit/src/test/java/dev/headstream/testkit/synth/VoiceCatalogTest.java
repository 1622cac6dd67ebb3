package dev.headstream.testkit.synth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.Voice;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class VoiceCatalogTest {

    private final VoiceCatalog catalog = VoiceCatalog.standard();

    @Test
    void noSpeakerGroupIsInTwoParts() {
        Map<String, Set<Part>> partsOfGroup = catalog.voices().stream()
                .collect(Collectors.groupingBy(
                        CatalogVoice::group, Collectors.mapping(CatalogVoice::part, Collectors.toSet())));
        assertThat(partsOfGroup)
                .allSatisfy((group, parts) -> assertThat(parts).as(group).hasSize(1));
        assertThat(catalog.voices()).allMatch(v -> v.group().equals(VoiceCatalog.groupOf(v.voice())));
        assertThat(catalog.voices().stream().map(CatalogVoice::voice).distinct())
                .hasSameSizeAs(catalog.voices());
    }

    @Test
    void sameSpeakerInTwoEnginesIsOneGroup() {
        assertThat(VoiceCatalog.groupOf(Voice.flite("kal")))
                .isEqualTo("kal")
                .isEqualTo(VoiceCatalog.groupOf(Voice.flite("kal16")))
                .isEqualTo(VoiceCatalog.groupOf(Voice.festival("kal_diphone")));
        assertThat(VoiceCatalog.groupOf(Voice.flite("slt")))
                .isEqualTo("slt")
                .isEqualTo(VoiceCatalog.groupOf(Voice.festival("cmu_us_slt_arctic_hts")));
        assertThat(VoiceCatalog.groupOf(new Voice("en-us", "f2")))
                .isEqualTo("espeak-ng:f2")
                .isEqualTo(VoiceCatalog.groupOf(new Voice("en-gb-scotland", "f2")));
        assertThat(catalog.unused()).containsExactly(Voice.flite("kal"), Voice.flite("kal16"));
        assertThat(catalog.describe()).contains("unused flite:kal group=kal (speaker of TRAIN)");
    }

    @Test
    void everyPartHasItsRequiredEnginesAndVoices() {
        assertThat(others(Part.TRAIN)).containsExactly(Voice.festival("kal_diphone"));
        assertThat(others(Part.CALIBRATION)).containsExactly(Voice.festival("ked_diphone"));
        assertThat(others(Part.EVALUATION))
                .containsExactly(Voice.flite("slt"), Voice.festival("cmu_us_slt_arctic_hts"));
        assertThat(others(Part.USERS)).containsExactly(Voice.flite("awb"), Voice.flite("rms"));
        assertThat(catalog.engines(Part.TRAIN)).containsExactly(Engine.ESPEAK_NG, Engine.FESTIVAL);
        assertThat(catalog.engines(Part.CALIBRATION)).containsExactly(Engine.ESPEAK_NG, Engine.FESTIVAL);
        assertThat(catalog.engines(Part.EVALUATION)).containsExactly(Engine.ESPEAK_NG, Engine.FLITE, Engine.FESTIVAL);
        assertThat(catalog.engines(Part.USERS)).containsExactly(Engine.ESPEAK_NG, Engine.FLITE);
    }

    @Test
    void espeakCombinationsAreSplitWholeByVariantInRoughlyTheAskedShares() {
        List<CatalogVoice> espeak = catalog.voices().stream()
                .filter(v -> v.engine() == Engine.ESPEAK_NG)
                .toList();
        int all = SyntheticUsers.DIALECTS.size() * SyntheticUsers.VARIANTS.size();
        assertThat(espeak).hasSize(all);
        Map<Part, Double> expected =
                Map.of(Part.TRAIN, 0.50, Part.CALIBRATION, 0.20, Part.EVALUATION, 0.15, Part.USERS, 0.15);
        Set<String> female = new HashSet<>(VoiceCatalog.VARIANT_FAMILIES.get(0));
        for (Part part : Part.values()) {
            List<CatalogVoice> voices = catalog.voices(part, Engine.ESPEAK_NG);
            assertThat((double) voices.size() / all).as(part.name()).isCloseTo(expected.get(part), Offset.offset(0.03));
            Set<String> variants = voices.stream().map(v -> v.voice().variant()).collect(Collectors.toSet());
            assertThat(voices)
                    .as("%s has every dialect of each of its variants", part)
                    .hasSize(variants.size() * SyntheticUsers.DIALECTS.size());
            assertThat(variants)
                    .as("%s has female and male espeak-ng timbres", part)
                    .anyMatch(female::contains)
                    .anyMatch(v -> !female.contains(v));
            assertThat(voices).allSatisfy(v -> {
                assertThat(v.basePitch()).isBetween(30, 70);
                assertThat(v.baseSpeedWpm()).isBetween(140, 185);
            });
        }
        assertThat(VoiceCatalog.VARIANT_FAMILIES.stream().flatMap(List::stream).sorted())
                .containsExactlyElementsOf(
                        SyntheticUsers.VARIANTS.stream().sorted().toList());
    }

    @Test
    void manifestNamesEveryVoiceItsGroupAndPart() {
        List<String> lines = catalog.describe();
        assertThat(lines).hasSize(catalog.voices().size() + catalog.unused().size());
        assertThat(lines)
                .contains(
                        "EVALUATION festival:cmu_us_slt_arctic_hts group=slt pitch=50 speed=175",
                        "USERS flite:rms group=rms pitch=50 speed=175");
        assertThat(lines)
                .filteredOn(l -> l.startsWith("TRAIN espeak-ng:"))
                .hasSize(catalog.voices(Part.TRAIN, Engine.ESPEAK_NG).size());
    }

    private List<Voice> others(Part part) {
        return catalog.voices(part).stream()
                .filter(v -> v.engine() != Engine.ESPEAK_NG)
                .map(CatalogVoice::voice)
                .toList();
    }
}
