package dev.headstream.testkit.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import dev.headstream.runtime.speech.Voice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticUsersTest {

    private static final SyntheticUsers.Config DEFAULTS = SyntheticUsers.Config.defaults(42);

    @TempDir
    Path temp;

    @Test
    void renderingPartOfThePopulationGivesTheSameClipsAsRenderingAllOfIt() {
        SyntheticUsers users = new SyntheticUsers(DEFAULTS.withUsers(3).withBackground(1, 2));
        SyntheticPopulation all = users.generate(new FakeSynthesizer(), 1, SynthProgress.none());
        FakeSynthesizer counting = new FakeSynthesizer();
        SyntheticPopulation part = users.generate(
                counting,
                2,
                SynthProgress.none(),
                c -> c.split() == Split.HOLDOUT
                        && c.positive()
                        && !c.speakerId().equals("user-02"));
        List<SyntheticClip> expected = all.users().stream()
                .filter(u -> !u.id().equals("user-02"))
                .flatMap(u -> u.holdout().stream())
                .filter(SyntheticClip::positive)
                .toList();
        assertThat(part.users().stream().flatMap(u -> u.stream().stream()).toList())
                .isEqualTo(expected);
        assertThat(part.users().stream().filter(u -> u.id().equals("user-02")).flatMap(u -> u.stream().stream()))
                .isEmpty();
        assertThat(part.background()).isEmpty();
        assertThat(counting.calls.get()).isEqualTo(expected.size());
    }

    @Test
    void plansTheConfiguredCountsPerUserLabelAndSplit() {
        SyntheticUsers users = new SyntheticUsers(DEFAULTS);
        assertThat(users.users())
                .extracting(Speaker::id)
                .containsExactly(
                        "user-01", "user-02", "user-03", "user-04", "user-05", "user-06", "user-07", "user-08");
        for (Speaker user : users.users()) {
            List<ClipSpec> plan = users.plan(user.id());
            assertThat(plan).hasSize(44);
            assertThat(count(plan, Split.TRAIN, true)).isEqualTo(12);
            assertThat(count(plan, Split.TRAIN, false)).isEqualTo(12);
            assertThat(count(plan, Split.HOLDOUT, true)).isEqualTo(10);
            assertThat(count(plan, Split.HOLDOUT, false)).isEqualTo(10);
            assertThat(plan)
                    .allMatch(c -> c.speakerId().equals(user.id())
                            && c.synthesis().voice().equals(user.voice()));
        }
        assertThat(users.backgroundSpeakers()).hasSize(8);
        for (Speaker bg : users.backgroundSpeakers()) {
            assertThat(users.plan(bg.id())).hasSize(16).noneMatch(ClipSpec::positive);
        }
        assertThat(users.plan()).hasSize(8 * 44 + 8 * 16);
    }

    @Test
    void streamAlternatesLabelsInTrainThenHoldout() {
        SyntheticUsers users = new SyntheticUsers(DEFAULTS);
        Set<Boolean> firstLabels = new HashSet<>();
        for (Speaker user : users.users()) {
            List<ClipSpec> plan = users.plan(user.id());
            assertThat(plan.subList(0, 24)).allMatch(c -> c.split() == Split.TRAIN);
            assertThat(plan.subList(24, 44)).allMatch(c -> c.split() == Split.HOLDOUT);
            for (int i = 1; i < 24; i++) {
                assertThat(plan.get(i).positive()).isNotEqualTo(plan.get(i - 1).positive());
            }
            firstLabels.add(plan.get(0).positive());
        }
        assertThat(firstLabels)
                .as("which label comes first is seeded, not fixed")
                .hasSize(2);
    }

    @Test
    void unbalancedCountsKeepInterleavingUntilOneLabelRunsOut() {
        SyntheticUsers users = new SyntheticUsers(
                DEFAULTS.withUsers(1).withTrain(2, 6).withHoldout(0, 1).withBackground(0, 0));
        List<ClipSpec> train = users.plan("user-01").subList(0, 8);
        assertThat(train.subList(0, 4)).filteredOn(ClipSpec::positive).hasSize(2);
        for (int i = 1; i < 4; i++) {
            assertThat(train.get(i).positive()).isNotEqualTo(train.get(i - 1).positive());
        }
        assertThat(train.subList(4, 8)).noneMatch(ClipSpec::positive);
    }

    @Test
    void sampleIdsAreStableAndUnique() {
        SyntheticUsers users = new SyntheticUsers(DEFAULTS);
        List<ClipSpec> plan = users.plan("user-03");
        assertThat(plan.get(0).sampleId()).isEqualTo("user-03/train/000");
        assertThat(plan.get(7).sampleId()).isEqualTo("user-03/train/007");
        assertThat(plan.get(24).sampleId()).isEqualTo("user-03/holdout/000");
        assertThat(users.plan("bg-02").get(5).sampleId()).isEqualTo("bg-02/train/005");
        assertThat(users.plan().stream().map(ClipSpec::sampleId).distinct())
                .hasSize(users.plan().size());
    }

    @Test
    void positivesEndWithTheWakeWordAndNegativesNeverContainIt() {
        List<ClipSpec> plan = new SyntheticUsers(DEFAULTS).plan();
        assertThat(plan)
                .filteredOn(ClipSpec::positive)
                .allMatch(c -> c.synthesis().text().endsWith(Phrases.WAKE_WORD));
        assertThat(plan)
                .filteredOn(c -> !c.positive())
                .noneMatch(c -> c.synthesis().text().contains(Phrases.WAKE_WORD));
        Set<String> carriers = plan.stream()
                .filter(ClipSpec::positive)
                .map(c -> c.synthesis().text())
                .collect(Collectors.toSet());
        assertThat(carriers).containsExactlyInAnyOrderElementsOf(Phrases.POSITIVE);
    }

    @Test
    void nearMissesAreAtMostTenPercentOfEverySpeakersNegatives() {
        SyntheticUsers users = new SyntheticUsers(DEFAULTS.withTrain(12, 30).withHoldout(10, 20));
        int nearMissTotal = 0;
        for (Speaker s : concat(users.users(), users.backgroundSpeakers())) {
            for (Split split : Split.values()) {
                List<ClipSpec> negatives = users.plan(s.id()).stream()
                        .filter(c -> !c.positive() && c.split() == split)
                        .toList();
                long nearMisses = negatives.stream()
                        .filter(c -> Phrases.NEAR_MISS.contains(c.synthesis().text()))
                        .count();
                assertThat(nearMisses).isLessThanOrEqualTo((long) (negatives.size() * 0.10));
                nearMissTotal += (int) nearMisses;
            }
        }
        assertThat(nearMissTotal).as("near misses are used at all").isGreaterThan(0);
        assertThat(Phrases.EVERYDAY).hasSizeGreaterThanOrEqualTo(40).doesNotHaveDuplicates();
    }

    @Test
    void aCuratedReferenceSetRaisesOnlyTheBackgroundSpeakersNearMissShare() {
        SyntheticUsers users = new SyntheticUsers(DEFAULTS.withBackground(4, 16).withBackgroundNearMisses(0.5));
        for (Speaker s : users.backgroundSpeakers()) {
            long nearMisses = users.plan(s.id()).stream()
                    .filter(c -> Phrases.NEAR_MISS.contains(c.synthesis().text()))
                    .count();
            assertThat(nearMisses).as(s.id()).isEqualTo(8);
        }
        for (Speaker s : users.users()) {
            List<ClipSpec> negatives =
                    users.plan(s.id()).stream().filter(c -> !c.positive()).toList();
            long nearMisses = negatives.stream()
                    .filter(c -> Phrases.NEAR_MISS.contains(c.synthesis().text()))
                    .count();
            assertThat(nearMisses).as(s.id()).isLessThanOrEqualTo((long) (negatives.size() * 0.10));
        }
        assertThatThrownBy(() -> DEFAULTS.withBackgroundNearMisses(1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backgroundNearMissShare");
    }

    @Test
    void holdoutClipsAreNeverCopiesOfTrainClips() {
        SyntheticUsers users = new SyntheticUsers(DEFAULTS);
        for (Speaker user : users.users()) {
            List<ClipSpec> plan = users.plan(user.id());
            assertThat(plan.stream().map(ClipSpec::synthesis).distinct()).hasSize(plan.size());
            assertThat(plan.stream().map(ClipSpec::assemblySeed).distinct()).hasSize(plan.size());
        }
    }

    @Test
    void usersHaveDistinctVoices() {
        SyntheticUsers users = new SyntheticUsers(DEFAULTS);
        assertThat(users.users().stream().map(s -> s.voice().variant()).distinct())
                .hasSize(8);
        assertThat(users.users().stream().map(s -> s.voice().language()).distinct())
                .hasSize(8);

        SyntheticUsers many = new SyntheticUsers(DEFAULTS.withUsers(100).withBackground(0, 0));
        assertThat(many.users().stream().map(Speaker::voice).distinct()).hasSize(100);
        assertThat(many.users().stream().map(s -> s.voice().variant()).distinct())
                .hasSize(SyntheticUsers.VARIANTS.size());
    }

    @Test
    void backgroundSpeakersShareNoVariantWithUsers() {
        SyntheticUsers users = new SyntheticUsers(DEFAULTS.withUsers(12).withBackground(10, 4));
        Set<String> userVariants =
                users.users().stream().map(s -> s.voice().variant()).collect(Collectors.toSet());
        Set<String> backgroundVariants = users.backgroundSpeakers().stream()
                .map(s -> s.voice().variant())
                .collect(Collectors.toSet());
        assertThat(backgroundVariants).hasSize(10).doesNotContainAnyElementsOf(userVariants);
        assertThat(users.backgroundSpeakers())
                .allMatch(Speaker::background)
                .extracting(Speaker::id)
                .startsWith("bg-01", "bg-02");
        assertThat(users.users()).noneMatch(Speaker::background);
    }

    @Test
    void sameSeedPlansTheSamePopulationAndOtherSeedsDiffer() {
        assertThat(new SyntheticUsers(DEFAULTS).plan()).isEqualTo(new SyntheticUsers(DEFAULTS).plan());
        assertThat(new SyntheticUsers(DEFAULTS).users()).isEqualTo(new SyntheticUsers(DEFAULTS).users());
        assertThat(new SyntheticUsers(DEFAULTS.withSeed(43)).plan()).isNotEqualTo(new SyntheticUsers(DEFAULTS).plan());
    }

    @Test
    void changingHoldoutCountsLeavesTrainClipsAlone() {
        List<ClipSpec> base = new SyntheticUsers(DEFAULTS).plan("user-02");
        List<ClipSpec> moreHoldout = new SyntheticUsers(DEFAULTS.withHoldout(20, 20)).plan("user-02");
        assertThat(moreHoldout.subList(0, 24)).isEqualTo(base.subList(0, 24));
    }

    @Test
    void generatesStreamsWhoseShapeFollowsThePlan() {
        SyntheticUsers users = new SyntheticUsers(
                DEFAULTS.withUsers(2).withTrain(3, 3).withHoldout(2, 2).withBackground(2, 3));
        List<String> progress = new ArrayList<>();
        SyntheticPopulation population =
                users.generate(new FakeSynthesizer(), 2, SynthProgress.lines(5, progress::add));

        assertThat(population.users()).extracting(SyntheticUser::id).containsExactly("user-01", "user-02");
        for (SyntheticUser user : population.users()) {
            assertThat(user.stream()).extracting(SyntheticClip::spec).isEqualTo(users.plan(user.id()));
            assertThat(user.train()).hasSize(6);
            assertThat(user.holdout()).hasSize(4);
            assertThat(user.stream()).allMatch(c -> c.pcm().length == 40_000);
        }
        assertThat(population.background())
                .hasSize(6)
                .noneMatch(SyntheticClip::positive)
                .allMatch(c -> c.userId().startsWith("bg-"));
        assertThat(progress)
                .containsExactly(
                        "synth: 5/26 clips",
                        "synth: 10/26 clips",
                        "synth: 15/26 clips",
                        "synth: 20/26 clips",
                        "synth: 25/26 clips",
                        "synth: 26/26 clips");
        assertThat(users.generate(new FakeSynthesizer())).isEqualTo(population);
    }

    @Test
    void aFailedClipIsNamed() {
        SyntheticUsers users = new SyntheticUsers(
                DEFAULTS.withUsers(1).withTrain(2, 2).withHoldout(0, 0).withBackground(0, 0));
        String victim = users.plan("user-01").get(2).synthesis().text();
        Synthesizer failing = new Synthesizer() {
            private final FakeSynthesizer fake = new FakeSynthesizer();

            @Override
            public short[] synthesize(SynthRequest request) {
                if (request.text().equals(victim)) {
                    throw new IllegalStateException("espeak-ng exploded");
                }
                return fake.synthesize(request);
            }

            @Override
            public String identity() {
                return "failing";
            }
        };
        assertThatThrownBy(() -> users.generate(failing, 2, SynthProgress.none()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("user-01/train/002")
                .hasMessageContaining("espeak-ng exploded");
    }

    /** End to end with espeak-ng and sox: a few clips, rendered three ways, must match bit for bit. */
    @Test
    void sameSeedGivesBitIdenticalAudioAcrossThreadsAndCache() {
        assertTrue(Tools.available(), "espeak-ng and sox are not installed: run ./headstream setup");
        SyntheticUsers.Config small =
                DEFAULTS.withUsers(2).withTrain(2, 2).withHoldout(1, 1).withBackground(1, 2);
        SpeechSynth espeak = new SpeechSynth();

        CachingSynthesizer cached = new CachingSynthesizer(espeak, temp.resolve("cache"));
        SyntheticPopulation parallel = new SyntheticUsers(small).generate(cached, 2, SynthProgress.none());
        SyntheticPopulation serial = new SyntheticUsers(small).generate(espeak, 1, SynthProgress.none());
        SyntheticPopulation fromCache = new SyntheticUsers(small).generate(cached, 2, SynthProgress.none());

        assertThat(cached.misses()).isEqualTo(14);
        assertThat(cached.hits()).isEqualTo(14);
        assertThat(serial).isEqualTo(parallel);
        assertThat(fromCache).isEqualTo(parallel);
        assertThat(parallel.allClips()).hasSize(14).allSatisfy(c -> {
            assertThat(c.pcm()).hasSize(40_000);
            assertThat((double) c.speechEnd() / c.pcm().length).isBetween(0.70, 0.95);
        });

        SyntheticPopulation otherSeed = new SyntheticUsers(small.withSeed(7)).generate(cached, 2, SynthProgress.none());
        List<SyntheticClip> a = parallel.allClips().toList();
        List<SyntheticClip> b = otherSeed.allClips().toList();
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.get(i).pcm()).isNotEqualTo(a.get(i).pcm());
        }
    }

    @Test
    void espeakHonoursEveryPooledDialectAndVariant() {
        assertTrue(Tools.available(), "espeak-ng and sox are not installed: run ./headstream setup");
        SpeechSynth synth = new SpeechSynth();
        List<short[]> outputs = new ArrayList<>();
        for (String dialect : SyntheticUsers.DIALECTS) {
            short[] plain = synth.synthesize(voiceProbe(new Voice(dialect, "")));
            short[] varied = synth.synthesize(voiceProbe(new Voice(dialect, "f3")));
            assertThat(varied).as("espeak-ng applies variant f3 to %s", dialect).isNotEqualTo(plain);
            outputs.add(plain);
        }
        for (String variant : SyntheticUsers.VARIANTS) {
            outputs.add(synth.synthesize(voiceProbe(new Voice("en-us", variant))));
        }
        Set<List<Short>> distinct = new HashSet<>();
        for (short[] pcm : outputs) {
            List<Short> boxed = new ArrayList<>(pcm.length);
            for (short s : pcm) {
                boxed.add(s);
            }
            distinct.add(boxed);
        }
        assertThat(distinct)
                .as("every dialect and every variant sounds different")
                .hasSize(outputs.size());
    }

    private static SynthRequest voiceProbe(Voice voice) {
        return new SynthRequest("okay hey jarvis", voice, 50, 170, 60, 1.0);
    }

    private static long count(List<ClipSpec> plan, Split split, boolean positive) {
        return plan.stream()
                .filter(c -> c.split() == split && c.positive() == positive)
                .count();
    }

    private static List<Speaker> concat(List<Speaker> a, List<Speaker> b) {
        List<Speaker> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
