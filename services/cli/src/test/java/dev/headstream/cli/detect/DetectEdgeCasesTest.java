package dev.headstream.cli.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headstream.cli.Main;
import dev.headstream.cli.evaluate.EvalHead;
import dev.headstream.cli.evaluate.HeadLoader;
import dev.headstream.cli.evaluate.TestAudio;
import dev.headstream.schemas.v1.HeadUpdate;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code detect}'s edges: head ids and block sizes it refuses, JSON that stays JSON at thresholds
 * 0 and 1, a follower that never waits for the output, the exit code when no head ever existed
 * or the follower failed, and versions that could not be built named in the output.
 */
class DetectEdgeCasesTest {

    @TempDir
    static Path dir;

    private static Path speech;
    private static Path jarvis;

    @BeforeAll
    static void makeAudio() throws Exception {
        TestAudio.requireTools();
        jarvis = TestAudio.modelsDir().resolve("hey_jarvis_v0.1.onnx");
        // about 4 s: some 25 windows
        speech = TestAudio.speak(
                dir.resolve("speech.wav"), "en-us", 150, "hey jarvis, the weather today is cloudy with rain", 0.8);
    }

    @Test
    void refusesHeadIdsTheAdapterCannotPublish() {
        String long65 = "a".repeat(65);
        for (String bad : new String[] {
            "a/b",
            "a/b/c/d",
            "a//c",
            "/b/c",
            "a/b/",
            "a/b c/d",
            "a/b/c!",
            "jürgen/b/c",
            long65 + "/b/c",
            "a/b/" + long65
        }) {
            StringWriter err = new StringWriter();
            int exit = run(new StringWriter(), err).execute("detect", "--head", bad, "x.wav");
            assertThat(exit).as(bad).isEqualTo(2);
            assertThat(err.toString()).as(bad).contains("--head must be TENANT/USER/TASK");
        }
        assertThat(DetectCommand.isHeadId("acme/alice.b-2/wake_1")).isTrue();
        assertThat(DetectCommand.isHeadId("a".repeat(64) + "/b/c")).isTrue();
    }

    @Test
    void refusesBlockSizesThatWouldOverflow() {
        for (String bad : new String[] {"0", "-1", "4097", "2147483647", "99999999999"}) {
            StringWriter err = new StringWriter();
            int exit = run(new StringWriter(), err)
                    .execute("detect", "--head-file", jarvis.toString(), "--block-windows", bad, "x.wav");
            assertThat(exit).as(bad).isEqualTo(2);
            assertThat(err.toString()).as(bad).contains("--block-windows");
        }
    }

