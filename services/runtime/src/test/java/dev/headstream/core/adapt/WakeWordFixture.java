package dev.headstream.core.adapt;

import com.google.protobuf.ByteString;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.runtime.backbone.TestModels;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Pcm16Audio;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real pieces for adaptation tests: the wake-word backbone, the hey_jarvis source head, a small
 * rehearsal set of other speakers' speech, and samples of synthesized speech as raw records.
 * One instance per test class; {@link #close()} releases the backbone.
 */
public final class WakeWordFixture implements AutoCloseable {

    public static final String TASK = "wake";
    /** Two seconds: one 16-frame window; longer clips give the time-shift a few windows. */
    public static final int CLIP = 32_000;

    /** A recipe small enough for unit tests: every layer trains, 2 steps of 2 own + 2 rehearsal windows. */
    public static final HeadRecipe RECIPE =
            new HeadRecipe(5, HeadRecipe.OptimizerKind.ADAM, 1e-3f, 1e-2f, 10f, 2, 8, 2, 2, 16, 0.75f, true, 0);

    /** Other speakers' speech, none of it the wake phrase. */
    private static final String[][] BACKGROUND = {
        {"what time is it", "en-gb+f2"}, {"turn on the lights", "en-us+m4"}, {"play some music", "en-gb-x-rp+f3"},
        {"hey travis", "en-us+f2"}, {"good morning", "en-029+m1"}, {"set a timer for ten minutes", "en-us+f4"},
    };

    public final WakeWordBackbone backbone;
    public final SourceHead source;
    public final RehearsalSet rehearsal;

    public WakeWordFixture() {
        backbone = TestModels.backbone(WakeWordBackbone.EmbeddingMode.SEQUENCE);
        try {
            source = OnnxHeadImporter.importHead(TestModels.dir().resolve("hey_jarvis_v0.1.onnx"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<BackboneInput> clips = new ArrayList<>();
        for (String[] b : BACKGROUND) {
            clips.add(new BackboneInput.Audio(16_000, TestModels.speech(b[0], b[1], 36_000, 1_600)));
        }
        rehearsal = RehearsalSet.split(backbone.embed(clips), 3);
    }

    /** A fresh task (own trainer and scratch) on the shared source head and rehearsal set. */
    public BinaryHeadTask task() {
        return new BinaryHeadTask(TASK, source, RECIPE, rehearsal);
    }

    /** A fresh engine with a fresh task. */
    public AdaptationEngine engine() {
        SampleDecoder decoder = new SampleDecoder(1 << 20, backbone, Map.of(TASK, TaskKind.binary()));
        return new AdaptationEngine(backbone, decoder, Map.of(TASK, task()), 64);
    }

    public EmbeddingSequence embed(short[] pcm) {
        return backbone.embed(List.of(new BackboneInput.Audio(16_000, pcm))).get(0);
    }

    /** "hey jarvis" in {@code voice}; {@code variant} picks the clip length and position. */
    public static short[] wake(String voice, int variant) {
        return TestModels.speech("hey jarvis", voice, CLIP + 4_000 * (variant % 3), 800 + 1_600 * (variant % 2));
    }

    /** Other speech of {@code voice}. */
    public static short[] other(String voice, int variant) {
        String[] phrases = {"hey there how are you", "call my sister", "is it going to rain today"};
        return TestModels.speech(phrases[variant % phrases.length], voice, CLIP + 4_000 * (variant % 2), 1_600);
    }

    /** A sample record of {@code tenant/user} at {@code offset} of partition 0. */
    public static RawSample record(
            long offset, String tenant, String user, String id, short[] pcm, boolean positive, Split split) {
        Sample s = Sample.newBuilder()
                .setSampleId(id)
                .setTenant(tenant)
                .setUser(user)
                .setAudio(Pcm16Audio.newBuilder().setSampleRateHz(16_000).setPcm16Le(le(pcm)))
                .putLabels(TASK, Label.newBuilder().setBinary(positive).build())
                .setSplit(split)
                .build();
        return new RawSample(0, offset, (tenant + "/" + user).getBytes(StandardCharsets.UTF_8), s.toByteArray());
    }

    public static RawSample train(long offset, String tenant, String user, String id, short[] pcm, boolean positive) {
        return record(offset, tenant, user, id, pcm, positive, Split.SPLIT_TRAIN);
    }

    public static RawSample holdout(long offset, String tenant, String user, String id, short[] pcm, boolean positive) {
        return record(offset, tenant, user, id, pcm, positive, Split.SPLIT_HOLDOUT);
    }

    private static ByteString le(short[] pcm) {
        ByteBuffer b = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(pcm);
        return ByteString.copyFrom(b.array());
    }

    @Override
    public void close() {
        backbone.close();
    }
}
