package dev.headstream.cli.produce;

import dev.headstream.cli.Console;
import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.cli.ProgressBar;
import dev.headstream.cli.evaluate.AudioLoader;
import dev.headstream.cli.evaluate.Sox;
import dev.headstream.client.SampleProducer;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.ingest.WakePhrase;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code headstream produce}: streams users' own labeled recordings (WAV files, folders, or a
 * manifest) to {@code headstream.samples} with the client's {@link SampleProducer}. Each clip is
 * read whole ({@link ClipReader}: native WAV as it is, anything else converted with sox) and sent
 * as it is, in the order listed, so each user's samples arrive in that order; a clip that cannot
 * be sent as it is is skipped, named, and counted, and so is a clip whose sample id this run
 * already sent for its user ({@link SampleIds}). Prints a progress bar, then a summary
 * ({@link ProduceSummary}); exits with 1 when any clip was skipped or failed to send. "Sent" means
 * acknowledged by the broker; the adapter's verdicts come later, on {@code headstream.rejected}.
 *
 * <p>The inputs are {@link ProduceInputs} (paths) and {@link ProduceManifest} (a manifest); this
 * class checks the options and wires them.
 */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Stream users' own labeled recordings into headstream.samples, each clip as it is (never padded or cut),"
                    + " in the order given, keyed <tenant>/<user>.",
            "Inputs: WAV files and folders (a folder: every audio file under it, sorted; a folder with positive/ and"
                    + " negative/ labels the clips under them for --task) of one --tenant/--user, or --manifest.",
            "Audio: 16 kHz mono 16-bit WAV is sent as it is; anything else sox reads (another rate, stereo, 24-bit,"
                    + " FLAC, ...) is converted, one line per file. An unreadable file (missing, empty, truncated, not"
                    + " audio), a clip longer than --max-seconds or shorter than a head's window (2.0 s, 16"
                    + " embeddings) is skipped and named; nothing of it is sent.",
            "A clip without a sample id gets one derived from its tenant, user and audio (not its labels or split), so"
                    + " sending the same recording again, relabeled or in the other split, is dropped by the adapter as"
                    + " DUPLICATE instead of trained on twice. A clip whose sample id this run already sent for the same"
                    + " user (the same file twice, a copy, a sample_id given twice) is skipped, naming both.",
            "Sent means written to headstream.samples and acknowledged by the broker; the adapter's own verdicts"
                    + " (DUPLICATE of an earlier run's sample, UNKNOWN_TASK, RATE_LIMITED, CAPACITY, ...) arrive later on"
                    + " headstream.rejected: headstream watch shows them."
        },
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:every clip was sent and acknowledged (with --dry-run: every clip can be sent)",
            "1:a clip was skipped or failed to send (skipped: unreadable, too long or too short, or a sample id this"
                    + " run already sent for its user), or the command failed (e.g. a malformed manifest: nothing sent)",
            "2:bad usage"
        })
