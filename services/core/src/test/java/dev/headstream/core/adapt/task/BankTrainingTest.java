package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.UserStateCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training and calibration against a negative bank, with a head whose logits are set by hand:
 * one Dense {@code [1, 0] . x} over one-frame windows of two floats, so a bank frame
 * {@code (z, 0)} scores logit {@code z}, and a learning rate too small to move a float weight.
 */
class BankTrainingTest {

    private static final int HOUR = 45_000; // 80 ms steps

    private final SourceHead identity = new SourceHead(
            "identity", "0".repeat(64), HeadArchitecture.builder(2).dense(1).build(), new float[] {1f, 0f, 0f});
    private final HeadRecipe frozen =
            new HeadRecipe(1, HeadRecipe.OptimizerKind.ADAM, 1e-30f, 0f, 10f, 1, 8, 1, 1, 1, 0.5f, true, 0);

    @TempDir
    Path dir;

    private static float[] frames(float[] logits) {
        float[] f = new float[logits.length * 2];
        for (int i = 0; i < logits.length; i++) {
            f[2 * i] = logits[i];
        }
        return f;
    }

    /** A bank whose training and calibration parts score these logits, one segment each. */
    private NegativeBank bank(float[] train, float[] calibration) throws IOException {
        Path d = Files.createDirectories(dir.resolve("bank"));
        BankPart.write(
                d.resolve(NegativeBank.TRAIN_FILE),
                "b",
                2,
                List.of("v1"),
                List.of(new BankPart.Segment(0, train.length)),
                List.of(frames(train)));
        BankPart.write(
                d.resolve(NegativeBank.CALIBRATION_FILE),
                "b",
                2,
                List.of("v2"),
                List.of(new BankPart.Segment(0, calibration.length)),
                List.of(frames(calibration)));
        return NegativeBank.open(d);
    }

    /** An hour of calibration speech at logit -5 with peaks: 3 at steps 100 and 110 (one activation), 2 at 5,000, 1 at 9,000. */
    private static float[] hourWithPeaks() {
        float[] z = new float[HOUR];
        Arrays.fill(z, -5f);
        z[100] = 3f;
        z[110] = 3f;
        z[5_000] = 2f;
        z[9_000] = 1f;
        return z;
    }

    private BinaryHeadTask task(NegativeBank bank, double target, BankTraining training) {
        return new BinaryHeadTask(
                "wake",
                identity,
                frozen,
                RehearsalSet.empty(),
                AlarmAction.PUBLISH_ONLY,
                target,
                BinaryHeadTask.prepareBank(bank, identity, frozen),
                training);
    }

    private static EmbeddingSequence clip(float z) {
        return new EmbeddingSequence(1, 2, new float[] {z, 0f});
    }

    @Test
    void theThresholdLetsAtMostTargetTimesHoursActivationsOfTheCalibrationSpeechThrough() throws IOException {
        NegativeBank bank = bank(new float[] {-5f, -4f}, hourWithPeaks());
        // target per hour -> the highest calibration logit the threshold must lie above
        double[] targets = {0.5, 1, 2, 3};
        float[] highest = {3f, 2f, 1f, -5f};
        for (int i = 0; i < targets.length; i++) {
            BinaryHeadTask task = task(bank, targets[i], BankTraining.defaults().withMinRecall(0f));
            HeadState s = task.newState("acme/alice/wake");
            task.apply(s, clip(6f), true, 1f, Split.TRAIN);
            task.publishIfDue(s, 1);
            float expected = ThresholdCalibrator.threshold(highest[i], 6f, 0.5f);
            assertThat(s.threshold()).as("target %s", targets[i]).isEqualTo(expected);
            int allowed = (int) Math.floor(targets[i]);
            assertThat(s.calibrationFalseAccepts())
                    .isLessThanOrEqualTo(allowed)
                    .isEqualTo(Detections.count(hourWithPeaks(), 0, HOUR, ThresholdCalibrator.logit(s.threshold())));
            assertThat(s.calibrationHours()).isEqualTo(1.0);
            assertThat(s.heldAtSource()).isFalse();
        }
    }

