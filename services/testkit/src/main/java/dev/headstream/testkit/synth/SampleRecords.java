package dev.headstream.testkit.synth;

import com.google.protobuf.ByteString;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Pcm16Audio;
import dev.headstream.schemas.v1.Sample;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Wire form of synthetic clips: a {@link Sample} with PCM16 audio and a binary label for one task. */
public final class SampleRecords {

    public static final int SAMPLE_RATE_HZ = 16_000;

    private SampleRecords() {}

    /** The record key of {@code userId} in {@code tenant}. */
    public static String key(String tenant, String userId) {
        return tenant + "/" + userId;
    }

    public static Sample sample(String tenant, String task, SyntheticClip clip) {
        return Sample.newBuilder()
                .setSampleId(clip.sampleId())
                .setTenant(tenant)
                .setUser(clip.userId())
                .setAudio(audio(clip.pcm()))
                .putLabels(task, Label.newBuilder().setBinary(clip.positive()).build())
                .setSplit(
                        clip.split() == Split.HOLDOUT
                                ? dev.headstream.schemas.v1.Split.SPLIT_HOLDOUT
                                : dev.headstream.schemas.v1.Split.SPLIT_TRAIN)
                .build();
    }

    public static Pcm16Audio audio(short[] pcm) {
        ByteBuffer b = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(pcm);
        return Pcm16Audio.newBuilder()
                .setSampleRateHz(SAMPLE_RATE_HZ)
                .setPcm16Le(ByteString.copyFrom(b))
                .build();
    }
}
