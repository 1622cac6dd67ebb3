package dev.headstream.tools.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.embed.BackboneInput;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackboneRateTest {

    @Test
    void takesTheMiddleRoundAsTheMedianOrTheMeanOfTheMiddleTwo() {
        assertThat(BackboneRate.Result.median(new double[] {90, 118, 97})).isEqualTo(97);
        assertThat(BackboneRate.Result.median(new double[] {90, 118, 97, 100})).isEqualTo(98.5);
        assertThat(BackboneRate.Result.median(new double[0])).isNaN();
    }

    @Test
    void reportsTheRangeOfTheRounds() {
        BackboneRate.Result r = new BackboneRate.Result("before", 1, 2, 64, 256, 2.0, 3, new double[] {97, 88, 118});

        assertThat(r.median()).isEqualTo(97);
        assertThat(r.min()).isEqualTo(88);
        assertThat(r.max()).isEqualTo(118);
    }

    @Test
    void cyclesTheClipsIntoBatchesOfTheAdaptersSize() {
        List<BackboneInput> clips = List.of(clip(1), clip(2), clip(3));

        List<List<BackboneInput>> batches = BackboneRate.batches(clips, 2, 7);

        assertThat(batches).extracting(List::size).containsExactly(2, 2, 2, 1);
        assertThat(batches.get(1)).containsExactly(clips.get(2), clips.get(0));
        assertThat(batches.get(3)).containsExactly(clips.get(0));
    }

    private static BackboneInput clip(int samples) {
        return new BackboneInput.Audio(16_000, new short[samples]);
    }
}
