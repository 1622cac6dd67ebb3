package dev.headstream.runtime.backbone;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A plain, step-by-step re-statement of openWakeWord's streaming runtime (its Python
 * {@code AudioFeatures._streaming_features} and {@code Model.predict}), kept deliberately simple
 * to check the product's fast paths against: audio arrives in 1,280-sample chunks; each chunk
 * runs the unmodified {@code melspectrogram.onnx} on the newest 1,280 samples plus up to 480
 * samples before them, alone; the frames (scaled {@code x/10+2}) are appended to a buffer; once
 * it holds 76 frames of real audio, the unmodified {@code embedding_model.onnx} embeds the
 * newest 76 frames; once 16 embeddings exist, a head scores the newest 16, every step.
 *
 * <p>The runtime pre-fills its buffers with placeholder frames (ones, and embeddings of random
 * noise) so that it can score from the first step; this reference only reports steps whose
 * inputs are all real audio. Not thread-safe; close it.
 */
public final class StreamingReference implements AutoCloseable {

    /** A head run by ONNX Runtime: {@code [1, 16, 96]} in, one score out. */
    public interface StepHead {
        float score(float[] window16x96);
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession mel;
    private final OrtSession embedding;

    public StreamingReference(Path models) {
        try {
            OrtSession.SessionOptions so = new OrtSession.SessionOptions();
            so.setIntraOpNumThreads(1);
            mel = env.createSession(models.resolve("melspectrogram.onnx").toString(), so);
            embedding = env.createSession(models.resolve("embedding_model.onnx").toString(), so);
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every embedding the runtime computes from real audio, one per step from the 10th on, in order. */
    public List<float[]> embeddings(short[] pcm) {
        List<float[]> melBuffer = new ArrayList<>();
        List<float[]> out = new ArrayList<>();
        for (int end = 1_280; end <= pcm.length; end += 1_280) {
            int start = Math.max(0, end - 1_280 - 480);
            for (float[] frame : melOf(Arrays.copyOfRange(pcm, start, end))) {
                melBuffer.add(frame);
            }
            if (melBuffer.size() >= 76) {
                out.add(embed(melBuffer.subList(melBuffer.size() - 76, melBuffer.size())));
            }
        }
        return out;
    }

    /** The head's score at every step where 16 real embeddings exist. */
    public float[] scores(short[] pcm, StepHead head) {
        List<float[]> e = embeddings(pcm);
        float[] s = new float[Math.max(0, e.size() - 15)];
        float[] window = new float[16 * 96];
        for (int i = 0; i < s.length; i++) {
            for (int k = 0; k < 16; k++) {
                System.arraycopy(e.get(i + k), 0, window, k * 96, 96);
            }
            s[i] = head.score(window);
        }
        return s;
    }

    private List<float[]> melOf(short[] chunk) {
        float[] in = new float[chunk.length];
        for (int i = 0; i < chunk.length; i++) {
            in[i] = chunk[i];
        }
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(in), new long[] {1, in.length});
                OrtSession.Result r =
                        mel.run(Map.of(mel.getInputNames().iterator().next(), t))) {
            float[][][][] v = (float[][][][]) r.get(0).getValue();
            List<float[]> frames = new ArrayList<>();
            for (float[] f : v[0][0]) {
                float[] scaled = new float[f.length];
                for (int j = 0; j < f.length; j++) {
                    scaled[j] = f[j] / 10f + 2f;
                }
                frames.add(scaled);
            }
            return frames;
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    private float[] embed(List<float[]> frames) {
        float[] in = new float[76 * 32];
        for (int i = 0; i < 76; i++) {
            System.arraycopy(frames.get(i), 0, in, i * 32, 32);
        }
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(in), new long[] {1, 76, 32, 1});
                OrtSession.Result r = embedding.run(
                        Map.of(embedding.getInputNames().iterator().next(), t))) {
            float[][][][] v = (float[][][][]) r.get(0).getValue();
            return v[0][0][0].clone();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            mel.close();
            embedding.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
