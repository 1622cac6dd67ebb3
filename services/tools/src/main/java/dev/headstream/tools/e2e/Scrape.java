package dev.headstream.tools.e2e;

import dev.headstream.tools.swap.AdapterEndpoint;
import dev.headstream.tools.swap.AdapterStats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One reading of the adapter's counters ({@code /q/metrics}) taken at {@link System#nanoTime()}
 * {@code nanos}: the committed batches, samples applied and rejects ({@link AdapterStats}), users
 * erased, users resident, and the seconds spent in each stage of the engine's batches
 * ({@code headstream_stage_seconds_total{stage=...}}, by stage in {@link #STAGES} order, then any
 * other stage the adapter reports).
 */
record Scrape(long nanos, AdapterStats stats, double erased, double resident, Map<String, Double> stageSeconds) {

    /** The stages the adapter counts, in the order a batch goes through them. */
    static final List<String> STAGES = List.of(
            "decode",
            "load_state",
            "embed",
            "train",
            "publish",
            "encode_state",
            "transaction",
            "commit_check",
            "store_state");

    private static final String STAGE_METRIC = "headstream_stage_seconds_total";
    private static final Pattern STAGE_LINE =
            Pattern.compile("^" + STAGE_METRIC + "\\{(?:[^}]*,)?stage=\"([^\"]+)\"[^}]*\\}\\s+(\\S+)");

    Scrape {
        stageSeconds = Collections.unmodifiableMap(new LinkedHashMap<>(stageSeconds));
    }

    /** Reads the adapter's counters now. */
    static Scrape read(AdapterEndpoint endpoint) {
        long nanos = System.nanoTime();
        return parse(nanos, endpoint.metricsText());
    }

    /** The counters in a Prometheus text exposition (0 where a series is absent). */
    static Scrape parse(long nanos, String text) {
        Map<String, Double> found = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = STAGE_LINE.matcher(line);
            if (m.find()) {
                found.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
            }
        }
        return new Scrape(
                nanos,
                AdapterStats.parse(text),
                AdapterEndpoint.sum(text, "headstream_users_erased_total", ""),
                AdapterEndpoint.sum(text, "headstream_users_resident", ""),
                found);
    }

    double applied() {
        return stats.applied();
    }

    /** Seconds spent in {@code stage} so far (0 when the adapter has not reported it). */
    double stage(String stage) {
        return stageSeconds.getOrDefault(stage, 0.0);
    }

    /** {@link #STAGES}, then the other stages of {@code scrapes} in the order found. */
    static List<String> stages(Scrape... scrapes) {
        List<String> out = new ArrayList<>(STAGES);
        for (Scrape s : scrapes) {
            for (String stage : s.stageSeconds.keySet()) {
                if (!out.contains(stage)) {
                    out.add(stage);
                }
            }
        }
        return out;
    }
}
