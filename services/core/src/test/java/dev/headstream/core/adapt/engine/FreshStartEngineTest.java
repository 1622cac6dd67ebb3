package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.SmallEngine.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.task.AlarmAction;
import dev.headstream.core.adapt.task.BankTraining;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.FloatTensor;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Sample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A binary task that starts from a fresh, seeded head (hey_jarvis's architecture, He-random
 * weights) on 96-float embedding frames in 16-frame windows, with the default recipe and a negative
 * bank: no version it publishes while held at its start accepts anything, and once the user's own
 * head is good enough its versions carry a calibrated threshold.
 */
class FreshStartEngineTest {

    private static final int DIM = 96;
    private static final int FRAMES = 20;
    private static final String TASK = "mine";

    /** openWakeWord's wake-word head: 16 x 96 -> 128 -> LayerNorm -> ReLU -> 128 -> LayerNorm -> ReLU -> 1. */
    private static final HeadArchitecture HEY_JARVIS = HeadArchitecture.builder(16 * DIM)
            .dense(128)
            .layerNorm(1e-5f)
            .relu()
            .dense(128)
            .layerNorm(1e-5f)
            .relu()
            .dense(1)
            .build();

    @TempDir
    Path dir;

    /** The phrase's direction in embedding space: what every positive frame carries on top of speech. */
    private static final float[] PHRASE = pattern();

    private static float[] pattern() {
        SplittableRandom r = new SplittableRandom(99);
        float[] p = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            p[i] = (float) (1.5 * r.nextGaussian());
        }
        return p;
    }

    /** {@code frames} frames of "speech": N(0, 1) per value, plus the phrase where {@code positive}. */
    private static float[] frames(long seed, int frames, boolean positive) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[frames * DIM];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian() + (positive ? PHRASE[i % DIM] : 0f);
        }
        return v;
    }

    private NegativeBank bank() throws IOException {
        BankPart.write(
                dir.resolve(NegativeBank.TRAIN_FILE),
                "0".repeat(64),
                DIM,
                List.of("v1"),
                List.of(new BankPart.Segment(0, 2_000)),
                List.of(frames(1, 2_000, false)));
        BankPart.write(
                dir.resolve(NegativeBank.CALIBRATION_FILE),
                "0".repeat(64),
                DIM,
                List.of("v2"),
                List.of(new BankPart.Segment(0, 3_000)),
                List.of(frames(2, 3_000, false)));
        return NegativeBank.open(dir);
    }

    private static RawSample record(long offset, boolean positive) {
        FloatTensor.Builder t = FloatTensor.newBuilder().addShape(FRAMES).addShape(DIM);
        for (float v : frames(1_000 + offset, FRAMES, positive)) {
            t.addValues(v);
        }
        Sample s = Sample.newBuilder()
                .setSampleId("s" + offset)
                .setTenant("acme")
                .setUser("alice")
                .setTensor(t)
                .putLabels(TASK, Label.newBuilder().setBinary(positive).build())
                .build();
        return new RawSample(0, offset, SmallEngine.key("acme/alice"), s.toByteArray());
    }

    /** The engine's outputs for one user's 17 samples: its head versions, then its last metrics record. */
    private record Run(List<HeadUpdate> versions, AdaptationMetrics last) {}

    private Run run(SourceHead fresh) throws IOException {
        HeadRecipe recipe = HeadRecipe.wakeWordDefault();
        BinaryHeadTask task = new BinaryHeadTask(
                TASK,
                fresh,
                recipe,
                RehearsalSet.empty(),
                AlarmAction.PROBATION,
                0.5,
                BinaryHeadTask.prepareBank(bank(), fresh, recipe),
                BankTraining.defaults());
        TensorBackbone backbone = new TensorBackbone("identity", "0".repeat(64), FRAMES, DIM);
        AdaptationEngine engine = new AdaptationEngine(
                backbone,
                new SampleDecoder(1 << 20, backbone, Map.of(TASK, TaskKind.binary())),
                Map.of(TASK, task),
                64,
                1,
                AdaptationEngine.OnlineRehearsal.OFF,
                RateLimit.OFF,
                AdaptationEngine.UNBOUNDED,
                1);

        List<HeadUpdate> versions = new ArrayList<>();
        AdaptationMetrics last = null;
        // a negative first (held: no positive yet), then positives and negatives in turn
        for (long offset = 0; offset < 17; offset++) {
            BatchResult r = engine.process(List.of(record(offset, offset % 2 == 1)), NOW + offset);
            versions.addAll(r.heads());
            last = r.metrics().get(r.metrics().size() - 1);
            engine.commit(r);
        }
        return new Run(versions, last);
    }

    @Test
    void heldVersionsAcceptNothingAndTheUsersOwnHeadIsPublishedWithACalibratedThreshold() throws IOException {
        SourceHead fresh = SourceHead.initialized("fresh:7:hey_jarvis_v0.1", HEY_JARVIS, SourceHead.Init.RANDOM, 7);
        assertThat(fresh.fresh()).isTrue();
        Run run = run(fresh);
        List<HeadUpdate> versions = run.versions();
        AdaptationMetrics last = run.last();

        assertThat(versions).hasSize(17);
        assertThat(versions).allSatisfy(v -> {
            assertThat(v.getProvenance().getSourceHeadId()).isEqualTo("fresh:7:hey_jarvis_v0.1");
            assertThat(v.getProvenance().getSourceHeadSha256()).isEqualTo(fresh.sha256());
        });
        HeadUpdate first = versions.get(0);
        assertThat(first.getHeldAtSource()).isTrue();
        assertThat(first.getStatusReason()).isEqualTo("no positive sample of the user yet");
        List<HeadUpdate> held =
                versions.stream().filter(HeadUpdate::getHeldAtSource).toList();
        List<HeadUpdate> unheld =
                versions.stream().filter(v -> !v.getHeldAtSource()).toList();
        assertThat(held)
                .as("every held version accepts nothing")
                .allSatisfy(v -> assertThat(v.getThreshold()).isEqualTo(BinaryHeadTask.NO_DETECTOR_THRESHOLD));
        assertThat(unheld)
                .as("the user's head gets good enough on a phrase this plain")
                .isNotEmpty();
        assertThat(unheld).allSatisfy(v -> assertThat(v.getThreshold()).isStrictlyBetween(0f, 1f));
        assertThat(versions.get(versions.size() - 1).getHeldAtSource()).isFalse();
        assertThat(last.getSourcePrequential().getTruePositives()
                        + last.getSourcePrequential().getFalsePositives())
                .as("the random start's scores never count as accepted")
                .isZero();
        assertThat(last.getAdaptedPrequential().getTruePositives()).isPositive();

        // a replay rebuilds the fresh start from its seed and gets the same versions, byte for byte
        SourceHead again = SourceHead.initialized("fresh:7:hey_jarvis_v0.1", HEY_JARVIS, SourceHead.Init.RANDOM, 7);
        assertThat(run(again).versions()).isEqualTo(versions);
    }
}
