package dev.headstream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.NearMisses;
import dev.headstream.runtime.speech.Voice;
import dev.headstream.testkit.synth.CatalogVoice;
import dev.headstream.testkit.synth.ClipSpec;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.Split;
import dev.headstream.testkit.synth.VoiceCatalog;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The choices the own-word benchmark makes from its figures: which head beats which, and from when. */
class OwnWordBenchTest {

    /** {@code heads} heads with mean recall {@code recall} and {@code activations} in {@code heads} hours. */
    private static OwnWordBench.Summary summary(double recall, int activations) {
        return new OwnWordBench.Summary(4, recall, activations, 4.0, activations, 0, 0, 0);
    }

    @Test
    void aTrainedHeadBeatsThePrototypeOnlyWithHigherRecallAndNoMoreFalseAccepts() {
        OwnWordBench.Summary prototype = summary(0.80, 4); // 1 per hour
        assertThat(OwnWordBench.beats(summary(0.90, 4), prototype, 0.5)).isTrue();
        assertThat(OwnWordBench.beats(summary(0.90, 2), prototype, 0.5)).isTrue();
        assertThat(OwnWordBench.beats(summary(0.90, 5), prototype, 0.5))
                .as("more false accepts")
                .isFalse();
        assertThat(OwnWordBench.beats(summary(0.80, 0), prototype, 0.5))
                .as("equal recall")
                .isFalse();
        assertThat(OwnWordBench.beats(summary(0.70, 0), prototype, 0.5))
                .as("lower recall")
                .isFalse();
    }

    @Test
    void aQuietPrototypeStillLosesToAHeadWithinTheTarget() {
        OwnWordBench.Summary silentPrototype = summary(0.60, 0);
        // 2 activations in 4 h = 0.5 per hour: at the target, not above it
        assertThat(OwnWordBench.beats(summary(0.95, 2), silentPrototype, 0.5)).isTrue();
        assertThat(OwnWordBench.beats(summary(0.95, 3), silentPrototype, 0.5)).isFalse();
    }

