package dev.headstream.cli.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.headstream.cli.evaluate.TestAudio;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Pcm16Audio;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exported head in {@code openwakeword-wasm-browser@0.1.1}, a third-party JavaScript port of
 * openWakeWord's runtime (github.com/dnavarrom/openwakeword_wasm; openWakeWord's own runtime is
 * Python, which could not be installed here and is not tested): a head adapted in-process from
 * {@code hey_jarvis_v0.1} on a synthesized user's clips, written by {@link HeadExport#export}, is
 * loaded by the package's keyword-model path
 * ({@code WakeWordEngine.load} on onnxruntime-web, in Node; {@code src/build/oww-runtime/run-head.mjs})
 * and fed the embeddings Headstream's streaming front end computes for 28 s of speech: every score
 * equals the Java head's within {@value #TOLERANCE}, the runtime infers a 16-embedding window, and
 * the threshold in the model's metadata is the head's. On the same audio, the project's JavaScript
 * rewrite of the steps of Python openWakeWord's {@code Model.predict} front end, run on the
 * package's own sessions, gives Headstream's scores within
 * {@value #FRONT_END_TOLERANCE}; the package's own front end is measured and printed, not
 * asserted: it is not the front end the head was trained on ({@code docs/export.md}).
 */
class OpenWakeWordRuntimeTest {

    /** float32 head in Java vs in onnxruntime-web on the same embeddings. */
    static final double TOLERANCE = 1e-5;

    /**
     * The JavaScript rewrite of Python openWakeWord's front end on the package's sessions vs
     * Headstream's (mel and embedding in wasm vs native).
     */
    static final double FRONT_END_TOLERANCE = 1e-4;

    static final String RUNTIME_HINT =
            "openwakeword-wasm-browser (the JS port of openWakeWord's runtime) is not installed in %s: run"
                    + " ./headstream setup";

    /** How long one run of {@code run-head.mjs} may take (about 5 s each on 2 cores). */
    static final Duration RUN_HEAD_LIMIT = Duration.ofSeconds(120);

    private static final String HEAD_ID = "acme/dana/wake";
    private static final String VOICE = "en-us+f3";

    @TempDir
    static Path dir;

    private static Path runtimeDir;
    private static WakeWordBackbone backbone;
    private static HeadUpdate update;
    private static HeadCodec.Decoded decoded;
    private static Path exported;
    private static short[] stream;
    /** Where the user's wake words lie in {@link #stream} (each with its 0.4 s of silence either side). */
    private static final List<String> wakeWords = new ArrayList<>();

    @BeforeAll
    static void adaptAndExport() throws Exception {
        runtimeDir = Path.of(System.getProperty("headstream.oww-runtime.dir", "../../src/build/oww-runtime"));
        requireRuntime(runtimeDir);
        TestAudio.requireTools();
        Path models = TestAudio.modelsDir();
        backbone = WakeWordBackbone.fromModelsDir(models);
        // no negative bank (the tests do not build one) and no rollback on an early negative-transfer
        // alarm: this test needs a head that differs from the source, not a good one
        EngineSpec spec = EngineSpec.fromProperties(Map.of(
                "headstream.models-dir",
                models.toString(),
                "headstream.negative-bank.enabled",
                "false",
                "headstream.tasks.wake.on-negative-transfer",
                "publish-only"));
        List<RawSample> batch = new ArrayList<>();
        String[] others = {"hey there how are you", "call my sister", "is it going to rain today", "hey travis"};
        for (int i = 0; i < 8; i++) {
            short[] wake = speak("p" + i, VOICE, 120 + 10 * i, "hey jarvis", 0.6 + 0.1 * (i % 3));
            short[] other = speak("n" + i, VOICE, 130 + 10 * i, others[i % others.length], 0.5);
            batch.add(sample(2 * i, "p" + i, wake, true));
            batch.add(sample(2 * i + 1, "n" + i, other, false));
        }
        BatchResult result = EngineAssembly.engine(spec, backbone).engine().process(batch, 1_000_000L);
        update = result.heads().stream()
                .filter(h -> h.getHeadId().equals(HEAD_ID))
                .reduce((a, b) -> b)
                .orElseThrow();
        SourceHead source = OnnxHeadImporter.importHead(
                models.resolve(update.getProvenance().getSourceHeadId() + ".onnx"));
        decoded = HeadCodec.decode(update, source);
        assertThat(result.rejections()).isEmpty();
        assertThat(update.getProvenance().getSamplesApplied()).isEqualTo(16);
        assertThat(update.getHeldAtSource())
                .as("an adapted head, not the source: %s", update.getStatusReason())
                .isFalse();
        assertThat(decoded.trainable())
                .as("the adapted weights differ from the source's")
                .isNotEqualTo(decoded.head().initialTrainable(decoded.source()));
        exported = HeadExport.export(update, models, dir.resolve("dana.onnx")).file();
        stream = speechStream();
    }

    @AfterAll
    static void close() {
        if (backbone != null) {
            backbone.close();
        }
    }

    @Test
    void theExportedHeadScoresHeadstreamsEmbeddingsAsTheJavaHeadDoes() throws Exception {
        EmbeddingSequence e = backbone.embedStream(stream);
        float[] java = javaScores(e);
        Path embeddings = dir.resolve("embeddings.f32");
        ByteBuffer b = ByteBuffer.allocate(4 * e.values().length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(e.values());
        Files.write(embeddings, b.array());

        JsonNode out = runHead("--embeddings", embeddings.toString());

        assertThat(out.path("head").path("windowSize").asInt())
                .as("the window the runtime inferred from the input shape")
                .isEqualTo(16);
        assertThat(ints(out.path("head").path("inputShape"))).containsExactly(1, 16, 96);
        String threshold =
                out.path("head").path("metadata").path("headstream.threshold").asText();
        assertThat(Float.parseFloat(threshold)).isEqualTo(update.getThreshold());
        assertThat(out.path("head").path("metadata").path("headstream.head_id").asText())
                .isEqualTo(HEAD_ID);
        assertThat(out.path("head")
                        .path("metadata")
                        .path("headstream.backbone_sha256")
                        .asText())
                .as("the streaming front end's identity")
                .isEqualTo(backbone.info().sha256());
        float[] js = floats(out.path("scores"));
        assertThat(js).hasSize(java.length);
        double max = maxDiff(java, 0, js);
        long above = count(java, update.getThreshold());
        System.out.printf(
                "exported head in openwakeword-wasm-browser (onnxruntime-web %s) on Headstream's embeddings: %d"
                        + " windows, max |score diff| %.3g (tolerance %.0e); max score %.4f, %d windows at or above"
                        + " the threshold %.4f%n",
                out.path("runtime").path("onnxruntimeWeb").asText(),
                js.length,
                max,
                TOLERANCE,
                max(java),
                above,
                update.getThreshold());
        assertThat(java.length).isGreaterThan(300);
        assertThat(above)
                .as("the user's wake word in the stream fires the head")
                .isPositive();
        assertThat(max).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void theJsPackagesOwnFrontEndIsNotTheOneTheHeadWasTrainedOn() throws Exception {
        float[] java = javaScores(backbone.embedStream(stream));
        // Headstream's window w is the one the runtime scores at the end of 80 ms step w + FIRST_STEP
        int[] javaSteps = new int[java.length];
        Arrays.setAll(javaSteps, w -> w + FIRST_STEP);
        Path pcm = dir.resolve("stream.s16");
        ByteBuffer b = ByteBuffer.allocate(2 * stream.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(stream);
        Files.write(pcm, b.array());
        System.out.printf(
                "the same %.1f s of speech (%d steps of 80 ms; the user's wake word at %s) through four front"
                        + " ends, the exported head at its threshold %.4f:%n%s%n",
                stream.length / 16_000.0,
                WakeWordBackbone.streamingSteps(stream.length),
                String.join(" and ", wakeWords),
                update.getThreshold(),
                summary("Headstream (Java)", javaSteps, java, javaSteps, java));

        JsonNode python = runHead("--pcm", pcm.toString(), "--front-end", "python");
        float[] py = floats(python.path("scores"));
        int[] pySteps = ints(python.path("steps"));
        System.out.println(summary("python (JS rewrite)", pySteps, py, javaSteps, java));
        assertThat(pySteps).containsExactly(javaSteps);
        assertThat(maxDiff(java, 0, py)).isLessThanOrEqualTo(FRONT_END_TOLERANCE);

        for (String frontEnd : List.of("package", "package-int16-context")) {
            JsonNode out = runHead("--pcm", pcm.toString(), "--front-end", frontEnd);
            float[] scores = floats(out.path("scores"));
            int[] steps = ints(out.path("steps"));
            System.out.println(summary(frontEnd, steps, scores, javaSteps, java));
            assertThat(scores).isNotEmpty().hasSameSizeAs(steps);
            for (float s : scores) {
                assertThat(s).isBetween(0f, 1f);
            }
        }
    }

    /** Headstream's first scored step: 9 warm-up steps, then 16 embeddings (the first at step 9). */
    private static final int FIRST_STEP = WakeWordBackbone.WARM_UP_STEPS + 15;

    /**
     * One line: how many scores a front end computed, how far they are from Headstream's at the
     * same step, and where the head activates at its threshold with openWakeWord's 2 s refractory.
     */
    private static String summary(String name, int[] steps, float[] scores, int[] javaSteps, float[] java) {
        double maxDiff = 0;
        double sum = 0;
        int same = 0;
        for (int i = 0; i < scores.length; i++) {
            int w = steps[i] - javaSteps[0];
            if (w >= 0 && w < java.length) {
                double d = Math.abs(scores[i] - java[w]);
                maxDiff = Math.max(maxDiff, d);
                sum += d;
                same++;
            }
        }
        List<String> at = new ArrayList<>();
        int next = Integer.MIN_VALUE;
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] >= update.getThreshold() && steps[i] >= next) {
                at.add(String.format(Locale.ROOT, "%.2f s", (steps[i] + 1) * Detections.STEP_SECONDS));
                next = steps[i] + Detections.REFRACTORY_STEPS;
            }
        }
        return String.format(
                Locale.ROOT,
                "  %-26s %3d scores; vs Headstream at the same step (%d): max |diff| %.3g, mean %.3g; max score"
                        + " %.4f; %d at or above the threshold; activations at %s",
                name,
                scores.length,
                same,
                maxDiff,
                same == 0 ? 0 : sum / same,
                max(scores),
                count(scores, update.getThreshold()),
                at);
    }

    private static float[] javaScores(EmbeddingSequence e) {
        MlpHead head = decoded.head();
        MlpHead.Workspace ws = head.newWorkspace();
        float[] scores = new float[e.windows(16)];
        for (int w = 0; w < scores.length; w++) {
            scores[w] = head.score(decoded.source(), decoded.trainable(), e.values(), e.offset(w), ws);
        }
        return scores;
    }

    /** Runs {@code run-head.mjs} on the exported head and returns its JSON. */
    private static JsonNode runHead(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(
                List.of("node", runtimeDir.resolve("run-head.mjs").toString(), "--head", exported.toString()));
        command.addAll(List.of(args));
        byte[] stdout = BoundedProcess.run(command, runtimeDir, dir, RUN_HEAD_LIMIT);
        return new ObjectMapper().readTree(new String(stdout, StandardCharsets.UTF_8));
    }

    /** Fails with a set-up hint when node or the pinned node modules are missing. */
    private static void requireRuntime(Path runtimeDir) {
        String hint = String.format(RUNTIME_HINT, runtimeDir.toAbsolutePath().normalize());
        assertTrue(
                Files.isRegularFile(runtimeDir.resolve("node_modules/openwakeword-wasm-browser/package.json"))
                        && Files.isRegularFile(runtimeDir.resolve("node_modules/onnxruntime-web/package.json")),
                hint);
        try {
            Process p = new ProcessBuilder("node", "--version")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "node does not run: " + hint);
        } catch (IOException e) {
            throw new AssertionError("node is not installed: " + hint, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * 28 s of five voices' sentences with the user's wake word twice among them (at speeds the
     * training clips did not have), each part padded with 0.4 s of silence.
     */
    private static short[] speechStream() throws IOException {
        String[][] parts = {
            {"The meeting moved to Thursday afternoon because of the holiday.", "en-gb+m3", "150"},
            {"hey jarvis", VOICE, "135"},
            {"I think the train leaves at nine, so we should hurry up.", "en-us+m2", "160"},
            {"Jars of honey and jam were sold at the market on Saturday.", "en-us+f2", "150"},
            {"hey jarvis", VOICE, "165"},
            {"We should plant the tomatoes next week if the weather holds.", "en+f4", "155"},
            {"Harvey said the service was excellent and the prices were fair.", "en-gb+f2", "150"},
        };
        List<short[]> pcm = new ArrayList<>();
        int samples = 0;
        for (int i = 0; i < parts.length; i++) {
            Path wav = TestAudio.speak(
                    dir.resolve("stream/" + i + ".wav"), parts[i][1], Integer.parseInt(parts[i][2]), parts[i][0], 0.4);
            Path raw = dir.resolve("stream/" + i + ".raw");
            TestAudio.run(List.of("sox", "-D", wav.toString(), "-t", "raw", raw.toString()));
            pcm.add(pcm(raw));
            if (parts[i][0].equals("hey jarvis")) {
                wakeWords.add(String.format(
                        Locale.ROOT, "%.2f-%.2f s", samples / 16_000.0, (samples + pcm.get(i).length) / 16_000.0));
            }
            samples += pcm.get(i).length;
        }
        short[] out = new short[samples];
        int at = 0;
        for (short[] part : pcm) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    private static short[] speak(String name, String voice, int speed, String text, double pad) throws IOException {
        Path wav = TestAudio.speak(dir.resolve("clips/" + name + ".wav"), voice, speed, text, pad);
        Path raw = dir.resolve("clips/" + name + ".raw");
        TestAudio.run(List.of("sox", "-D", wav.toString(), "-t", "raw", raw.toString()));
        short[] pcm = pcm(raw);
        // at least 2.25 s: a 16-embedding window and a few shifts of it for training
        return pcm.length >= 36_000 ? pcm : Arrays.copyOf(pcm, 36_000);
    }

    private static short[] pcm(Path raw) throws IOException {
        byte[] bytes = Files.readAllBytes(raw);
        short[] out = new short[bytes.length / 2];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
        return out;
    }

    private static RawSample sample(long offset, String id, short[] pcm, boolean positive) {
        ByteBuffer le = ByteBuffer.allocate(2 * pcm.length).order(ByteOrder.LITTLE_ENDIAN);
        le.asShortBuffer().put(pcm);
        Sample s = Sample.newBuilder()
                .setSampleId(id)
                .setTenant("acme")
                .setUser("dana")
                .setAudio(Pcm16Audio.newBuilder().setSampleRateHz(16_000).setPcm16Le(ByteString.copyFrom(le.array())))
                .putLabels("wake", Label.newBuilder().setBinary(positive).build())
                .setSplit(Split.SPLIT_TRAIN)
                .build();
        return new RawSample(0, offset, "acme/dana".getBytes(StandardCharsets.UTF_8), s.toByteArray());
    }

    private static double maxDiff(float[] a, int from, float[] b) {
        double max = 0;
        for (int i = 0; i < b.length; i++) {
            max = Math.max(max, Math.abs(a[from + i] - b[i]));
        }
        return max;
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static long count(float[] v, float threshold) {
        long n = 0;
        for (float x : v) {
            if (x >= threshold) {
                n++;
            }
        }
        return n;
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