    @Test
    void aTargetBelowOneActivationInTheCalibrationHoursAllowsNone() throws IOException {
        // 44,600 steps are 0.991 h: floor(0.5 x 0.991) = floor(1.0 x 0.991) = 0 activations allowed
        float[] z = Arrays.copyOf(hourWithPeaks(), 44_600);
        NegativeBank bank = bank(new float[] {-5f, -4f}, z);
        for (double target : new double[] {0.5, 1.0}) {
            BinaryHeadTask task = task(bank, target, BankTraining.defaults().withMinRecall(0f));
            HeadState s = task.newState("acme/alice/wake");
            task.apply(s, clip(6f), true, 1f, Split.TRAIN);
            task.publishIfDue(s, 1);
            assertThat(s.calibrationHours()).isCloseTo(0.991, Offset.offset(1e-3));
            assertThat(s.threshold()).as("target %s", target).isEqualTo(ThresholdCalibrator.threshold(3f, 6f, 0.5f));
            assertThat(s.calibrationFalseAccepts()).isZero();
        }
    }

    @Test
    void aHeadThatMeetsTheTargetOnlyBelowUsefulRecallIsPublishedAsTheSource() throws IOException {
        NegativeBank bank = bank(new float[] {-5f, -4f}, hourWithPeaks());
        BinaryHeadTask task = task(bank, 0.5, BankTraining.defaults());
        HeadState s = task.newState("acme/alice/wake");
        // positives at 2.5 and 4: above the calibration peak of 3 only the second is accepted (recall 0.5),
        // and the source head (the same weights) at 0.5 accepts both: not better than the source
        task.apply(s, clip(2.5f), true, 1f, Split.TRAIN);
        task.apply(s, clip(4f), true, 1f, Split.TRAIN);
        task.publishIfDue(s, 1);

        assertThat(s.heldAtSource()).isTrue();
        assertThat(s.heldReason()).contains("accepts 1 of the user's 2 positives, the source head 2");
        assertThat(task.publishedThreshold(s)).isEqualTo(BinaryHeadTask.SOURCE_THRESHOLD);
        assertThat(task.publishedTrainable(s)).containsExactly(task.publishedTrainable(task.newState("acme/bob/wake")));
    }

    /** {@link #task} on the same hand-set head as a fresh start ({@link SourceHead#fresh()}). */
    private BinaryHeadTask freshTask(NegativeBank bank, AlarmAction onAlarm) {
        SourceHead fresh =
                new SourceHead("fresh:1:identity", identity.sha256(), identity.architecture(), identity.parameters());
        return new BinaryHeadTask(
                "mine",
                fresh,
                frozen,
                RehearsalSet.empty(),
                onAlarm,
                0.5,
                BinaryHeadTask.prepareBank(bank, fresh, frozen),
                BankTraining.defaults());
    }

    @Test
    void aFreshStartIsNoDetectorANewHeadAcceptsNothingAndItsSourceScoresNeverCountAsAccepted() throws IOException {
        BinaryHeadTask task = freshTask(bank(new float[] {-5f, -4f}, hourWithPeaks()), AlarmAction.PUBLISH_ONLY);
        assertThat(task.sourceThreshold()).isEqualTo(BinaryHeadTask.NO_DETECTOR_THRESHOLD);
        HeadState s = task.newState("acme/alice/mine");
        assertThat(s.threshold()).isEqualTo(BinaryHeadTask.NO_DETECTOR_THRESHOLD);
        BinaryHeadTask.Scores sc = task.apply(s, clip(6f), true, 1f, Split.TRAIN);
        assertThat(sc.source()).isGreaterThan(0.99f);
        assertThat(sc.sourceAccepted()).as("the start head is no detector").isFalse();
        assertThat(sc.adaptedAccepted())
                .as("nor is the user's head before it is calibrated")
                .isFalse();
        assertThat(s.sourcePrequential().truePositives()).isZero();
    }

