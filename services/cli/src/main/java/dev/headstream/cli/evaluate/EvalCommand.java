package dev.headstream.cli.evaluate;

import dev.headstream.cli.Console;
import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code headstream eval}: scores wake-word heads on real audio as a streaming detector would.
 * Every 80 ms step of every recording is embedded by openWakeWord's streaming front end and each
 * head scores the newest 16 embeddings; a clip is accepted when any step's score reaches the
 * head's threshold, and on long speech without the wake word every activation (2 s refractory,
 * per file) is a false accept. Per user it reports the source head and the user's adapted head
 * side by side: recall on the user's positive clips, false-accepted negative clips, and false
 * accepts per hour of speech; as a table, JSON ({@code --out}) and a recall / false accepts per
 * hour plot over a sweep of thresholds ({@code --plot}).
 *
 * <p>Runs once per invocation; the work is in {@link Evaluator} (reading, embedding, scoring on a
 * thread pool) and {@link EvalReport} (rates); this class checks the options and wires them.
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Score wake-word heads on real audio as a streaming detector would: every 80 ms step, the newest 16"
                    + " embeddings. Recall on each user's positive clips, false-accepted negative clips, and false"
                    + " accepts per hour on long speech without the wake word (2 s refractory), for the source head and"
                    + " each user's adapted head.",
            "Audio: 16 kHz mono 16-bit WAV is read as it is; anything else sox reads is converted (one line per"
                    + " file). Clips shorter than 2 s are padded at the start with silence."
        })
