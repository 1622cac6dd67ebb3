package dev.headstream.core.backbone;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.headstream.core.onnx.SequenceEmbeddingGraph;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * openWakeWord's audio front end as a frozen backbone: 16 kHz PCM in, one 96-float embedding per
 * 80 ms out.
 *
 * <p>Per clip: {@code melspectrogram.onnx} on the clip alone (its graph takes a max over all axes
 * as an 80 dB floor, so batching clips would couple each clip to the loudest one), then
 * {@code x / 10 + 2}. Embeddings come from {@code embedding_model.onnx} over 76-frame mel
 * windows that slide by 8 frames. Two equivalent ways are offered: {@link EmbeddingMode#WINDOWED}
 * stacks the windows of all clips of a call into one batched run; {@link EmbeddingMode#SEQUENCE}
 * runs a rewritten graph ({@link SequenceEmbeddingGraph}) once over each clip's whole mel sequence,
 * which avoids recomputing the overlap. Both give identical embeddings (a test holds this).
 *
 * <p>Thread-safe; one instance per process. {@link #close()} is idempotent.
 */
public final class WakeWordBackbone implements Backbone {

    public static final int SAMPLE_RATE_HZ = 16_000;
    public static final int MEL_BINS = 32;
    public static final int WINDOW_MEL_FRAMES = 76;
    public static final int MEL_STRIDE = 8;
    public static final int EMBEDDING_DIM = 96;
    /** Samples per mel frame (10 ms hop). */
    public static final int HOP_SAMPLES = 160;
    /** Samples under one mel frame (STFT window, no padding). */
    public static final int FFT_SAMPLES = 512;

    /** How embeddings are computed from a clip's mel frames. */
    public enum EmbeddingMode { WINDOWED, SEQUENCE }

    private final OrtEnvironment env;
    private final OrtSession mel;
    private final OrtSession windowed;
    private final OrtSession sequence;
    private final String melInput;
    private final String windowedInput;
    private final String sequenceInput;
    private final EmbeddingMode mode;
    private final int maxSamples;
    private final BackboneInfo info;
    private volatile boolean closed;

    /**
     * Loads both models and checks their contract.
     *
     * @param melModel       {@code melspectrogram.onnx}
     * @param embeddingModel {@code embedding_model.onnx}
     * @param mode           how embeddings are computed
     * @param maxSeconds     longest clip accepted
     * @throws IllegalArgumentException if a model does not have the expected inputs and outputs
     */
    public WakeWordBackbone(ModelFile melModel, ModelFile embeddingModel, ExecutionOptions options,
            EmbeddingMode mode, double maxSeconds) {
        this.env = OrtEnvironment.getEnvironment();
        this.mode = mode;
        this.maxSamples = (int) Math.round(maxSeconds * SAMPLE_RATE_HZ);
        OrtSessions.Created m = OrtSessions.create(env, melModel.bytes(), melModel.id(), options);
        OrtSessions.Created w = OrtSessions.create(env, embeddingModel.bytes(), embeddingModel.id(), options);
        this.mel = m.session();
        this.windowed = w.session();
        try {
            this.melInput = checkContract(mel, melModel.id(), 2, new long[] {-1, -1}, 4, MEL_BINS);
            this.windowedInput = checkContract(windowed, embeddingModel.id(), 4,
                    new long[] {-1, WINDOW_MEL_FRAMES, MEL_BINS, 1}, 4, EMBEDDING_DIM);
            if (mode == EmbeddingMode.SEQUENCE) {
                this.sequence = OrtSessions.create(env, SequenceEmbeddingGraph.rewrite(embeddingModel.bytes()),
                        embeddingModel.id() + "(sequence)", options).session();
                this.sequenceInput = sequence.getInputNames().iterator().next();
            } else {
                this.sequence = null;
                this.sequenceInput = null;
            }
        } catch (OrtException e) {
            close();
            throw new IllegalArgumentException("cannot read model metadata: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.info = new BackboneInfo("openwakeword-" + embeddingModel.id(),
                ModelFile.sha256((melModel.sha256() + embeddingModel.sha256()).getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                EMBEDDING_DIM, w.provider());
    }

    private static String checkContract(OrtSession s, String name, int inRank, long[] inShape, int outRank, int outLast)
            throws OrtException {
        if (s.getNumInputs() != 1 || s.getNumOutputs() != 1) {
            throw new IllegalArgumentException("model " + name + " must have 1 input and 1 output, has "
                    + s.getNumInputs() + " and " + s.getNumOutputs());
        }
        Map.Entry<String, NodeInfo> in = s.getInputInfo().entrySet().iterator().next();
        long[] shape = ((TensorInfo) in.getValue().getInfo()).getShape();
        if (shape.length != inRank) {
            throw new IllegalArgumentException("model " + name + " input " + in.getKey() + " has rank " + shape.length
                    + ", expected " + inRank + " " + Arrays.toString(inShape));
        }
        for (int i = 0; i < inRank; i++) {
            if (inShape[i] > 0 && shape[i] != inShape[i]) {
                throw new IllegalArgumentException("model " + name + " input " + in.getKey() + " has shape "
                        + Arrays.toString(shape) + ", expected " + Arrays.toString(inShape));
            }
        }
        long[] out = ((TensorInfo) s.getOutputInfo().values().iterator().next().getInfo()).getShape();
        if (out.length != outRank || out[outRank - 1] != outLast) {
            throw new IllegalArgumentException("model " + name + " output has shape " + Arrays.toString(out)
                    + ", expected rank " + outRank + " ending in " + outLast);
        }
        return in.getKey();
    }

    @Override
    public BackboneInfo info() {
        return info;
    }

    /** Mel frames the front end yields for {@code samples} samples. */
    public static int melFrames(int samples) {
        return samples < FFT_SAMPLES ? 0 : (samples - FFT_SAMPLES) / HOP_SAMPLES + 1;
    }

    /** Embedding frames for a clip of {@code samples} samples. */
    public static int embeddingFrames(int samples) {
        int mel = melFrames(samples);
        return mel < WINDOW_MEL_FRAMES ? 0 : (mel - WINDOW_MEL_FRAMES) / MEL_STRIDE + 1;
    }

    /** Shortest clip, in samples, that yields {@code frames} embedding frames. */
    public static int samplesFor(int frames) {
        return FFT_SAMPLES + (WINDOW_MEL_FRAMES + (frames - 1) * MEL_STRIDE - 1) * HOP_SAMPLES;
    }

    @Override
    public void validate(BackboneInput input) {
        if (!(input instanceof BackboneInput.Audio audio)) {
            throw new IllegalArgumentException("the wake-word backbone takes PCM16 audio, got a float tensor");
        }
        if (audio.sampleRateHz() != SAMPLE_RATE_HZ) {
            throw new IllegalArgumentException("audio must be " + SAMPLE_RATE_HZ + " Hz, got " + audio.sampleRateHz());
        }
        int min = samplesFor(1);
        if (audio.pcm().length < min) {
            throw new IllegalArgumentException("audio has " + audio.pcm().length + " samples; at least " + min
                    + " are needed for one embedding");
        }
        if (audio.pcm().length > maxSamples) {
            throw new IllegalArgumentException("audio has " + audio.pcm().length + " samples; at most " + maxSamples
                    + " are accepted");
        }
    }

    @Override
    public List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs) {
        ensureOpen();
        List<float[]> mels = new ArrayList<>(inputs.size());
        for (BackboneInput in : inputs) {
            validate(in);
            mels.add(melFrames(((BackboneInput.Audio) in).pcm()));
        }
        try {
            return mode == EmbeddingMode.SEQUENCE ? embedSequences(mels) : embedWindows(mels);
        } catch (OrtException e) {
            throw new IllegalStateException("embedding model run failed: " + e.getMessage(), e);
        }
    }

    /** The clip's mel frames ({@code frames x 32}, already scaled {@code x/10+2}); runs the mel model on this clip alone. */
    public float[] melFrames(short[] pcm) {
        ensureOpen();
        FloatBuffer buf = direct(pcm.length);
        for (short s : pcm) {
            buf.put(s);
        }
        buf.flip();
        try (OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {1, pcm.length});
                OrtSession.Result r = mel.run(Map.of(melInput, t))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] v = new float[out.remaining()];
            out.get(v);
            if (v.length % MEL_BINS != 0 || v.length / MEL_BINS != melFrames(pcm.length)) {
                throw new IllegalStateException("mel model returned " + v.length + " floats for " + pcm.length
                        + " samples; expected " + melFrames(pcm.length) + " x " + MEL_BINS);
            }
            for (int i = 0; i < v.length; i++) {
                v[i] = v[i] / 10f + 2f;
            }
            return v;
        } catch (OrtException e) {
            throw new IllegalStateException("mel model run failed: " + e.getMessage(), e);
        }
    }

    private List<EmbeddingSequence> embedWindows(List<float[]> mels) throws OrtException {
        int total = 0;
        int[] counts = new int[mels.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = (mels.get(i).length / MEL_BINS - WINDOW_MEL_FRAMES) / MEL_STRIDE + 1;
            total += counts[i];
        }
        List<EmbeddingSequence> result = new ArrayList<>(mels.size());
        if (total == 0) {
            return result;
        }
        int windowFloats = WINDOW_MEL_FRAMES * MEL_BINS;
        FloatBuffer buf = direct(total * windowFloats);
        for (int i = 0; i < counts.length; i++) {
            float[] m = mels.get(i);
            for (int w = 0; w < counts[i]; w++) {
                buf.put(m, w * MEL_STRIDE * MEL_BINS, windowFloats);
            }
        }
        buf.flip();
        float[] all = new float[total * EMBEDDING_DIM];
        try (OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {total, WINDOW_MEL_FRAMES, MEL_BINS, 1});
                OrtSession.Result r = windowed.run(Map.of(windowedInput, t))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            if (out.remaining() != all.length) {
                throw new IllegalStateException("embedding model returned " + out.remaining() + " floats, expected "
                        + all.length);
            }
            out.get(all);
        }
        int at = 0;
        for (int count : counts) {
            result.add(new EmbeddingSequence(count, EMBEDDING_DIM,
                    Arrays.copyOfRange(all, at * EMBEDDING_DIM, (at + count) * EMBEDDING_DIM)));
            at += count;
        }
        return result;
    }

    private List<EmbeddingSequence> embedSequences(List<float[]> mels) throws OrtException {
        List<EmbeddingSequence> result = new ArrayList<>(mels.size());
        for (float[] m : mels) {
            int frames = m.length / MEL_BINS;
            int n = (frames - WINDOW_MEL_FRAMES) / MEL_STRIDE + 1;
            // Frames past the last whole window would only produce a partial window; drop them.
            int used = WINDOW_MEL_FRAMES + (n - 1) * MEL_STRIDE;
            FloatBuffer buf = direct(used * MEL_BINS);
            buf.put(m, 0, used * MEL_BINS).flip();
            float[] channelMajor = new float[n * EMBEDDING_DIM];
            try (OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {1, used, MEL_BINS, 1});
                    OrtSession.Result r = sequence.run(Map.of(sequenceInput, t))) {
                FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
                if (out.remaining() != channelMajor.length) {
                    throw new IllegalStateException("sequence embedding returned " + out.remaining()
                            + " floats, expected " + channelMajor.length);
                }
                out.get(channelMajor);
            }
            float[] v = new float[channelMajor.length];
            for (int c = 0; c < EMBEDDING_DIM; c++) {
                for (int f = 0; f < n; f++) {
                    v[f * EMBEDDING_DIM + c] = channelMajor[c * n + f];
                }
            }
            result.add(new EmbeddingSequence(n, EMBEDDING_DIM, v));
        }
        return result;
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("backbone is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (OrtSession s : new OrtSession[] {mel, windowed, sequence}) {
            if (s != null) {
                try {
                    s.close();
                } catch (OrtException e) {
                    throw new IllegalStateException("cannot close ONNX session: " + e.getMessage(), e);
                }
            }
        }
    }
}
