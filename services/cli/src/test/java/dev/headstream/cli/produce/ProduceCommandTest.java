package dev.headstream.cli.produce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.cli.Main;
import dev.headstream.client.SampleProducer;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.schemas.v1.Split;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code produce --dry-run} end to end on hand-written WAV files (no broker): what is read as it
 * is, what is converted, what is skipped and why, the summary and the exit code; and the usage
 * errors. Sending is covered by {@code ProduceFolderIT} against a real broker and adapter.
 */
class ProduceCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void dryRunConvertsOtherFormatsSkipsWhatCannotBeSentAsItIsAndExitsOne(@TempDir Path dir) throws IOException {
        Path clips = dir.resolve("alice");
        TestWavs.tone(clips.resolve("positive/a-native.wav"), 16_000, 1, 2.5);
        TestWavs.tone(clips.resolve("positive/b-22k.wav"), 22_050, 1, 2.5);
        // not 2.5 s: mixed down, it would be the same audio as a-native.wav, and skipped as its duplicate
        TestWavs.tone(clips.resolve("negative/c-stereo.wav"), 16_000, 2, 2.6);
        TestWavs.write(clips.resolve("negative/d-truncated.wav"), 16_000, 1, new short[500], 32_000);
        Files.write(clips.resolve("negative/e-empty.wav"), new byte[0]);
        TestWavs.tone(clips.resolve("negative/f-long.wav"), 16_000, 1, 10.5);
        TestWavs.tone(clips.resolve("negative/g-short.wav"), 16_000, 1, 0.5);
        Files.writeString(clips.resolve("negative/h-text.wav"), "not audio at all\n", StandardCharsets.UTF_8);

        int exit = run("produce", "--dry-run", "--tenant", "acme", "--user", "alice", clips.toString());

