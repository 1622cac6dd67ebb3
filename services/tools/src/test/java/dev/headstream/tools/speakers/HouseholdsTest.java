package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HouseholdsTest {

    private static final List<String> POOL = List.of("a", "b", "c", "d", "e", "f", "g");

    @Test
    void everyHouseholdHasDistinctMembersFromThePool() {
        for (int size = 1; size <= POOL.size(); size++) {
            for (Households.Household h : Households.draw(POOL, size, 5, 42)) {
                assertThat(h.members()).hasSize(size).doesNotHaveDuplicates();
                assertThat(POOL).containsAll(h.members());
            }
        }
    }

    @Test
    void householdsOfOneSizeAreDistinctSetsWhileCombinationsLast() {
        // 7 speakers give exactly 7 households of 6
        List<Households.Household> six = Households.draw(POOL, 6, 7, 3);
        Set<Set<String>> sets = new HashSet<>();
        six.forEach(h -> sets.add(new HashSet<>(h.members())));
        assertThat(sets).hasSize(7);
        List<Households.Household> two = Households.draw(POOL, 2, 21, 3);
        Set<Set<String>> pairs = new HashSet<>();
        two.forEach(h -> pairs.add(new HashSet<>(h.members())));
        assertThat(pairs).hasSize(21);
    }

    @Test
    void moreHouseholdsThanCombinationsRepeatSetsButNeverAMember() {
        List<Households.Household> all = Households.draw(POOL, 7, 3, 1);
        assertThat(all).hasSize(3);
        all.forEach(h -> assertThat(new HashSet<>(h.members())).isEqualTo(new HashSet<>(POOL)));
    }

    @Test
    void theDrawIsDeterministicGivenTheSeed() {
        assertThat(Households.draw(POOL, 3, 5, 9)).isEqualTo(Households.draw(POOL, 3, 5, 9));
        assertThat(Households.draw(POOL, 3, 5, 9)).isNotEqualTo(Households.draw(POOL, 3, 5, 10));
    }

    @Test
    void refusesAPoolTooSmallOrWithARepeatedSpeaker() {
        assertThatThrownBy(() -> Households.draw(POOL, 8, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Households.draw(List.of("a", "b", "a"), 2, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Households.Household("x", List.of("a", "a")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countsCombinations() {
        assertThat(Households.combinations(7, 6)).isEqualTo(7);
        assertThat(Households.combinations(7, 2)).isEqualTo(21);
        assertThat(Households.combinations(7, 3)).isEqualTo(35);
        assertThat(Households.combinations(5, 5)).isEqualTo(1);
    }
}
