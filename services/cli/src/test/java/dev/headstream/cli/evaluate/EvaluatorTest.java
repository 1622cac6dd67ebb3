package dev.headstream.cli.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.cli.Console;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Speech that sox converts is scored like native speech, read a segment at a time from a temporary
 * native WAV file that is gone when the call returns, whether it succeeds or fails.
 */
class EvaluatorTest {

    private static final int SEGMENT_WINDOWS = 37;

    private static WakeWordBackbone backbone;
    private static EvalHead head;

    @TempDir
    static Path audio;

    private static Path stereo;
    private static Path native16k;

    @TempDir
    Path dir;

    private Path temp;
    private final List<String> notices = new ArrayList<>();
    /** What the temporary directory held when each file was converted: a line per file in it. */
    private final List<String> tempAtNotice = new ArrayList<>();

    @BeforeAll
    static void open() throws Exception {
        TestAudio.requireTools();
        backbone = WakeWordBackbone.fromModelsDir(TestAudio.modelsDir());
        head = HeadLoader.source(TestAudio.modelsDir().resolve("hey_jarvis_v0.1.onnx"), 0.5f, "test");
        stereo = audio.resolve("speech-44k-stereo.wav");
        native16k = audio.resolve("speech-16k.wav");
        AudioLoaderTest.stereoAndNative(
                audio.resolve("speech-mono.wav"), SegmentScorerTest.speechLike(16_000 * 60 + 1_111), stereo, native16k);
    }

    @AfterAll
    static void close() {
        if (backbone != null) {
            backbone.close();
        }
    }

    @BeforeEach
    void makeTemp() throws Exception {
        temp = Files.createDirectories(dir.resolve("temp"));
    }

    @Test
    void aConvertedLongRecordingScoredInSegmentsGivesTheFiguresOfItsNativeEquivalent() throws Exception {
        SpeechScores converted = score(new Sox("sox", temp), List.of(stereo));
        assertThat(temp).as("the converted file is deleted").isEmptyDirectory();
        SpeechScores expected = score(new Sox("sox", temp), List.of(native16k));

        assertThat(notices)
                .containsExactly(
                        "converted " + stereo + " (44100 Hz, 2 channels, 16-bit) to 16 kHz mono" + " 16-bit with sox");
        assertThat(tempAtNotice)
                .as("while scored, the audio was in a native WAV file of a temporary directory")
                .singleElement()
                .asString()
                .matches("headstream-sox\\d+/converted\\.wav: 16000 Hz, 1 channel, 16-bit, "
                        + converted.files().get(0).samples() + " samples");
        SpeechScores.SpeechFile c = converted.files().get(0);
        SpeechScores.SpeechFile e = expected.files().get(0);
        assertThat(c.file()).isEqualTo(stereo);
        assertThat(c.convertedFrom()).isEqualTo("44100 Hz, 2 channels, 16-bit");
        assertThat(e.convertedFrom()).isNull();
        assertThat(c.samples()).isEqualTo(e.samples()).isGreaterThan(16_000 * 59);
        assertThat(c.padding()).isEqualTo(e.padding()).isZero();
        assertThat(c.windows()).isEqualTo(e.windows()).isGreaterThan(10 * SEGMENT_WINDOWS);
        float max = expected.maxLogit(head);
        assertThat(converted.maxLogit(head)).isEqualTo(max);
        int firing = 0;
        for (int k = 0; k <= 40; k++) {
            float t = max - 0.25f * k;
            assertThat(converted.activations(head, t))
                    .as("activations at logit %s", t)
                    .isEqualTo(expected.activations(head, t));
            firing = Math.max(firing, expected.activations(head, t));
        }
        assertThat(firing).as("the thresholds must matter").isGreaterThan(1);
        assertThat(converted.activationWindows(head, 0)).containsExactly(expected.activationWindows(head, 0));
        assertThat(temp).isEmptyDirectory();
    }

    @Test
    void aFailedRunLeavesNoConvertedFileBehind() throws Exception {
        Path bad = audio.resolve("bad-22k.wav");
        TestAudio.run(List.of("sox", "-D", native16k.toString(), "-r", "22050", bad.toString(), "trim", "0", "5"));
        // sox that describes every file but cannot convert bad-22k.wav
        Path fakeSox = dir.resolve("fake-sox");
        Files.writeString(
                fakeSox,
                "#!/bin/sh\ncase \"$3\" in *bad-22k*) echo 'sox FAIL formats: boom' >&2; exit 2;;"
                        + " esac\nexec sox \"$@\"\n");
        Files.setPosixFilePermissions(fakeSox, PosixFilePermissions.fromString("rwx------"));

        assertThatThrownBy(() -> score(new Sox(fakeSox.toString(), temp), List.of(stereo, bad, native16k)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sox cannot read " + bad + ": sox FAIL formats: boom");
        assertThat(notices)
                .containsExactly(
                        "converted " + stereo + " (44100 Hz, 2 channels, 16-bit) to 16 kHz mono" + " 16-bit with sox");
        assertThat(temp)
                .as("neither the first file's conversion nor the failed one's is left")
                .isEmptyDirectory();
    }

    private SpeechScores score(Sox sox, List<Path> files) {
        AudioLoader loader = new AudioLoader(sox, SegmentScorer.WINDOW_SAMPLES, line -> {
            notices.add(line);
            tempAtNotice.add(describeTemp());
        });
        Console console = new Console(new PrintWriter(new StringWriter()), "eval");
        try (Evaluator evaluator = new Evaluator(new SegmentScorer(backbone), loader, console, 2, SEGMENT_WINDOWS)) {
            return evaluator.scoreSpeech(files, List.of(head));
        }
    }

    private String describeTemp() {
        try (Stream<Path> files = Files.walk(temp)) {
            return String.join(
                    "\n",
                    files.filter(Files::isRegularFile)
                            .map(f -> {
                                WavHeader h = WavReader.header(f).orElseThrow();
                                return temp.relativize(f) + ": " + h.describe() + ", " + h.frames() + " samples";
                            })
                            .toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
