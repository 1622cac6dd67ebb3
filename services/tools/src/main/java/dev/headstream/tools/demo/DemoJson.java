package dev.headstream.tools.demo;

import dev.headstream.tools.bench.HeldOutSpeech;
import dev.headstream.tools.bench.HoldoutTable;
import java.util.Locale;

/** The demo's result table as JSON. */
final class DemoJson {

    private DemoJson() {}

    static String render(
            HoldoutTable table,
            long seed,
            long headRecords,
            int metricsRecords,
            int rejects,
            double seconds,
            long heldAtSource,
            HeldOutSpeech speech) {
        StringBuilder b = new StringBuilder("{\n");
        b.append(String.format(Locale.ROOT, "  \"seed\": %d,%n  \"seconds\": %.1f,%n", seed, seconds));
        b.append(String.format(
                Locale.ROOT,
                "  \"headRecords\": %d,%n  \"metricsRecords\": %d,%n  \"rejects\": %d,%n",
                headRecords,
                metricsRecords,
                rejects));
        b.append(String.format(
                Locale.ROOT,
                "  \"heldAtSource\": %d,%n  \"heldOutSpeech\": {\"hours\": %.4f, \"recordings\": %d,"
                        + " \"voices\": %d, \"bankSha256\": \"%s\"},%n",
                heldAtSource,
                speech.hours(),
                speech.part().segments(),
                speech.part().voices().size(),
                speech.part().sha256()));
        HoldoutTable.Summary s = table.summary(0.5);
        b.append(String.format(
                Locale.ROOT,
                "  \"summary\": {\"poorBelow\": %.2f, \"users\": %d, \"meanSourceRecall\": %.4f,"
                        + " \"meanAdaptedRecall\": %.4f, \"recallGain\": %.4f, \"sourceFalseAcceptRate\": %.5f,"
                        + " \"adaptedFalseAcceptRate\": %.5f, \"maxTrainClips\": %d, \"speechHeadHours\": %.4f,"
                        + " \"sourceActivations\": %d, \"adaptedActivations\": %d, \"sourceFalseAcceptsPerHour\": %.4f,"
                        + " \"adaptedFalseAcceptsPerHour\": %.4f, \"worstAdaptedFalseAcceptsPerHour\": %.4f},%n",
                s.poorBelow(),
                s.users(),
                s.meanSourceRecall(),
                s.meanAdaptedRecall(),
                s.recallGain(),
                s.sourceFalseAcceptRate(),
                s.adaptedFalseAcceptRate(),
                s.maxTrainClips(),
                s.speechHours(),
                s.sourceActivations(),
                s.adaptedActivations(),
                s.sourcePerHour(),
                s.adaptedPerHour(),
                s.worstAdaptedPerHour()));
        b.append("  \"users\": [\n");
        var rows = table.rows();
        for (int i = 0; i < rows.size(); i++) {
            HoldoutTable.Row r = rows.get(i);
            b.append(String.format(
                    Locale.ROOT,
                    "    {\"user\": \"%s\", \"trainClips\": %d, \"headVersion\": %d,"
                            + " \"holdoutPositives\": %d, \"sourceRecall\": %.4f, \"adaptedRecall\": %.4f,"
                            + " \"negativesScored\": %d, \"sourceFalseAccepts\": %d, \"adaptedFalseAccepts\": %d,"
                            + " \"threshold\": %.6f, \"speechHours\": %.4f, \"sourceActivations\": %d,"
                            + " \"adaptedActivations\": %d, \"sourceFalseAcceptsPerHour\": %.4f,"
                            + " \"adaptedFalseAcceptsPerHour\": %.4f}%s%n",
                    r.user(),
                    r.trainClips(),
                    r.headVersion(),
                    r.holdoutPositives(),
                    r.sourceRecall(),
                    r.adaptedRecall(),
                    r.negativesScored(),
                    r.sourceFalseAccepts(),
                    r.adaptedFalseAccepts(),
                    r.threshold(),
                    r.speechHours(),
                    r.sourceActivations(),
                    r.adaptedActivations(),
                    r.sourcePerHour(),
                    r.adaptedPerHour(),
                    i + 1 < rows.size() ? "," : ""));
        }
        b.append("  ]\n}\n");
        return b.toString();
    }
}
