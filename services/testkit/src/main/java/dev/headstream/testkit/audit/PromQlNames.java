package dev.headstream.testkit.audit;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, for the checks that the Grafana dashboard and the
 * Prometheus alert rules name only metrics the adapter exports ({@code ObservabilityFilesTest}
 * tests the rules, {@code ObservabilityNamesTest} compares the names with a real scrape). Stateless.
 */
public final class PromQlNames {

    private PromQlNames() {}

    /** Aggregations, keywords and literals of PromQL that are not metric names. */
    private static final Set<String> KEYWORDS = Set.of(
            "sum",
            "min",
            "max",
            "avg",
            "group",
            "stddev",
            "stdvar",
            "count",
            "count_values",
            "bottomk",
            "topk",
            "quantile",
            "limitk",
            "limit_ratio",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "and",
            "or",
            "unless",
            "offset",
            "bool",
            "atan2",
            "inf",
            "nan");

    private static final Pattern TOKEN =
            Pattern.compile("(\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?[a-zA-Z]*)|([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

    /**
     * The metric names a PromQL expression (or a Grafana {@code label_values(metric, label)} query)
     * reads: identifiers that are not functions, aggregations, keywords, label names, durations,
     * numbers or Grafana variables.
     */
    public static Set<String> metricNames(String promql) {
        String s = promql.replaceAll("label_values\\((.*),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)", "$1")
                .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", " ")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\$\\{[^}]*}|\\$\\w+", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = TOKEN.matcher(s);
        while (m.find()) {
            String id = m.group(2);
            if (id != null && m.group(3) == null && !KEYWORDS.contains(id.toLowerCase(Locale.ROOT))) {
                names.add(id);
            }
        }
        return names;
    }
}