    @Test
    void jsonLinesStayJsonAtThresholdsOneAndZero() throws Exception {
        ObjectMapper strict = new ObjectMapper(); // refuses NaN and Infinity
        for (String threshold : new String[] {"1.0", "0.0"}) {
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
                            threshold,
                            "--json",
                            speech.toString());
            assertThat(exit).as(err.toString()).isZero();
            List<String> events = new ArrayList<>();
            long detections = 0;
            for (String line : out.toString().split("\n")) {
                JsonNode n = strict.readTree(line);
                events.add(n.get("event").asText());
                if (n.get("event").asText().equals("detection")) {
                    detections++;
                    assertThat(n.get("score").isNumber()).as(line).isTrue();
                }
            }
            assertThat(events).as(threshold).contains("notice", "swap", "summary");
            if (threshold.equals("0.0")) {
                assertThat(detections)
                        .as("every window accepts at 0, one per refractory")
                        .isPositive();
            }
        }
        // a score that is not a number prints as null, not NaN
        EvalHead h = HeadLoader.fromFile(jarvis, 0.5f);
        DetectorHead head = new DetectorHead("acme/alice/wake", 3, "ACTIVE", false, 0, h);
        DetectCommand.DetectOutput output = new DetectCommand.DetectOutput(new PrintWriter(new StringWriter()), true);
        JsonNode n = strict.readTree(output.detectionLine("s", new Detection(4, Double.NaN, Float.NaN, head)));
        assertThat(n.get("score").isNull()).isTrue();
        assertThat(n.get("seconds").isNull()).isTrue();
        assertThat(strict.readTree(output.publishedLine(head)).get("threshold").asDouble())
                .isEqualTo(0.5);
        assertThat(DetectCommand.DetectOutput.number(Float.POSITIVE_INFINITY)).isEqualTo("null");
    }

    @Test
    void theFollowerNeverWaitsForAStalledOutput() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        StringWriter printed = new StringWriter();
        Writer stalled = new Writer() {
            @Override
            public void write(char[] c, int off, int len) {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                printed.write(c, off, len);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        DetectCommand.DetectOutput output = new DetectCommand.DetectOutput(new PrintWriter(stalled), false);
        Thread scoring = new Thread(() -> output.notice("a line that stalls"), "scoring");
        scoring.start();
        writing.await();
        // the scoring thread holds the output, stuck in a write: posting must not wait for it
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (int i = 0; i < 1000; i++) {
                output.post("detect: published v" + i);
            }
        });
        release.countDown();
        scoring.join(10_000);
        output.drainPosted();
        List<String> lines = printed.toString().lines().toList();
        assertThat(lines).hasSize(1 + DetectCommand.DetectOutput.POSTED + 1);
        assertThat(lines.get(1)).isEqualTo("detect: published v0");
        assertThat(lines.get(lines.size() - 1))
                .isEqualTo("detect: " + (1000 - DetectCommand.DetectOutput.POSTED)
                        + " lines about published heads not printed: the output was too slow");
    }

    @Test
    void exitsNonZeroWhenNoHeadEverExisted() throws Exception {
        StringWriter out = new StringWriter();
        int exit = detect(out, scripted(w -> Optional.empty(), List.of(), -1));
        assertThat(exit).isEqualTo(1);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(lines.size() - 1))
                .startsWith("detect: error: no window was scored: there was no head (scripted) for any of the ");
    }

    @Test
    void anUnreadableFileIsAnErrorLineTheOthersAreScoredAndTheExitCodeIsOne() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.wav"));
        Path text = dir.resolve("notes.wav");
        Files.writeString(text, "this is not audio");
        for (boolean json : new boolean[] {false, true}) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            List<String> args = new ArrayList<>(List.of(
                    "detect", "--models-dir", TestAudio.modelsDir().toString(), "--head-file", jarvis.toString()));
            if (json) {
                args.add("--json");
            }
            args.addAll(List.of(empty.toString(), speech.toString(), text.toString()));
            int exit = run(out, err).execute(args.toArray(String[]::new));

            assertThat(exit).as(out + "\n" + err).isEqualTo(1);
            List<String> lines = out.toString().lines().toList();
            if (json) {
                ObjectMapper strict = new ObjectMapper();
                List<JsonNode> errors = new ArrayList<>();
                for (String l : lines) {
                    JsonNode n = strict.readTree(l);
                    if (n.get("event").asText().equals("error")) {
                        errors.add(n);
                    }
                }
                assertThat(errors).hasSize(3);
                assertThat(errors.get(0).get("message").asText()).startsWith(empty + ": ");
                assertThat(errors.get(1).get("message").asText()).startsWith(text + ": ");
                assertThat(lines).anyMatch(l -> l.contains("\"event\":\"summary\"") && l.contains("speech.wav"));
            } else {
                assertThat(lines).anyMatch(l -> l.startsWith("detect: error: " + empty + ": "));
                assertThat(lines).anyMatch(l -> l.startsWith("detect: error: " + text + ": "));
                assertThat(lines)
                        .as("the readable file is still scored")
                        .anyMatch(l -> l.startsWith("detect: " + speech + ": "));
                assertThat(lines.get(lines.size() - 1))
                        .isEqualTo("detect: error: 2 of 3 files could not be read (named above)");
            }
        }
    }

    @Test
    void aMissingPathNamesItAndTheFolderRelativePathsAreResolvedAgainstNotAnOption() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = run(out, err).execute("detect", "--head-file", jarvis.toString(), "no/such/recording.wav");

        assertThat(exit).isNotZero();
        assertThat(out + err.toString())
                .contains("audio path not found: no/such/recording.wav (relative paths are resolved against "
                        + Path.of("").toAbsolutePath() + ")")
                .doesNotContain("--speech");
    }

    @Test
    void aFollowerThatFailedStopsTheRunWithAClearLastLine() throws Exception {
        StringWriter out = new StringWriter();
        int exit = detect(out, scripted(w -> Optional.of(head(1)), List.of(), 1));
        assertThat(exit).isEqualTo(1);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(lines.size() - 1))
                .isEqualTo("detect: error: stopped: following scripted failed: the broker went away");
        assertThat(lines).anyMatch(l -> l.startsWith("detect: (stdin): "));
    }

    @Test
    void versionsThatCannotBeBuiltAreNamedInTheOutput() throws Exception {
        FollowedHead.Problems problems = new FollowedHead.Problems();
        HeadUpdate v7 = HeadUpdate.newBuilder()
                .setHeadId("acme/alice/wake")
                .setVersion(7)
                .build();
        problems.failed(v7, new IllegalArgumentException("threshold must be a number, was NaN"));
        String line = "version 7 of acme/alice/wake cannot be used, skipped (scoring goes on with the version before"
                + " it): threshold must be a number, was NaN";
        assertThat(problems.take(1)).containsExactly(line);
        assertThat(problems.take(1)).isEmpty();
        assertThat(problems.take(3))
                .containsExactly("2 head records were skipped: unreadable, or naming another head than its key"
                        + " (see standard error)");
        for (int i = 0; i < FollowedHead.Problems.KEPT + 8; i++) {
            problems.failed(v7, new IllegalArgumentException("bad\nline"));
        }
        List<String> many = problems.take(3 + FollowedHead.Problems.KEPT + 8);
        assertThat(many).hasSize(FollowedHead.Problems.KEPT + 1);
        assertThat(many.get(0)).endsWith("bad line");
        assertThat(many.get(many.size() - 1)).isEqualTo("8 more versions could not be used (see standard error)");

        // and the command prints a source's notices as notice lines
        StringWriter out = new StringWriter();
        detect(out, scripted(w -> Optional.of(head(1)), List.of(line), -1));
        assertThat(out.toString().lines()).contains("detect: " + line);
    }

    /** Runs detect on {@link #speech} as raw PCM on standard input with {@code source}; returns the exit code. */
    private static int detect(StringWriter out, HeadSource source) throws Exception {
        DetectCommand command = new DetectCommand();
        command.headSource = source;
        command.stdin = new java.io.ByteArrayInputStream(
                java.nio.file.Files.readAllBytes(speech), 44, (int) java.nio.file.Files.size(speech) - 44);
        CommandLine line = new CommandLine(command);
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(new StringWriter(), true));
        return line.execute("--models-dir", TestAudio.modelsDir().toString(), "-");
    }

    private static DetectorHead head(long version) {
        return new DetectorHead("acme/alice/wake", version, "ACTIVE", false, 0, HeadLoader.fromFile(jarvis, 0.5f));
    }

    /**
     * A head source that gives {@code heads.apply(window)}, has {@code notices} to tell once, and
     * fails from its {@code failAfter}-th poll on ({@code -1}: never).
     */
    private static HeadSource scripted(
            LongFunction<Optional<DetectorHead>> heads, List<String> notices, int failAfter) {
        return new HeadSource() {
            private long asked;
            private int polls;
            private boolean told;

            @Override
            public Optional<DetectorHead> current() {
                return heads.apply(asked++);
            }

            @Override
            public String describe() {
                return "scripted";
            }

            @Override
            public List<String> takeNotices() {
                if (told) {
                    return List.of();
                }
                told = true;
                return notices;
            }

            @Override
            public Optional<String> failure() {
                return failAfter >= 0 && ++polls > failAfter ? Optional.of("the broker went away") : Optional.empty();
            }

            @Override
            public void close() {}
        };
    }

    private static CommandLine run(StringWriter out, StringWriter err) {
        CommandLine line = Main.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return line;
    }
}
