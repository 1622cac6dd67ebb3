package dev.headstream.cli.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * End to end on real speech: "hey jarvis" and other phrases from espeak-ng, a minute of other
 * sentences as speech; the command's figures must equal those computed here by hand from
 * {@code embedStream} and {@link Detections}.
 */
class EvalCommandTest {

    private static final float LOW = 0.001f;
    private static final String[] SENTENCES = {
        "The weather today is mostly cloudy with a chance of rain in the afternoon.",
        "Please remember to bring an umbrella when you leave the house.",
        "Meanwhile the committee has decided to postpone the meeting until next Thursday.",
        "Several members of the board are travelling abroad this week.",
        "Jars of honey and jam were sold at the market on Saturday morning.",
        "Harvey said the service was excellent and the prices were fair.",
    };

    @TempDir
    static Path dir;

    private static Path clips;
    private static Path speech;
    private static Path native16k;

    @BeforeAll
    static void makeAudio() throws Exception {
        TestAudio.requireTools();
        clips = dir.resolve("carol");
        String[][] positives = {
            {"en-us", "140", "0"}, {"en-gb", "150", "0.3"}, {"en-us+f3", "130", "1.0"}, {"en+m3", "160", "0"}
        };
        for (int i = 0; i < positives.length; i++) {
            TestAudio.speak(
                    clips.resolve("positive/p" + i + ".wav"),
                    positives[i][0],
                    Integer.parseInt(positives[i][1]),
                    "hey jarvis",
                    Double.parseDouble(positives[i][2]));
        }
        TestAudio.speak(clips.resolve("negative/n0.wav"), "en-us", 150, "hey travis", 0);
        TestAudio.speak(clips.resolve("negative/n1.wav"), "en-gb+f2", 150, SENTENCES[4], 0.2);
        // espeak-ng's own output (22050 Hz): the command converts it with sox
        TestAudio.run(List.of(
                "espeak-ng",
                "-v",
                "en-us+m2",
                "-w",
                clips.resolve("negative/n2.wav").toString(),
                "good morning"));
        native16k = dir.resolve("n2-16k.wav");
        TestAudio.run(List.of(
                "sox",
                "-D",
                clips.resolve("negative/n2.wav").toString(),
                "-r",
                "16000",
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                native16k.toString()));

        speech = dir.resolve("speech");
        List<Path> parts = new ArrayList<>();
        String[] voices = {"en-us", "en-gb+m3", "en-us+f2", "en+f4"};
        for (int round = 0; parts.size() < 12; round++) {
            for (int s = 0; s < SENTENCES.length && parts.size() < 12; s++) {
                parts.add(TestAudio.speak(
                        dir.resolve("parts/" + round + "-" + s + ".wav"),
                        voices[(round + s) % voices.length],
                        150 + 10 * round,
                        SENTENCES[s],
                        0.4));
            }
        }
        TestAudio.concat(speech.resolve("a-long.wav"), parts);
        TestAudio.speak(speech.resolve("b-short.wav"), "en-us", 170, "okay", 0);
    }

    @Test
    void figuresEqualThoseComputedByHandFromTheStreamingEmbeddings() throws Exception {
        Path json = dir.resolve("out/result.json");
        Path png = dir.resolve("out/plot.png");
        Path jarvis = TestAudio.modelsDir().resolve("hey_jarvis_v0.1.onnx");
        StringWriter out = new StringWriter();
        int exit = command(out, new StringWriter())
                .execute(
                        "--models-dir",
                        TestAudio.modelsDir().toString(),
                        "--clips",
                        clips.toString(),
                        "--speech",
                        speech.toString(),
                        "--head",
                        jarvis.toString(),
                        "--threshold",
                        Float.toString(LOW),
                        "--out",
                        json.toString(),
                        "--plot",
                        png.toString(),
                        "--threads",
                        "2",
                        "--segment-windows",
                        "150");

        assertThat(exit).as(out.toString()).isZero();
        Expected source = expected(jarvis, 0.5f);
        Expected low = expected(jarvis, LOW);
        assertThat(low.activations)
                .as("the low threshold must fire on the speech")
                .isGreaterThan(2);
        assertThat(low.activations).as("the refractory period must matter").isLessThan(low.accepted);

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        JsonNode results = root.path("users").get(0).path("results");
        assertThat(root.path("users").get(0).path("user").asText()).isEqualTo("carol");
        check(results.get(0), "source", source);
        check(results.get(1), "adapted", low);
        assertThat(root.path("inputs").path("paddedClips").asInt()).isEqualTo(source.paddedClips);
        assertThat(root.path("inputs").path("convertedClips").asInt()).isEqualTo(1);
        assertThat(root.path("inputs")
                        .path("speech")
                        .get(1)
                        .path("paddingSamples")
                        .asInt())
                .isPositive();
        assertThat(root.path("heads").get(1).path("speech").path("files").get(0).path("seconds"))
                .hasSize(root.path("heads")
                        .get(1)
                        .path("speech")
                        .path("files")
                        .get(0)
                        .path("activations")
                        .asInt());
        assertThat(root.path("curves")).hasSize(2);

        String text = out.toString();
        assertThat(text)
                .contains("eval: converted " + clips.resolve("negative/n2.wav") + " (22050 Hz, 1 channel,"
                        + " 16-bit) to 16 kHz mono 16-bit with sox");
        assertThat(text)
                .contains(String.format(Locale.ROOT, "eval: 7 clips scored in"))
                .contains(source.paddedClips + " of them shorter than 2.00 s (32,000 samples) and padded at the start");
        assertThat(text)
                .containsPattern(String.format(
                                Locale.ROOT,
                                "carol +source +hey_jarvis_v0.1 +0.5000 +4 +%d +%.3f +3 +%d +%.3f +%d +%.2f",
                                source.detected,
                                source.detected / 4.0,
                                source.falseAccepted.size(),
                                source.hours,
                                source.activations,
                                source.activations / source.hours)
                        .replace(".", "\\."));
        assertThat(ImageIO.read(png.toFile()).getWidth()).isGreaterThan(500);
    }

