package dev.headstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.headstream.testkit.audit.PromQlNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The observability files: the alert rules ({@code deploy/prometheus/alerts.yml}) pass
 * {@code promtool check rules} and their unit tests ({@code alerts.test.yml}) pass
 * {@code promtool test rules}; the Grafana dashboard ({@code deploy/grafana/dashboards/headstream.json})
 * queries only through its {@code datasource} variable, with unique panel ids and bounded labels;
 * every metric either file names is described in docs/operations.md. That the adapter exports each
 * of those metrics is {@code ObservabilityNamesTest}'s check, in the adapter module.
 */
class ObservabilityFilesTest {

    private static final String ALERTS = "deploy/prometheus/alerts.yml";
    private static final String ALERT_TESTS = "deploy/prometheus/alerts.test.yml";
    private static final String DASHBOARD = "deploy/grafana/dashboards/headstream.json";
    private static final String OPERATIONS = "docs/operations.md";
    private static final String DATASOURCE = "${datasource}";

    /** Labels a query may group, match or print by: none of them names a user, tenant or head. */
    private static final Set<String> BOUNDED_LABELS = Set.of(
            "instance",
            "job",
            "reason",
            "status",
            "outcome",
            "stage",
            "task",
            "topic",
            "partition",
            "le",
            "area",
            "id",
            "client_id",
            "kind");

