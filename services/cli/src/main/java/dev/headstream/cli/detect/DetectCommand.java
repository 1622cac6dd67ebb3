package dev.headstream.cli.detect;

import dev.headstream.cli.evaluate.AudioLoader;
import dev.headstream.cli.evaluate.EvalInputs;
import dev.headstream.cli.evaluate.Recording;
import dev.headstream.cli.evaluate.Sox;
import dev.headstream.client.HeadFollower;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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
            "Each file is its own stream: activations never span two. Exit codes: 0 done, 1 failure, 2 bad usage."
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
            defaultValue = ".models",
            paramLabel = "DIR",
            description = "Folder of melspectrogram.onnx, embedding_model.onnx and the source heads"
                    + " (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(
            names = "--block-windows",
            defaultValue = "256",
            hidden = true,
            description = "Most windows embedded in one backbone run (default ${DEFAULT-VALUE}).")
    int blockWindows;

    @Option(names = "--sox", defaultValue = "sox", hidden = true, description = "The sox executable.")
    String sox;

    /** Standard input; replaced in tests. */
    InputStream stdin = System.in;

    @Override
    public Integer call() throws Exception {
        if ((head == null) == (headFile == null)) {
            throw usage("give exactly one of --head TENANT/USER/TASK and --head-file FILE");
        }
        if (head != null && head.split("/", -1).length != 3) {
            throw usage("--head must be TENANT/USER/TASK, was '" + head + "'");
        }
        if (threshold != null && !(threshold >= 0f && threshold <= 1f)) {
            throw usage("--threshold must be a score in [0, 1], was " + threshold);
        }
        if (blockWindows < 1) {
            throw usage("--block-windows must be at least 1, was " + blockWindows);
        }
        boolean fromStdin = inputs.contains("-");
        if (fromStdin && inputs.size() > 1) {
            throw usage("'-' (standard input) cannot be combined with files");
        }
        List<Path> files = fromStdin
                ? List.of()
                : EvalInputs.speechFiles(inputs.stream().map(Path::of).toList());
        if (!fromStdin && files.isEmpty()) {
            throw usage("no audio files in " + inputs);
        }
        PrintWriter out = spec.commandLine().getOut();
        DetectOutput output = new DetectOutput(out, json);
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(modelsDir);
                HeadSource heads = openHeads(output)) {
            output.notice("scoring with " + heads.describe());
            if (fromStdin) {
                run(backbone, heads, output, "(stdin)", stdin, null);
            } else {
                AudioLoader loader = new AudioLoader(new Sox(sox), 0, output::notice);
                for (Path file : files) {
                    try (Recording r = loader.open(file)) {
                        run(backbone, heads, output, file.toString(), null, r);
                    }
                }
            }
        }
        out.flush();
        return 0;
    }

    private HeadSource openHeads(DetectOutput output) throws InterruptedException {
        if (headFile != null) {
            return new FixedHead(headFile, threshold);
        }
        FollowedHead followed = new FollowedHead(bootstrap, head, modelsDir, threshold, new HeadFollower.Listener<>() {
            @Override
            public void swapped(
                    HeadFollower.Versioned<DetectorHead> previous, HeadFollower.Versioned<DetectorHead> current) {
                output.published(current.head());
            }

            @Override
            public void removed(String headId, HeadFollower.Versioned<DetectorHead> previous) {
                output.notice("head " + headId + " was erased (tombstone); nothing is scored until a new version");
            }
        });
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

    /** Runs one stream through a fresh detector: from {@code in} (raw PCM) or {@code recording}. */
    private void run(
            WakeWordBackbone backbone,
            HeadSource heads,
            DetectOutput output,
            String name,
            InputStream in,
            Recording recording)
            throws IOException, InterruptedException {
        StreamingDetector detector = new StreamingDetector(backbone, heads, output.events(name), blockWindows);
        long started = System.nanoTime();
        if (in != null) {
            feed(in, detector);
        } else {
            int chunk = blockWindows * WakeWordBackbone.STEP_SAMPLES;
            if (realtime) {
                chunk = WakeWordBackbone.STEP_SAMPLES;
            }
            for (int at = 0; at < recording.length(); at += chunk) {
                short[] pcm = recording.read(at, Math.min(recording.length(), at + chunk));
                if (realtime) {
                    long due = started + Math.round((at + pcm.length) * 1e9 / WakeWordBackbone.SAMPLE_RATE_HZ);
                    long sleep = due - System.nanoTime();
                    if (sleep > 0) {
                        Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                    }
                }
                detector.accept(pcm, 0, pcm.length);
            }
        }
        output.summary(name, detector, (System.nanoTime() - started) / 1e9);
    }

    /** Feeds raw little-endian 16-bit PCM from {@code in} as it arrives, a partial sample kept for the next read. */
    static void feed(InputStream in, StreamingDetector detector) throws IOException {
        byte[] bytes = new byte[64 * 1024];
        short[] pcm = new short[bytes.length / 2];
        int carry = 0;
        while (true) {
            int n = in.read(bytes, carry, bytes.length - carry);
            if (n < 0) {
                break;
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
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Text or JSON lines; synchronized because head changes are heard on the follower's thread. */
    static final class DetectOutput {
        private final PrintWriter out;
        private final boolean json;

        DetectOutput(PrintWriter out, boolean json) {
            this.out = out;
            this.json = json;
        }

        synchronized void notice(String line) {
            if (json) {
                out.println("{\"event\":\"notice\",\"message\":" + quote(line) + "}");
            } else {
                out.println("detect: " + line);
            }
            out.flush();
        }

        synchronized void published(DetectorHead head) {
            if (json) {
                out.println("{\"event\":\"published\",\"head\":" + quote(head.headId()) + ",\"version\":"
                        + head.version() + ",\"status\":" + quote(head.status()) + ",\"threshold\":"
                        + head.head().threshold() + "}");
            } else {
                out.println("detect: published " + head.describe());
            }
            out.flush();
        }

        StreamingDetector.Events events(String stream) {
            return new StreamingDetector.Events() {
                @Override
                public void detected(Detection d) {
                    synchronized (DetectOutput.this) {
                        if (json) {
                            out.println(String.format(
                                    Locale.ROOT,
                                    "{\"event\":\"detection\",\"stream\":%s,\"window\":%d,\"seconds\":%.2f,"
                                            + "\"score\":%.6f,\"head\":%s,\"version\":%d,\"status\":%s}",
                                    quote(stream),
                                    d.window(),
                                    d.seconds(),
                                    d.score(),
                                    quote(d.head().headId()),
                                    d.head().version(),
                                    quote(d.head().status())));
                        } else {
                            out.println(String.format(
                                    Locale.ROOT,
                                    "%10.2f s  score %.3f  %s v%d  %s",
                                    d.seconds(),
                                    d.score(),
                                    d.head().headId(),
                                    d.head().version(),
                                    stream));
                        }
                        out.flush();
                    }
                }

                @Override
                public void headChanged(DetectorHead previous, DetectorHead current, long window) {
                    double at = StreamingDetector.endSeconds(window);
                    synchronized (DetectOutput.this) {
                        if (json) {
                            out.println(String.format(
                                    Locale.ROOT,
                                    "{\"event\":\"swap\",\"stream\":%s,\"window\":%d,\"seconds\":%.2f,"
                                            + "\"version\":%s,\"status\":%s}",
                                    quote(stream),
                                    window,
                                    at,
                                    current == null ? "null" : Long.toString(current.version()),
                                    current == null ? "null" : quote(current.status())));
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

        synchronized void summary(String stream, StreamingDetector d, double seconds) {
            double audio = d.received() / (double) WakeWordBackbone.SAMPLE_RATE_HZ;
            if (json) {
                out.println(String.format(
                        Locale.ROOT,
                        "{\"event\":\"summary\",\"stream\":%s,\"audioSeconds\":%.2f,\"windows\":%d,\"unscored\":%d,"
                                + "\"detections\":%d,\"wallSeconds\":%.2f}",
                        quote(stream),
                        audio,
                        d.windowsDone(),
                        d.unscored(),
                        d.detections(),
                        seconds));
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

        static String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"').toString();
        }
    }
}
