package dev.headstream.runtime.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headstream.core.adapt.task.NearMissSet;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.runtime.backbone.TestModels;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Near misses synthesized with the real espeak-ng and sox, and embedded by the real backbone. */
class NearMissClipsTest {

    private static final List<String> VOICES = List.of("en-us+m1", "en-gb-x-rp+f5");

    @Test
    void theSamePhraseCountSeedAndVoicesGiveTheSameClips() {
        assertTrue(SpeechTools.available(), SpeechTools.SETUP_HINT);
        NearMissClips clips = new NearMissClips(new SpeechSynth());
        NearMissClips.Synthesized a = clips.synthesize("okay nova", 5, 7, VOICES);
        NearMissClips.Synthesized b = clips.synthesize("okay nova", 5, 7, VOICES);

        assertThat(a.phonemes()).isEqualTo("oUk'eI n'oUv@");
        assertThat(a.strings()).hasSize(5).doesNotContain(a.phonemes()).allMatch(s -> s.length() == 13);
        assertThat(a.clips()).hasSize(5).allMatch(pcm -> pcm.length == 40_000);
        for (int i = 0; i < 5; i++) {
            assertThat(a.clips().get(i)).as("clip %d", i).isEqualTo(b.clips().get(i));
        }
        assertThat(a.clips().get(0))
                .as("two clips differ")
                .isNotEqualTo(a.clips().get(1));
        NearMissClips.Synthesized other = clips.synthesize("okay nova", 5, 8, VOICES);
        assertThat(other.clips().get(0))
                .as("another seed")
                .isNotEqualTo(a.clips().get(0));
    }

    @Test
    void aVoiceThatCannotSpeakPhonemesAndAnEmptyRequestAreRefused() {
        NearMissClips clips = new NearMissClips(new SpeechSynth());
        assertThatThrownBy(() -> clips.synthesize("okay nova", 2, 1, List.of("flite:awb")))
                .hasMessage("near misses are spoken as espeak-ng phoneme input: 'flite:awb' is not an espeak-ng voice");
        assertThatThrownBy(() -> clips.synthesize("okay nova", 0, 1, VOICES))
                .hasMessage("near-miss count must be at least 1, was 0");
        assertThatThrownBy(() -> clips.synthesize("okay nova", 2, 1, List.of()))
                .hasMessage("near misses need at least one voice");
        // espeak-ng would speak these in its default voice without a word
        assertThatThrownBy(() -> clips.synthesize("okay nova", 2, 1, List.of("klingon")))
                .hasMessageStartingWith("espeak-ng here has no voice 'klingon'");
        assertThatThrownBy(() -> clips.synthesize("okay nova", 2, 1, List.of("en-us+nosuchvariant")))
                .hasMessageStartingWith("espeak-ng here has no voice 'en-us+nosuchvariant'");
        SpeechTools.EspeakVoices known = SpeechTools.espeakVoices();
        assertThat(EngineSpec.DEFAULT_NEAR_MISS_VOICES)
                .as("the default voices are espeak-ng's")
                .allMatch(v -> known.has(Voice.parse(v)));
    }

    @Test
    void theAssemblyEmbedsEachNearMissAloneAndTheirDigestIsRepeatable() {
        assertTrue(SpeechTools.available(), SpeechTools.SETUP_HINT);
        EngineSpec.NearMissSpec spec = new EngineSpec.NearMissSpec("hey marble", 4, VOICES, 3);
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(TestModels.dir())) {
            NearMissSet a = EngineAssembly.nearMisses("own", spec, backbone);
            NearMissSet b = EngineAssembly.nearMisses("own", spec, backbone);
            assertThat(a.size()).isEqualTo(4);
            assertThat(a.phrase()).isEqualTo("hey marble");
            // a 2.5 s clip: 22 embedding frames of 96 values, as a 2.5 s sample has
            assertThat(a.clips()).allMatch(e -> e.dim() == 96 && e.frames() == 22);
            assertThat(a.sha256()).isEqualTo(b.sha256());
            NearMissSet none =
                    EngineAssembly.nearMisses("own", new EngineSpec.NearMissSpec("hey marble", 0, VOICES, 3), backbone);
            assertThat(none.isEmpty()).as("near-misses=0: none to learn").isTrue();
            assertThat(none.phrase())
                    .as("but the heads still name their phrase")
                    .isEqualTo("hey marble");
            assertThatThrownBy(() -> EngineAssembly.nearMisses(
                            "own",
                            new EngineSpec.NearMissSpec("hey marble", 2, List.of("nonexistent-voice"), 3),
                            backbone))
                    .hasMessageStartingWith("task 'own': cannot synthesize the near misses of 'hey marble': ");
        }
    }
}
