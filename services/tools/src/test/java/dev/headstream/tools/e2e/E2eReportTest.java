package dev.headstream.tools.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.tools.swap.AdapterStats;
import dev.headstream.tools.swap.SwapLatencies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class E2eReportTest {

    private static final long S = 1_000_000_000L;

    /** A level whose backlog of 100 drained 10 per commit every second, at 10 per second. */
    private static E2eReport.Level level(int users, List<E2eReport.Latency> latency) {
        List<Scrape> scrapes = new ArrayList<>();
        for (int t = 0; t <= 10; t++) {
            scrapes.add(new Scrape(
                    t * S,
                    new AdapterStats(t, t * 0.9, 10 * t, 10 * t, 0),
                    0,
                    users,
                    Map.of("embed", 0.008 * 10 * t, "train", 0.05 * 10 * t)));
        }
        DrainWindow w = DrainWindow.of(scrapes, 0, 100, 0, 0.1, 0.9);
        return new E2eReport.Level(
                users,
                null,
                128,
                5,
                new E2eReport.Drain(scrapes.get(0), 0, S / 2, scrapes, w),
                latency,
                1.5,
                1.7,
                null);
    }

    private static E2eReport report() {
        E2eReport.Setup setup = new E2eReport.Setup(
                "headstream bench-e2e --backlog 100",
                "2026-12-02T17:00:00Z",
                60,
                2,
                "abc1234",
                1.0,
                2.0,
                Map.of("headstream.backbone.threads", "1"),
                "bank-id",
                64,
                1,
                1000,
                4,
                8,
                42,
                100,
                128,
                250);
        BackboneRate.Result backbone =
                new BackboneRate.Result("before", 1, 2, 64, 256, 2.5, 3, new double[] {90, 100, 110});
        E2eReport.Latency half = new E2eReport.Latency(
                0.5,
                5,
                5,
                3,
                0,
                SwapLatencies.Stats.of(new double[] {100, 200, 300}),
                new AdapterStats(3, 0.6, 3, 3, 0),
                1.5,
                1.6,
                Map.of("train", 120.0));
        return new E2eReport(
                setup,
                List.of(backbone),
                List.of(
                        level(10, List.of(half)),
                        level(1000, List.of()),
                        E2eReport.Level.notRun(100_000, "not run: needs state on disk")));
    }

    @Test
    void writesTheRatioTheSplitTheLatencyAndWhyALevelDidNotRun() {
        String json = report().json();

        assertThat(json)
                .contains("\"clipsPerSecond\": 10,")
                .contains("\"ratioToBackbone\": 0.1,")
                .contains("\"embed\": 8,")
                .contains("\"train\": 50,")
                .contains("\"other\": 42,")
                .contains("\"total\": 100")
                .contains("\"p50\": 200,")
                .containsPattern("\"msPerBatchByStage\": \\{\\s*\"train\": 120\\s*}")
                .contains("\"reason\": \"not run: needs state on disk\"");
    }

    @Test
    void noObjectOfTheJsonNamesAKeyTwice() {
        // JSON readers keep one of two equal keys, silently (the set-up once named stateOnDisk twice)
        assertThat(duplicateKeys(report().json())).isEmpty();
        assertThat(duplicateKeys("{\"a\": {\"b\": 1, \"c\": \"{\\\"b\\\": 2}\"}, \"d\": [{\"b\": 1}, {\"b\": 2}]}"))
                .as("keys of sibling objects, and braces inside strings, are not duplicates")
                .isEmpty();
        assertThat(duplicateKeys("{\"a\": {\"b\": 1, \"b\": 2}}")).containsExactly("b");
    }

    /** The keys named twice in one object of {@code json}. */
    private static List<String> duplicateKeys(String json) {
        List<String> twice = new ArrayList<>();
        java.util.Deque<java.util.Set<String>> objects = new java.util.ArrayDeque<>();
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '{') {
                objects.push(new java.util.HashSet<>());
            } else if (c == '}') {
                objects.pop();
            } else if (c == '"') {
                StringBuilder str = new StringBuilder();
                for (i++; json.charAt(i) != '"'; i++) {
                    if (json.charAt(i) == '\\') {
                        i++;
                    }
                    str.append(json.charAt(i));
                }
                int next = i + 1;
                while (next < json.length() && Character.isWhitespace(json.charAt(next))) {
                    next++;
                }
                boolean key = next < json.length() && json.charAt(next) == ':';
                if (key && !objects.isEmpty() && !objects.peek().add(str.toString())) {
                    twice.add(str.toString());
                }
            }
        }
        return twice;
    }

    @Test
    void printsOneRowPerLevelAndOnePerLoad() {
        String table = report().table();

        assertThat(table)
                .contains("100,000   not run: needs state on disk")
                .contains("raw backbone before: 100.0 clips/s median of 3 rounds (90.0 to 110.0)")
                .contains("50 %");
    }

    @Test
    void drawsThePng(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("e2e.png");

        report().plot(png);

        assertThat(Files.size(png)).isPositive();
    }
}
