package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ZNormSpeakerHeadTest {

    @Test
    void scoreIsTheCosineStandardisedByTheCohortsCosinesToThatPrototype() {
        // member 0's prototype is (1, 0); the cohort's cosines to it are 0 and 1/sqrt(2): mean 0.3536, std 0.3536
        List<float[]> cohort = List.of(new float[] {0, 1}, new float[] {1, 1});
        ZNormSpeakerHead head = new ZNormSpeakerHead(
                List.of(List.of(new float[] {2, 0}, new float[] {3, 0}), List.of(new float[] {0, 5})), cohort);
        SpeakerHead.Score s = head.score(new float[] {1, 0});
        assertThat(s.best()).isZero();
        double mean = Math.sqrt(0.5) / 2;
        assertThat(s.score()).isCloseTo((float) ((1 - mean) / mean), within(1e-4f));
        assertThat(head.members()).isEqualTo(2);
    }

    @Test
    void aMemberWhoseCohortScoresHighNeedsAHigherCosineToWin() {
        // the cohort lies close to member 1's direction: member 1's cosines are high and tight there
        List<float[]> cohort = List.of(new float[] {0.1f, 1}, new float[] {-0.1f, 1}, new float[] {0, 1});
        ZNormSpeakerHead head =
                new ZNormSpeakerHead(List.of(List.of(new float[] {1, 0}), List.of(new float[] {0, 1})), cohort);
        // raw cosine prefers member 1 (0.8 vs 0.6), the normalised score prefers member 0
        SpeakerHead.Score s = head.score(new float[] {0.6f, 0.8f});
        assertThat(s.best()).isZero();
        PrototypeSpeakerHead raw =
                new PrototypeSpeakerHead(List.of(List.of(new float[] {1, 0}), List.of(new float[] {0, 1})));
        assertThat(raw.score(new float[] {0.6f, 0.8f}).best()).isEqualTo(1);
    }

    @Test
    void refusesAnAllZeroEnrollmentVector() {
        assertThatThrownBy(() -> new ZNormSpeakerHead(
                        List.of(List.of(new float[] {0, 0})), List.of(new float[] {1, 0}, new float[] {0, 1})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("norm 0");
    }

    @Test
    void refusesAnEmptyCohortOrMember() {
        assertThatThrownBy(() ->
                        new ZNormSpeakerHead(List.of(List.of(new float[] {1, 0})), List.of(new float[] {1, 0})))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() ->
                        new ZNormSpeakerHead(List.of(List.of()), List.of(new float[] {1, 0}, new float[] {0, 1})))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