    @Test
    void aFreshStartIsHeldByTheMinimumRecallOnlyAndAHeldVersionAcceptsNothing() throws IOException {
        NegativeBank bank = bank(new float[] {-5f, -4f}, hourWithPeaks());
        // the scenario that holds a pre-trained head (aHeadThatMeetsTheTargetOnlyBelowUsefulRecall...):
        // recall 0.5 is enough, fewer than the (random) start head would accept is no reason to hold
        BinaryHeadTask task = freshTask(bank, AlarmAction.PUBLISH_ONLY);
        HeadState s = task.newState("acme/alice/mine");
        task.apply(s, clip(2.5f), true, 1f, Split.TRAIN);
        task.apply(s, clip(4f), true, 1f, Split.TRAIN);
        task.publishIfDue(s, 1);
        assertThat(s.heldAtSource()).isFalse();
        assertThat(task.publishedThreshold(s)).isEqualTo(ThresholdCalibrator.threshold(3f, 2.5f, 0.5f));

        // one more positive below the calibration peak: recall 1/3 < 0.5, held, accepting nothing
        task.apply(s, clip(2.6f), true, 1f, Split.TRAIN);
        task.publishIfDue(s, 1);
        assertThat(s.heldAtSource()).isTrue();
        assertThat(s.heldReason())
                .startsWith("held: no trusted detector (a fresh start, so its version accepts nothing)")
                .contains("accepts 1 of the user's 3 positives; at least 50% are needed")
                .doesNotContain("source head");
        assertThat(task.publishedThreshold(s)).isEqualTo(BinaryHeadTask.NO_DETECTOR_THRESHOLD);

        HeadState none = task.newState("acme/bob/mine");
        task.apply(none, clip(-1f), false, 1f, Split.TRAIN);
        task.publishIfDue(none, 1);
        assertThat(none.heldReason()).isEqualTo("no positive sample of the user yet");
        assertThat(task.publishedThreshold(none)).isEqualTo(BinaryHeadTask.NO_DETECTOR_THRESHOLD);
    }

    @Test
    void aFreshStartRolledBackOrResetToItsStartAcceptsNothing() throws IOException {
        BinaryHeadTask task = freshTask(bank(new float[] {-5f, -4f}, hourWithPeaks()), AlarmAction.PROBATION);
        HeadState s = task.newState("acme/alice/mine");
        task.apply(s, clip(4f), true, 1f, Split.TRAIN);
        task.publishIfDue(s, 1);
        assertThat(task.publishedThreshold(s)).isLessThan(1f);
        task.operatorRollback(s, "operator");
        task.publishIfDue(s, 1);
        assertThat(task.publishedThreshold(s)).isEqualTo(BinaryHeadTask.NO_DETECTOR_THRESHOLD);
        task.sent(s);
        task.apply(s, clip(4f), true, 1f, Split.TRAIN);
        task.operatorReset(s, "operator");
        task.publishIfDue(s, 1);
        assertThat(task.publishedThreshold(s)).isEqualTo(BinaryHeadTask.NO_DETECTOR_THRESHOLD);
    }

    @Test
    void aUserWithoutPositivesKeepsTheSourceHead() throws IOException {
        BinaryHeadTask task = task(bank(new float[] {-5f, -4f}, hourWithPeaks()), 0.5, BankTraining.defaults());
        HeadState s = task.newState("acme/alice/wake");
        task.apply(s, clip(-1f), false, 1f, Split.TRAIN);
        task.publishIfDue(s, 1);
        assertThat(s.heldAtSource()).isTrue();
        assertThat(s.heldReason()).isEqualTo("no positive sample of the user yet");
    }

    @Test
    void theHardPoolHoldsTheTrainingWindowsTheHeadScoresHighestHighestFirst() throws IOException {
        float[] train = new float[100];
        for (int i = 0; i < train.length; i++) {
            train[i] = (i * 37) % 100; // a permutation of 0..99
        }
        NegativeBank bank = bank(train, hourWithPeaks());
        BinaryHeadTask task = task(bank, 0.5, BankTraining.defaults().withMining(2_000, 10));
        HeadState s = task.newState("acme/alice/wake");
        task.apply(s, clip(6f), true, 1f, Split.TRAIN);
        int[] expected = new int[10];
        for (int k = 0; k < 10; k++) {
            for (int i = 0; i < train.length; i++) {
                if (train[i] == 99 - k) {
                    expected[k] = i;
                }
            }
        }
        assertThat(s.hardPool()).containsExactly(expected);
        HeadState copy = s.copy();
        assertThat(copy.hardPool()).containsExactly(expected).isNotSameAs(s.hardPool());
    }

