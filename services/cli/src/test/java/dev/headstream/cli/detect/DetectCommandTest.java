package dev.headstream.cli.detect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headstream.cli.Main;
import dev.headstream.cli.evaluate.EvalHead;
import dev.headstream.cli.evaluate.HeadLoader;
import dev.headstream.cli.evaluate.TestAudio;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The detector on real speech: a minute of espeak-ng sentences with "hey jarvis" said five times
 * in between, scored by openWakeWord's pre-trained {@code hey_jarvis} head. It must find exactly
 * the activations {@code eval} finds on the same file and head; the same windows whatever sizes
 * the audio arrives in (file blocks, one step at a time, odd byte counts on standard input); and
 * a head swapped mid-stream must score every window after the swap, whole, none before.
 */
class DetectCommandTest {

    /** Low enough that the pre-trained head fires several times on this espeak-ng speech. */
    private static final String THRESHOLD = "0.1";

    private static final String[] SENTENCES = {
        "the weather today is cloudy with a chance of rain later in the evening",
        "please remember to buy milk bread and a few apples on the way home",
        "the meeting has been moved to thursday afternoon at three",
        "my brother plays the guitar in a small band on weekends",
        "turn left at the next corner and then keep going straight",
        "she said that the train would be late again this morning",
    };

    @TempDir
    static Path dir;

    private static Path longWav;
    private static Path jarvis;
    private static WakeWordBackbone backbone;

    @BeforeAll
    static void makeAudio() throws Exception {
        TestAudio.requireTools();
        jarvis = TestAudio.modelsDir().resolve("hey_jarvis_v0.1.onnx");
        List<Path> parts = new ArrayList<>();
        String[] voices = {"en-us", "en-gb+m3", "en-us+f2", "en+f4", "en-us+m2"};
        for (int i = 0; i < 10; i++) {
            parts.add(TestAudio.speak(
                    dir.resolve("parts/s" + i + ".wav"),
                    voices[i % voices.length],
                    150 + 7 * i,
                    SENTENCES[i % SENTENCES.length],
                    0.3));
            if (i % 2 == 1) {
                parts.add(TestAudio.speak(
                        dir.resolve("parts/j" + i + ".wav"), voices[(i + 2) % voices.length], 140, "hey jarvis", 0.4));
            }
        }
        longWav = TestAudio.concat(dir.resolve("long.wav"), parts);
        backbone = WakeWordBackbone.fromModelsDir(TestAudio.modelsDir());
    }

    @AfterAll
    static void close() {
        if (backbone != null) {
            backbone.close();
        }
    }

    @Test
    void findsTheSameActivationsAsEvalOnTheSameAudioAndHead() throws Exception {
        Path evalJson = dir.resolve("eval.json");
        StringWriter evalOut = new StringWriter();
        StringWriter evalErr = new StringWriter();
        int evalExit = run(evalOut, evalErr)
                .execute(
                        "eval",
                        "--models-dir",
                        TestAudio.modelsDir().toString(),
                        "--speech",
                        longWav.toString(),
                        "--head",
                        jarvis.toString(),
                        "--threshold",
                        THRESHOLD,
                        "--out",
                        evalJson.toString());
        assertThat(evalExit).as(evalErr.toString()).isZero();
        List<Double> evalSeconds = new ArrayList<>();
        for (JsonNode head : new ObjectMapper().readTree(evalJson.toFile()).get("heads")) {
            if (head.get("role").asText().equals("adapted")) {
                head.get("speech").get("files").get(0).get("seconds").forEach(s -> evalSeconds.add(s.asDouble()));
            }
        }

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = run(out, err)
                .execute(
                        "detect",
                        "--models-dir",
                        TestAudio.modelsDir().toString(),
                        "--head-file",
                        jarvis.toString(),
                        "--threshold",
                        THRESHOLD,
                        "--json",
                        longWav.toString());
        assertThat(exit).as(err.toString()).isZero();
        List<Double> detected = new ArrayList<>();
        JsonNode summary = null;
        for (String line : out.toString().split("\n")) {
            JsonNode n = new ObjectMapper().readTree(line);
            if (n.get("event").asText().equals("detection")) {
                detected.add(n.get("seconds").asDouble());
            } else if (n.get("event").asText().equals("summary")) {
                summary = n;
            }
        }

        assertThat(evalSeconds).as("eval's activations on the speech").hasSizeGreaterThanOrEqualTo(3);
        assertThat(detected).hasSameSizeAs(evalSeconds);
        for (int i = 0; i < detected.size(); i++) {
            assertThat(detected.get(i)).isCloseTo(evalSeconds.get(i), org.assertj.core.data.Offset.offset(0.006));
        }
        assertThat(summary).isNotNull();
        assertThat(summary.get("unscored").asLong()).isZero();
        assertThat(summary.get("detections").asLong()).isEqualTo(evalSeconds.size());
    }