    @Test
    void aMissingInputDirectoryIsAClearError() {
        StringWriter err = new StringWriter();
        Path missing = dir.resolve("no-such-clips");

        int exit = command(new StringWriter(), err)
                .execute("--models-dir", TestAudio.modelsDir().toString(), "--clips", missing.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("eval: --clips directory not found: " + missing);
    }

    @Test
    void contradictoryOptionsAreUsageErrors() {
        StringWriter err = new StringWriter();

        int exit = command(new StringWriter(), err).execute("--clips", "a", "--manifest", "b");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--clips and --manifest are alternatives: give one");
    }

    private static void check(JsonNode row, String role, Expected e) {
        assertThat(row.path("role").asText()).isEqualTo(role);
        assertThat(row.path("positives").asInt()).isEqualTo(4);
        assertThat(row.path("detected").asInt()).isEqualTo(e.detected);
        assertThat(row.path("negatives").asInt()).isEqualTo(3);
        assertThat(row.path("falseAcceptedClips").asInt()).isEqualTo(e.falseAccepted.size());
        List<String> files = new ArrayList<>();
        row.path("falseAcceptedFiles").forEach(n -> files.add(n.asText()));
        assertThat(files).containsExactlyElementsOf(e.falseAccepted);
        assertThat(row.path("speechWindows").asLong()).isEqualTo(e.windows);
        assertThat(row.path("speechHours").asDouble()).isCloseTo(e.hours, within(1e-6));
        assertThat(row.path("activations").asInt()).isEqualTo(e.activations);
        assertThat(row.path("falseAcceptsPerHour").asDouble()).isCloseTo(e.activations / e.hours, within(1e-3));
    }

    /** What the command must report for the jarvis head at {@code threshold}, computed without the evaluate package. */
    private static Expected expected(Path head, float threshold) throws Exception {
        SourceHead model = OnnxHeadImporter.importHead(head);
        ClipScorer scorer = new ClipScorer(new MlpHead(model.architecture(), 1), model.parameters(), 16);
        Expected e = new Expected();
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(TestAudio.modelsDir())) {
            for (String label : List.of("positive", "negative")) {
                for (Path f : list(clips.resolve(label))) {
                    Path source = f.getFileName().toString().equals("n2.wav") ? native16k : f;
                    short[] pcm = read(source);
                    e.paddedClips += pcm.length < 32_000 ? 1 : 0;
                    float[] scores = scores(backbone, scorer, pcm);
                    float max = Float.NEGATIVE_INFINITY;
                    for (float s : scores) {
                        max = Math.max(max, s);
                    }
                    boolean accepted = max >= threshold;
                    if (label.equals("positive")) {
                        e.detected += accepted ? 1 : 0;
                    } else if (accepted) {
                        e.falseAccepted.add("negative/" + f.getFileName());
                    }
                }
            }
            for (Path f : list(speech)) {
                float[] scores = scores(backbone, scorer, read(f));
                e.windows += scores.length;
                e.activations += Detections.count(scores, 0, scores.length, threshold);
                for (float s : scores) {
                    e.accepted += s >= threshold ? 1 : 0;
                }
            }
        }
        e.hours = e.windows * 0.08 / 3600;
        return e;
    }

    /** The score of every 16-embedding window of the clip, padded at the start to 2 s. */
    private static float[] scores(WakeWordBackbone backbone, ClipScorer scorer, short[] pcm) {
        short[] padded = pcm;
        if (pcm.length < 32_000) {
            padded = new short[32_000];
            System.arraycopy(pcm, 0, padded, 32_000 - pcm.length, pcm.length);
        }
        EmbeddingSequence e = backbone.embedStream(padded);
        float[] s = new float[e.frames() - 15];
        for (int w = 0; w < s.length; w++) {
            s[w] = MlpHead.sigmoid(scorer.windowLogit(null, e.values(), w * 96));
        }
        return s;
    }

    /** 16 kHz mono 16-bit samples, read by the JDK. */
    private static short[] read(Path wav) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(wav.toFile())) {
            AudioFormat f = in.getFormat();
            assertThat(f.getSampleRate()).isEqualTo(16_000f);
            assertThat(f.getChannels()).isEqualTo(1);
            assertThat(f.getSampleSizeInBits()).isEqualTo(16);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            short[] pcm = new short[bytes.size() / 2];
            ByteBuffer.wrap(bytes.toByteArray())
                    .order(f.isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN)
                    .asShortBuffer()
                    .get(pcm);
            return pcm;
        }
    }

    private static List<Path> list(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.toString().endsWith(".wav")).sorted().toList();
        }
    }

    /** The command as {@code Main} runs it: a failure prints its message and exits with 1. */
    private static CommandLine command(StringWriter out, StringWriter err) {
        CommandLine cl = new CommandLine(new EvalCommand());
        cl.setCommandName("eval");
        cl.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, c, p) -> {
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            return c.getCommandSpec().exitCodeOnExecutionException();
        });
        return cl;
    }

    private static final class Expected {
        int detected;
        final List<String> falseAccepted = new ArrayList<>();
        int paddedClips;
        long windows;
        int activations;
        int accepted;
        double hours;
    }
}