    @Test
    void theStateCodecKeepsThePoolAndTheHold() throws IOException {
        NegativeBank bank = bank(new float[] {-5f, 4f, 3f}, hourWithPeaks());
        BinaryHeadTask task = task(bank, 0.5, BankTraining.defaults());
        HeadState s = task.newState("acme/alice/wake");
        task.apply(s, clip(2.5f), true, 1f, Split.TRAIN);
        task.apply(s, clip(4f), true, 1f, Split.TRAIN);
        task.publishIfDue(s, 1);
        UserState user = new UserState(new UserKey("acme", "alice"), 16);
        user.heads().put("wake", s);
        UserState back =
                UserStateCodec.decode(UserStateCodec.encode(user, Map.of("wake", task)), Map.of("wake", task), 16);
        HeadState r = back.heads().get("wake");
        assertThat(r.hardPool()).containsExactly(s.hardPool());
        assertThat(r.heldAtSource()).isTrue();
        assertThat(r.heldReason()).isEqualTo(s.heldReason());
        assertThat(r.calibrationFalseAccepts()).isEqualTo(s.calibrationFalseAccepts());
        assertThat(r.calibrationHours()).isEqualTo(s.calibrationHours());
        assertThat(s.calibrationPool()).isNotEmpty();
        assertThat(r.calibrationPool()).containsExactly(s.calibrationPool());
        assertThat(r.calibrationPoolScores()).containsExactly(s.calibrationPoolScores());
        assertThat(s.calibrationSlice()).as("two training samples, two slices").isEqualTo(2);
        assertThat(r.calibrationSlice()).isEqualTo(s.calibrationSlice());

        // a record without a pool (written before pools existed), or with one that does not fit the
        // bank, restores with none: the next calibration starts from the source head's steps
        dev.headstream.schemas.v1.AdapterState stored = UserStateCodec.encode(user, Map.of("wake", task));
        java.util.function.UnaryOperator<dev.headstream.schemas.v1.HeadTrainingState.Builder> none =
                h -> h.clearCalibrationPool().clearCalibrationPoolScores().setCalibrationSlice(0);
        java.util.function.UnaryOperator<dev.headstream.schemas.v1.HeadTrainingState.Builder> outOfRange =
                h -> h.setCalibrationPool(0, HOUR + 5);
        java.util.function.UnaryOperator<dev.headstream.schemas.v1.HeadTrainingState.Builder> unscored =
                h -> h.clearCalibrationPoolScores();
        for (var change : List.of(none, outOfRange, unscored)) {
            dev.headstream.schemas.v1.AdapterState.Builder b = stored.toBuilder();
            change.apply(b.getHeadsBuilder(0));
            HeadState back2 = UserStateCodec.decode(b.build(), Map.of("wake", task), 16)
                    .heads()
                    .get("wake");
            assertThat(back2.calibrationPool()).isEmpty();
            assertThat(back2.calibrationSlice()).isZero();
            assertThat(back2.trainable()).containsExactly(s.trainable());
        }
    }

    @Test
    void eachTrainingSampleScoresOneSliceAndAPublicationScoresOnlyThePool() throws IOException {
        // peaks at steps 100, 110 (3), 5,000 (2) and 9,000 (1): all in the first of 4 slices of 11,250 steps
        NegativeBank bank = bank(new float[] {-5f, -4f}, hourWithPeaks());
        BinaryHeadTask task =
                task(bank, 0.5, BankTraining.defaults().withMinRecall(0f).withCalibration(2, 4));
        HeadState s = task.newState("acme/alice/wake");
        // a pool that misses the peaks, and the next training sample on the second slice
        s.replaceCalibrationPool(new int[] {20_000}, new float[] {-5f}, 1);
        float[] highestSeen = {-5f, -5f, -5f, 3f, 3f};
        int[] slices = {1, 2, 3, 0, 1};
        for (int i = 0; i < highestSeen.length; i++) {
            assertThat(s.calibrationSlice()).isEqualTo(slices[i]);
            task.apply(s, clip(6f), true, 1f, Split.TRAIN);
            int[] pool = s.calibrationPool();
            assertThat(task.publishIfDue(s, 1)).isTrue();
            assertThat(s.calibrationPool()).as("a publication leaves the pool").containsExactly(pool);
            assertThat(s.threshold())
                    .as("after sample %d, which scored slice %d", i, slices[i])
                    .isEqualTo(ThresholdCalibrator.threshold(highestSeen[i], 6f, 0.5f));
        }
        // once the slice with the peaks was scored, they stay in the pool with their scores
        assertThat(s.calibrationPool()).containsExactly(100, 110);
        assertThat(s.calibrationPoolScores()).containsExactly(3f, 3f);
        assertThat(s.calibrationSlice()).isEqualTo(2);
    }

