package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class UtteranceTest {

    @Test
    void summaryIsTheMeanThenTheStandardDeviationOfTheFrames() {
        // 3 frames of 2 dims: (1, 10), (2, 10), (6, 10)
        float[] v = {1, 10, 2, 10, 6, 10};
        float[] mean = Utterance.summary(v, 2, 0, 3, Utterance.Statistics.MEAN);
        assertThat(mean).containsExactly(3f, 10f);
        float[] ms = Utterance.summary(v, 2, 0, 3, Utterance.Statistics.MEAN_STD);
        assertThat(ms[0]).isEqualTo(3f);
        assertThat(ms[2]).isCloseTo((float) Math.sqrt((4 + 1 + 9) / 3.0), within(1e-6f));
        assertThat(ms[3]).isZero();
        float[] tail = Utterance.summary(v, 2, 1, 3, Utterance.Statistics.MEAN);
        assertThat(tail).containsExactly(4f, 10f);
        assertThat(Utterance.summary(v, 2, 1, 2, Utterance.Statistics.FRAMES)).containsExactly(2f, 10f);
    }

    @Test
    void speechFramesAreThoseWhoseWindowCentreIsInTheSpeech() {
        // frame f reads samples up to (f + 10) * 1280 over 76 * 160 = 12,160 samples: centre 6720 + 1280 f
        // speech 20,000 .. 30,000: 6720 + 1280 f >= 20000 from f = 11; < 30000 up to f = 18
        assertThat(Utterance.speechFrames(22, 20_000, 30_000)).containsExactly(11, 19);
        // a clip with fewer frames ends the range at its last frame
        assertThat(Utterance.speechFrames(15, 20_000, 30_000)).containsExactly(11, 15);
    }

    @Test
    void speechBetweenTwoCentresTakesTheClosestFrame() {
        // centres 6720, 8000, ...: speech 8100 .. 8200 holds none; 8000 (frame 1) is closest
        assertThat(Utterance.speechFrames(22, 8100, 8200)).containsExactly(1, 2);
    }
}
