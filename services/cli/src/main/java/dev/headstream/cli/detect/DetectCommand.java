package dev.headstream.cli.detect;

import dev.headstream.cli.JsonText;
import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.cli.evaluate.AudioLoader;
import dev.headstream.cli.evaluate.EvalInputs;
import dev.headstream.cli.evaluate.Recording;
import dev.headstream.cli.evaluate.Sox;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.HeadKeys;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code headstream detect}: a wake-word detector on WAV files or live 16-bit PCM on standard
 * input, scoring every 80 ms with a user's newest head as it is published (hot-swapped, see
 * {@link FollowedHead}) or with an exported head file ({@link FixedHead}). Prints one line per
 * detection (time, score, head version) and one per head change; {@code --json} prints the same as
 * JSON lines. The work is in {@link StreamingDetector}; this class checks options and wires it.
 */
@Command(
        name = "detect",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run a wake-word detector on audio: every 80 ms step, the newest 16 embeddings, scored by a user's newest"
                    + " head at its published threshold; new head versions are swapped in as they commit, without a"
                    + " gap. Prints each detection with its time, score and head version.",
            "Audio: WAV files (16 kHz mono 16-bit as they are; anything else sox reads is converted), or raw 16 kHz"
                    + " mono signed 16-bit little-endian PCM on standard input with '-', e.g."
                    + " arecord -f S16_LE -r 16000 -c 1 | headstream detect --head acme/alice/wake -",
            "Each file is its own stream: activations never span two. A file that cannot be read (empty, not audio)"
                    + " is named in an error line and the others are still scored. Exit codes: 0 done, 1 failure"
                    + " (also: a file could not be read, no window scored because there was never a head, or"
                    + " following the head failed), 2 bad usage."
        })