    @Test
    void aNewHeadStartsFromTheSourceHeadsHighestStepsAndOneSliceScoresEveryStep() throws IOException {
        NegativeBank bank = bank(new float[] {-5f, -4f}, hourWithPeaks());
        BinaryHeadTask pooled =
                task(bank, 0.5, BankTraining.defaults().withMinRecall(0f).withCalibration(3, 8));
        HeadState s = pooled.newState("acme/alice/wake");
        pooled.apply(s, clip(6f), true, 1f, Split.TRAIN);
        pooled.publishIfDue(s, 1);
        // the pool started as the source head's highest three steps, and slice 0 holds them too
        assertThat(s.calibrationPool()).containsExactly(100, 110, 5_000);
        assertThat(s.threshold()).isEqualTo(ThresholdCalibrator.threshold(3f, 6f, 0.5f));

        BinaryHeadTask whole =
                task(bank, 0.5, BankTraining.defaults().withMinRecall(0f).withCalibration(3, 1));
        HeadState w = whole.newState("acme/alice/wake");
        w.replaceCalibrationPool(new int[] {20_000}, new float[] {-5f}, 5);
        whole.apply(w, clip(6f), true, 1f, Split.TRAIN);
        whole.publishIfDue(w, 1);
        assertThat(w.threshold()).isEqualTo(ThresholdCalibrator.threshold(3f, 6f, 0.5f));
        assertThat(w.calibrationPool())
                .as("every step scored: the pool is not used")
                .containsExactly(20_000);
        assertThat(w.calibrationSlice()).isEqualTo(5);
    }

    @Test
    void theThresholdDependsOnTheSamplesAloneNotOnWhenVersionsWerePublished() throws IOException {
        // a head that learns: step 30,000 scores -5 under the source head and rises as the head
        // trains on positives (4, 1) (its second input is 30); peaks of 3 at steps 100 and 110
        float[] z = hourWithPeaks();
        Path d = Files.createDirectories(dir.resolve("bank-rising"));
        float[] calibrationFrames = frames(z);
        calibrationFrames[2 * 30_000 + 1] = 30f;
        BankPart.write(
                d.resolve(NegativeBank.TRAIN_FILE),
                "b",
                2,
                List.of("v1"),
                List.of(new BankPart.Segment(0, 2)),
                List.of(frames(new float[] {-5f, -4f})));
        BankPart.write(
                d.resolve(NegativeBank.CALIBRATION_FILE),
                "b",
                2,
                List.of("v2"),
                List.of(new BankPart.Segment(0, z.length)),
                List.of(calibrationFrames));
        NegativeBank bank = NegativeBank.open(d);
        HeadRecipe learning =
                new HeadRecipe(1, HeadRecipe.OptimizerKind.ADAM, 0.1f, 0f, 10f, 1, 8, 1, 1, 1, 0.5f, true, 0);
        BankTraining pooled = BankTraining.defaults().withMinRecall(0f).withCalibration(3, 4);
        BinaryHeadTask task = new BinaryHeadTask(
                "wake",
                identity,
                learning,
                RehearsalSet.empty(),
                AlarmAction.PUBLISH_ONLY,
                0.5,
                BinaryHeadTask.prepareBank(bank, identity, learning),
                pooled);
        EmbeddingSequence positive = new EmbeddingSequence(1, 2, new float[] {4f, 1f});
        HeadState everySample = task.newState("acme/alice/wake");
        HeadState once = task.newState("acme/alice/wake");
        for (int i = 0; i < 8; i++) {
            task.apply(everySample, positive, true, 1f, Split.TRAIN);
            task.publishIfDue(everySample, 1);
            task.apply(once, positive, true, 1f, Split.TRAIN);
        }
        task.publishIfDue(once, 1);
        assertThat(once.trainable()).containsExactly(everySample.trainable());
        assertThat(task.publishedThreshold(once)).isEqualTo(task.publishedThreshold(everySample));
        assertThat(once.calibrationPool()).containsExactly(everySample.calibrationPool());
        assertThat(once.calibrationPool()).as("the rising step was seen").contains(30_000);
    }

    @Test
    void aBankOfAnotherBackboneOrEmbeddingSizeIsRefusedByName() throws IOException {
        NegativeBank bank = bank(new float[] {1f}, new float[] {1f});
        assertThatThrownBy(() -> bank.checkBackbone("other"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was embedded by backbone b, but this backbone is other");
        SourceHead wide = new SourceHead(
                "wide", "0".repeat(64), HeadArchitecture.builder(3).dense(1).build(), new float[] {1f, 0f, 0f, 0f});
        assertThatThrownBy(() -> BinaryHeadTask.prepareBank(bank, wide, frozen))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds embeddings of 2 floats; head wide reads 3");
    }

    @Test
    void logitsMatchMlpScoring() {
        // the identity head really scores a frame (z, 0) as z
        MlpHead head = new MlpHead(identity.architecture(), 1);
        assertThat(new ClipScorer(head, identity.parameters(), 1).maxLogit(null, clip(2.5f)))
                .isEqualTo(2.5f);
    }
}
