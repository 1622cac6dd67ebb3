package dev.headstream.testkit.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.Voice;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Synthetic users made from a voice pool: the USERS part of the catalog. */
class HeldOutUsersTest {

    private static final SyntheticUsers.Config CONFIG =
            SyntheticUsers.Config.defaults(42).withUsers(10).withBackground(6, 4);
    private static final VoiceCatalog CATALOG = VoiceCatalog.standard();

    @Test
    void usersSpeakOnlyUsersVoicesWithSeveralUsersPerFliteVoice() {
        SyntheticUsers users = new SyntheticUsers(CONFIG, CATALOG.pool(Part.USERS), CATALOG.pool(Part.TRAIN));
        assertThat(users.users()).allMatch(s -> CATALOG.pool(Part.USERS).contains(s.voice()));
        Map<Voice, List<Speaker>> byVoice = users.users().stream().collect(Collectors.groupingBy(Speaker::voice));
        assertThat(byVoice.get(Voice.flite("awb"))).hasSizeGreaterThanOrEqualTo(2);
        assertThat(byVoice.get(Voice.flite("rms"))).hasSizeGreaterThanOrEqualTo(2);
        byVoice.forEach((voice, speakers) -> {
            for (int i = 0; i < speakers.size(); i++) {
                for (int j = i + 1; j < speakers.size(); j++) {
                    assertThat(Math.abs(speakers.get(i).basePitch()
                                    - speakers.get(j).basePitch()))
                            .as(voice.id())
                            .isGreaterThanOrEqualTo(SyntheticUsers.MIN_SHARED_PITCH_GAP);
                }
            }
        });
        List<Speaker> espeak = users.users().stream()
                .filter(s -> s.voice().engine() == Engine.ESPEAK_NG)
                .toList();
        assertThat(espeak).hasSize(5);
        assertThat(espeak.stream().map(s -> s.voice().variant()).distinct()).hasSize(5);
        assertThat(users.backgroundSpeakers())
                .allMatch(s -> CATALOG.pool(Part.TRAIN).contains(s.voice()));
        assertThat(users.backgroundSpeakers())
                .extracting(Speaker::voice)
                .filteredOn(v -> v.engine() == Engine.ESPEAK_NG)
                .hasSize(3)
                .extracting(Voice::variant)
                .doesNotHaveDuplicates();
        assertThat(users.backgroundSpeakers())
                .filteredOn(s -> s.voice().equals(Voice.festival("kal_diphone")))
                .hasSize(3)
                .extracting(Speaker::basePitch)
                .doesNotHaveDuplicates();
    }

    @Test
    void heldOutUsersClipsArePlannedExactlyAsTodaysUsersClips() {
        SyntheticUsers heldOut = new SyntheticUsers(CONFIG, CATALOG.pool(Part.USERS), CATALOG.pool(Part.TRAIN));
        SyntheticUsers today = new SyntheticUsers(CONFIG);
        for (Speaker user : heldOut.users()) {
            List<ClipSpec> a = heldOut.plan(user.id());
            List<ClipSpec> b = today.plan(user.id());
            assertThat(a).hasSameSizeAs(b);
            for (int i = 0; i < a.size(); i++) {
                assertThat(a.get(i).sampleId()).isEqualTo(b.get(i).sampleId());
                assertThat(a.get(i).positive()).isEqualTo(b.get(i).positive());
                assertThat(a.get(i).assemblySeed()).isEqualTo(b.get(i).assemblySeed());
                assertThat(a.get(i).synthesis().text())
                        .isEqualTo(b.get(i).synthesis().text());
                assertThat(a.get(i).synthesis().tempo())
                        .isEqualTo(b.get(i).synthesis().tempo());
                assertThat(a.get(i).synthesis().amplitude()).isEqualTo(SyntheticUsers.AMPLITUDE);
                assertThat(a.get(i).synthesis().pitch() - user.basePitch()).isBetween(-8, 8);
                assertThat(a.get(i).synthesis().voice()).isEqualTo(user.voice());
            }
        }
    }

    @Test
    void heldOutFliteAndEspeakUsersRenderLikeTodaysClips() {
        assertTrue(Tools.allEngines(), Tools.SETUP_HINT);
        SyntheticUsers.Config small = SyntheticUsers.Config.defaults(7)
                .withUsers(2)
                .withTrain(1, 1)
                .withHoldout(0, 0)
                .withBackground(0, 0);
        SyntheticUsers users = new SyntheticUsers(small, CATALOG.pool(Part.USERS), List.of());
        assertThat(users.users()).extracting(s -> s.voice().engine()).containsExactly(Engine.ESPEAK_NG, Engine.FLITE);
        MultiEngineSynth synth = MultiEngineSynth.defaults();
        SyntheticPopulation population = users.generate(synth, 2, SynthProgress.none());
        assertThat(population.allClips()).hasSize(4).allSatisfy(c -> {
            assertThat(c.pcm()).hasSize(40_000);
            assertThat((double) c.speechEnd() / c.pcm().length).isBetween(0.70, 0.95);
        });
        assertThat(users.generate(synth)).isEqualTo(population);
    }

    @Test
    void anEmptyPoolIsRefused() {
        assertThatThrownBy(() -> new SyntheticUsers(CONFIG, List.of(), CATALOG.pool(Part.TRAIN)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the user voice pool is empty but 10 user speakers were asked for");
    }
}
