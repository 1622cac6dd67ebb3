package dev.headstream.runtime.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NearMissesTest {

    /** espeak-ng's phonemes for "okay nova" (espeak-ng -q -x). */
    private static final String OKAY_NOVA = "oUk'eI n'oUv@";

    @Test
    void splitsPhonemesStressAndWordBreaks() {
        assertThat(NearMisses.tokens(OKAY_NOVA)).containsExactly("oU", "k", "'", "eI", " ", "n", "'", "oU", "v", "@");
        assertThat(NearMisses.tokens("h'eI m'A@b@L")).containsExactly("h", "'", "eI", " ", "m", "'", "A@", "b", "@L");
        assertThat(NearMisses.tokens("  w'eIk   ,Vp ")).containsExactly("w", "'", "eI", "k", " ", ",", "V", "p");
    }

    @Test
    void everySubstitutionOfAShortWordIsListed() {
        // h -> k, f; eI -> aI, e, i:
        assertThat(NearMisses.variants("h'eI", 100, 1))
                .containsExactlyInAnyOrder("k'eI", "f'eI", "h'aI", "h'e", "h'i:");
    }

    @Test
    void aSmallCountTakesEachPhonemesClosestAlternativeFirst() {
        assertThat(NearMisses.variants("h'eI", 2, 9)).containsExactlyInAnyOrder("k'eI", "h'aI");
    }

    @Test
    void everyVariantDiffersInExactlyOnePhonemeByANeighbour() {
        List<String> original = NearMisses.tokens(OKAY_NOVA);
        List<String> variants = NearMisses.variants(OKAY_NOVA, 1000, 42);
        assertThat(variants).doesNotContain(OKAY_NOVA).doesNotHaveDuplicates();
        // oU(3) k(3) eI(3) n(2) oU(3) v(3) @(3): 20 substitutions, no two giving the same string
        assertThat(variants).hasSize(20);
        for (String v : variants) {
            List<String> t = NearMisses.tokens(v);
            assertThat(t).hasSameSizeAs(original);
            List<Integer> changed = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) {
                if (!t.get(i).equals(original.get(i))) {
                    changed.add(i);
                }
            }
            assertThat(changed).as(v).hasSize(1);
            int at = changed.get(0);
            assertThat(NearMisses.NEIGHBOURS.get(original.get(at))).as(v).contains(t.get(at));
        }
    }

    @Test
    void dropsASubstituteThatFusesWithItsNeighbour() {
        // u: -> U before @ reads as the diphthong U@; d -> t before S reads as the affricate tS
        assertThat(NearMisses.variants("m'u:@", 100, 1)).doesNotContain("m'U@").contains("m'oU@");
        assertThat(NearMisses.variants("b'adS", 100, 1)).doesNotContain("b'atS").contains("b'abS");
    }

    @Test
    void everyVariantOfTheBenchPhrasesHasTheOriginalsTokenCount() {
        // espeak-ng -q -x -v en-us for okay nova, hey marble, wake up luna, hello sunny, a tissue
        for (String phrase : List.of(OKAY_NOVA, "h'eI m'A@b@L", "w'eIk ,Vp l'u:n@", "h@l'oU s'Vni", "@ t'IS u:@")) {
            int size = NearMisses.tokens(phrase).size();
            List<String> variants = NearMisses.variants(phrase, 1000, 3);
            assertThat(variants).as(phrase).isNotEmpty();
            for (String v : variants) {
                assertThat(NearMisses.tokens(v)).as(phrase + " -> " + v).hasSize(size);
            }
        }
    }

    @Test
    void unknownPhonemesAndMarksAreKept() {
        List<String> variants = NearMisses.variants("x'Y eI", 100, 3);
        assertThat(variants).containsExactlyInAnyOrder("x'Y aI", "x'Y e", "x'Y i:");
        assertThat(NearMisses.variants("' ,", 10, 3)).isEmpty();
    }

    @Test
    void sameSeedSameVariantsAndOtherSeedsReorder() {
        assertThat(NearMisses.variants(OKAY_NOVA, 7, 5)).isEqualTo(NearMisses.variants(OKAY_NOVA, 7, 5));
        Set<List<String>> orders = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            List<String> v = NearMisses.variants(OKAY_NOVA, 7, seed);
            assertThat(v).hasSize(7);
            orders.add(v);
        }
        assertThat(orders).hasSizeGreaterThan(1);
    }

    @Test
    void respectsTheCountAndRejectsANegativeOne() {
        assertThat(NearMisses.variants(OKAY_NOVA, 0, 1)).isEmpty();
        assertThat(NearMisses.variants(OKAY_NOVA, 3, 1)).hasSize(3);
        assertThatThrownBy(() -> NearMisses.variants(OKAY_NOVA, -1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wrapsPhonemesForEspeakNg() {
        assertThat(NearMisses.speakable(" oUg'eI n'oUv@ ")).isEqualTo("[[oUg'eI n'oUv@]]");
    }

    @Test
    void readsAPhrasesPhonemesFromEspeakNg() {
        assertTrue(SpeechTools.available(), SpeechTools.SETUP_HINT);
        String phonemes = NearMisses.phonemesOf("okay nova", new Voice("en-us", ""));
        List<String> tokens = NearMisses.tokens(phonemes);
        // two stressed words with an n and a v, whatever the exact vowels of this espeak-ng version
        assertThat(tokens).contains("'", " ", "n", "v", "k");
        assertThatThrownBy(() -> NearMisses.phonemesOf("okay nova", Voice.flite("awb")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
