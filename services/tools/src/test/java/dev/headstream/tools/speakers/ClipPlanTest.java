package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.testkit.synth.VoiceCatalog;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClipPlanTest {

    private final VoiceCatalog catalog = VoiceCatalog.standard();

    private ClipPlan plan() {
        List<String> pool =
                List.copyOf(ClipPlan.groups(catalog, ClipPlan.Role.MEMBER).keySet());
        List<Households.Household> households = new ArrayList<>();
        households.addAll(Households.draw(pool, 2, 3, 7));
        households.addAll(Households.draw(pool, pool.size(), 1, 7));
        return ClipPlan.of(catalog, 7, households, 3, 2, 4, 5, 6);
    }

    @Test
    void theSpeakersOfTheFourRolesArePairwiseDisjoint() {
        ClipPlan plan = plan();
        ClipPlan.Role[] roles = ClipPlan.Role.values();
        for (ClipPlan.Role r : roles) {
            assertThat(plan.speakers(r)).as("%s speakers", r).isNotEmpty();
        }
        for (int i = 0; i < roles.length; i++) {
            for (int j = i + 1; j < roles.length; j++) {
                Set<String> shared = new HashSet<>(plan.speakers(roles[i]));
                shared.retainAll(plan.speakers(roles[j]));
                assertThat(shared)
                        .as("speakers of %s and %s", roles[i], roles[j])
                        .isEmpty();
            }
        }
    }

    @Test
    void eachRoleSpeaksOnlyVoicesOfItsOwnCatalogPart() {
        ClipPlan plan = plan();
        for (ClipPlan.Role r : ClipPlan.Role.values()) {
            for (SpeakerSpeech.PlannedClip c : plan.clips().get(r)) {
                assertThat(catalog.find(c.request().voice()))
                        .as(c.key())
                        .hasValueSatisfying(v -> assertThat(v.part()).isEqualTo(r.part()));
            }
        }
    }

    @Test
    void everyRoleGetsItsClipsPerSpeakerAndEveryHouseholdMemberIsPlanned() {
        ClipPlan plan = plan();
        assertThat(plan.speakers(ClipPlan.Role.MEMBER))
                .containsExactlyInAnyOrderElementsOf(
                        ClipPlan.groups(catalog, ClipPlan.Role.MEMBER).keySet());
        assertThat(plan.clips().get(ClipPlan.Role.MEMBER))
                .hasSize((3 * 2 + plan.speakers(ClipPlan.Role.MEMBER).size()) * 5);
        assertThat(plan.clips().get(ClipPlan.Role.OUTSIDE))
                .hasSize(4 * plan.speakers(ClipPlan.Role.OUTSIDE).size());
        assertThat(plan.clips().get(ClipPlan.Role.TRAINING))
                .hasSize(5 * plan.speakers(ClipPlan.Role.TRAINING).size());
        assertThat(plan.clips().get(ClipPlan.Role.CALIBRATION))
                .hasSize(6 * plan.speakers(ClipPlan.Role.CALIBRATION).size());
    }

    @Test
    void aRolesSliceOfTheRenderedClipsIsItsOwnClips() {
        ClipPlan plan = plan();
        List<SpeakerSpeech.PlannedClip> all = plan.all();
        assertThat(all.stream().map(SpeakerSpeech.PlannedClip::key).distinct()).hasSameSizeAs(all);
        for (ClipPlan.Role r : ClipPlan.Role.values()) {
            assertThat(plan.of(r, all)).isEqualTo(plan.clips().get(r));
        }
        assertThatThrownBy(() -> plan.of(ClipPlan.Role.OUTSIDE, all.subList(1, all.size())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
