package dev.headstream.cli.evaluate;

import dev.headstream.cli.JsonText;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.head.MlpHead;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An evaluation as JSON: the definitions behind the rates, the backbone, the input files (with
 * how each was read), every head with its threshold and speech activations (file and second),
 * every user's rows and clips (each head's highest score), the totals and the recall / false
 * accepts per hour curves. Every rate comes with the counts and hours it is computed from.
 * Stateless.
 */
public final class EvalJson {

    /** Where the clips came from, for the record: a folder or a manifest (either may be null). */
    public record Sources(Path clips, Path manifest, List<Path> speech) {}

    private EvalJson() {}

    public static String render(EvalReport report, BackboneInfo backbone, Sources sources, double elapsedSeconds) {
        EvalRun run = report.run();
        JsonText j = new JsonText().beginObject();
        j.field("command", "eval");
        j.field("elapsedSeconds", elapsedSeconds)
                .field("clipSeconds", run.clipSeconds())
                .field("speechSeconds", run.speechSeconds());
        j.name("definitions")
                .beginObject()
                .field("stepSeconds", Detections.STEP_SECONDS)
                .field("windowEmbeddings", EvalHead.WINDOW_FRAMES)
                .field("windowSamples", SegmentScorer.WINDOW_SAMPLES)
                .field("refractorySteps", Detections.REFRACTORY_STEPS)
                .field(
                        "accepted",
                        "a clip is accepted by a head when the score of any of its windows (one per 80 ms"
                                + " step) is >= the head's threshold")
                .field("speechHours", "scored windows x " + Detections.STEP_SECONDS + " s / 3600")
                .field(
                        "falseAcceptsPerHour",
                        "activations / speech hours; an activation is a window whose score is"
                                + " >= the threshold and that is not within " + Detections.REFRACTORY_STEPS
                                + " steps after the previous activation in the same file")
                .endObject();
        j.name("backbone")
                .beginObject()
                .field("id", backbone.id())
                .field("sha256", backbone.sha256())
                .field("frontEnd", WakeWordBackbone.FrontEnd.STREAMING.name())
                .endObject();
        inputs(j, run, sources);
        heads(j, run);
        j.name("users").beginArray();
        for (String user : run.users()) {
            j.beginObject().field("user", user);
            j.name("results").beginArray();
            for (EvalReport.Row r : report.rows()) {
                if (r.user().equals(user)) {
                    row(j, r);
                }
            }
            j.endArray();
            List<EvalHead> heads = run.headsOf(user);
            j.name("clips").beginArray();
            for (ClipScore c : run.clips().getOrDefault(user, List.of())) {
                j.beginObject()
                        .field("file", c.clip().name())
                        .field("label", c.clip().label())
                        .field("samples", c.samples())
                        .field("paddingSamples", c.padding())
                        .field("convertedFrom", c.convertedFrom())
                        .field("windows", c.windows());
                j.name("maxScores").beginObject();
                float[] max = c.maxLogits();
                for (int h = 0; h < heads.size(); h++) {
                    j.field(heads.get(h).role().label(), (double) MlpHead.sigmoid(max[h]));
                }
                j.endObject();
                j.name("accepted").beginObject();
                for (int h = 0; h < heads.size(); h++) {
                    j.field(
                            heads.get(h).role().label(),
                            c.accepted(h, heads.get(h).logitThreshold()));
                }
                j.endObject().endObject();
            }
            j.endArray().endObject();
        }
        j.endArray();
        j.name("totals").beginArray();
        for (EvalReport.Row r : report.totals()) {
            row(j, r);
        }
        j.endArray();
        j.name("curves").beginArray();
        for (EvalReport.Curve c : report.curves()) {
            double[] scores = new double[c.logitThresholds().length];
            double[] rates = new double[scores.length];
            double[] activations = new double[scores.length];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = MlpHead.sigmoid(c.logitThresholds()[i]);
                rates[i] = c.falseAcceptsPerHour(i);
                activations[i] = c.activations()[i];
            }
            j.beginObject()
                    .field("head", c.head().name())
                    .field("role", c.head().role().label())
                    .field("positives", c.positives())
                    .field("speechHours", c.hours())
                    .field("operatingPoint", c.operatingPoint());
            j.name("thresholds").numbers(scores);
            j.name("recall").numbers(c.recall());
            j.name("activations").numbers(activations);
            j.name("falseAcceptsPerHour").numbers(rates);
            j.endObject();
        }
        j.endArray();
        return j.endObject().toString();
    }

    private static void inputs(JsonText j, EvalRun run, Sources sources) {
        List<ClipScore> all = new ArrayList<>();
        run.clips().values().forEach(all::addAll);
        j.name("inputs").beginObject();
        j.field("clips", sources.clips() == null ? null : sources.clips().toString());
        j.field(
                "manifest",
                sources.manifest() == null ? null : sources.manifest().toString());
        j.field("clipFiles", all.size());
        j.field("positiveClips", all.stream().filter(c -> c.clip().positive()).count());
        j.field("negativeClips", all.stream().filter(c -> !c.clip().positive()).count());
        j.field("paddedClips", all.stream().filter(c -> c.padding() > 0).count());
        j.field(
                "convertedClips",
                all.stream().filter(c -> c.convertedFrom() != null).count());
        j.name("speechPaths")
                .strings(sources.speech().stream().map(Path::toString).toList());
        j.name("speech").beginArray();
        for (SpeechScores.SpeechFile f : run.speech().files()) {
            j.beginObject()
                    .field("file", f.file().toString())
                    .field("samples", f.samples())
                    .field("seconds", f.samples() / (double) WakeWordBackbone.SAMPLE_RATE_HZ)
                    .field("paddingSamples", f.padding())
                    .field("convertedFrom", f.convertedFrom())
                    .field("windows", f.windows())
                    .field("hours", SpeechScores.hours(f.windows()))
                    .endObject();
        }
        j.endArray();
        j.field("speechWindows", run.speech().windows())
                .field("speechHours", run.speech().hours());
        j.endObject();
    }

    private static void heads(JsonText j, EvalRun run) {
        SpeechScores speech = run.speech();
        j.name("heads").beginArray();
        for (EvalHead h : run.heads()) {
            List<String> users = new ArrayList<>();
            for (Map.Entry<String, EvalHead> e : run.adapted().entrySet()) {
                if (e.getValue() == h) {
                    users.add(e.getKey());
                }
            }
            j.beginObject()
                    .field("name", h.name())
                    .field("role", h.role().label())
                    .field("origin", h.origin())
                    .field("sha256", h.sha256())
                    .field("threshold", h.threshold())
                    .field("thresholdLogit", h.logitThreshold())
                    .field("thresholdFrom", h.thresholdFrom())
                    .field("backboneSha256", h.backboneSha256());
            j.name("users").strings(h.role() == EvalHead.Role.SOURCE ? run.users() : users);
            if (speech.scored(h)) {
                int activations = speech.activations(h);
                j.name("speech")
                        .beginObject()
                        .field("windows", speech.windows())
                        .field("hours", speech.hours())
                        .field("activations", activations)
                        .field("falseAcceptsPerHour", speech.windows() == 0 ? Double.NaN : activations / speech.hours())
                        .field("maxScore", speech.windows() == 0 ? Double.NaN : MlpHead.sigmoid(speech.maxLogit(h)));
                j.name("files").beginArray();
                for (int f = 0; f < speech.files().size(); f++) {
                    SpeechScores.SpeechFile file = speech.files().get(f);
                    int[] at = speech.activationWindows(h, f);
                    double[] seconds = new double[at.length];
                    for (int i = 0; i < at.length; i++) {
                        seconds[i] = SegmentScorer.endSeconds(at[i])
                                - file.padding() / (double) WakeWordBackbone.SAMPLE_RATE_HZ;
                    }
                    j.beginObject().field("file", file.file().toString()).field("activations", at.length);
                    j.name("seconds").numbers(seconds);
                    j.endObject();
                }
                j.endArray().endObject();
            }
            j.endObject();
        }
        j.endArray();
    }

    private static void row(JsonText j, EvalReport.Row r) {
        j.beginObject()
                .field("user", r.user())
                .field("role", r.role())
                .field("head", r.head())
                .field("threshold", r.threshold())
                .field("positives", r.positives())
                .field("detected", r.detected())
                .field("recall", r.recall())
                .field("negatives", r.negatives())
                .field("falseAcceptedClips", r.falseAccepted().size())
                .field(
                        "falseAcceptedClipRate",
                        r.negatives() == 0 ? Double.NaN : r.falseAccepted().size() / (double) r.negatives());
        j.name("falseAcceptedFiles").strings(r.falseAccepted());
        j.field("speechWindows", r.speechWindows())
                .field("speechHours", r.speechHours())
                .field("activations", r.activations())
                .field("falseAcceptsPerHour", r.falseAcceptsPerHour());
        j.endObject();
    }
}
