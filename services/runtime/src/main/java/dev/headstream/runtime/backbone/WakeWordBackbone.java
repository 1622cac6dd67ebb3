package dev.headstream.runtime.backbone;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.ExecutionOptions;
import dev.headstream.core.embed.FrontEndFrames;
import dev.headstream.core.embed.ModelFile;
import dev.headstream.runtime.onnx.MelBatchGraph;
import dev.headstream.runtime.onnx.SequenceEmbeddingGraph;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * openWakeWord's audio front end as a frozen backbone: 16 kHz PCM in, one 96-float embedding per
 * 80 ms out.
 *
 * <p>The {@link FrontEnd#STREAMING} front end (the default) computes what openWakeWord's
 * streaming runtime computes (its Python {@code AudioFeatures}, fed 1,280-sample chunks): every
 * 80 ms step runs {@code melspectrogram.onnx} on the newest 1,280 samples plus 480 samples of
 * left context (the first step has no context), so the graph's 80 dB floor, which is relative
 * to the loudest value of its input, is per step; then {@code x / 10 + 2}. The steps' mel frames
 * lie on one 10 ms grid (5 frames from the first step, 8 from each later one); from the 10th step
 * on, the runtime embeds the newest 76 frames, so its windows start at mel frame 1, 9, 17, ...
 * A clip of {@code K} whole steps (trailing samples that do not fill a step are not used) gives
 * {@code K - 9} embeddings, each the one the runtime computes at the end of a step. Since the
 * floor is per row, the steps of a clip go through one batched run of a rewritten mel graph
 * ({@link MelBatchGraph}) that normalizes each row on its own. {@link FrontEnd#CLIP} runs the
 * mel model once over a whole clip instead (one floor per clip; windows from mel frame 0).
 *
 * <p>Either way a clip's mel frames never share a run with another clip's, since the original
 * graph's maximum would couple them. Embeddings come from {@code embedding_model.onnx} over
 * 76-frame mel windows that slide by 8 frames. Two equivalent ways are offered:
 * {@link EmbeddingMode#WINDOWED} stacks the windows into batched runs; {@link EmbeddingMode#SEQUENCE}
 * runs a rewritten graph ({@link SequenceEmbeddingGraph}) over a whole mel sequence, which
 * avoids recomputing the overlap. Both give identical embeddings (a test holds this). Long audio
 * ({@link #embedStream}) is embedded in chunks that give the same windows; live audio is embedded
 * as it arrives by a {@link Stream} ({@link #openStream}), with the same embeddings as one
 * {@code embedStream} over the whole of it.
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
    /** Samples one streaming step adds: 80 ms. */
    public static final int STEP_SAMPLES = 1_280;
    /** Samples of left context a streaming step's mel run also reads. */
    public static final int CONTEXT_SAMPLES = 480;
    /** Steps before the streaming runtime holds a whole 76-frame window (5 + 8 x 9 = 77 frames). */
    public static final int WARM_UP_STEPS = 9;
    /** Embeddings computed per run of the sequence graph on long audio. */
    static final int EMBEDDINGS_PER_CHUNK = 512;
    /** Streaming steps per batched mel run. */
    static final int STEPS_PER_MEL_RUN = 256;

    private static final float[] NO_EMBEDDINGS = new float[0];

    /** How embeddings are computed from a clip's mel frames. */
    public enum EmbeddingMode {
        WINDOWED,
        SEQUENCE
    }

    /** How mel frames are computed from audio. */
    public enum FrontEnd {
        /** Per 80 ms step with 480 samples of context, as openWakeWord's streaming runtime. */
        STREAMING,
        /** The whole clip in one mel run. */
        CLIP
    }

    private final OrtEnvironment env;
    private final OrtSession mel;
    private final OrtSession melRows;
    private final OrtSession windowed;
    private final OrtSession sequence;
    private final String melInput;
    private final String melRowsInput;
    private final String windowedInput;
    private final String sequenceInput;
    private final EmbeddingMode mode;
    private final FrontEnd frontEnd;
    private final int maxSamples;
    private final BackboneInfo info;
    private volatile boolean closed;

    /** File name of the mel model in a models directory. */
    public static final String MEL_MODEL = "melspectrogram.onnx";

    /** File name of the embedding model in a models directory. */
    public static final String EMBEDDING_MODEL = "embedding_model.onnx";

    /**
     * The backbone the adapter runs by default (the backbone settings of {@link EngineSpec#defaults}),
     * from the verified models in {@code modelsDir}.
     *
     * @param modelsDir the folder that {@code src/build/fetch-models.sh} filled
     */
    public static WakeWordBackbone fromModelsDir(Path modelsDir) {
        EngineSpec.BackboneSpec defaults = EngineSpec.defaults(modelsDir).backbone();
        return fromModelsDir(
                modelsDir,
                new ExecutionOptions(defaults.threads(), defaults.cuda(), defaults.cudaDevice()),
                defaults.maxSeconds());
    }

    /**
     * The backbone from the verified models in {@code modelsDir} with the streaming front end and
     * sequence embeddings, as the engine runs it.
     *
     * @param options    ONNX Runtime threads and provider
     * @param maxSeconds longest clip accepted by {@link #embed}
     */
    public static WakeWordBackbone fromModelsDir(Path modelsDir, ExecutionOptions options, double maxSeconds) {
        return new WakeWordBackbone(
                ModelFile.read(modelsDir.resolve(MEL_MODEL)),
                ModelFile.read(modelsDir.resolve(EMBEDDING_MODEL)),
                options,
                EmbeddingMode.SEQUENCE,
                maxSeconds);
    }

    /** The streaming front end; see {@link #WakeWordBackbone(ModelFile, ModelFile, ExecutionOptions, EmbeddingMode, FrontEnd, double)}. */
    public WakeWordBackbone(
            ModelFile melModel,
            ModelFile embeddingModel,
            ExecutionOptions options,
            EmbeddingMode mode,
            double maxSeconds) {
        this(melModel, embeddingModel, options, mode, FrontEnd.STREAMING, maxSeconds);
    }

    /**
     * Loads both models and checks their contract.
     *
     * @param melModel       {@code melspectrogram.onnx}
     * @param embeddingModel {@code embedding_model.onnx}
     * @param mode           how embeddings are computed
     * @param frontEnd       how mel frames are computed
     * @param maxSeconds     longest clip accepted by {@link #embed}
     * @throws IllegalArgumentException if a model does not have the expected inputs and outputs
     */
    public WakeWordBackbone(
            ModelFile melModel,
            ModelFile embeddingModel,
            ExecutionOptions options,
            EmbeddingMode mode,
            FrontEnd frontEnd,
            double maxSeconds) {
        this.env = OrtEnvironment.getEnvironment();
        OrtGate.install();
        this.mode = Objects.requireNonNull(mode, "mode");
        this.frontEnd = Objects.requireNonNull(frontEnd, "frontEnd");
        this.maxSamples = (int) Math.round(maxSeconds * SAMPLE_RATE_HZ);
        OrtSessions.Created m = OrtSessions.create(env, melModel.bytes(), melModel.id(), options);
        OrtSessions.Created w = OrtSessions.create(env, embeddingModel.bytes(), embeddingModel.id(), options);
        this.mel = m.session();
        this.windowed = w.session();
        OrtSession rows = null;
        OrtSession seq = null;
        try {
            this.melInput = checkContract(mel, melModel.id(), 2, new long[] {-1, -1}, 4, MEL_BINS);
            this.windowedInput = checkContract(
                    windowed,
                    embeddingModel.id(),
                    4,
                    new long[] {-1, WINDOW_MEL_FRAMES, MEL_BINS, 1},
                    4,
                    EMBEDDING_DIM);
            if (frontEnd == FrontEnd.STREAMING) {
                rows = OrtSessions.create(
                                env, MelBatchGraph.rewrite(melModel.bytes()), melModel.id() + "(per-row)", options)
                        .session();
            }
            this.melRows = rows;
            this.melRowsInput =
                    rows == null ? null : rows.getInputNames().iterator().next();
            if (mode == EmbeddingMode.SEQUENCE) {
                seq = OrtSessions.create(
                                env,
                                SequenceEmbeddingGraph.rewrite(embeddingModel.bytes()),
                                embeddingModel.id() + "(sequence)",
                                options)
                        .session();
            }
            this.sequence = seq;
            this.sequenceInput =
                    seq == null ? null : seq.getInputNames().iterator().next();
        } catch (OrtException e) {
            closeAll(mel, windowed, rows, seq);
            throw new IllegalArgumentException("cannot read model metadata: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(mel, windowed, rows, seq);
            throw e;
        }
        String tag = frontEnd == FrontEnd.STREAMING ? "+streaming-80ms" : "";
        this.info = new BackboneInfo(
                "openwakeword-" + embeddingModel.id() + (frontEnd == FrontEnd.STREAMING ? "-streaming" : ""),
                ModelFile.sha256(
                        (melModel.sha256() + embeddingModel.sha256() + tag).getBytes(StandardCharsets.US_ASCII)),
                EMBEDDING_DIM,
                w.provider());
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

    public FrontEnd frontEnd() {
        return frontEnd;
    }

    /** Whole 80 ms streaming steps in {@code samples} samples. */
    public static int streamingSteps(int samples) {
        return samples / STEP_SAMPLES;
    }

    /** Mel frames the front end hands to the embedding model for {@code samples} samples. */
    public static int melFrames(FrontEnd frontEnd, int samples) {
        if (frontEnd == FrontEnd.CLIP) {
            return samples < FFT_SAMPLES ? 0 : (samples - FFT_SAMPLES) / HOP_SAMPLES + 1;
        }
        // the runtime's buffer holds 8K - 3 frames after K steps; its windows start at frame 1
        int steps = streamingSteps(samples);
        return steps < 1 ? 0 : MEL_STRIDE * steps - 4;
    }

    /** Embedding frames for a clip of {@code samples} samples. */
    public static int embeddingFrames(FrontEnd frontEnd, int samples) {
        int m = melFrames(frontEnd, samples);
        return m < WINDOW_MEL_FRAMES ? 0 : (m - WINDOW_MEL_FRAMES) / MEL_STRIDE + 1;
    }

    /** Shortest clip, in samples, that yields {@code frames} embedding frames. */
    public static int samplesFor(FrontEnd frontEnd, int frames) {
        return frontEnd == FrontEnd.CLIP
                ? FFT_SAMPLES + (WINDOW_MEL_FRAMES + (frames - 1) * MEL_STRIDE - 1) * HOP_SAMPLES
                : (frames + WARM_UP_STEPS) * STEP_SAMPLES;
    }

    /** Embedding frames this backbone yields for {@code samples} samples. */
    public int embeddingFrames(int samples) {
        return embeddingFrames(frontEnd, samples);
    }

    @Override
    public OptionalInt audioSamplesFor(int frames) {
        return OptionalInt.of(samplesFor(frames));
    }

    /** Shortest clip, in samples, that this backbone embeds into {@code frames} frames. */
    public int samplesFor(int frames) {
        return samplesFor(frontEnd, frames);
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
            throw new IllegalArgumentException(
                    "audio has " + audio.pcm().length + " samples; at least " + min + " are needed for one embedding");
        }
        if (audio.pcm().length > maxSamples) {
            throw new IllegalArgumentException(
                    "audio has " + audio.pcm().length + " samples; at most " + maxSamples + " are accepted");
        }
    }

    /** Each clip runs alone: its mel steps never share a run with another clip's (see the class comment). */
    @Override
    public boolean embedsEachInputAlone() {
        return true;
    }

    @Override
    public List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs) {
        return embed(inputs, false);
    }

    /** {@link #embed}, each sequence carrying the mel frames its embeddings were computed from. */
    @Override
    public List<EmbeddingSequence> embedWithFrontEnd(List<? extends BackboneInput> inputs) {
        return embed(inputs, true);
    }

    private List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs, boolean keepFrames) {
        ensureOpen();
        for (BackboneInput in : inputs) {
            validate(in);
        }
        List<EmbeddingSequence> result = new ArrayList<>(inputs.size());
        for (BackboneInput in : inputs) {
            float[] mel = melFrames(((BackboneInput.Audio) in).pcm());
            EmbeddingSequence e = embedMel(mel);
            result.add(keepFrames ? e.withFrontEnd(FrontEndFrames.of(mel, MEL_BINS)) : e);
        }
        return result;
    }

    /** The 32 log-mel bands of each frame {@link #embedWithFrontEnd} attaches. */
    @Override
    public int frontEndBins() {
        return MEL_BINS;
    }

    /**
     * Embeds audio of any length (an hour of speech, say) as the streaming runtime would over it,
     * in chunks that give the same windows as one run; no length limit.
     *
     * @throws IllegalArgumentException if {@code pcm} is too short for one embedding
     */
    public EmbeddingSequence embedStream(short[] pcm) {
        ensureOpen();
        if (pcm.length < samplesFor(1)) {
            throw new IllegalArgumentException("audio has " + pcm.length + " samples; at least " + samplesFor(1)
                    + " are needed for one embedding");
        }
        return embedMel(melFrames(pcm));
    }

    /**
     * Opens an incremental stream over this backbone: audio pushed in pieces of any size gives
     * each embedding as soon as the audio that completes it arrives, exactly (equal floats) the
     * embeddings that one {@link #embedStream} over the whole stream gives. For live audio, where
     * one 80 ms step arrives at a time, each step costs one mel run of one step and one embedding,
     * instead of re-embedding the seconds of audio that the newest window reads.
     *
     * @throws IllegalStateException for the {@link FrontEnd#CLIP} front end (its floor is per clip,
     *     so it cannot be computed before the clip ends), or once closed
     */
    public Stream openStream() {
        ensureOpen();
        if (frontEnd != FrontEnd.STREAMING) {
            throw new IllegalStateException(
                    "only the streaming front end embeds incrementally, this backbone has " + frontEnd);
        }
        return new Stream();
    }

    /**
     * One continuous stream of 16 kHz PCM, embedded as it arrives ({@link #openStream}). Step 0 of
     * the stream reads samples {@code [0, 1280)} and gives 5 mel frames, of which the first is
     * dropped; step {@code k >= 1} reads {@code [k*1280 - 480, (k+1)*1280)} and gives 8; embedding
     * {@code j} reads mel frames {@code [8j, 8j + 76)}, so it is complete at the end of step
     * {@code j + 9}. The steps that one {@link #push} completes go through the mel model together
     * (one row each, normalized per row, at most {@value #STEPS_PER_MEL_RUN} rows a run), and the
     * embeddings they complete through the backbone's {@link EmbeddingMode} as in
     * {@link #embedStream}; a stream's audio never shares a run with another stream's.
     *
     * <p>Memory is bounded whatever the stream's length: the stream keeps the last
     * {@value #CONTEXT_SAMPLES} samples of context and the partial step, and the mel frames from
     * the next embedding's first frame on (at most 75 between pushes).
     *
     * <p>Lifecycle: {@link #openStream} -> {@link #push} any number of times; nothing to close.
     * Not thread-safe: one thread pushes (any number of streams may run on other threads; the
     * backbone's sessions are shared, and ONNX Runtime runs a session from several threads).
     */
    public final class Stream {

        /** The context of the next step (the last 480 samples of the last whole step), then the partial step. */
        private final short[] held = new short[CONTEXT_SAMPLES + STEP_SAMPLES];

        private int context;
        private int partial;
        private long steps;
        private long samples;

        /** Mel frames (scaled, {@code 32} floats each) from frame {@link #melStart} of the stream on. */
        private float[] mel = new float[(WINDOW_MEL_FRAMES + 2 * MEL_STRIDE) * MEL_BINS];

        private int melHeld;
        private long melStart;
        private long embeddings;
        private boolean failed;

        private Stream() {}

        /**
         * Appends {@code pcm[from, from + length)} to the stream. What one call returns grows with
         * {@code length} (one embedding per step): callers bound it by the size of their pieces.
         *
         * @return the embeddings this audio completes, in order, {@code 96} floats each (row-major,
         *     {@code length / 96} of them, none until the 10th whole step); the first is the
         *     stream's embedding number {@link #embeddings()} before the call
         * @throws IllegalStateException if the backbone is closed or a model run fails (then, or
         *     if one failed before, the stream is of no further use)
         */
        public float[] push(short[] pcm, int from, int length) {
            Objects.checkFromIndexSize(from, length, pcm.length);
            ensureOpen();
            if (failed) {
                throw new IllegalStateException("this stream failed before; open a new one");
            }
            try {
                return append(pcm, from, length);
            } catch (RuntimeException e) {
                failed = true;
                throw e;
            }
        }

        private float[] append(short[] pcm, int from, int length) {
            samples += length;
            int at = from;
            int end = from + length;
            List<float[]> out = new ArrayList<>(1);
            while ((partial + (end - at)) / STEP_SAMPLES > 0) {
                int rows = Math.min(STEPS_PER_MEL_RUN, (partial + (end - at)) / STEP_SAMPLES);
                int fresh = rows * STEP_SAMPLES - partial;
                short[] run = new short[context + rows * STEP_SAMPLES];
                System.arraycopy(held, 0, run, 0, context + partial);
                System.arraycopy(pcm, at, run, context + partial, fresh);
                at += fresh;
                try {
                    mel(run, rows);
                } catch (OrtException e) {
                    throw new IllegalStateException("mel model run failed: " + e.getMessage(), e);
                }
                System.arraycopy(run, run.length - CONTEXT_SAMPLES, held, 0, CONTEXT_SAMPLES);
                context = CONTEXT_SAMPLES;
                partial = 0;
                float[] e = embedReady();
                if (e.length > 0) {
                    out.add(e);
                }
            }
            System.arraycopy(pcm, at, held, context + partial, end - at);
            partial += end - at;
            return out.isEmpty() ? NO_EMBEDDINGS : out.size() == 1 ? out.get(0) : concat(out);
        }

        /** Mel frames of {@code rows} whole steps; {@code run} holds the context (if any) and then the steps. */
        private void mel(short[] run, int rows) throws OrtException {
            int at = 0;
            int rest = rows;
            if (steps == 0) {
                float[] first = runMel(melRows, melRowsInput, run, 0, 1, STEP_SAMPLES);
                if (first.length != 5 * MEL_BINS) {
                    throw new IllegalStateException("mel model returned " + first.length / MEL_BINS
                            + " frames for the first " + STEP_SAMPLES + " samples; expected 5");
                }
                appendMel(first, MEL_BINS, 4 * MEL_BINS);
                at = STEP_SAMPLES - CONTEXT_SAMPLES;
                rest--;
            }
            if (rest > 0) {
                float[] v = runMel(melRows, melRowsInput, run, at, rest, STEP_SAMPLES + CONTEXT_SAMPLES);
                if (v.length != rest * MEL_STRIDE * MEL_BINS) {
                    throw new IllegalStateException("mel model returned " + v.length / MEL_BINS + " frames for " + rest
                            + " steps; expected " + rest * MEL_STRIDE);
                }
                appendMel(v, 0, v.length);
            }
            steps += rows;
        }

        private void appendMel(float[] v, int from, int floats) {
            int need = melHeld * MEL_BINS + floats;
            if (need > mel.length) {
                mel = Arrays.copyOf(mel, Math.max(need, mel.length * 2));
            }
            System.arraycopy(v, from, mel, melHeld * MEL_BINS, floats);
            melHeld += floats / MEL_BINS;
        }

        /** The embeddings the held mel frames complete; then forgets the frames no later embedding reads. */
        private float[] embedReady() {
            long melEnd = melStart + melHeld;
            if (melEnd < WINDOW_MEL_FRAMES) {
                return NO_EMBEDDINGS;
            }
            int n = Math.toIntExact((melEnd - WINDOW_MEL_FRAMES) / MEL_STRIDE + 1 - embeddings);
            if (n <= 0) {
                return NO_EMBEDDINGS;
            }
            int first = Math.toIntExact(embeddings * MEL_STRIDE - melStart);
            float[] v = new float[n * EMBEDDING_DIM];
            try {
                for (int done = 0; done < n; done += EMBEDDINGS_PER_CHUNK) {
                    int count = Math.min(EMBEDDINGS_PER_CHUNK, n - done);
                    if (mode == EmbeddingMode.SEQUENCE) {
                        embedSequence(mel, first + done * MEL_STRIDE, count, v, done);
                    } else {
                        embedWindows(mel, first + done * MEL_STRIDE, count, v, done);
                    }
                }
            } catch (OrtException e) {
                throw new IllegalStateException("embedding model run failed: " + e.getMessage(), e);
            }
            embeddings += n;
            int drop = Math.toIntExact(Math.min(melHeld, embeddings * MEL_STRIDE - melStart));
            System.arraycopy(mel, drop * MEL_BINS, mel, 0, (melHeld - drop) * MEL_BINS);
            melHeld -= drop;
            melStart += drop;
            return v;
        }

        /** Samples pushed so far. */
        public long samples() {
            return samples;
        }

        /** Whole 80 ms steps pushed so far. */
        public long steps() {
            return steps;
        }

        /** Embeddings returned so far: the index of the next one. */
        public long embeddings() {
            return embeddings;
        }

        /** Mel frames held for the next embeddings (bounded; for tests). */
        int heldMelFrames() {
            return melHeld;
        }
    }

    /**
     * The mel frames the embedding model reads for {@code pcm} ({@code frames x 32}, already scaled
     * {@code x/10+2}): for {@link FrontEnd#STREAMING} the runtime's frames from frame 1 on, for
     * {@link FrontEnd#CLIP} the mel model on the whole clip. Never mixes two clips in one run.
     */
    public float[] melFrames(short[] pcm) {
        ensureOpen();
        try {
            return frontEnd == FrontEnd.CLIP ? clipMel(pcm) : streamingMel(pcm);
        } catch (OrtException e) {
            throw new IllegalStateException("mel model run failed: " + e.getMessage(), e);
        }
    }

    private float[] clipMel(short[] pcm) throws OrtException {
        float[] v = runMel(mel, melInput, pcm, 0, 1, pcm.length);
        if (v.length != melFrames(FrontEnd.CLIP, pcm.length) * MEL_BINS) {
            throw new IllegalStateException("mel model returned " + v.length + " floats for " + pcm.length
                    + " samples; expected " + melFrames(FrontEnd.CLIP, pcm.length) + " x " + MEL_BINS);
        }
        return v;
    }

    /**
     * Steps 1..K-1 read {@code [k*1280 - 480, (k+1)*1280)} and give 8 frames each; step 0 reads
     * {@code [0, 1280)} and gives 5, of which the first is dropped (no runtime window starts there).
     */
    private float[] streamingMel(short[] pcm) throws OrtException {
        int steps = streamingSteps(pcm.length);
        int frames = melFrames(FrontEnd.STREAMING, pcm.length);
        float[] out = new float[frames * MEL_BINS];
        if (steps == 0) {
            return out;
        }
        float[] first = runMel(melRows, melRowsInput, pcm, 0, 1, STEP_SAMPLES);
        if (first.length != 5 * MEL_BINS) {
            throw new IllegalStateException("mel model returned " + first.length / MEL_BINS + " frames for the first "
                    + STEP_SAMPLES + " samples; expected 5");
        }
        System.arraycopy(first, MEL_BINS, out, 0, 4 * MEL_BINS);
        int at = 4 * MEL_BINS;
        int rowSamples = STEP_SAMPLES + CONTEXT_SAMPLES;
        for (int k = 1; k < steps; k += STEPS_PER_MEL_RUN) {
            int rows = Math.min(STEPS_PER_MEL_RUN, steps - k);
            float[] v = runMel(melRows, melRowsInput, pcm, k * STEP_SAMPLES - CONTEXT_SAMPLES, rows, rowSamples);
            if (v.length != rows * MEL_STRIDE * MEL_BINS) {
                throw new IllegalStateException("mel model returned " + v.length / MEL_BINS + " frames for " + rows
                        + " steps; expected " + rows * MEL_STRIDE);
            }
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }

    /**
     * Runs a mel session on {@code rows} rows of {@code rowSamples} samples; row {@code r} starts
     * at {@code pcm[from + r * STEP_SAMPLES]}. Returns the scaled frames, row after row.
     */
    private float[] runMel(OrtSession session, String input, short[] pcm, int from, int rows, int rowSamples)
            throws OrtException {
        FloatBuffer buf = direct(rows * rowSamples);
        for (int r = 0; r < rows; r++) {
            int start = from + r * STEP_SAMPLES;
            for (int i = 0; i < rowSamples; i++) {
                buf.put(pcm[start + i]);
            }
        }
        buf.flip();
        float[] v;
        OrtGate.enter();
        try (OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {rows, rowSamples});
                OrtSession.Result r = session.run(Map.of(input, t))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            v = new float[out.remaining()];
            out.get(v);
        } finally {
            OrtGate.exit();
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = v[i] / 10f + 2f;
        }
        return v;
    }

    /** Embeds one clip's (or stream's) mel frames, in chunks of at most {@link #EMBEDDINGS_PER_CHUNK} embeddings. */
    private EmbeddingSequence embedMel(float[] m) {
        int frames = m.length / MEL_BINS;
        int n = frames < WINDOW_MEL_FRAMES ? 0 : (frames - WINDOW_MEL_FRAMES) / MEL_STRIDE + 1;
        if (n < 1) {
            throw new IllegalArgumentException(
                    "audio gives " + frames + " mel frames; " + WINDOW_MEL_FRAMES + " are needed for one embedding");
        }
        float[] v = new float[n * EMBEDDING_DIM];
        try {
            for (int from = 0; from < n; from += EMBEDDINGS_PER_CHUNK) {
                int count = Math.min(EMBEDDINGS_PER_CHUNK, n - from);
                if (mode == EmbeddingMode.SEQUENCE) {
                    embedSequence(m, from * MEL_STRIDE, count, v, from);
                } else {
                    embedWindows(m, from * MEL_STRIDE, count, v, from);
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("embedding model run failed: " + e.getMessage(), e);
        }
        return new EmbeddingSequence(n, EMBEDDING_DIM, v);
    }

    /** {@code count} windows starting at mel frame {@code firstFrame}, 8 frames apart, as one batched run. */
    private void embedWindows(float[] m, int firstFrame, int count, float[] dst, int dstFrame) throws OrtException {
        int windowFloats = WINDOW_MEL_FRAMES * MEL_BINS;
        FloatBuffer buf = direct(count * windowFloats);
        for (int w = 0; w < count; w++) {
            buf.put(m, (firstFrame + w * MEL_STRIDE) * MEL_BINS, windowFloats);
        }
        buf.flip();
        OrtGate.enter();
        try (OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {count, WINDOW_MEL_FRAMES, MEL_BINS, 1});
                OrtSession.Result r = windowed.run(Map.of(windowedInput, t))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            if (out.remaining() != count * EMBEDDING_DIM) {
                throw new IllegalStateException(
                        "embedding model returned " + out.remaining() + " floats, expected " + count * EMBEDDING_DIM);
            }
            out.get(dst, dstFrame * EMBEDDING_DIM, count * EMBEDDING_DIM);
        } finally {
            OrtGate.exit();
        }
    }

    /** The same windows as {@link #embedWindows}, from one run of the sequence graph over the frames they cover. */
    private void embedSequence(float[] m, int firstFrame, int count, float[] dst, int dstFrame) throws OrtException {
        int used = WINDOW_MEL_FRAMES + (count - 1) * MEL_STRIDE;
        FloatBuffer buf = direct(used * MEL_BINS);
        buf.put(m, firstFrame * MEL_BINS, used * MEL_BINS).flip();
        float[] channelMajor = new float[count * EMBEDDING_DIM];
        OrtGate.enter();
        try (OnnxTensor t = OnnxTensor.createTensor(env, buf, new long[] {1, used, MEL_BINS, 1});
                OrtSession.Result r = sequence.run(Map.of(sequenceInput, t))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            if (out.remaining() != channelMajor.length) {
                throw new IllegalStateException(
                        "sequence embedding returned " + out.remaining() + " floats, expected " + channelMajor.length);
            }
            out.get(channelMajor);
        } finally {
            OrtGate.exit();
        }
        for (int c = 0; c < EMBEDDING_DIM; c++) {
            for (int f = 0; f < count; f++) {
                dst[(dstFrame + f) * EMBEDDING_DIM + c] = channelMajor[c * count + f];
            }
        }
    }

    /** The parts one after the other. */
    private static float[] concat(List<float[]> parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] v = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, v, at, p.length);
            at += p.length;
        }
        return v;
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
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
        OrtGate.closeSessions(() -> closeAll(mel, melRows, windowed, sequence));
    }

    private static void closeAll(OrtSession... sessions) {
        for (OrtSession s : sessions) {
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