public final class ProduceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(
            paramLabel = "PATH",
            arity = "0..*",
            description = "WAV files and folders of one user (--tenant, --user); instead of --manifest.")
    List<Path> paths = new ArrayList<>();

    @Option(
            names = "--manifest",
            paramLabel = "FILE",
            description = "CSV with a header, or JSON lines: file (relative to the manifest), tenant, user, labels"
                    + " (CSV: label.<task> columns or a labels column wake=1;other=0; JSON:"
                    + " \"labels\":{\"wake\":1}; or label positive|negative for --task), split, sample_id. Empty or missing fields take the options'"
                    + " values.")
    Path manifest;

    @Option(
            names = "--bootstrap",
            defaultValue = "127.0.0.1:9092",
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Mixin
    KafkaSecurityOption kafkaSecurity;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "The users' tenant.")
    String tenant;

    @Option(names = "--user", paramLabel = "USER", description = "The user whose recordings PATHs are.")
    String user;

    @Option(
            names = "--label",
            paramLabel = "TASK=VALUE",
            description = "A label of every clip, repeatable: wake=1, wake=0, wake=true, wake=false.")
    List<String> labelOptions = new ArrayList<>();

    @Option(
            names = "--task",
            defaultValue = "wake",
            paramLabel = "TASK",
            description = "The task that positive/ and negative/ folders (and a manifest's label column) label"
                    + " (default ${DEFAULT-VALUE}).")
    String task;

    @Option(
            names = "--split",
            defaultValue = "train",
            paramLabel = "train|holdout",
            description = "train: scored, then trained on; holdout: scored only (default ${DEFAULT-VALUE}).")
    String split;

    @Option(
            names = "--max-seconds",
            defaultValue = "10",
            paramLabel = "S",
            description = "Longest clip sent: the adapter's headstream.backbone.max-seconds (default"
                    + " ${DEFAULT-VALUE}, at most " + ClipReader.MAX_SECONDS_LIMIT
                    + "); a longer clip is refused before sending.")
    double maxSeconds;

    @Option(
            names = "--phrase",
            paramLabel = "PHRASE",
            description = "The wake phrase the user says in the positive clips, sent with every clip, for a task"
                    + " whose phrase is per user (the adapter's headstream.tasks.<task>.phrase=per-user): the adapter"
                    + " synthesizes its near misses; another phrase than the user's head has resets the head."
                    + " English words (letters, spaces and apostrophes), at most " + WakePhrase.MAX_CHARS
                    + " characters.")
    String phrase;

    @Option(names = "--dry-run", description = "Read and check every clip, send nothing.")
    boolean dryRun;

    @Option(
            names = "--max-in-flight",
            defaultValue = "" + SampleProducer.DEFAULT_MAX_IN_FLIGHT,
            paramLabel = "N",
            description = "Most clips sent and not yet acknowledged (default ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(
            names = "--producer-property",
            paramLabel = "KEY=VALUE",
            description = "A Kafka producer property (security.protocol, sasl.*, compression.type, ...), repeatable.")
    List<String> producerProperties = new ArrayList<>();

    @Option(names = "--sox", defaultValue = "sox", hidden = true, description = "The sox executable.")
    String sox;

    @Override
    public Integer call() {
        Console console = new Console(spec.commandLine().getOut(), "produce");
        if (phrase != null && !WakePhrase.speakable(phrase)) {
            throw usage("--phrase must be " + WakePhrase.RULE + ": '" + phrase + "'");
        }
        List<ProduceClip> clips = clips();
        Map<String, Object> extra = producerProperties();
        long users = clips.stream().map(ProduceClip::key).distinct().count();
        console.line(clips.size() + " clip" + (clips.size() == 1 ? "" : "s") + " of " + users + " user"
                + (users == 1 ? "" : "s")
                + (dryRun ? "; dry run: read and checked, not sent" : " to " + Topics.SAMPLES + " at " + bootstrap)
                + (phrase == null ? "" : "; every clip names wake phrase '" + WakePhrase.ofUser(phrase) + "'"));

        ProduceSummary summary = new ProduceSummary(clips.size(), dryRun, bootstrap);
        AudioLoader loader = new AudioLoader(new Sox(sox), 0, notice -> {
            summary.converted();
            console.line(notice);
        });
        int windowFrames = HeadRecipe.wakeWordDefault().windowFrames();
        ClipReader reader = new ClipReader(
                loader,
                windowFrames,
                WakeWordBackbone.samplesFor(WakeWordBackbone.FrontEnd.STREAMING, windowFrames),
                maxSeconds);
        SampleIds ids = new SampleIds();
        ProgressBar bar = console.progress(dryRun ? "checking" : "sending", "clips", clips.size());
        try (SampleProducer producer = dryRun
                ? null
                : SampleProducer.builder(bootstrap)
                        .properties(kafkaSecurity.connection(bootstrap).security())
                        .clientId("headstream-produce")
                        .maxInFlight(maxInFlight)
                        .properties(extra)
                        .build()) {
            for (int i = 0; i < clips.size(); i++) {
                if (summary.anyFailed()) {
                    // a failed send is the broker or the connection, not the clip: stop rather than fail every clip
                    summary.unsent(clips.size() - i);
                    break;
                }
                ProduceClip clip = clips.get(i);
                Sample sample = sample(clip, reader, ids, summary, console);
                if (sample == null) {
                    // skipped, and said so
                } else if (producer == null) {
                    summary.sent(clip);
                } else {
                    producer.send(sample).whenComplete((meta, error) -> {
                        if (error == null) {
                            summary.sent(clip);
                        } else {
                            summary.failed(clip.name(), error);
                        }
                    });
                }
                bar.advance(1);
            }
            if (producer != null) {
                producer.flush();
            }
        }
        bar.finish();
        summary.lines().forEach(console::line);
        return summary.exitCode();
    }

    /**
     * The sample to send for {@code clip}, or null when it is skipped (counted and said): a given
     * id this run already sent for the user is skipped before the file is read; otherwise the clip
     * is read and its id, given or derived, claimed for its user.
     */
    private Sample sample(ProduceClip clip, ClipReader reader, SampleIds ids, ProduceSummary summary, Console console) {
        if (clip.sampleId() != null) {
            ProduceClip earlier = ids.sentBefore(clip, clip.sampleId());
            if (earlier != null) {
                skip(
                        clip,
                        SkipReason.DUPLICATE_ID,
                        SampleIds.duplicate(clip, earlier, clip.sampleId()),
                        summary,
                        console);
                return null;
            }
        }
        ClipReader.Result result = reader.read(clip.file());
        if (result instanceof ClipReader.Skipped s) {
            skip(clip, s.reason(), s.detail(), summary, console);
            return null;
        }
        Sample sample = SampleProducer.audioSample(
                clip.tenant(),
                clip.user(),
                ((ClipReader.Read) result).pcm(),
                clip.labels(),
                clip.split(),
                clip.sampleId());
        if (phrase != null) {
            sample = sample.toBuilder().setPhrase(phrase).build();
        }
        ProduceClip earlier = ids.claim(clip, sample.getSampleId());
        if (earlier != null) {
            skip(
                    clip,
                    SkipReason.DUPLICATE_ID,
                    SampleIds.duplicate(clip, earlier, sample.getSampleId()),
                    summary,
                    console);
            return null;
        }
        return sample;
    }

    private static void skip(
            ProduceClip clip, SkipReason reason, String detail, ProduceSummary summary, Console console) {
        summary.skipped(reason, clip.name());
        console.line("skipped " + clip.name() + " (" + reason.text() + "): " + detail);
    }

    private List<ProduceClip> clips() {
        if (manifest != null && !paths.isEmpty()) {
            throw usage("give WAV files and folders or --manifest, not both");
        }
        if (manifest == null && paths.isEmpty()) {
            throw usage("name WAV files or folders (with --tenant and --user), or give --manifest");
        }
        if (!(maxSeconds > 0 && maxSeconds <= ClipReader.MAX_SECONDS_LIMIT)) {
            throw usage("--max-seconds must be more than 0 and at most " + ClipReader.MAX_SECONDS_LIMIT
                    + " seconds, got " + given("--max-seconds", maxSeconds));
        }
        if (maxInFlight < 1) {
            throw usage("--max-in-flight must be at least 1, got " + maxInFlight);
        }
        if (task.isBlank()) {
            throw usage("--task must not be empty");
        }
        Map<String, Label> labels;
        Split defaultSplit;
        try {
            labels = ProduceLabels.pairs(labelOptions, "--label");
            defaultSplit = ProduceLabels.split(split, Split.SPLIT_TRAIN, "--split");
            if (tenant != null || user != null) {
                SampleProducer.key(tenant == null ? "t" : tenant, user == null ? "u" : user);
            }
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (manifest != null) {
            return ProduceManifest.read(
                    manifest, new ProduceManifest.Defaults(tenant, user, labels, task, defaultSplit));
        }
        if (tenant == null || user == null) {
            throw usage("WAV files and folders are one user's: give --tenant and --user (or a --manifest)");
        }
        return ProduceInputs.fromPaths(paths, tenant, user, labels, task, defaultSplit);
    }

    private Map<String, Object> producerProperties() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String p : producerProperties) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw usage("--producer-property is KEY=VALUE, got '" + p + "'");
            }
            out.put(p.substring(0, eq).strip(), p.substring(eq + 1).strip());
        }
        try {
            SampleProducer.builder(bootstrap).properties(out);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        return out;
    }

    /** The option's value as the command line wrote it, else {@code value}. */
    private String given(String option, Object value) {
        List<String> given = spec.findOption(option).originalStringValues();
        return given.isEmpty() ? String.valueOf(value) : given.get(given.size() - 1);
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