public final class DetectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(
            paramLabel = "AUDIO",
            arity = "1..*",
            description = "WAV files or folders (every audio file under a folder, sorted), or '-' for raw PCM on"
                    + " standard input.")
    List<String> inputs = new ArrayList<>();

    @Option(
            names = "--head",
            paramLabel = "TENANT/USER/TASK",
            description = "Follow this head on headstream.heads (needs --bootstrap).")
    String head;

    @Option(
            names = "--head-file",
            paramLabel = "FILE",
            description = "Use this exported head (export-head) instead; threshold from its metadata.")
    Path headFile;

    @Option(
            names = "--bootstrap",
            defaultValue = "127.0.0.1:9092",
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers for --head (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Mixin
    KafkaSecurityOption kafkaSecurity;

    @Option(
            names = "--threshold",
            paramLabel = "P",
            description = "Score threshold instead of the head's published one (or its file's metadata).")
    Float threshold;

    @Option(
            names = "--wait",
            defaultValue = "PT30S",
            paramLabel = "DURATION",
            description = "How long to wait for the head to exist before scoring, ISO-8601 (default ${DEFAULT-VALUE});"
                    + " audio that arrives while there is no head is not scored, and counted.")
    Duration wait;

    @Option(
            names = "--realtime",
            description = "Feed files at the speed of real audio (as a microphone would), not as fast as possible.")
    boolean realtime;

    @Option(names = "--json", description = "Print JSON lines instead of text.")
    boolean json;

    @Option(
            names = "--models-dir",
            defaultValue = "${sys:headstream.home:-.}/.models",
            paramLabel = "DIR",
            description = "Folder of melspectrogram.onnx, embedding_model.onnx and the source heads"
                    + " (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(
            names = "--block-windows",
            defaultValue = "256",
            hidden = true,
            description = "Most 80 ms steps read from a file and pushed through the backbone at once, 1-"
                    + MAX_BLOCK_WINDOWS + " (default ${DEFAULT-VALUE}).")
    int blockWindows;

    @Option(names = "--sox", defaultValue = "sox", hidden = true, description = "The sox executable.")
    String sox;

    /** Most {@code --block-windows}: 5.5 minutes of audio read at once. */
    static final int MAX_BLOCK_WINDOWS = 4096;

    /** Standard input; replaced in tests. */
    InputStream stdin = System.in;

    /** The heads to score with instead of {@code --head} or {@code --head-file}; for tests. */
    HeadSource headSource;

    private long scored;
    private long unscored;
    /** Files named in an error line and not scored. */
    private int unreadable;

    @Override
    public Integer call() throws Exception {
        if (headSource == null && (head == null) == (headFile == null)) {
            throw usage("give exactly one of --head TENANT/USER/TASK and --head-file FILE");
        }
        if (head != null && !isHeadId(head)) {
            throw usage("--head must be TENANT/USER/TASK, each 1-" + UserKey.MAX_PART_CHARS
                    + " characters of [A-Za-z0-9._-], was '" + HeadKeys.shown(head) + "'");
        }
        if (threshold != null && !(threshold >= 0f && threshold <= 1f)) {
            throw usage("--threshold must be a score in [0, 1], was " + threshold);
        }
        if (blockWindows < 1 || blockWindows > MAX_BLOCK_WINDOWS) {
            throw usage("--block-windows must be 1 to " + MAX_BLOCK_WINDOWS + ", was " + blockWindows);
        }
        boolean fromStdin = inputs.contains("-");
        if (fromStdin && inputs.size() > 1) {
            throw usage("'-' (standard input) cannot be combined with files");
        }
        List<Path> files = fromStdin
                ? List.of()
                : EvalInputs.speechFiles(inputs.stream().map(Path::of).toList(), "audio");
        if (!fromStdin && files.isEmpty()) {
            throw usage("no audio files in " + inputs);
        }
        PrintWriter out = spec.commandLine().getOut();
        DetectOutput output = new DetectOutput(out, json);
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(modelsDir);
                HeadSource heads = headSource != null ? headSource : openHeads(output)) {
            output.notice("scoring with " + heads.describe());
            Optional<String> failed = Optional.empty();
            if (fromStdin) {
                failed = run(backbone, heads, output, "(stdin)", stdin, null);
            } else {
                AudioLoader loader = new AudioLoader(new Sox(sox), 0, output::notice);
                for (Path file : files) {
                    // a file that cannot be read is named and skipped; the others are still scored
                    Recording r;
                    try {
                        r = loader.open(file);
                    } catch (IllegalArgumentException | UncheckedIOException e) {
                        output.error(file + ": " + e.getMessage());
                        unreadable++;
                        continue;
                    }
                    try (r) {
                        failed = run(backbone, heads, output, file.toString(), null, r);
                    } catch (UncheckedIOException e) {
                        output.error(file + ": " + e.getMessage());
                        unreadable++;
                    }
                    if (failed.isPresent()) {
                        break;
                    }
                }
            }
            between(heads, output);
            if (failed.isPresent()) {
                output.error("stopped: " + failed.get());
                return 1;
            }
            if (unreadable > 0) {
                output.error(unreadable + " of " + files.size() + " file" + (files.size() == 1 ? "" : "s")
                        + " could not be read (named above)");
                return 1;
            }
            if (scored == 0 && unscored > 0) {
                output.error("no window was scored: there was no head (" + heads.describe() + ") for any of the "
                        + unscored + " windows");
                return 1;
            }
        }
        out.flush();
        return 0;
    }

    /** Whether {@code id} is a head id the adapter can publish: {@code <tenant>/<user>/<task>}. */
    static boolean isHeadId(String id) {
        String[] parts = id.split("/", -1);
        if (parts.length != 3) {
            return false;
        }
        for (String p : parts) {
            if (!UserKey.isPart(p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Between pieces of audio, on the scoring thread: prints what the follower's thread posted and
     * what the head source has to say; returns why scoring must stop, if it must.
     */
    private static Optional<String> between(HeadSource heads, DetectOutput output) {
        output.drainPosted();
        for (String line : heads.takeNotices()) {
            output.notice(line);
        }
        return heads.failure().map(why -> "following " + heads.describe() + " failed: " + why);
    }

    private HeadSource openHeads(DetectOutput output) throws InterruptedException {
        if (headFile != null) {
            return new FixedHead(headFile, threshold);
        }
        // on the follower's thread: post lines, never print (a stalled output must not stall following);
        // versions read while catching up are old news, the newest of them shows as the first swap
        AtomicReference<FollowedHead> following = new AtomicReference<>();
        FollowedHead followed = new FollowedHead(
                kafkaSecurity.connection(bootstrap), head, modelsDir, threshold, new HeadFollower.Listener<>() {
                    @Override
                    public void swapped(
                            HeadFollower.Versioned<DetectorHead> previous,
                            HeadFollower.Versioned<DetectorHead> current) {
                        if (caughtUp(following)) {
                            output.post(output.publishedLine(current.head()));
                        }
                    }

                    @Override
                    public void removed(String headId, HeadFollower.Versioned<DetectorHead> previous) {
                        if (caughtUp(following)) {
                            output.post(output.noticeLine("head " + headId
                                    + " was erased (tombstone); nothing is scored until a new version"));
                        }
                    }
                });
        following.set(followed);
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            if (!followed.awaitCaughtUp(wait)) {
                throw new IllegalStateException("could not read headstream.heads at " + bootstrap + " within " + wait);
            }
            while (followed.current().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            if (followed.current().isEmpty()) {
                output.notice("no head " + head + " on headstream.heads yet; scoring starts when one is published");
            }
            return followed;
        } catch (RuntimeException | InterruptedException e) {
            followed.close();
            throw e;
        }
    }

    private static boolean caughtUp(AtomicReference<FollowedHead> following) {
        FollowedHead f = following.get();
        return f != null && f.caughtUp();
    }

    /**
     * Runs one stream through a fresh detector: from {@code in} (raw PCM) or {@code recording}.
     *
     * @return why it stopped early, if it did
     */
    private Optional<String> run(
            WakeWordBackbone backbone,
            HeadSource heads,
            DetectOutput output,
            String name,
            InputStream in,
            Recording recording)
            throws IOException, InterruptedException {
        StreamingDetector detector = new StreamingDetector(backbone, heads, output.events(name), blockWindows);
        long started = System.nanoTime();
        Optional<String> failed = between(heads, output);
        if (failed.isPresent()) {
            return failed;
        }
        if (in != null) {
            failed = feed(in, detector, () -> between(heads, output));
        } else {
            int chunk = realtime ? WakeWordBackbone.STEP_SAMPLES : blockWindows * WakeWordBackbone.STEP_SAMPLES;
            for (int at = 0; at < recording.length() && failed.isEmpty(); at += chunk) {
                short[] pcm = recording.read(at, Math.min(recording.length(), at + chunk));
                if (realtime) {
                    long due = started + Math.round((at + pcm.length) * 1e9 / WakeWordBackbone.SAMPLE_RATE_HZ);
                    long sleep = due - System.nanoTime();
                    if (sleep > 0) {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    }
                }
                detector.accept(pcm, 0, pcm.length);
                failed = between(heads, output);
            }
        }
        output.summary(name, detector, (System.nanoTime() - started) / 1e9);
        scored += detector.scored();
        unscored += detector.unscored();
        return failed;
    }

    /**
     * Feeds raw little-endian 16-bit PCM from {@code in} as it arrives, a partial sample kept for the
     * next read; after each read, {@code between} says whether to stop (and why).
     */
    static Optional<String> feed(InputStream in, StreamingDetector detector, Supplier<Optional<String>> between)
            throws IOException {
        byte[] bytes = new byte[64 * 1024];
        short[] pcm = new short[bytes.length / 2];
        int carry = 0;
        while (true) {
            int n = in.read(bytes, carry, bytes.length - carry);
            if (n < 0) {
                return Optional.empty();
            }
            int have = carry + n;
            int samples = have / 2;
            for (int i = 0; i < samples; i++) {
                pcm[i] = (short) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] << 8));
            }
            carry = have - samples * 2;
            if (carry == 1) {
                bytes[0] = bytes[have - 1];
            }
            if (samples > 0) {
                detector.accept(pcm, 0, samples);
            }
            Optional<String> failed = between.get();
            if (failed.isPresent()) {
                return failed;
            }
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * Text or JSON lines. Printed by the scoring thread only; other threads (the head follower's)
     * hand finished lines to {@link #post}, which never blocks, and the scoring thread prints them
     * before its next line ({@link #drainPosted}). Numbers that are not finite print as JSON
     * {@code null}.
     */
    static final class DetectOutput {

        /** Lines posted and not yet printed; more are dropped, and counted. */
        static final int POSTED = 256;

        private final PrintWriter out;
        private final boolean json;
        private final ArrayBlockingQueue<String> posted = new ArrayBlockingQueue<>(POSTED);
        private final AtomicLong dropped = new AtomicLong();

        DetectOutput(PrintWriter out, boolean json) {
            this.out = out;
            this.json = json;
        }

        /** From any thread, never blocking: prints {@code line} before the scoring thread's next line. */
        void post(String line) {
            if (!posted.offer(line)) {
                dropped.incrementAndGet();
            }
        }

        /** Prints the posted lines (and how many were dropped, if any were). */
        synchronized void drainPosted() {
            boolean any = false;
            for (String line = posted.poll(); line != null; line = posted.poll()) {
                out.println(line);
                any = true;
            }
            long lost = dropped.getAndSet(0);
            if (lost > 0) {
                out.println(noticeLine(lost + " line" + (lost == 1 ? "" : "s")
                        + " about published heads not printed: the output was too slow"));
                any = true;
            }
            if (any) {
                out.flush();
            }
        }

        String noticeLine(String message) {
            return json ? "{\"event\":\"notice\",\"message\":" + JsonText.quote(message) + "}" : "detect: " + message;
        }

        String publishedLine(DetectorHead head) {
            return json
                    ? "{\"event\":\"published\",\"head\":" + JsonText.quote(head.headId()) + ",\"version\":"
                            + head.version()
                            + ",\"status\":" + JsonText.quote(head.status()) + ",\"threshold\":"
                            + number(head.head().threshold()) + "}"
                    : "detect: published " + head.describe();
        }

        synchronized void notice(String message) {
            drainPosted();
            out.println(noticeLine(message));
            out.flush();
        }

        /** A file that could not be read, or the last line of a run that failed. */
        synchronized void error(String message) {
            drainPosted();
            out.println(
                    json
                            ? "{\"event\":\"error\",\"message\":" + JsonText.quote(message) + "}"
                            : "detect: error: " + message);
            out.flush();
        }

        StreamingDetector.Events events(String stream) {
            return new StreamingDetector.Events() {
                @Override
                public void detected(Detection d) {
                    synchronized (DetectOutput.this) {
                        drainPosted();
                        out.println(detectionLine(stream, d));
                        out.flush();
                    }
                }

                @Override
                public void headChanged(DetectorHead previous, DetectorHead current, long window) {
                    double at = StreamingDetector.endSeconds(window);
                    synchronized (DetectOutput.this) {
                        drainPosted();
                        if (json) {
                            out.println(String.format(
                                    Locale.ROOT,
                                    "{\"event\":\"swap\",\"stream\":%s,\"window\":%d,\"seconds\":%.2f,"
                                            + "\"version\":%s,\"status\":%s}",
                                    JsonText.quote(stream),
                                    window,
                                    at,
                                    current == null ? "null" : Long.toString(current.version()),
                                    current == null ? "null" : JsonText.quote(current.status())));
                        } else {
                            out.println(String.format(
                                    Locale.ROOT,
                                    "%10.2f s  %s  %s",
                                    at,
                                    current == null ? "no head: not scoring" : "scoring with " + current.describe(),
                                    stream));
                        }
                        out.flush();
                    }
                }
            };
        }

        String detectionLine(String stream, Detection d) {
            if (json) {
                return String.format(
                        Locale.ROOT,
                        "{\"event\":\"detection\",\"stream\":%s,\"window\":%d,\"seconds\":%s,"
                                + "\"score\":%s,\"head\":%s,\"version\":%d,\"status\":%s}",
                        JsonText.quote(stream),
                        d.window(),
                        number(d.seconds(), 2),
                        number(d.score(), 6),
                        JsonText.quote(d.head().headId()),
                        d.head().version(),
                        JsonText.quote(d.head().status()));
            }
            return String.format(
                    Locale.ROOT,
                    "%10.2f s  score %.3f  %s v%d  %s",
                    d.seconds(),
                    d.score(),
                    d.head().headId(),
                    d.head().version(),
                    stream);
        }

        synchronized void summary(String stream, StreamingDetector d, double seconds) {
            drainPosted();
            double audio = d.received() / (double) WakeWordBackbone.SAMPLE_RATE_HZ;
            if (json) {
                out.println(String.format(
                        Locale.ROOT,
                        "{\"event\":\"summary\",\"stream\":%s,\"audioSeconds\":%s,\"windows\":%d,\"unscored\":%d,"
                                + "\"detections\":%d,\"wallSeconds\":%s}",
                        JsonText.quote(stream),
                        number(audio, 2),
                        d.windowsDone(),
                        d.unscored(),
                        d.detections(),
                        number(seconds, 2)));
            } else {
                out.println(String.format(
                        Locale.ROOT,
                        "detect: %s: %.1f s of audio, %d windows (%d without a head), %d detection%s, in %.1f s",
                        stream,
                        audio,
                        d.windowsDone(),
                        d.unscored(),
                        d.detections(),
                        d.detections() == 1 ? "" : "s",
                        seconds));
            }
            out.flush();
        }

        /** A JSON number with {@code decimals} decimals, or {@code null} when {@code v} is not finite. */
        static String number(double v, int decimals) {
            return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "null";
        }

        /** A JSON number as Java prints a float (shortest exact form), or {@code null} when not finite. */
        static String number(float v) {
            return Float.isFinite(v) ? Float.toString(v) : "null";
        }
    }
}