        String text = out.toString();
        assertThat(exit).as(text + err).isEqualTo(1);
        assertThat(text)
                .contains("produce: 8 clips of 1 user; dry run: read and checked, not sent")
                .containsPattern(
                        "converted \\S*b-22k.wav \\(22050 Hz, 1 channel, 16-bit\\) to 16 kHz mono 16-bit with sox")
                .containsPattern("converted \\S*c-stereo.wav \\(16000 Hz, 2 channels, 16-bit\\) to 16 kHz mono")
                .contains("skipped " + clips.resolve("negative/d-truncated.wav") + " (unreadable): cannot read "
                        + clips.resolve("negative/d-truncated.wav")
                        + ": truncated: the data chunk declares 32000 bytes but only 1000 follow")
                .contains("skipped " + clips.resolve("negative/e-empty.wav") + " (empty file): ")
                .contains("skipped " + clips.resolve("negative/f-long.wav") + " (too long): ")
                .contains("is 10.50 s long (168,000 samples); the adapter accepts at most 10 s (160,000 samples;"
                        + " headstream.backbone.max-seconds, --max-seconds)")
                .contains("skipped " + clips.resolve("negative/g-short.wav") + " (too short): ")
                .contains(
                        "is 0.50 s long (8,000 samples); a head reads 16 embeddings (window-frames), which need at least"
                                + " 2.00 s (32,000 samples); clips are never padded: pad it with silence before the wake word (the"
                                + " head scores the newest 2.00 s at every step), e.g. sox in.wav out.wav pad 1.4 0.2")
                .contains("skipped " + clips.resolve("negative/h-text.wav") + " (unreadable): sox cannot read")
                .contains("produce: would send 3 of 8 clips (3 train, 0 holdout) of 1 user; dry run, nothing was sent")
                .contains("produce:   acme/alice: 3 (3 train, 0 holdout)")
                .contains("produce: would send: checked here only; once sent, the adapter's own verdicts (DUPLICATE"
                        + " of a sample id sent before, UNKNOWN_TASK, RATE_LIMITED, CAPACITY, ...) arrive on"
                        + " headstream.rejected; ./headstream watch --bootstrap 127.0.0.1:9092 shows them")
                .contains("produce: 2 of them converted with sox")
                .contains("produce: skipped 5:")
                .contains("produce:   unreadable: 2 (" + clips.resolve("negative/d-truncated.wav") + ", "
                        + clips.resolve("negative/h-text.wav") + ")")
                .contains("produce:   empty file: 1 (" + clips.resolve("negative/e-empty.wav") + ")")
                .contains("produce:   too long: 1 (" + clips.resolve("negative/f-long.wav") + ")")
                .contains("produce:   too short: 1 (" + clips.resolve("negative/g-short.wav") + ")");
    }

    @Test
    void dryRunOfClipsThatCanAllBeSentExitsZero(@TempDir Path dir) throws IOException {
        Path a = TestWavs.tone(dir.resolve("a.wav"), 16_000, 1, 2.0);
        Path b = TestWavs.tone(dir.resolve("more/b.wav"), 16_000, 1, 10.0);

        int exit = run(
                "produce",
                "--dry-run",
                "--tenant",
                "acme",
                "--user",
                "bob",
                "--label",
                "wake=0",
                "--split",
                "holdout",
                a.toString(),
                dir.resolve("more").toString());

        assertThat(exit).as(out.toString() + err).isZero();
        assertThat(out.toString())
                .contains("would send 2 of 2 clips (0 train, 2 holdout) of 1 user")
                .doesNotContain("skipped");
        assertThat(b).exists();
    }

    @Test
    void refusesClipsOverALowerMaxSeconds(@TempDir Path dir) throws IOException {
        Path a = TestWavs.tone(dir.resolve("a.wav"), 16_000, 1, 2.5);

        int exit = run(
                "produce",
                "--dry-run",
                "--tenant",
                "acme",
                "--user",
                "bob",
                "--label",
                "wake=1",
                "--max-seconds",
                "2",
                a.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString()).contains("the adapter accepts at most 2 s (32,000 samples");
    }

    @Test
    void aPhraseThatTheAdapterWouldRefuseIsAUsageErrorBeforeAnythingIsRead(@TempDir Path dir) throws IOException {
        Path a = TestWavs.tone(dir.resolve("a.wav"), 16_000, 1, 2.5);
        String[] args = {"produce", "--dry-run", "--tenant", "acme", "--user", "alice", "--label", "own=1", "--phrase"};
        for (String bad : new String[] {"hey-jarvis!", "", "1 two", "a".repeat(65)}) {
            String[] withPhrase = Arrays.copyOf(args, args.length + 2);
            withPhrase[args.length] = bad;
            withPhrase[args.length + 1] = a.toString();
            assertThat(run(withPhrase)).as("--phrase '%s'", bad).isEqualTo(CommandLine.ExitCode.USAGE);
            assertThat(err.toString()).contains("--phrase must be English words");
        }
        String[] good = Arrays.copyOf(args, args.length + 2);
        good[args.length] = "Hey Marble";
        good[args.length + 1] = a.toString();
        assertThat(run(good)).as(out.toString() + err).isZero();
        assertThat(out.toString())
                .contains("would send 1 of 1 clips")
                .contains("every clip names wake phrase 'hey marble'");
    }

    @Test
    void aMaxSecondsOutOfRangeIsAUsageErrorAndTheLimitItselfIsNoOverflow(@TempDir Path dir) throws IOException {
        Path a = TestWavs.tone(dir.resolve("a.wav"), 16_000, 1, 2.5);

        for (String bad : new String[] {"1000000", "3600.5", "0", "-1", "NaN", "Infinity"}) {
            assertThat(run(
                            "produce",
                            "--dry-run",
                            "--tenant",
                            "acme",
                            "--user",
                            "alice",
                            "--label",
                            "wake=1",
                            "--max-seconds",
                            bad,
                            a.toString()))
                    .as("--max-seconds %s: %s", bad, out)
                    .isEqualTo(CommandLine.ExitCode.USAGE);
            assertThat(err.toString())
                    .contains("--max-seconds must be more than 0 and at most 3600 seconds, got " + bad);
        }
        assertThat(out.toString()).doesNotContain("too long");

        int exit = run(
                "produce",
                "--dry-run",
                "--tenant",
                "acme",
                "--user",
                "alice",
                "--label",
                "wake=1",
                "--max-seconds",
                "3600",
                a.toString());

        assertThat(exit).as(out.toString() + err).isZero();
        assertThat(out.toString()).contains("would send 1 of 1 clips").doesNotContain("too long");
    }

    @Test
    void aSampleIdThisRunAlreadySentForTheUserIsSkippedNamingBothClips(@TempDir Path dir) throws IOException {
        TestWavs.tone(dir.resolve("a.wav"), 16_000, 1, 2.5);
        Files.copy(dir.resolve("a.wav"), dir.resolve("a-copy.wav"));
        TestWavs.tone(dir.resolve("b.wav"), 16_000, 1, 3.0);
        Path manifest = dir.resolve("m.csv");
        Files.write(
                manifest,
                List.of(
                        "file,tenant,user,label.wake,sample_id",
                        "a.wav,acme,alice,1,",
                        "a-copy.wav,acme,alice,1,",
                        "b.wav,acme,alice,0,clip-1",
                        "a.wav,acme,alice,0,clip-1",
                        "a.wav,acme,bob,1,",
                        "b.wav,acme,bob,0,clip-1"));

        int exit = run("produce", "--dry-run", "--manifest", manifest.toString());

        String text = out.toString();
        String derived = SampleProducer.derivedSampleId(SampleProducer.audioSample(
                "acme", "alice", readPcm(dir.resolve("a.wav")), Map.of(), Split.SPLIT_TRAIN, null));
        assertThat(exit).as(text + err).isEqualTo(1);
        assertThat(text)
                .contains("skipped a-copy.wav (duplicate sample id): a-copy.wav (line 3) is the same audio as a.wav"
                        + " (line 2), so its derived sample id " + derived + " is the same for acme/alice: the"
                        + " adapter keeps the first and would reject this one DUPLICATE; not sent")
                .contains("skipped a.wav (duplicate sample id): a.wav (line 5) has the sample id clip-1 of b.wav"
                        + " (line 4) for acme/alice")
                .contains("would send 4 of 6 clips (4 train, 0 holdout) of 2 users")
                .contains("acme/alice: 2 (2 train, 0 holdout)")
                .contains("acme/bob: 2 (2 train, 0 holdout)")
                .contains("produce: skipped 2:")
                .contains("produce:   duplicate sample id: 2 (a-copy.wav, a.wav)");
    }

    @Test
    void theSameRecordingAsHoldoutAndThenAsTrainIsOneSampleIdSoTheSecondIsSkipped(@TempDir Path dir)
            throws IOException {
        Path a = TestWavs.tone(dir.resolve("a.wav"), 16_000, 1, 2.5);
        Path manifest = dir.resolve("m.jsonl");
        Files.write(
                manifest,
                List.of(
                        "{\"file\": \"a.wav\", \"tenant\": \"acme\", \"user\": \"alice\", \"labels\": {\"wake\": 1},"
                                + " \"split\": \"holdout\"}",
                        "{\"file\": \"a.wav\", \"tenant\": \"acme\", \"user\": \"alice\", \"labels\": {\"wake\": 0},"
                                + " \"split\": \"train\"}"));

        int exit = run("produce", "--dry-run", "--manifest", manifest.toString());

        assertThat(exit).as(out.toString() + err).isEqualTo(1);
        assertThat(out.toString())
                .contains("skipped a.wav (duplicate sample id): a.wav (line 2) is the same audio as a.wav (line 1)")
                .contains("would send 1 of 2 clips (0 train, 1 holdout) of 1 user");

        out.getBuffer().setLength(0);
        assertThat(run(
                        "produce",
                        "--dry-run",
                        "--tenant",
                        "acme",
                        "--user",
                        "alice",
                        "--label",
                        "wake=1",
                        a.toString(),
                        a.toString()))
                .isEqualTo(1);
        assertThat(out.toString())
                .contains("skipped " + a + " (duplicate sample id): " + a + " is the same audio as " + a)
                .contains("would send 1 of 2 clips");
    }

    @Test
    void aManifestNamesTheUsersAndAMissingFileIsSkipped(@TempDir Path dir) throws IOException {
        TestWavs.tone(dir.resolve("clips/1.wav"), 16_000, 1, 2.0);
        TestWavs.tone(dir.resolve("clips/2.wav"), 16_000, 1, 2.0);
        Path manifest = dir.resolve("m.csv");
        Files.writeString(
                manifest,
                "file,tenant,user,label.wake,split\n"
                        + "clips/1.wav,acme,alice,1,train\n"
                        + "clips/2.wav,acme,bob,0,holdout\n"
                        + "clips/3.wav,acme,bob,0,train\n");

        int exit = run("produce", "--dry-run", "--manifest", manifest.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(out.toString())
                .contains("3 clips of 2 users")
                .contains("would send 2 of 3 clips (1 train, 1 holdout) of 2 users")
                .contains("acme/alice: 1 (1 train, 0 holdout)")
                .contains("acme/bob: 1 (0 train, 1 holdout)")
                .contains("not found: 1 (clips/3.wav)");
    }

    @Test
    void badUsageExitsTwoWithOneLine(@TempDir Path dir) throws IOException {
        Path a = TestWavs.tone(dir.resolve("a.wav"), 16_000, 1, 2.0);

        assertThat(run("produce", "--dry-run", a.toString())).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("give --tenant and --user");

        assertThat(run("produce", "--dry-run", "--manifest", "m.csv", a.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("not both");

        assertThat(run("produce", "--dry-run", "--tenant", "acme", "--user", "a/b", a.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("user 'a/b' must not contain '/'");

        assertThat(run(
                        "produce",
                        "--dry-run",
                        "--tenant",
                        "acme",
                        "--user",
                        "bob",
                        "--label",
                        "wake=maybe",
                        a.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString())
                .contains(
                        "--label, task wake: a binary label is 1, 0, true, false, positive or negative (a class task's: class:<index> or multi:<1|0|?>,...), got 'maybe'");

        assertThat(run(
                        "produce",
                        "--tenant",
                        "acme",
                        "--user",
                        "bob",
                        "--label",
                        "wake=1",
                        "--producer-property",
                        "partitioner.class=x",
                        a.toString()))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("partitioner.class is fixed by SampleProducer");
    }

    @Test
    void aClipWithoutALabelFailsBeforeAnythingIsRead(@TempDir Path dir) throws IOException {
        Path a = TestWavs.tone(dir.resolve("a.wav"), 16_000, 1, 2.0);

        assertThat(run("produce", "--dry-run", "--tenant", "acme", "--user", "bob", a.toString()))
                .isEqualTo(CommandLine.ExitCode.SOFTWARE);
        assertThat(err.toString()).contains("no label for " + a + ": give --label TASK=VALUE");
    }

    @Test
    void maxSecondsDefaultsToTheAdaptersLimit() {
        CommandLine produce = Main.commandLine().getSubcommands().get("produce");
        String defaultValue =
                produce.getCommandSpec().findOption("--max-seconds").defaultValue();

        assertThat(Double.parseDouble(defaultValue))
                .isEqualTo(EngineSpec.defaults(Path.of(".models")).backbone().maxSeconds());
    }

    @Test
    void helpSaysWhatTheExitCodesMean() {
        assertThat(run("produce", "--help")).isZero();
        assertThat(out.toString())
                .contains("Exit codes:")
                .contains("0   every clip was sent and acknowledged")
                .contains("1   a clip was skipped or failed to send");
    }

    private static short[] readPcm(Path wav) throws IOException {
        byte[] b = Files.readAllBytes(wav);
        short[] pcm = new short[(b.length - 44) / 2];
        ByteBuffer.wrap(b, 44, b.length - 44)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asShortBuffer()
                .get(pcm);
        return pcm;
    }

    private int run(String... args) {
        return Main.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                .execute(args);
    }
}