public final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--clips",
            paramLabel = "DIR",
            description = "Labeled clips: DIR/<user>/positive/*.wav and DIR/<user>/negative/*.wav, or DIR/positive and"
                    + " DIR/negative for one user named after DIR.")
    Path clips;

    @Option(
            names = "--manifest",
            paramLabel = "FILE",
            description = "Labeled clips from a CSV file with the header file,user,label (label positive or negative;"
                    + " files relative to the manifest). Instead of --clips.")
    Path manifest;

    @Option(
            names = "--speech",
            paramLabel = "PATH",
            description = "Long recordings of speech without the wake word (a WAV file, or a folder: every audio file"
                    + " under it, sorted); repeatable. Each file is its own recording: activations never span two.")
    List<Path> speech = new ArrayList<>();

    @Option(
            names = "--source-head",
            paramLabel = "FILE",
            description = "The source head, evaluated for every user (default <models-dir>/hey_jarvis_v0.1.onnx).")
    Path sourceHead;

    @Option(
            names = "--source-threshold",
            paramLabel = "P",
            description = "The source head's score threshold (default 0.5, openWakeWord's).")
    Float sourceThreshold;

    @Option(
            names = "--heads",
            paramLabel = "DIR",
            description = "Adapted heads exported by export-head: DIR/<user>.onnx, threshold from their metadata.")
    Path heads;

    @Option(
            names = "--head",
            paramLabel = "FILE",
            description = "One adapted head (any head ONNX model), used for every user.")
    Path head;

    @Option(
            names = "--threshold",
            paramLabel = "P",
            description = "Score threshold of the adapted heads, instead of their headstream.threshold metadata"
                    + " (a head without it uses 0.5).")
    Float threshold;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Read each user's newest committed head <tenant>/<user>/<task> from headstream.heads on"
                    + " this Kafka cluster.")
    String bootstrap;

    @Mixin
    KafkaSecurityOption kafkaSecurity;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "Tenant of the heads read with --bootstrap.")
    String tenant;

    @Option(
            names = "--task",
            defaultValue = "wake",
            paramLabel = "TASK",
            description = "Task of the heads read with --bootstrap" + " (default ${DEFAULT-VALUE}).")
    String task;

    @Option(
            names = "--timeout",
            defaultValue = "PT30S",
            paramLabel = "DURATION",
            description = "How long to read headstream.heads for, ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = "--models-dir",
            defaultValue = "${sys:headstream.home:-.}/.models",
            paramLabel = "DIR",
            description = "Folder of melspectrogram.onnx, embedding_model.onnx and the source heads"
                    + " (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(names = "--out", paramLabel = "FILE.json", description = "Write the results as JSON.")
    Path out;

    @Option(
            names = "--plot",
            paramLabel = "FILE.png",
            description = "Plot recall against false accepts per hour over a sweep of thresholds, one curve per head"
                    + " (needs --speech).")
    Path plot;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--sox", defaultValue = "sox", hidden = true, description = "The sox executable.")
    String sox;

    @Option(
            names = "--segment-windows",
            defaultValue = "4096",
            hidden = true,
            description = "Windows per speech segment scored as one task.")
    int segmentWindows;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        checkOptions();
        Console console = new Console(spec.commandLine().getOut(), "eval");
        List<LabeledClip> labeled = clips != null
                ? EvalInputs.clipsFromDirectory(clips)
                : manifest != null ? EvalInputs.clipsFromManifest(manifest) : List.of();
        List<Path> speechFiles = EvalInputs.speechFiles(speech);
        List<String> users = users(labeled);
        Path sourceFile = sourceHead != null ? sourceHead : modelsDir.resolve("hey_jarvis_v0.1.onnx");
        EvalHead source = HeadLoader.source(
                sourceFile,
                sourceThreshold == null ? HeadLoader.DEFAULT_THRESHOLD : sourceThreshold,
                sourceThreshold == null ? "openWakeWord's default" : "--source-threshold");
        Map<String, EvalHead> adapted = adaptedHeads(users, console);

        long positives = labeled.stream().filter(LabeledClip::positive).count();
        console.line(String.format(
                Locale.ROOT,
                "%d user%s, %d positive and %d negative clips, %d speech file%s",
                users.size(),
                users.size() == 1 ? "" : "s",
                positives,
                labeled.size() - positives,
                speechFiles.size(),
                speechFiles.size() == 1 ? "" : "s"));
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(modelsDir)) {
            for (EvalHead h : EvalRun.distinctHeads(source, users, adapted)) {
                if (!h.backboneSha256().isEmpty()
                        && !h.backboneSha256().equals(backbone.info().sha256())) {
                    console.line("note: " + h.name() + " was trained on backbone " + h.backboneSha256()
                            + ", this run embeds with " + backbone.info().sha256() + " ("
                            + backbone.info().id() + ")");
                }
            }
            Sox soxTool = new Sox(sox);
            AudioLoader loader = new AudioLoader(soxTool, SegmentScorer.WINDOW_SAMPLES, console::line);
            EvalRun run;
            try (Evaluator evaluator =
                    new Evaluator(new SegmentScorer(backbone), loader, console, workers, segmentWindows)) {
                long t0 = System.nanoTime();
                Map<String, List<ClipScore>> scored = labeled.isEmpty()
                        ? Map.of()
                        : evaluator.scoreClips(labeled, u -> EvalRun.distinctHeads(source, List.of(u), adapted));
                double clipSeconds = (System.nanoTime() - t0) / 1e9;
                if (!labeled.isEmpty()) {
                    long padded = scored.values().stream()
                            .flatMap(List::stream)
                            .filter(c -> c.padding() > 0)
                            .count();
                    console.line(String.format(
                            Locale.ROOT,
                            "%d clips scored in %.1f s; %d of them shorter than %.2f s"
                                    + " (%,d samples) and padded at the start with silence",
                            labeled.size(),
                            clipSeconds,
                            padded,
                            SegmentScorer.WINDOW_SAMPLES / 16_000.0,
                            SegmentScorer.WINDOW_SAMPLES));
                }
                long t1 = System.nanoTime();
                List<EvalHead> all = EvalRun.distinctHeads(source, users, adapted);
                SpeechScores speechScores =
                        speechFiles.isEmpty() ? SpeechScores.none() : evaluator.scoreSpeech(speechFiles, all);
                double speechSeconds = (System.nanoTime() - t1) / 1e9;
                if (!speechFiles.isEmpty()) {
                    long padded = speechScores.files().stream()
                            .filter(f -> f.padding() > 0)
                            .count();
                    double audioSeconds = speechScores.files().stream()
                            .mapToDouble(f -> f.samples() / 16_000.0)
                            .sum();
                    console.line(String.format(
                            Locale.ROOT,
                            "%.3f h of speech (%d file%s%s) embedded and scored by %d"
                                    + " head%s in %.1f s (%.0fx real time)",
                            speechScores.hours(),
                            speechFiles.size(),
                            speechFiles.size() == 1 ? "" : "s",
                            padded == 0 ? "" : ", " + padded + " padded",
                            all.size(),
                            all.size() == 1 ? "" : "s",
                            speechSeconds,
                            audioSeconds / Math.max(1e-9, speechSeconds)));
                }
                run = new EvalRun(users, source, adapted, scored, speechScores, clipSeconds, speechSeconds);
            }
            EvalReport report = EvalReport.of(run);
            EvalReport.thresholdLines(run).forEach(console::line);
            console.raw(report.table());
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (out != null) {
                Path parent = out.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.writeString(
                        out,
                        EvalJson.render(
                                report, backbone.info(), new EvalJson.Sources(clips, manifest, speech), elapsed));
                console.line("wrote " + out);
            }
            if (plot != null) {
                RecallFaPlot.write(
                        plot,
                        "Recall vs false accepts per hour: " + run.heads().size() + " head"
                                + (run.heads().size() == 1 ? "" : "s") + ", " + users.size() + " user"
                                + (users.size() == 1 ? "" : "s"),
                        report.curves());
                console.line("wrote " + plot);
            }
        }
        console.line(String.format(Locale.ROOT, "done in %.1f s", (System.nanoTime() - start) / 1e9));
        return 0;
    }

    private void checkOptions() {
        if (clips != null && manifest != null) {
            throw usage("--clips and --manifest are alternatives: give one");
        }
        if (clips == null && manifest == null && speech.isEmpty()) {
            throw usage("nothing to evaluate: give --clips DIR or --manifest FILE, and/or --speech PATH");
        }
        int sources = (heads != null ? 1 : 0) + (head != null ? 1 : 0) + (bootstrap != null ? 1 : 0);
        if (sources > 1) {
            throw usage("--heads, --head and --bootstrap are alternatives: give one");
        }
        if ((bootstrap == null) != (tenant == null)) {
            throw usage("--bootstrap and --tenant go together");
        }
        if (bootstrap != null && clips == null && manifest == null) {
            throw usage("--bootstrap needs --clips or --manifest to know the users");
        }
        if (threshold != null && sources == 0) {
            throw usage("--threshold sets the adapted heads' threshold: give --heads, --head or --bootstrap");
        }
        for (Float t : new Float[] {threshold, sourceThreshold}) {
            if (t != null && !(t >= 0f && t <= 1f)) {
                throw usage("thresholds are scores in [0, 1], got " + t);
            }
        }
        if (threads != null && threads < 1) {
            throw usage("--threads must be at least 1, was " + threads);
        }
        if (segmentWindows < 1) {
            throw usage("--segment-windows must be at least 1, was " + segmentWindows);
        }
        if (plot != null && speech.isEmpty()) {
            throw usage("--plot needs --speech: its x axis is false accepts per hour of speech");
        }
    }

    /** The clips' users; without clips, the users the heads name. */
    private List<String> users(List<LabeledClip> labeled) {
        if (!labeled.isEmpty()) {
            return EvalInputs.users(labeled);
        }
        if (heads != null) {
            return HeadLoader.usersIn(heads);
        }
        if (head != null) {
            return List.of(head.getFileName().toString().replaceFirst("\\.onnx$", ""));
        }
        return List.of();
    }

    private Map<String, EvalHead> adaptedHeads(List<String> users, Console console) {
        if (heads != null) {
            return HeadLoader.fromDirectory(heads, users, threshold);
        }
        if (head != null) {
            EvalHead h = HeadLoader.fromFile(head, threshold);
            if (users.size() > 1) {
                console.line("--head " + head + " is every user's adapted head (" + users.size() + " users)");
            }
            Map<String, EvalHead> m = new LinkedHashMap<>();
            users.forEach(u -> m.put(u, h));
            return m;
        }
        if (bootstrap != null) {
            return HeadLoader.fromKafka(
                    kafkaSecurity.connection(bootstrap), tenant, task, users, modelsDir, timeout, threshold);
        }
        return Map.of();
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
