package dev.headstream.tools.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.headstream.tools.swap.AdapterStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DrainWindowTest {

    private static final long S = 1_000_000_000L;

    /** A reading at {@code seconds} with {@code applied} samples and every stage's seconds growing with them. */
    private static Scrape at(double seconds, double applied, double batches) {
        Map<String, Double> stages = new LinkedHashMap<>();
        stages.put("embed", applied * 0.010);
        stages.put("train", applied * 0.020);
        stages.put("transaction", batches * 0.100);
        return new Scrape(
                (long) (seconds * S), new AdapterStats(batches, batches * 3.0, applied, applied, 0), 0, 0, stages);
    }

    /** A backlog of 100 on top of 40 applied, committed 10 at a time every 2 s from t = 1, read every 0.5 s. */
    private static List<Scrape> drain() {
        List<Scrape> out = new ArrayList<>();
        for (int i = 0; i <= 44; i++) {
            double t = i * 0.5;
            int commits = t < 1 ? 0 : Math.min(10, (int) ((t - 1) / 2) + 1);
            out.add(at(t, 40 + 10 * commits, 5 + commits));
        }
        return out;
    }

    @Test
    void runsFromTheFirstCommitPastTheStartMarkToTheLastBelowTheEndMark() {
        DrainWindow w = DrainWindow.of(drain(), 40, 100, 0, 0.1, 0.9);

        assertThat(w.fallback()).isFalse();
        // commits at t = 1 (10 applied), 3 (20), ..., 19 (100): 10 % is the one at t = 1, 90 % the one at t = 17
        assertThat(w.start().nanos()).isEqualTo(1 * S);
        assertThat(w.end().nanos()).isEqualTo(17 * S);
        assertThat(w.applied()).isEqualTo(80);
        assertThat(w.seconds()).isEqualTo(16);
        assertThat(w.rate()).isEqualTo(5);
        assertThat(w.batches()).isEqualTo(8);
        assertThat(w.busy()).isEqualTo(1.5);
        assertThat(w.rejected()).isZero();
    }

    @Test
    void startsOnlyOnceTheBrokerHadTheWholeBacklog() {
        DrainWindow w = DrainWindow.of(drain(), 40, 100, 4 * S, 0.1, 0.9);

        assertThat(w.start().nanos()).isEqualTo(5 * S);
        assertThat(w.end().nanos()).isEqualTo(17 * S);
        assertThat(w.applied()).isEqualTo(60);
    }

    @Test
    void splitsTheTimePerClipIntoTheStagesAndTheRest() {
        Map<String, Double> ms = DrainWindow.of(drain(), 40, 100, 0, 0.1, 0.9).msPerClip();

        // the adapter's stages in the order a batch goes through them, then the time in none of them
        List<String> stages = new ArrayList<>(Scrape.STAGES);
        stages.add("other");
        assertThat(ms.keySet()).containsExactlyElementsOf(stages);
        assertThat(ms.get("decode")).isZero();
        assertThat(ms.get("embed")).isCloseTo(10, within(1e-9));
        assertThat(ms.get("train")).isCloseTo(20, within(1e-9));
        // 8 batches x 100 ms over 80 samples
        assertThat(ms.get("transaction")).isCloseTo(10, within(1e-9));
        // 16 s / 80 samples = 200 ms per sample in all
        assertThat(ms.get("other")).isCloseTo(160, within(1e-9));
        assertThat(ms.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(200, within(1e-9));
    }

    @Test
    void fallsBackToTheWholeDrainWhenTheBacklogIsTooSmallForTheMarks() {
        List<Scrape> scrapes = List.of(at(0, 0, 0), at(1, 0, 0), at(2, 64, 1), at(3, 64, 1), at(4, 100, 2));

        DrainWindow w = DrainWindow.of(scrapes, 0, 100, 0, 0.1, 0.9);

        assertThat(w.fallback()).isTrue();
        assertThat(w.start().nanos()).isEqualTo(2 * S);
        assertThat(w.end().nanos()).isEqualTo(4 * S);
        assertThat(w.rate()).isEqualTo(18);
    }

    @Test
    void refusesADrainWithFewerThanTwoCommits() {
        List<Scrape> scrapes = List.of(at(0, 0, 0), at(1, 0, 0), at(2, 100, 1), at(3, 100, 1));

        assertThatThrownBy(() -> DrainWindow.of(scrapes, 0, 100, 0, 0.1, 0.9))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--backlog");
    }
}