    private static final Pattern LABEL_LIST =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
    private static final Pattern MATCHER_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}");
    private static final Pattern KNOWN_PREFIX = Pattern.compile("\\b(?:headstream|kafka|jvm)_[a-zA-Z0-9_]+");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Path root;
    private static JsonNode dashboard;
    private static List<JsonNode> rules;

    @BeforeAll
    static void readFiles() throws IOException {
        root = Path.of(System.getProperty("headstream.root", "..")).toAbsolutePath();
        dashboard = JSON.readTree(root.resolve(DASHBOARD).toFile());
        JsonNode groups = YAML.readTree(root.resolve(ALERTS).toFile()).path("groups");
        assertThat(groups).as("rule groups of %s", ALERTS).hasSize(1);
        assertThat(groups.get(0).path("name").asText()).isEqualTo("headstream");
        rules = new ArrayList<>();
        groups.get(0).path("rules").forEach(rules::add);
        assertThat(rules).as("rules of %s", ALERTS).isNotEmpty();
    }

    @Test
    void promtoolChecksTheRules() {
        String out = promtool("check", "rules", ALERTS);
        assertThat(out).contains("SUCCESS: " + rules.size() + " rules found");
    }

    @Test
    void promtoolUnitTestsOfTheRulesPass() {
        String out = promtool("test", "rules", ALERT_TESTS);
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void everyAlertHasAForSeverityAndARunbookLineAndFiresInAUnitTest() throws IOException {
        String operations = section(Files.readString(root.resolve(OPERATIONS)), "## Dashboards and alerts");
        Set<String> firing = firingInUnitTests();
        Set<String> names = new HashSet<>();
        for (JsonNode rule : rules) {
            String alert = rule.path("alert").asText();
            assertThat(alert).as("every rule is an alert: %s", rule).isNotEmpty();
            assertThat(names.add(alert)).as("alert names are unique: %s", alert).isTrue();
            assertThat(rule.path("for").asText()).as("%s: for", alert).matches("\\d+[smh]");
            assertThat(rule.path("labels").path("severity").asText())
                    .as("%s: severity", alert)
                    .isIn("warning", "critical");
            assertThat(rule.path("annotations").path("summary").asText())
                    .as("%s: summary", alert)
                    .isNotBlank();
            assertThat(rule.path("annotations").path("description").asText())
                    .as("%s: description names its runbook", alert)
                    .contains("Runbook: docs/operations.md, Dashboards and alerts, " + alert + ".");
            assertThat(operations.contains("| `" + alert + "` |"))
                    .as("%s has its runbook line in %s, section Dashboards and alerts", alert, OPERATIONS)
                    .isTrue();
            assertThat(firing)
                    .as("%s fires in a case of %s", alert, ALERT_TESTS)
                    .contains(alert);
        }
    }

    @Test
    void theAlertsWatchWhatOperatorsNeed() {
        Set<String> used = new TreeSet<>();
        for (JsonNode rule : rules) {
            used.addAll(PromQlNames.metricNames(rule.path("expr").asText()));
        }
        assertThat(used)
                .contains(
                        "up",
                        "headstream_rejects_total",
                        "headstream_negative_transfer_alarmed_total",
                        "headstream_drift_alarmed_total",
                        "headstream_heads_published_total",
                        "kafka_consumer_fetch_manager_records_lag_max",
                        "headstream_partitions_retrying",
                        "headstream_transaction_abort_streak",
                        "headstream_restore_resets_total",
                        "headstream_restore_unreadable_total",
                        "headstream_restore_forged_skipped_total",
                        "headstream_restore_not_resident_total",
                        "headstream_latency_seconds_bucket");
    }

    @Test
    void theDashboardHasItsIdentityAndADatasourceVariable() {
        assertThat(dashboard.path("uid").asText()).isEqualTo("headstream");
        assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 41);
        List<JsonNode> variables = new ArrayList<>();
        dashboard.path("templating").path("list").forEach(variables::add);
        assertThat(variables)
                .filteredOn(v -> v.path("name").asText().equals("datasource"))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.path("type").asText()).isEqualTo("datasource");
                    assertThat(v.path("query").asText()).isEqualTo("prometheus");
                });
        for (JsonNode v : variables) {
            if (v.path("type").asText().equals("query")) {
                assertDatasourceVariable(v.path("datasource"), "variable " + v.path("name"));
            }
        }
    }

    @Test
    void everyPanelQueriesThroughTheDatasourceVariableWithAUniqueId() {
        List<JsonNode> panels = panels();
        assertThat(panels).hasSizeGreaterThanOrEqualTo(12);
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : panels) {
            String title = p.path("title").asText();
            assertThat(p.path("id").isInt()).as("panel %s has an id", title).isTrue();
            assertThat(ids.add(p.path("id").asInt()))
                    .as("panel id %s (%s) is unique", p.path("id"), title)
                    .isTrue();
            assertThat(p.path("gridPos").path("w").asInt())
                    .as("%s: width", title)
                    .isBetween(1, 24);
            assertDatasourceVariable(p.path("datasource"), "panel " + title);
            if (!p.path("type").asText().equals("row")) {
                assertThat(p.path("targets")).as("%s: queries", title).isNotEmpty();
            }
            for (JsonNode t : p.path("targets")) {
                assertDatasourceVariable(t.path("datasource"), "a query of panel " + title);
                assertThat(t.path("expr").asText()).as("%s: expr", title).isNotBlank();
            }
        }
    }

    @Test
    void theDashboardShowsWhatTheIssueAsksFor() {
        Set<String> used = new TreeSet<>();
        for (String expr : dashboardQueries()) {
            used.addAll(PromQlNames.metricNames(expr));
        }
        assertThat(used)
                .contains(
                        "headstream_samples_applied_total",
                        "headstream_records_total",
                        "headstream_rejects_total",
                        "headstream_heads_published_total",
                        "headstream_users_resident",
                        "headstream_latency_seconds_bucket",
                        "headstream_stage_seconds_total",
                        "kafka_consumer_fetch_manager_records_lag_max",
                        "headstream_partitions_retrying",
                        "headstream_transaction_abort_streak",
                        "headstream_negative_transfer_alarmed_total",
                        "headstream_drift_alarmed_total",
                        "headstream_restore_resets_total",
                        "jvm_memory_used_bytes");
    }

    @Test
    void queriesGroupMatchAndPrintOnlyBoundedLabels() {
        List<String> texts = new ArrayList<>(dashboardQueries());
        for (JsonNode rule : rules) {
            texts.add(rule.path("expr").asText());
        }
        for (JsonNode p : panels()) {
            p.path("targets").forEach(t -> texts.add(t.path("legendFormat").asText()));
        }
        for (String text : texts) {
            for (String label : labelsIn(text)) {
                assertThat(BOUNDED_LABELS).as("label %s in %s", label, text).contains(label);
            }
        }
    }

    @Test
    void everyMetricTheFilesNameIsDescribedInTheOperationsGuide() throws IOException {
        String operations = Files.readString(root.resolve(OPERATIONS));
        List<String> exprs = new ArrayList<>(dashboardQueries());
        rules.forEach(r -> exprs.add(r.path("expr").asText()));
        Set<String> all = new TreeSet<>();
        for (String expr : exprs) {
            Set<String> names = PromQlNames.metricNames(expr);
            assertThat(names).as("metrics in %s", expr).isNotEmpty();
            Matcher m = KNOWN_PREFIX.matcher(expr.replaceAll("\"[^\"]*\"", "\"\""));
            while (m.find()) {
                assertThat(names).as("names found in %s", expr).contains(m.group());
            }
            all.addAll(names);
        }
        for (String name : all) {
            String base = name.replaceAll("_(bucket|count|sum)$", "");
            assertThat(Pattern.compile("`" + Pattern.quote(base) + "[`{]")
                            .matcher(operations)
                            .find())
                    .as("%s describes %s", OPERATIONS, base)
                    .isTrue();
        }
    }

    @Test
    void metricNamesAreTakenFromPromQlWithoutFunctionsKeywordsLabelsOrDurations() {
        assertThat(PromQlNames.metricNames(
                        "histogram_quantile(0.99, sum by (stage, le) (rate(x_bucket{instance=~\"$i\"}"
                                + "[$__rate_interval])))"))
                .containsExactly("x_bucket");
        assertThat(PromQlNames.metricNames(
                        "a > 0 unless a offset 1h or increase(b[30m]) / on () group_left () sum(c) > 1e3"))
                .containsExactlyInAnyOrder("a", "b", "c");
        assertThat(PromQlNames.metricNames("max by (job, instance) (m{client_id=\"k\"}) and deriv(n[15m:1m]) > 0.5"))
                .containsExactlyInAnyOrder("m", "n");
        assertThat(PromQlNames.metricNames("up{job=\"x\"} == 0 or absent(up{job=\"x\"})"))
                .containsExactly("up");
        assertThat(PromQlNames.metricNames("label_values(headstream_users_resident, instance)"))
                .containsExactly("headstream_users_resident");
    }

    /** Label names a query groups by, matches on or a legend prints. */
    private static Set<String> labelsIn(String text) {
        Set<String> labels = new TreeSet<>();
        Matcher lists = LABEL_LIST.matcher(text);
        while (lists.find()) {
            for (String l : lists.group(1).split(",")) {
                if (!l.isBlank()) {
                    labels.add(l.strip());
                }
            }
        }
        Matcher braces = Pattern.compile("\\{([^}]*)}").matcher(text.replaceAll("\\$\\{[^}]*}", ""));
        while (braces.find()) {
            Matcher matchers = MATCHER_LABEL.matcher(braces.group(1).replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", ""));
            while (matchers.find()) {
                labels.add(matchers.group(1));
            }
        }
        Matcher legend = LEGEND_LABEL.matcher(text);
        while (legend.find()) {
            labels.add(legend.group(1));
        }
        return labels;
    }

    private static List<JsonNode> panels() {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            all.add(p);
            p.path("panels").forEach(all::add);
        }
        return all;
    }

    /** Every PromQL query of the dashboard: its panels' targets and its query variables. */
    private static List<String> dashboardQueries() {
        List<String> queries = new ArrayList<>();
        for (JsonNode p : panels()) {
            p.path("targets").forEach(t -> queries.add(t.path("expr").asText()));
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                JsonNode q = v.path("query");
                queries.add(q.isObject() ? q.path("query").asText() : q.asText());
            }
        }
        return queries;
    }

    private static void assertDatasourceVariable(JsonNode datasource, String what) {
        assertThat(datasource.path("uid").asText())
                .as("%s: datasource uid", what)
                .isEqualTo(DATASOURCE);
        assertThat(datasource.path("type").asText())
                .as("%s: datasource type", what)
                .isEqualTo("prometheus");
    }

    /** The alerts that some case of the unit tests expects to fire. */
    private static Set<String> firingInUnitTests() throws IOException {
        Set<String> firing = new TreeSet<>();
        for (JsonNode test : YAML.readTree(root.resolve(ALERT_TESTS).toFile()).path("tests")) {
            for (JsonNode c : test.path("alert_rule_test")) {
                if (!c.path("exp_alerts").isEmpty()) {
                    firing.add(c.path("alertname").asText());
                }
            }
        }
        return firing;
    }

    /** The text of a markdown section, from its heading to the next heading of its level. */
    private static String section(String markdown, String heading) {
        int start = markdown.indexOf("\n" + heading + "\n");
        assertThat(start).as("%s has a section %s", OPERATIONS, heading).isNotNegative();
        int end = markdown.indexOf("\n## ", start + heading.length() + 1);
        return end < 0 ? markdown.substring(start) : markdown.substring(start, end);
    }

    /** Runs promtool in the repository root; fails (never skips) when it is not installed. */
    private static String promtool(String... args) {
        List<String> command = new ArrayList<>();
        command.add("promtool");
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .directory(root.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            return fail(
                    "promtool is not installed: install Debian's prometheus package (apt-get install prometheus;"
                            + " ./headstream test installs it when missing) to check %s and %s (%s)",
                    ALERTS, ALERT_TESTS, e.getMessage());
        }
        try {
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(60, TimeUnit.SECONDS))
                    .as("promtool %s finished", String.join(" ", args))
                    .isTrue();
            String text = new String(out, StandardCharsets.UTF_8);
            assertThat(p.exitValue())
                    .as("promtool %s:%n%s", String.join(" ", args), text)
                    .isZero();
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            p.destroy();
        }
    }
}
