package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.ClipAssembler;
import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import dev.headstream.runtime.speech.ToolRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Renders continuous read speech: one voice reading randomly drawn utterances of a text pool,
 * as one 16 kHz mono int16 stream of a given length ({@link StreamSpec}).
 *
 * <p>Per stream, everything random comes from the spec's seed (independent streams per purpose,
 * as in {@link SyntheticUsers}), so the same spec gives the same samples, bit for bit, on every
 * run and with any number of threads:
 * <ol>
 *   <li>the reader's base pitch and speed: the voice's ({@link CatalogVoice}) moved by up to
 *       +-{@value #STREAM_PITCH_SPREAD} and +-{@value #STREAM_SPEED_SPREAD} wpm;</li>
 *   <li>utterances drawn from the part's text pool without replacement (none twice in a
 *       stream), each with its own pitch (+-{@value #PITCH_JITTER}) and speed
 *       (+-{@value #SPEED_JITTER} wpm) around the reader's, synthesized one request (at most 500
 *       characters) each, in batches ({@link Synthesizer#synthesizeAll});</li>
 *   <li>each utterance trimmed of leading and trailing silence ({@link ClipAssembler#speechBounds},
 *       -45 dB, 10 ms margin), scaled to the stream's speech level plus a uniform
 *       +-{@value #LEVEL_JITTER_DB} dB, and placed after a pause uniform in
 *       {@value #PAUSE_MIN_SECONDS}-{@value #PAUSE_MAX_SECONDS} s (the first one too); the stream
 *       ends where its length ends, cutting the last utterance;</li>
 *   <li>the channel ({@link StreamChannel#draw}): sox {@code reverb}, {@code highpass} and
 *       {@code lowpass} on 32-bit float samples, then continuous white, pink or brown Gaussian
 *       noise ({@link SplittableRandom} and {@link StrictMath}) at the drawn SNR against the
 *       speech power over the utterances;</li>
 *   <li>the whole stream scaled down if its peak would pass 98 % of full scale, rounded to int16.</li>
 * </ol>
 *
 * <p>Thread-safe: instances are immutable; {@link #render} may run on several threads at once
 * when the synthesizer allows it (the ones of this package do). {@link #renderAll} renders a
 * plan's streams on a thread pool.
 */
public final class ReadSpeech {

    /** Bump when anything in this class, {@link StreamChannel} or {@link CorpusPlan} changes the audio. */
    public static final String CODE_VERSION = "read-speech-v1";

    public static final double PAUSE_MIN_SECONDS = 0.2;
    public static final double PAUSE_MAX_SECONDS = 1.5;
    public static final double LEVEL_JITTER_DB = 6;
    public static final int PITCH_JITTER = 5;
    public static final int SPEED_JITTER = 12;
    public static final int STREAM_PITCH_SPREAD = 4;
    public static final int STREAM_SPEED_SPREAD = 10;

    private static final int MAX_BATCH = 16;
    private static final double PEAK_LIMIT = 0.98 * Short.MAX_VALUE;

    private final Synthesizer synthesizer;
    private final TextCorpus texts;
    private final String soxCommand;
    private final ToolRunner tools;

    /** Uses {@code sox} from the {@code PATH}, {@link SpeechSynth#DEFAULT_TIMEOUT} per sox run and the system temp dir. */
    public ReadSpeech(Synthesizer synthesizer, TextCorpus texts) {
        this(synthesizer, texts, "sox", SpeechSynth.DEFAULT_TIMEOUT, null);
    }

    /**
     * @param synthesizer speaks every engine the streams use, e.g. {@link MultiEngineSynth#defaults()},
     *                    possibly behind a {@link CachingSynthesizer}
     * @param texts       the text pools
     * @param soxCommand  the sox executable for the channel
     * @param timeout     the longest one sox run may take
     * @param tempRoot    where per-stream temporary directories go; {@code null} for the system default
     */
    public ReadSpeech(Synthesizer synthesizer, TextCorpus texts, String soxCommand, Duration timeout, Path tempRoot) {
        this.synthesizer = Objects.requireNonNull(synthesizer, "synthesizer");
        this.texts = Objects.requireNonNull(texts, "texts");
        this.soxCommand = Objects.requireNonNull(soxCommand, "soxCommand");
        this.tools = new ToolRunner(timeout, tempRoot);
    }

    /** The stream's samples: {@code renderStream(spec).pcm()}. */
    public short[] render(StreamSpec spec) {
        return renderStream(spec).pcm();
    }

    /**
     * Renders one stream.
     *
     * @throws IllegalStateException when synthesis or sox fails, or the text pool runs out (naming the stream)
     */
    public ReadStream renderStream(StreamSpec spec) {
        Objects.requireNonNull(spec, "spec");
        try {
            return renderOrThrow(spec);
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "cannot render stream " + spec.id() + " ("
                            + spec.voice().voice().id() + "): " + e.getMessage(),
                    e);
        }
    }

    private ReadStream renderOrThrow(StreamSpec spec) {
        int total = spec.samples();
        StreamChannel channel = StreamChannel.draw(SyntheticUsers.random(spec.seed(), "channel"));
        Reader reader = new Reader(spec, texts.pool(spec.part()));
        SplittableRandom layout = SyntheticUsers.random(spec.seed(), "layout");
        double level = Short.MAX_VALUE * StrictMath.pow(10, channel.levelDbfs() / 20);

        double[] speech = new double[total];
        List<ReadStream.Utterance> placed = new ArrayList<>();
        Deque<Synthesized> ready = new ArrayDeque<>();
        int pos = pause(layout);
        while (pos < total) {
            if (ready.isEmpty()) {
                double perUtterance = placed.isEmpty() ? 6.0 * Synthesizer.SAMPLE_RATE : (double) pos / placed.size();
                int batch = (int) Math.max(1, Math.min(MAX_BATCH, Math.ceil((total - pos) / perUtterance) + 1));
                ready.addAll(reader.next(batch, synthesizer));
            }
            Synthesized next = ready.removeFirst();
            short[] pcm = next.pcm();
            int[] bounds;
            try {
                bounds = ClipAssembler.speechBounds(pcm, -45, ClipAssembler.FRAME);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                        "silent synthesis of " + next.request().canonical(), e);
            }
            double energy = 0;
            for (int i = bounds[0]; i < bounds[1]; i++) {
                energy += (double) pcm[i] * pcm[i];
            }
            double rms = Math.sqrt(energy / (bounds[1] - bounds[0]));
            double gainDb = LEVEL_JITTER_DB * (2 * layout.nextDouble() - 1);
            double gain = level * StrictMath.pow(10, gainDb / 20) / Math.max(rms, 1e-9);
            int end = Math.min(total, pos + bounds[1] - bounds[0]);
            for (int i = pos; i < end; i++) {
                speech[i] = pcm[bounds[0] + i - pos] * gain;
            }
            placed.add(new ReadStream.Utterance(next.request(), pos, end, gainDb));
            pos = end + pause(layout);
        }
        double[] heard = applyChannel(speech, channel);
        addNoise(heard, placed, channel, SyntheticUsers.random(spec.seed(), "noise"));
        return new ReadStream(spec, toPcm(heard), placed, channel);
    }

    private static int pause(SplittableRandom layout) {
        double seconds = PAUSE_MIN_SECONDS + (PAUSE_MAX_SECONDS - PAUSE_MIN_SECONDS) * layout.nextDouble();
        return (int) Math.round(seconds * Synthesizer.SAMPLE_RATE);
    }

    private record Synthesized(SynthRequest request, short[] pcm) {}

    /** The reader of one stream: draws texts without replacement and jitters prosody, in order. */
    private static final class Reader {
        private final StreamSpec spec;
        private final List<String> pool;
        private final int[] order;
        private final SplittableRandom textRandom;
        private final SplittableRandom prosody;
        private final int basePitch;
        private final int baseSpeed;
        private final int amplitude;
        private int drawn;

        Reader(StreamSpec spec, List<String> pool) {
            this.spec = spec;
            this.pool = pool;
            this.order = new int[pool.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            this.textRandom = SyntheticUsers.random(spec.seed(), "texts");
            this.prosody = SyntheticUsers.random(spec.seed(), "prosody");
            CatalogVoice voice = spec.voice();
            this.basePitch = voice.basePitch() + prosody.nextInt(-STREAM_PITCH_SPREAD, STREAM_PITCH_SPREAD + 1);
            this.baseSpeed = voice.baseSpeedWpm() + prosody.nextInt(-STREAM_SPEED_SPREAD, STREAM_SPEED_SPREAD + 1);
            this.amplitude =
                    voice.engine() == Engine.ESPEAK_NG ? SyntheticUsers.AMPLITUDE : SynthRequest.REFERENCE_AMPLITUDE;
        }

        List<Synthesized> next(int count, Synthesizer synthesizer) {
            List<SynthRequest> requests = new ArrayList<>(count);
            for (int n = 0; n < count; n++) {
                if (drawn == order.length) {
                    throw new IllegalStateException(
                            "text pool " + spec.part() + " ran out after " + drawn + " utterances");
                }
                int j = drawn + textRandom.nextInt(order.length - drawn);
                int chosen = order[j];
                order[j] = order[drawn];
                order[drawn] = chosen;
                drawn++;
                int pitch = clamp(basePitch + prosody.nextInt(-PITCH_JITTER, PITCH_JITTER + 1), 0, 99);
                int speed = clamp(baseSpeed + prosody.nextInt(-SPEED_JITTER, SPEED_JITTER + 1), 80, 450);
                requests.add(new SynthRequest(pool.get(chosen), spec.voice().voice(), pitch, speed, amplitude, 1.0));
            }
            List<short[]> pcm = synthesizer.synthesizeAll(requests);
            List<Synthesized> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                out.add(new Synthesized(requests.get(i), pcm.get(i)));
            }
            return out;
        }
    }

    /** The room and band through sox on 32-bit float samples (no clipping, no dither). */
    private double[] applyChannel(double[] speech, StreamChannel channel) {
        List<String> effects = channel.soxEffects();
        Path dir = tools.createTempDir();
        try {
            Path in = dir.resolve("speech.f32");
            Path out = dir.resolve("channel.f32");
            ByteBuffer bytes = ByteBuffer.allocate(speech.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (double v : speech) {
                bytes.putFloat((float) (v / 32768));
            }
            Files.write(in, bytes.array());
            List<String> command = new ArrayList<>(List.of(soxCommand, "-V1", "-D"));
            command.addAll(floatRaw());
            command.add(in.toString());
            command.addAll(floatRaw());
            command.add(out.toString());
            command.addAll(effects);
            tools.run(dir, "sox", command);
            ByteBuffer result = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
            double[] heard = new double[speech.length];
            for (int i = 0; i < heard.length && result.remaining() >= 4; i++) {
                heard[i] = result.getFloat() * 32768.0;
            }
            return heard;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pass the stream through sox in " + dir, e);
        } finally {
            ToolRunner.deleteRecursively(dir);
        }
    }

    private static List<String> floatRaw() {
        return List.of(
                "-t",
                "raw",
                "-e",
                "floating-point",
                "-b",
                "32",
                "-L",
                "-r",
                Integer.toString(Synthesizer.SAMPLE_RATE),
                "-c",
                "1");
    }

    /** Adds the channel's noise at its SNR against the mean speech power over the utterances. */
    static void addNoise(
            double[] signal, List<ReadStream.Utterance> utterances, StreamChannel channel, SplittableRandom random) {
        double power = 0;
        long count = 0;
        for (ReadStream.Utterance u : utterances) {
            for (int i = u.start(); i < u.end(); i++) {
                power += signal[i] * signal[i];
            }
            count += u.end() - u.start();
        }
        if (count == 0) {
            return;
        }
        double[] noise = colouredNoise(signal.length, channel.noise(), random);
        double noiseStd = Math.sqrt(power / count / StrictMath.pow(10, channel.snrDb() / 10));
        for (int i = 0; i < signal.length; i++) {
            signal[i] += noiseStd * noise[i];
        }
    }

    /** Unit-RMS noise: Gaussian white, pink (Paul Kellet's three-pole filter) or brown (leaky integrator). */
    static double[] colouredNoise(int n, StreamChannel.Noise colour, SplittableRandom random) {
        ClipAssembler.Gaussian gaussian = new ClipAssembler.Gaussian(random);
        double[] out = new double[n];
        double b0 = 0;
        double b1 = 0;
        double b2 = 0;
        double energy = 0;
        for (int i = 0; i < n; i++) {
            double w = gaussian.next();
            double v = switch (colour) {
                case WHITE -> w;
                case PINK -> {
                    b0 = 0.99765 * b0 + w * 0.0990460;
                    b1 = 0.96300 * b1 + w * 0.2965164;
                    b2 = 0.57000 * b2 + w * 1.0526913;
                    yield b0 + b1 + b2 + w * 0.1848;
                }
                case BROWN -> {
                    b0 = 0.98 * b0 + w;
                    yield b0;
                }
            };
            out[i] = v;
            energy += v * v;
        }
        double rms = Math.sqrt(energy / Math.max(1, n));
        for (int i = 0; i < n; i++) {
            out[i] /= rms;
        }
        return out;
    }

    private static short[] toPcm(double[] signal) {
        double peak = 0;
        for (double v : signal) {
            peak = Math.max(peak, Math.abs(v));
        }
        double scale = peak > PEAK_LIMIT ? PEAK_LIMIT / peak : 1;
        short[] pcm = new short[signal.length];
        for (int i = 0; i < signal.length; i++) {
            double v = Math.rint(signal[i] * scale);
            pcm[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
        }
        return pcm;
    }

    /**
     * Renders {@code specs} on {@code threads} threads (at most {@code 2 * threads} streams in
     * memory) and hands each finished stream to {@code sink}, in plan order, on the calling thread;
     * {@code progress} follows each one. The streams do not depend on {@code threads}.
     *
     * @throws IllegalStateException when a stream cannot be rendered (naming it), or when interrupted
     */
    public void renderAll(List<StreamSpec> specs, int threads, Consumer<ReadStream> sink, CorpusProgress progress) {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(progress, "progress");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        double totalSeconds = specs.stream().mapToDouble(StreamSpec::seconds).sum();
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "read-speech-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            Deque<Future<ReadStream>> inFlight = new ArrayDeque<>();
            int submitted = 0;
            double done = 0;
            while (submitted < specs.size() || !inFlight.isEmpty()) {
                while (submitted < specs.size() && inFlight.size() < 2 * threads) {
                    StreamSpec spec = specs.get(submitted++);
                    inFlight.addLast(pool.submit(() -> renderStream(spec)));
                }
                ReadStream stream = get(inFlight.removeFirst());
                sink.accept(stream);
                done += stream.spec().seconds();
                progress.onProgress(done, totalSeconds);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static ReadStream get(Future<ReadStream> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering read speech", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * A hash of everything that shapes the audio of {@code plan}'s streams: {@link #CODE_VERSION},
     * the plan ({@link CorpusPlan#canonical()}), the voice catalog, the text pools
     * ({@link TextCorpus#fingerprint()}), the synthesizer's identity (tool {@code --version}
     * outputs, prosody mappings) and this renderer's sox version. Equal ids mean a cache of the
     * rendered streams is still valid. Runs each tool's {@code --version} (once per synthesizer).
     */
    public String recipeId(CorpusPlan plan) {
        Path dir = tools.createTempDir();
        String sox;
        try {
            sox = tools.run(dir, "sox", List.of(soxCommand, "--version")).strip();
        } finally {
            ToolRunner.deleteRecursively(dir);
        }
        String recipe = String.join(
                "\n",
                CODE_VERSION,
                plan.canonical(),
                String.join("\n", VoiceCatalog.standard().describe()),
                texts.fingerprint(),
                synthesizer.identity(),
                sox);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return CODE_VERSION + "-"
                    + HexFormat.of()
                            .formatHex(sha.digest(recipe.getBytes(StandardCharsets.UTF_8)))
                            .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static int clamp(int v, int min, int max) {
        return Math.max(min, Math.min(max, v));
    }

    @Override
    public String toString() {
        return "ReadSpeech[" + synthesizer + ", " + texts + "]";
    }
}
