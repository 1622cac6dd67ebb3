package dev.headstream.core.adapt.engine;

import dev.headstream.core.adapt.task.AlarmAction;
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
import java.util.List;
import java.util.Map;

/**
 * Engines small enough for plain unit tests of the engine's bookkeeping: a backbone that passes a
 * {@code [1, 2]} float tensor through as one embedding frame, and a task {@value #TASK} whose
 * source head is one Dense {@code [1, 0] . x} over one-frame windows. Samples are float tensors
 * {@code [z, 0]}: the source head's logit is {@code z}.
 */
final class TinyEngine {

    static final String TASK = "wake";

    static final SourceHead SOURCE = new SourceHead(
            "identity", "0".repeat(64), HeadArchitecture.builder(2).dense(1).build(), new float[] {1f, 0f, 0f});

    static final HeadRecipe RECIPE =
            new HeadRecipe(1, HeadRecipe.OptimizerKind.ADAM, 1e-2f, 0f, 10f, 1, 8, 1, 1, 1, 0.5f, true, 0);

    private TinyEngine() {}

    /** A task of {@link #RECIPE} on {@link #SOURCE}, with a named {@code sourceSha256}. */
    static BinaryHeadTask task(String sourceSha256) {
        return task(TASK, sourceSha256);
    }

    /** {@link #task(String)} named {@code name}. */
    static BinaryHeadTask task(String name, String sourceSha256) {
        SourceHead source = new SourceHead(SOURCE.id(), sourceSha256, SOURCE.architecture(), new float[] {1f, 0f, 0f});
        return new BinaryHeadTask(
                name,
                source,
                RECIPE,
                new RehearsalSet(List.of(), List.of(new EmbeddingSequence(1, 2, new float[] {-8f, 0f}))),
                AlarmAction.PUBLISH_ONLY,
                0);
    }

    /**
     * An engine holding at most {@code maxResidentUsers} users, on a source head of SHA-256
     * {@code sourceSha256}, on two worker threads (what one thread computes: {@link ParallelWorkersTest}).
     */
    static AdaptationEngine engine(int maxResidentUsers, String sourceSha256) {
        Backbone backbone = new TensorBackbone("pass-through", "1".repeat(64), 1, 2);
        SampleDecoder decoder = new SampleDecoder(1 << 16, backbone, Map.of(TASK, TaskKind.binary()));
        return new AdaptationEngine(
                backbone,
                decoder,
                Map.of(TASK, task(sourceSha256)),
                64,
                1,
                AdaptationEngine.OnlineRehearsal.OFF,
                RateLimit.OFF,
                maxResidentUsers,
                2);
    }

    /** An engine holding at most {@code maxResidentUsers} users, on {@link #SOURCE}. */
    static AdaptationEngine engine(int maxResidentUsers) {
        return engine(maxResidentUsers, SOURCE.sha256());
    }

    /** A training sample {@code [z, 0]} of {@code tenant/user} at {@code offset} of {@code partition}. */
    static RawSample sample(int partition, long offset, String user, String id, float z, boolean positive) {
        Sample s = Sample.newBuilder()
                .setSampleId(id)
                .setTensor(FloatTensor.newBuilder()
                        .addShape(1)
                        .addShape(2)
                        .addValues(z)
                        .addValues(0f))
                .putLabels(TASK, Label.newBuilder().setBinary(positive).build())
                .build();
        return new RawSample(partition, offset, key(user), s.toByteArray());
    }

    /** A control record of {@code action} for {@code tenant/user} on {@code partition} (all tasks). */
    static RawSample control(int partition, long offset, String user, ControlAction action) {
        String[] tu = user.split("/");
        Control c = Control.newBuilder()
                .setTenant(tu[0])
                .setUser(tu[1])
                .setAction(action)
                .setReason("test")
                .build();
        return new RawSample(partition, offset, key(user), c.toByteArray());
    }

    private static byte[] key(String user) {
        return user.getBytes(StandardCharsets.UTF_8);
    }
}
