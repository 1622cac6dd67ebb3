package dev.headstream.core.adapt.engine;

import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.FloatTensor;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Sample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An adaptation engine small enough for core tests, without native models: a backbone that takes a
 * {@code [FRAMES, DIM]} float tensor as its own embedding sequence, and one binary task {@value #TASK}
 * on a hand-built MLP head reading {@value #WINDOW} frames.
 */
final class SmallEngine {

    static final String TASK = "wake";
    static final int DIM = 4;
    static final int WINDOW = 2;
    static final int FRAMES = WINDOW + 2;
    static final long NOW = 1_700_000_000_000L;

    private SmallEngine() {}

    private static final HeadArchitecture ARCH =
            HeadArchitecture.builder(DIM * WINDOW).dense(6).relu().dense(1).build();

    /** The source head: random weights, seeded. */
    static SourceHead source() {
        SplittableRandom r = new SplittableRandom(1);
        float[] p = new float[ARCH.parameterCount()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (r.nextDouble() - 0.5);
        }
        return new SourceHead("small", "0".repeat(64), ARCH, p);
    }

    /** A reference set of 4 + 4 negative clips. */
    static RehearsalSet rehearsal() {
        List<EmbeddingSequence> train = new ArrayList<>();
        List<EmbeddingSequence> calibration = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            train.add(clip(100 + i, -2f));
            calibration.add(clip(200 + i, -2f));
        }
        return new RehearsalSet(train, calibration);
    }

    private static BinaryHeadTask task() {
        HeadRecipe recipe =
                new HeadRecipe(2, HeadRecipe.OptimizerKind.ADAM, 1e-2f, 1e-3f, 10f, 2, 8, 2, 2, WINDOW, 0.5f, true, 0);
        return new BinaryHeadTask(TASK, source(), recipe, rehearsal());
    }

    private static EmbeddingSequence clip(long seed, float bias) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[FRAMES * DIM];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() - 0.5) + (i % DIM == 0 ? bias : 0f);
        }
        return new EmbeddingSequence(FRAMES, DIM, v);
    }

    /** An engine with {@code online} rehearsal and no rate limit. */
    static AdaptationEngine engine(AdaptationEngine.OnlineRehearsal online) {
        return engine(online, RateLimit.OFF, 1);
    }

    /** An engine with {@code online} rehearsal and {@code rateLimit}, on {@code workers} threads. */
    static AdaptationEngine engine(AdaptationEngine.OnlineRehearsal online, RateLimit rateLimit, int workers) {
        return engine(new TensorBackbone("identity", "0".repeat(64), FRAMES, DIM), online, rateLimit, workers);
    }

    /** An engine on {@code backbone} (taking {@code [FRAMES, DIM]} tensors), on {@code workers} threads. */
    static AdaptationEngine engine(Backbone backbone, int workers) {
        return engine(backbone, AdaptationEngine.OnlineRehearsal.OFF, RateLimit.OFF, workers);
    }

    private static AdaptationEngine engine(
            Backbone backbone, AdaptationEngine.OnlineRehearsal online, RateLimit rateLimit, int workers) {
        return engine(task(), backbone, online, rateLimit, workers);
    }

    /** An engine running {@code task} (named {@value #TASK}), on {@code workers} threads. */
    static AdaptationEngine engine(BinaryHeadTask task, int workers) {
        return engine(
                task,
                new TensorBackbone("identity", "0".repeat(64), FRAMES, DIM),
                AdaptationEngine.OnlineRehearsal.OFF,
                RateLimit.OFF,
                workers);
    }

    private static AdaptationEngine engine(
            BinaryHeadTask task,
            Backbone backbone,
            AdaptationEngine.OnlineRehearsal online,
            RateLimit rateLimit,
            int workers) {
        SampleDecoder decoder = new SampleDecoder(1 << 20, backbone, Map.of(TASK, TaskKind.binary()));
        return new AdaptationEngine(
                backbone, decoder, Map.of(TASK, task), 64, 1, online, rateLimit, AdaptationEngine.UNBOUNDED, workers);
    }

    /** An engine without online rehearsal. */
    static AdaptationEngine engine() {
        return engine(AdaptationEngine.OnlineRehearsal.OFF);
    }

    /** A valid training sample of {@code tenant/user} with a {@value #TASK} label. */
    static Sample.Builder sample(String tenant, String user, String id, boolean positive) {
        EmbeddingSequence e = clip(id.hashCode(), positive ? 2f : -2f);
        FloatTensor.Builder t = FloatTensor.newBuilder().addShape(FRAMES).addShape(DIM);
        for (float v : e.values()) {
            t.addValues(v);
        }
        return Sample.newBuilder()
                .setSampleId(id)
                .setTenant(tenant)
                .setUser(user)
                .setTensor(t)
                .putLabels(TASK, Label.newBuilder().setBinary(positive).build());
    }

    /** {@code sample} as a record on {@code partition} under the key {@code tenant/user}. */
    static RawSample record(int partition, long offset, Sample.Builder sample) {
        return record(partition, offset, key(sample.getTenant() + "/" + sample.getUser()), sample);
    }

    /** {@code sample} as a record on {@code partition} under {@code key}. */
    static RawSample record(int partition, long offset, byte[] key, Sample.Builder sample) {
        return new RawSample(partition, offset, key, sample.build().toByteArray());
    }

    /** A control record for {@code tenant/user} on {@code partition}. */
    static RawSample control(int partition, long offset, String tenant, String user, ControlAction action) {
        Control c = Control.newBuilder()
                .setTenant(tenant)
                .setUser(user)
                .setAction(action)
                .build();
        return new RawSample(partition, offset, key(tenant + "/" + user), c.toByteArray());
    }

    static byte[] key(String k) {
        return k.getBytes(StandardCharsets.UTF_8);
    }
}