    @Test
    void theSwitchIsTheFirstClipCountFromWhichTheTrainedHeadKeepsWinning() {
        int[] clips = {3, 5, 8, 16};
        assertThat(OwnWordBench.switchPoint(clips, List.of(false, false, true, true)))
                .isEqualTo(8);
        assertThat(OwnWordBench.switchPoint(clips, List.of(true, true, true, true)))
                .isEqualTo(3);
        // a win at 3 clips that is lost at 5 does not count
        assertThat(OwnWordBench.switchPoint(clips, List.of(true, false, true, true)))
                .isEqualTo(8);
        assertThat(OwnWordBench.switchPoint(clips, List.of(true, true, true, false)))
                .isEqualTo(-1);
        assertThatThrownBy(() -> OwnWordBench.switchPoint(clips, List.of(true)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBetterStartHasMoreRecallWithinTheFalseAcceptLimit() {
        List<OwnWordBench.Summary> a = List.of(summary(0.7, 0), summary(0.9, 0));
        List<OwnWordBench.Summary> b = List.of(summary(0.8, 0), summary(0.95, 0));
        assertThat(OwnWordBench.better(a, b, 1.0)).isEqualTo(1);
        assertThat(OwnWordBench.better(b, a, 1.0)).isEqualTo(0);
        // b's recall comes with 2 false accepts per hour at the second count: a is within the limit there
        List<OwnWordBench.Summary> noisy = List.of(summary(0.8, 0), summary(1.0, 8));
        assertThat(OwnWordBench.better(a, noisy, 1.0)).isEqualTo(0);
        assertThat(OwnWordBench.better(a, a, 1.0)).as("a tie keeps the first").isEqualTo(0);
    }

    @Test
    void aSummaryPoolsActivationsOverHeadHoursAndKeepsTheWorstHead() {
        OwnWordBench.Variant v = new OwnWordBench.Variant(OwnWordBench.Kind.PROTOTYPE, false);
        List<OwnWordBench.Figures> f = List.of(
                new OwnWordBench.Figures(v, "p", "p/u1", "x", 3, false, 0.5f, 10, 10, 0, 2.0, 8, 1),
                new OwnWordBench.Figures(v, "p", "p/u2", "x", 3, false, 0.5f, 10, 5, 3, 2.0, 8, 3),
                new OwnWordBench.Figures(v, "q", "q/u1", "x", 3, true, 0.5f, 10, 0, 1, 2.0, 8, 0),
                new OwnWordBench.Figures(v, "p", "p/u1", "x", 5, false, 0.5f, 10, 10, 0, 2.0, 8, 0));
        OwnWordBench.Summary all = OwnWordBench.summary(f, v, 3, null);
        assertThat(all.heads()).isEqualTo(3);
        assertThat(all.recall()).isEqualTo(0.5);
        assertThat(all.perHour()).isEqualTo(4 / 6.0);
        assertThat(all.worst()).isEqualTo(1.5);
        assertThat(all.held()).isEqualTo(1);
        assertThat(all.nearMissRate()).isEqualTo(4 / 24.0);
        OwnWordBench.Summary p = OwnWordBench.summary(f, v, 3, "p");
        assertThat(p.heads()).isEqualTo(2);
        assertThat(p.recall()).isEqualTo(0.75);
        assertThat(OwnWordBench.summary(f, new OwnWordBench.Variant(OwnWordBench.Kind.PROTOTYPE, true), 3, null)
                        .heads())
                .isZero();
    }

    private static final OwnWordBench.Variant PROTOTYPE = new OwnWordBench.Variant(OwnWordBench.Kind.PROTOTYPE, false);
    private static final OwnWordBench.Variant PROTOTYPE_NM =
            new OwnWordBench.Variant(OwnWordBench.Kind.PROTOTYPE, true);
    private static final OwnWordBench.Variant FRESH_NM =
            new OwnWordBench.Variant(OwnWordBench.Kind.TRAINED_FRESH, true);

    /** One head of {@code user} at {@code clips} that detected {@code detected} of 12 and fired {@code activations} times. */
    private static OwnWordBench.Figures head(
            OwnWordBench.Variant v, String user, int clips, boolean held, int detected, int activations) {
        return new OwnWordBench.Figures(
                v, "p", user, "x", clips, held, 0.1f * detected, 12, detected, activations, 2.0, 24, detected);
    }

    @Test
    void aHeldTrainedHeadCountsThePrototypeTheRecipePublishesWithoutNearMisses() {
        List<OwnWordBench.Figures> heads = List.of(
                head(PROTOTYPE, "p/u1", 3, false, 6, 0),
                head(PROTOTYPE_NM, "p/u1", 3, false, 2, 0),
                head(PROTOTYPE, "p/u1", 5, false, 9, 1),
                head(FRESH_NM, "p/u1", 3, true, 0, 7),
                head(FRESH_NM, "p/u1", 5, false, 11, 2));
        List<OwnWordBench.Figures> resolved = OwnWordBench.resolveHeld(heads);
        assertThat(resolved).hasSize(5);
        OwnWordBench.Figures held = resolved.get(3);
        assertThat(held.variant()).isEqualTo(FRESH_NM);
        assertThat(held.held()).isTrue();
        assertThat(held.clips()).isEqualTo(3);
        // the figures of prototype (no near misses) at 3 clips, not of prototype+nm nor of 5 clips
        assertThat(held.detected()).isEqualTo(6);
        assertThat(held.activations()).isZero();
        assertThat(held.threshold()).isEqualTo(heads.get(0).threshold());
        assertThat(held.nearMissAccepted()).isEqualTo(6);
        // everything else as it was
        assertThat(resolved.get(4)).isEqualTo(heads.get(4));
        assertThat(resolved.subList(0, 3)).isEqualTo(heads.subList(0, 3));
    }

    @Test
    void aHeldTrainedHeadWithoutThePublishedPrototypeIsAnError() {
        List<OwnWordBench.Figures> heads =
                List.of(head(PROTOTYPE_NM, "p/u1", 3, false, 2, 0), head(FRESH_NM, "p/u1", 3, true, 0, 7));
        assertThatThrownBy(() -> OwnWordBench.resolveHeld(heads))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("prototype");
    }

    @Test
    void nearMissesComeTwoBeforeEachPositiveWhateverClipCountsAreScored() {
        int[] sixteen = OwnWordBench.nearMissSchedule(24, 16);
        assertThat(sixteen).containsExactly(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0);
        // a run scoring at most 8 clips gives the head at 8 clips the same near misses
        assertThat(OwnWordBench.nearMissSchedule(24, 8)).containsExactly(Arrays.copyOf(sixteen, 8));
        assertThat(OwnWordBench.nearMissSchedule(5, 4)).containsExactly(2, 2, 1, 0);
        assertThat(OwnWordBench.nearMissSchedule(0, 3)).containsExactly(0, 0, 0);
        assertThat(Arrays.stream(OwnWordBench.nearMissSchedule(24, 16)).sum()).isEqualTo(24);
    }

    @Test
    void trainingAndHeldOutNearMissStringsAreDisjointAndTogetherAllOfThem() {
        List<String> variants = NearMisses.variants("oUk'eI n'oUv@", 24, 42);
        OwnWordBench.NearMissSplit split = OwnWordBench.split(variants);
        assertThat(split.train()).doesNotContainAnyElementsOf(split.test());
        Set<String> union = new HashSet<>(split.train());
        union.addAll(split.test());
        assertThat(union).containsExactlyInAnyOrderElementsOf(variants);
        assertThat(split.test()).hasSize(variants.size() / 2);
        assertThat(OwnWordBench.split(variants)).isEqualTo(split);
        assertThat(OwnWordBench.split(List.of("a", "b", "c")))
                .isEqualTo(new OwnWordBench.NearMissSplit(List.of("a", "c"), List.of("b")));
        assertThatThrownBy(() -> OwnWordBench.split(List.of("a", "a"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nearMissesAreSpokenByTrainingVoicesForTrainingAndByUsersVoicesForTesting() {
        VoiceCatalog catalog = VoiceCatalog.standard();
        Set<Voice> train = new HashSet<>(catalog.voices(Part.TRAIN, Engine.ESPEAK_NG).stream()
                .map(CatalogVoice::voice)
                .toList());
        Set<Voice> users = new HashSet<>(catalog.voices(Part.USERS, Engine.ESPEAK_NG).stream()
                .map(CatalogVoice::voice)
                .toList());
        assertThat(train).isNotEmpty().doesNotContainAnyElementsOf(users);
        List<String> trainStrings = List.of("oUg'eI n'oUv@", "oUk'eI m'oUv@");
        List<String> testStrings = List.of("oUk'aI n'oUv@");
        List<ClipSpec> t = OwnWordBench.nearMissSpecs("okay nova", true, trainStrings, 24, 42);
        List<ClipSpec> h = OwnWordBench.nearMissSpecs("okay nova", false, testStrings, 24, 42);
        assertThat(t).hasSize(24).allSatisfy(c -> {
            assertThat(train).contains(c.synthesis().voice());
            assertThat(c.split()).isEqualTo(Split.TRAIN);
            assertThat(c.positive()).isFalse();
        });
        assertThat(h).hasSize(24).allSatisfy(c -> {
            assertThat(users).contains(c.synthesis().voice());
            assertThat(c.split()).isEqualTo(Split.HOLDOUT);
            assertThat(c.positive()).isFalse();
        });
        assertThat(t.stream().map(c -> c.synthesis().text()).distinct())
                .containsExactlyInAnyOrderElementsOf(
                        trainStrings.stream().map(NearMisses::speakable).toList());
        assertThat(h.stream().map(c -> c.synthesis().text()).distinct())
                .containsExactly(NearMisses.speakable(testStrings.get(0)));
        assertThat(OwnWordBench.nearMissSpecs("okay nova", true, trainStrings, 24, 42))
                .isEqualTo(t);
    }

    @Test
    void theRecallIntervalIsAFixedSeedBootstrapOverUsers() {
        List<OwnWordBench.Figures> heads = List.of(
                head(PROTOTYPE, "p/u1", 8, false, 12, 0),
                head(PROTOTYPE, "p/u2", 8, false, 6, 0),
                head(PROTOTYPE, "p/u3", 8, false, 9, 0),
                head(PROTOTYPE, "p/u4", 8, false, 0, 0));
        double[] ci = OwnWordBench.recallInterval(heads);
        double mean = OwnWordBench.Summary.of(heads).recall();
        assertThat(ci[0]).isLessThan(mean).isGreaterThanOrEqualTo(0.0);
        assertThat(ci[1]).isGreaterThan(mean).isLessThanOrEqualTo(1.0);
        assertThat(OwnWordBench.recallInterval(heads)).containsExactly(ci);
        double[] same = OwnWordBench.recallInterval(
                List.of(head(PROTOTYPE, "p/u1", 8, false, 9, 0), head(PROTOTYPE, "p/u2", 8, false, 9, 0)));
        assertThat(same).containsExactly(0.75, 0.75);
    }
}
