package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class DiagonalPldaSpeakerHeadTest {

    @Test
    void modelEstimatesCentreBetweenAndWithinSpeakerVariances() {
        // speaker a: 0, 2 (mean 1); speaker b: 4, 6 (mean 5); centre 3
        List<float[]> xs = List.of(new float[] {0}, new float[] {2}, new float[] {4}, new float[] {6});
        DiagonalPldaSpeakerHead.Model m = DiagonalPldaSpeakerHead.Model.learn(xs, List.of("a", "a", "b", "b"));
        assertThat(m.centre()[0]).isCloseTo(3, within(1e-9));
        // residuals 1, 1, 1, 1 over 4 - 2 degrees of freedom
        assertThat(m.within()[0]).isCloseTo(2, within(1e-9));
        // speaker means 1 and 5 around 3, over 2 - 1
        assertThat(m.between()[0]).isCloseTo(8, within(1e-9));
    }

    @Test
    void modelRefusesOneUtterancePerSpeaker() {
        assertThatThrownBy(() -> DiagonalPldaSpeakerHead.Model.learn(
                        List.of(new float[] {0}, new float[] {4}), List.of("a", "b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than one utterance");
    }

    @Test
    void scoreIsTheLogLikelihoodRatioOfTheTwoCovarianceModel() {
        DiagonalPldaSpeakerHead.Model m =
                new DiagonalPldaSpeakerHead.Model(new double[] {0}, new double[] {4}, new double[] {1});
        // one enrollment utterance at 2: posterior mean 4 * 2 / 5 = 1.6, variance 4/5; predictive 1.8
        DiagonalPldaSpeakerHead head =
                new DiagonalPldaSpeakerHead(List.of(List.of(new float[] {2}), List.of(new float[] {-3})), m);
        SpeakerHead.Score s = head.score(new float[] {2});
        assertThat(s.best()).isZero();
        double same = Math.pow(2 - 1.6, 2) / 1.8 + Math.log(1.8);
        double any = 4.0 / 5 + Math.log(5);
        assertThat(s.score()).isCloseTo((float) (0.5 * (any - same)), within(1e-5f));
        // far from everyone: both members' ratios are low
        assertThat(head.score(new float[] {40}).score()).isLessThan(s.score());
    }

    @Test
    void moreEnrollmentSharpensTheMembersModel() {
        DiagonalPldaSpeakerHead.Model m =
                new DiagonalPldaSpeakerHead.Model(new double[] {0}, new double[] {4}, new double[] {1});
        DiagonalPldaSpeakerHead one = new DiagonalPldaSpeakerHead(List.of(List.of(new float[] {2})), m);
        DiagonalPldaSpeakerHead ten =
                new DiagonalPldaSpeakerHead(List.of(java.util.Collections.nCopies(10, new float[] {2})), m);
        assertThat(ten.score(new float[] {2}).score())
                .isGreaterThan(one.score(new float[] {2}).score());
    }

    @Test
    void refusesOneSpeakerOrAWrongDimension() {
        assertThatThrownBy(() -> DiagonalPldaSpeakerHead.Model.learn(
                        List.of(new float[] {0}, new float[] {1}), List.of("a", "a")))
                .isInstanceOf(IllegalArgumentException.class);
        DiagonalPldaSpeakerHead.Model m =
                new DiagonalPldaSpeakerHead.Model(new double[] {0}, new double[] {4}, new double[] {1});
        DiagonalPldaSpeakerHead head = new DiagonalPldaSpeakerHead(List.of(List.of(new float[] {2})), m);
        assertThatThrownBy(() -> head.score(new float[] {1, 2})).isInstanceOf(IllegalArgumentException.class);
    }
}
