package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.testkit.synth.CatalogVoice;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.VoiceCatalog;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpeakerSpeechTest {

    private final VoiceCatalog catalog = VoiceCatalog.standard();

    @Test
    void memberGroupsAreDistinctSpeakersOfTheUsersPartOnly() {
        Map<String, List<CatalogVoice>> users = SpeakerSpeech.groups(catalog, Part.USERS);
        Map<String, List<CatalogVoice>> evaluation = SpeakerSpeech.groups(catalog, Part.EVALUATION);
        assertThat(users).isNotEmpty();
        users.forEach((g, voices) -> voices.forEach(v -> {
            assertThat(v.group()).isEqualTo(g);
            assertThat(v.part()).isEqualTo(Part.USERS);
        }));
        Set<String> shared = new HashSet<>(users.keySet());
        shared.retainAll(evaluation.keySet());
        assertThat(shared).isEmpty();
    }

    @Test
    void aMemberRefusesMoreClipsThanThereAreDistinctTexts() {
        Map<String, List<CatalogVoice>> users = SpeakerSpeech.groups(catalog, Part.USERS);
        String group = users.keySet().iterator().next();
        int n = SpeakerSpeech.TEXTS.size();
        assertThat(SpeakerSpeech.member(42, "h", group, users.get(group), n - 10, 10))
                .hasSize(n);
        assertThatThrownBy(() -> SpeakerSpeech.member(42, "h", group, users.get(group), n - 9, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("distinct texts");
    }

    @Test
    void aMemberSpeaksOneVoiceAndEnrollsAndTestsOnDifferentPhrases() {
        Map<String, List<CatalogVoice>> users = SpeakerSpeech.groups(catalog, Part.USERS);
        String group = users.keySet().iterator().next();
        List<SpeakerSpeech.PlannedClip> clips = SpeakerSpeech.member(42, "h3-01", group, users.get(group), 10, 10);
        assertThat(clips).hasSize(20);
        assertThat(clips.stream().map(c -> c.request().voice()).distinct()).hasSize(1);
        assertThat(clips.stream().map(SpeakerSpeech.PlannedClip::group)).containsOnly(group);
        Set<String> enrollTexts = new HashSet<>();
        Set<String> testTexts = new HashSet<>();
        for (SpeakerSpeech.PlannedClip c : clips) {
            (c.key().contains("/enroll/") ? enrollTexts : testTexts)
                    .add(c.request().text());
        }
        assertThat(enrollTexts).hasSize(10);
        assertThat(testTexts).hasSize(10).doesNotContainAnyElementsOf(enrollTexts);
        assertThat(clips.stream().map(SpeakerSpeech.PlannedClip::request).distinct())
                .hasSize(20);
        assertThat(SpeakerSpeech.member(42, "h3-01", group, users.get(group), 10, 10))
                .isEqualTo(clips);
        assertThat(SpeakerSpeech.member(42, "h3-02", group, users.get(group), 10, 10))
                .isNotEqualTo(clips);
    }

    @Test
    void outsideClipsComeFromEveryGroupOfTheirPart() {
        Map<String, List<CatalogVoice>> evaluation = SpeakerSpeech.groups(catalog, Part.EVALUATION);
        List<SpeakerSpeech.PlannedClip> clips = SpeakerSpeech.outside(1, evaluation, 3);
        assertThat(clips).hasSize(3 * evaluation.size());
        assertThat(clips.stream().map(SpeakerSpeech.PlannedClip::group).distinct())
                .containsExactlyInAnyOrderElementsOf(evaluation.keySet());
        clips.forEach(
                c -> assertThat(catalog.find(c.request().voice()).orElseThrow().part())
                        .isEqualTo(Part.EVALUATION));
    }
}
