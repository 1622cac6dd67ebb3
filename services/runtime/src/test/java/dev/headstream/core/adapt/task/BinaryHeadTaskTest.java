package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.WakeWordFixture;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Split;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class BinaryHeadTaskTest {

    /**
     * Calibration with a head whose logits are set by hand: one Dense {@code [1, 0] . x + 0} over
     * one-frame windows of two floats, so a clip {@code (z, 0)} has logit {@code z}. The learning
     * rate is too small to move a float weight, so training leaves every logit exactly as built.
     */
    @Nested
    class WithAHandMadeHead {

        private final SourceHead identity = new SourceHead(
                "identity", "0".repeat(64), HeadArchitecture.builder(2).dense(1).build(), new float[] {1f, 0f, 0f});
        private final HeadRecipe frozenRecipe =
                new HeadRecipe(1, HeadRecipe.OptimizerKind.ADAM, 1e-30f, 0f, 10f, 1, 8, 1, 1, 1, 0.5f, true, 0);

        private EmbeddingSequence logit(float z) {
            return new EmbeddingSequence(1, 2, new float[] {z, 0f});
        }

        private List<EmbeddingSequence> logits(float... z) {
            List<EmbeddingSequence> out = new ArrayList<>();
            for (float v : z) {
                out.add(logit(v));
            }
            return out;
        }

        private BinaryHeadTask task(List<EmbeddingSequence> train, List<EmbeddingSequence> calibration) {
            return new BinaryHeadTask("wake", identity, frozenRecipe, new RehearsalSet(train, calibration));
        }

        private float adaptedLogit(BinaryHeadTask task, HeadState s, float z) {
            return new ClipScorer(task.head(), identity.parameters(), 1).maxLogit(s.trainable(), logit(z));
        }

        @Test
        void separableThresholdIsHalfwayInLogitSpaceBetweenTheHighestNegativeAndTheLowestPositive() {
            BinaryHeadTask task = task(logits(-3f), logits(-2f, 1f));
            HeadState s = task.newState("acme/alice/wake");
            task.apply(s, logit(4f), true, 1f, Split.TRAIN);
            task.apply(s, logit(0.5f), false, 1f, Split.TRAIN);
            task.apply(s, logit(3f), true, 1f, Split.TRAIN);
            for (float z : new float[] {4f, 0.5f, 3f, -2f, 1f}) {
                assertThat(adaptedLogit(task, s, z))
                        .as("training left logit %s in place", z)
                        .isEqualTo(z);
            }

            task.calibrate(s);

            assertThat(s.threshold()).isEqualTo(MlpHead.sigmoid(2f));
            assertThat(task.score(s, logit(3f)).adaptedAccepted()).isTrue();
            assertThat(task.score(s, logit(1f)).adaptedAccepted()).isFalse();
        }

        @Test
        void aTargetFalseAcceptRateLetsThatShareOfTheCalibrationNegativesAboveTheThreshold() {
            // three one-frame calibration clips hold 3 x 80 ms of audio: 15,000 false accepts per hour
            // allow one of them, 30,000 allow two
            List<EmbeddingSequence> calibration = logits(5f, 4f, -1f);
            float[] thresholds = new float[3];
            double[] targets = {0, 20_000, 40_000};
            for (int i = 0; i < targets.length; i++) {
                BinaryHeadTask task = new BinaryHeadTask(
                        "wake",
                        identity,
                        frozenRecipe,
                        new RehearsalSet(List.of(), calibration),
                        AlarmAction.PUBLISH_ONLY,
                        targets[i]);
                HeadState s = task.newState("acme/alice/wake");
                task.apply(s, logit(6f), true, 1f, Split.TRAIN);
                task.calibrate(s);
                thresholds[i] = s.threshold();
            }
            assertThat(thresholds[0]).as("no target: above every negative").isEqualTo(MlpHead.sigmoid(5.5f));
            assertThat(thresholds[1])
                    .as("one negative allowed: between the 2nd and the 1st")
                    .isEqualTo(MlpHead.sigmoid(5f));
            assertThat(thresholds[2]).as("two allowed: above the 3rd").isEqualTo(MlpHead.sigmoid(2.5f));
            assertThatThrownBy(() -> new BinaryHeadTask(
                            "wake",
                            identity,
                            frozenRecipe,
                            new RehearsalSet(List.of(), calibration),
                            AlarmAction.PUBLISH_ONLY,
                            -1))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void overlappingCalibrationNegativePutsTheThresholdStrictlyAboveIt() {
            BinaryHeadTask task = task(List.of(), logits(5f, -1f));
            HeadState s = task.newState("acme/alice/wake");
            task.apply(s, logit(3f), true, 1f, Split.TRAIN);

            task.calibrate(s);

            assertThat(s.threshold()).isGreaterThan(MlpHead.sigmoid(5f));
            assertThat(task.score(s, logit(5f)).adaptedAccepted()).isFalse();
        }

        @Test
        void thresholdStaysStrictlyAboveANegativeWhoseScoreRoundsToOne() {
            // sigmoid(20) and sigmoid(20.5) are both 1.0f: "just above" must still reject it.
            BinaryHeadTask task = task(List.of(), logits(20f));
            HeadState s = task.newState("acme/alice/wake");
            task.apply(s, logit(3f), true, 1f, Split.TRAIN);

            task.calibrate(s);

            assertThat(s.threshold()).isGreaterThan(task.score(s, logit(20f)).adapted());
            assertThat(task.score(s, logit(20f)).adaptedAccepted()).isFalse();
        }

        @Test
        void thresholdStaysStrictlyAboveANegativeJustBelowThePositives() {
            // Separable in logits, but the midpoint's score rounds to the negative's score.
            float neg = 2f;
            float pos = Math.nextUp(Math.nextUp(2f));
            BinaryHeadTask task = task(List.of(), logits(neg));
            HeadState s = task.newState("acme/alice/wake");
            task.apply(s, logit(pos), true, 1f, Split.TRAIN);

            task.calibrate(s);

            assertThat(task.score(s, logit(neg)).adaptedAccepted()).isFalse();
        }

        @Test
        void calibrationIgnoresHoldoutSamplesAndRehearsalTrainingNegatives() {
            BinaryHeadTask task = task(logits(9f), logits(1f));
            HeadState s = task.newState("acme/alice/wake");
            task.apply(s, logit(3f), true, 1f, Split.TRAIN);
            task.apply(s, logit(10f), false, 1f, Split.HOLDOUT);
            task.apply(s, logit(-6f), true, 1f, Split.HOLDOUT);

            task.calibrate(s);

            assertThat(s.threshold()).isEqualTo(MlpHead.sigmoid(2f));
        }
    }

    /** Calibration on real speech with the hey_jarvis source head. */
    @Nested
    class OnRealSpeech {

        private static final String USER_VOICE = "en-gb-scotland+m3";

        private BinaryHeadTask task;
        private HeadState trained;
        private List<EmbeddingSequence> positives;
        private List<EmbeddingSequence> negatives;

        private void train(HeadState s) {
            for (int i = 0; i < positives.size(); i++) {
                task.apply(s, positives.get(i), true, 1f, Split.TRAIN);
                task.apply(s, negatives.get(i), false, 1f, Split.TRAIN);
            }
        }

        @BeforeEach
        void adapt() {
            task = fx.task();
            positives = new ArrayList<>();
            negatives = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                positives.add(fx.embed(WakeWordFixture.wake(USER_VOICE, i)));
                negatives.add(fx.embed(WakeWordFixture.other(USER_VOICE, i)));
            }
            trained = task.newState("acme/alice/wake");
            train(trained);
            task.calibrate(trained);
        }

        @Test
        void thresholdLiesStrictlyAboveEveryCalibrationNegativeAndEveryOwnNegative() {
            ClipScorer scorer =
                    new ClipScorer(task.head(), fx.source.parameters(), WakeWordFixture.RECIPE.windowFrames());
            List<EmbeddingSequence> all = new ArrayList<>(fx.rehearsal.calibration());
            all.addAll(negatives);
            assertThat(fx.rehearsal.calibration()).isNotEmpty();
            float maxNegative = 0f;
            for (EmbeddingSequence e : all) {
                float score = scorer.score(trained.trainable(), e);
                maxNegative = Math.max(maxNegative, score);
                assertThat(score).isLessThan(trained.threshold());
                assertThat(task.score(trained, e).adaptedAccepted()).isFalse();
            }
            float minPositive = 1f;
            for (EmbeddingSequence e : positives) {
                minPositive = Math.min(minPositive, scorer.score(trained.trainable(), e));
            }
            System.out.printf(
                    "calibrated threshold %.6g: highest negative %.6g, lowest own positive %.6g%n",
                    trained.threshold(), maxNegative, minPositive);
            if (minPositive > maxNegative) {
                assertThat(minPositive)
                        .as("separable: every own positive is accepted")
                        .isGreaterThanOrEqualTo(trained.threshold());
            }
        }

        @Test
        void calibrationNeverLooksAtHoldoutData() {
            assertThat(positives)
                    .as("precondition: a holdout negative scores above the threshold, so using it "
                            + "would move the threshold")
                    .anySatisfy(e ->
                            assertThat(task.score(trained, e).adaptedAccepted()).isTrue());
            HeadState withHoldout = task.newState("acme/alice/wake");
            // Holdout data that would move the threshold if it were used: the user's own wake word
            // labeled negative, other speech labeled positive.
            for (int i = 0; i < positives.size(); i++) {
                task.apply(withHoldout, positives.get(i), false, 1f, Split.HOLDOUT);
                task.apply(withHoldout, positives.get(i), true, 1f, Split.TRAIN);
                task.apply(withHoldout, negatives.get(i), true, 1f, Split.HOLDOUT);
                task.apply(withHoldout, negatives.get(i), false, 1f, Split.TRAIN);
            }
            task.calibrate(withHoldout);

            assertThat(withHoldout.trainable()).isEqualTo(trained.trainable());
            assertThat(withHoldout.threshold()).isEqualTo(trained.threshold());
            assertThat(withHoldout.samplesApplied()).isEqualTo(trained.samplesApplied());
        }
    }

    private static WakeWordFixture fx;

    @BeforeAll
    static void load() {
        fx = new WakeWordFixture();
    }

    @AfterAll
    static void close() {
        fx.close();
    }
}