    @Test
    void scoresTheSameWindowsWhateverSizesTheAudioArrivesIn() throws Exception {
        short[] pcm = readNative(longWav);
        DetectorHead head = fileHead(1, 0.1f);
        Map<Long, Float> whole = logits(pcm, head, 256, new int[] {pcm.length});
        assertThat(whole).hasSize((int) StreamingDetector.windows(pcm.length));

        // one 80 ms step at a time, as a microphone delivers it, one window per backbone run
        int[] steps = new int[pcm.length / WakeWordBackbone.STEP_SAMPLES + 1];
        java.util.Arrays.fill(steps, WakeWordBackbone.STEP_SAMPLES);
        assertThat(logits(pcm, head, 1, steps)).isEqualTo(whole);

        // random piece sizes, blocks of 7 windows
        SplittableRandom r = new SplittableRandom(7);
        int[] pieces = new int[4000];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = 1 + r.nextInt(5000);
        }
        assertThat(logits(pcm, head, 7, pieces)).isEqualTo(whole);
    }

    @Test
    void standardInputInOddPiecesGivesTheSameDetectionsAsTheFile() throws Exception {
        short[] pcm = readNative(longWav);
        ByteBuffer b = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(pcm);
        InputStream trickle = new TrickleStream(b.array(), 11);

        StringWriter fromFile = new StringWriter();
        assertThat(run(fromFile, new StringWriter())
                        .execute(
                                "detect",
                                "--models-dir",
                                TestAudio.modelsDir().toString(),
                                "--head-file",
                                jarvis.toString(),
                                "--threshold",
                                THRESHOLD,
                                longWav.toString()))
                .isZero();

        DetectCommand command = new DetectCommand();
        command.stdin = trickle;
        StringWriter fromStdin = new StringWriter();
        CommandLine line = new CommandLine(command);
        line.setOut(new PrintWriter(fromStdin, true));
        assertThat(line.execute(
                        "--models-dir",
                        TestAudio.modelsDir().toString(),
                        "--head-file",
                        jarvis.toString(),
                        "--threshold",
                        THRESHOLD,
                        "-"))
                .isZero();

        assertThat(detectionLines(fromStdin.toString(), "(stdin)"))
                .isNotEmpty()
                .isEqualTo(detectionLines(fromFile.toString(), longWav.toString()));
    }

    @Test
    void aSwappedHeadScoresEveryWindowFromTheNextOnWhole() throws Exception {
        short[] pcm = readNative(longWav);
        DetectorHead v1 = fileHead(1, 0.1f);
        DetectorHead v2 = fileHead(2, 0.9f);
        long windows = StreamingDetector.windows(pcm.length);
        long swapAt = windows / 3;
        long removeAt = 2 * windows / 3;
        // the source's answer depends on how many windows were scored: a head that changes under the detector
        long[] asked = {0};
        HeadSource source = new HeadSource() {
            @Override
            public Optional<DetectorHead> current() {
                long w = asked[0]++;
                return w < swapAt ? Optional.of(v1) : w < removeAt ? Optional.of(v2) : Optional.empty();
            }

            @Override
            public String describe() {
                return "scripted";
            }

            @Override
            public void close() {}
        };
        List<String> changes = new ArrayList<>();
        Map<Long, DetectorHead> scoredBy = new LinkedHashMap<>();
        List<Detection> detections = new ArrayList<>();
        StreamingDetector d = new StreamingDetector(
                backbone,
                source,
                new StreamingDetector.Events() {
                    @Override
                    public void headChanged(DetectorHead previous, DetectorHead current, long window) {
                        changes.add((previous == null ? "-" : "v" + previous.version()) + "->"
                                + (current == null ? "-" : "v" + current.version()) + "@" + window);
                    }

                    @Override
                    public void scored(long window, DetectorHead head, float logit) {
                        scoredBy.put(window, head);
                    }

                    @Override
                    public void detected(Detection detection) {
                        detections.add(detection);
                    }
                },
                64);
        d.accept(pcm, 0, pcm.length);

        assertThat(changes).containsExactly("-->v1@0", "v1->v2@" + swapAt, "v2->-@" + removeAt);
        assertThat(scoredBy).hasSize((int) removeAt);
        for (long w = 0; w < removeAt; w++) {
            assertThat(scoredBy.get(w)).as("window %d", w).isSameAs(w < swapAt ? v1 : v2);
        }
        assertThat(d.unscored()).isEqualTo(windows - removeAt);
        for (Detection det : detections) {
            assertThat(det.head()).isSameAs(det.window() < swapAt ? v1 : v2);
            assertThat(det.score()).isGreaterThanOrEqualTo(det.head().head().threshold());
        }
    }

    private static DetectorHead fileHead(long version, float threshold) {
        EvalHead h = HeadLoader.fromFile(jarvis, threshold);
        return new DetectorHead("acme/alice/wake", version, "ACTIVE", false, 0, h);
    }

    /** Every window's logit when {@code pcm} arrives in pieces of the given sizes. */
    private static Map<Long, Float> logits(short[] pcm, DetectorHead head, int blockWindows, int[] pieces) {
        Map<Long, Float> out = new LinkedHashMap<>();
        HeadSource fixed = new HeadSource() {
            @Override
            public Optional<DetectorHead> current() {
                return Optional.of(head);
            }

            @Override
            public String describe() {
                return "fixed";
            }

            @Override
            public void close() {}
        };
        StreamingDetector d = new StreamingDetector(
                backbone,
                fixed,
                new StreamingDetector.Events() {
                    @Override
                    public void scored(long window, DetectorHead h, float logit) {
                        assertThat(out.put(window, logit))
                                .as("window %d scored twice", window)
                                .isNull();
                    }
                },
                blockWindows);
        int at = 0;
        for (int i = 0; at < pcm.length; i = (i + 1) % pieces.length) {
            int n = Math.min(pieces[i], pcm.length - at);
            d.accept(pcm, at, n);
            at += n;
        }
        return out;
    }

    private static List<String> detectionLines(String output, String stream) {
        return output.lines()
                .filter(l -> l.endsWith("  " + stream) && l.contains(" score "))
                .map(l -> l.substring(0, l.length() - stream.length()))
                .toList();
    }

    private static short[] readNative(Path wav) throws IOException {
        byte[] bytes = Files.readAllBytes(wav);
        // sox writes a plain 44-byte header for 16-bit mono PCM
        ByteBuffer b = ByteBuffer.wrap(bytes, 44, bytes.length - 44).order(ByteOrder.LITTLE_ENDIAN);
        short[] pcm = new short[(bytes.length - 44) / 2];
        b.asShortBuffer().get(pcm);
        return pcm;
    }

    private static CommandLine run(StringWriter out, StringWriter err) {
        CommandLine line = Main.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line;
    }

    /** Hands out at most {@code most} bytes per read, varying, so samples split across reads. */
    private static final class TrickleStream extends InputStream {
        private final byte[] data;
        private final int most;
        private int at;
        private int turn;

        TrickleStream(byte[] data, int most) {
            this.data = data;
            this.most = most;
        }

        @Override
        public int read() {
            return at < data.length ? data[at++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (at >= data.length) {
                return -1;
            }
            // 1..most bytes, odd counts included, and now and then a large read
            int n = (turn++ % 50 == 0) ? 9_999 : 1 + (turn * 7) % most;
            n = Math.min(Math.min(n, len), data.length - at);
            System.arraycopy(data, at, b, off, n);
            at += n;
            return n;
        }
    }
}
