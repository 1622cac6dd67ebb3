package dev.headstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.headstream.client.SampleSender;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import dev.headstream.testkit.audit.PromQlNames;
import dev.headstream.testkit.synth.SampleRecords;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Every metric that the Grafana dashboard ({@code deploy/grafana/dashboards/headstream.json}) and
 * the Prometheus alert rules ({@code deploy/prometheus/alerts.yml}) name is in the adapter's
 * {@code /q/metrics}, so that neither ever queries a metric the adapter does not export. Counters
 * with a label appear at their first event, so the test makes each event happen against a real
 * broker: samples applied and heads published, a reject, a head whose user's audio changes (drift)
 * and a head trained on flipped labels (negative transfer, counted with
 * {@code on-negative-transfer=publish-only}; the default action rolls the head back at once). Only
 * {@code up}, which Prometheus writes itself, is exempt.
 */
@QuarkusTest
@TestProfile(ObservabilityNamesTest.PublishOnly.class)
@WithTestResource(EmbeddedKafkaResource.class)
class ObservabilityNamesTest {

    /** Alarms only publish: the negative-transfer alarm stays on and is counted with every record. */
    public static class PublishOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("headstream.tasks.wake.on-negative-transfer", "publish-only");
        }
    }

    private static final String DASHBOARD = "deploy/grafana/dashboards/headstream.json";
    private static final String ALERTS = "deploy/prometheus/alerts.yml";
    private static final Set<String> WRITTEN_BY_PROMETHEUS = Set.of("up");

    private static final String TENANT = "observe";
    private static final String TASK = "wake";
    /** The negative-transfer user: positives, then the same kind of audio labelled negative. */
    private static final int FLIP_POSITIVES = 8;

    private static final int FLIP_NEGATIVES = 32;
    /** The drift user: quiet noise (the drift test's reference is the first 16), then a loud tone. */
    private static final int DRIFT_NOISE = 16;

    private static final int DRIFT_TONE = 24;
    private static final Duration WITHIN = Duration.ofMinutes(5);
    /** Micrometer's Kafka binder looks for new client metrics every 60 s; two rounds and some slack. */
    private static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(150);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @Test
    void everyMetricTheDashboardAndTheAlertsNameIsExported() throws Exception {
        Path root = Path.of(System.getProperty("headstream.root", "../..")).toAbsolutePath();
        Set<String> used = namesUsed(root);
        assertThat(used).as("metric names in %s and %s", DASHBOARD, ALERTS).hasSizeGreaterThan(10);

        int samples = sendSamples();
        await().atMost(WITHIN)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(value(scrape(), "headstream_samples_applied_total"))
                        .as("samples applied")
                        .isGreaterThanOrEqualTo(samples));
        // every batch here commits on a working producer: its own commit is the evidence, and the
        // coordinator is asked about none of them
        String afterApplied = scrape();
        assertThat(labeled(afterApplied, "headstream_commit_confirmations_total", "by=\"producer\""))
                .as("batches confirmed by the producer's own commit")
                .isGreaterThanOrEqualTo(1);
        assertThat(labeled(afterApplied, "headstream_commit_confirmations_total", "by=\"coordinator\""))
                .as("batches confirmed by asking the coordinator")
                .isZero();
        // what a committed batch counts is in the same scrape; the Kafka consumer's per-partition
        // metrics (kafka_consumer_fetch_manager_records_lag) exist once partitions were fetched, and
        // Micrometer's Kafka binder adds new client metrics every 60 s: about a minute after start
        await().atMost(KAFKA_METRICS_REFRESH)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    String scrape = scrape();
                    Files.writeString(Path.of("target", "observability-scrape.txt"), scrape);
                    Set<String> exported = seriesNames(scrape);
                    Set<String> missing = new TreeSet<>(used);
                    missing.removeAll(exported);
                    missing.removeAll(WRITTEN_BY_PROMETHEUS);
                    assertThat(missing)
                            .as("metrics the dashboard or the alerts name that /q/metrics lacks (scrape in"
                                    + " target/observability-scrape.txt)")
                            .isEmpty();
                });
    }

    /** Sends both users' samples and a record that is no sample; returns how many samples apply. */
    private int sendSamples() {
        List<Sample> flip = new ArrayList<>();
        for (int i = 0; i < FLIP_POSITIVES + FLIP_NEGATIVES; i++) {
            flip.add(sample("flip", i, noise(i, 500), i < FLIP_POSITIVES));
        }
        List<Sample> drift = new ArrayList<>();
        for (int i = 0; i < DRIFT_NOISE + DRIFT_TONE; i++) {
            drift.add(sample("drift", i, i < DRIFT_NOISE ? noise(100 + i, 500) : tone(100 + i), true));
        }
        try (SampleSender sender = new SampleSender(bootstrap)) {
            for (Sample s : flip) {
                sender.send(SampleRecords.key(TENANT, s.getUser()), s.toByteArray());
            }
            for (Sample s : drift) {
                sender.send(SampleRecords.key(TENANT, s.getUser()), s.toByteArray());
            }
            sender.send(SampleRecords.key(TENANT, "garbage"), "not a sample".getBytes(StandardCharsets.UTF_8));
            sender.flush();
            assertThat(sender.failed()).isZero();
        }
        return flip.size() + drift.size();
    }

    private static Sample sample(String user, int i, short[] pcm, boolean positive) {
        return Sample.newBuilder()
                .setSampleId(user + "-" + i)
                .setTenant(TENANT)
                .setUser(user)
                .setAudio(SampleRecords.audio(pcm))
                .putLabels(TASK, Label.newBuilder().setBinary(positive).build())
                .setSplit(Split.SPLIT_TRAIN)
                .build();
    }

    /** 2 s of Gaussian noise of standard deviation {@code level}. */
    private static short[] noise(long seed, double level) {
        Random random = new Random(seed);
        short[] pcm = new short[2 * SampleRecords.SAMPLE_RATE_HZ];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (short) (random.nextGaussian() * level);
        }
        return pcm;
    }

    /** 2 s of a loud 1 kHz tone over faint noise. */
    private static short[] tone(long seed) {
        Random random = new Random(seed);
        short[] pcm = new short[2 * SampleRecords.SAMPLE_RATE_HZ];
        for (int i = 0; i < pcm.length; i++) {
            double t = (double) i / SampleRecords.SAMPLE_RATE_HZ;
            pcm[i] = (short) (8_000 * Math.sin(2 * Math.PI * 1_000 * t) + random.nextGaussian() * 50);
        }
        return pcm;
    }

    /** The names of the series in a Prometheus text exposition. */
    static Set<String> seriesNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    /** The sum of the values of the series called {@code name}. */
    /** The sum of {@code name}'s series whose labels include {@code label} ({@code key="value"}). */
    private static double labeled(String scrape, String name, String label) {
        double sum = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{")
                    && line.substring(0, line.indexOf('}') + 1).contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static double value(String scrape, String name) {
        double sum = 0;
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private String scrape() throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(metrics)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    /** The metric names of the dashboard's queries and variables and of the alert rules' expressions. */
    private static Set<String> namesUsed(Path root) throws IOException {
        List<String> exprs = new ArrayList<>();
        JsonNode dashboard = new ObjectMapper().readTree(root.resolve(DASHBOARD).toFile());
        for (JsonNode p : dashboard.path("panels")) {
            p.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
            p.path("panels")
                    .forEach(q -> q.path("targets")
                            .forEach(t -> exprs.add(t.path("expr").asText())));
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                JsonNode q = v.path("query");
                exprs.add(q.isObject() ? q.path("query").asText() : q.asText());
            }
        }
        JsonNode alerts = new ObjectMapper(new YAMLFactory())
                .readTree(root.resolve(ALERTS).toFile());
        for (JsonNode group : alerts.path("groups")) {
            group.path("rules").forEach(r -> exprs.add(r.path("expr").asText()));
        }
        Set<String> names = new TreeSet<>();
        exprs.forEach(e -> names.addAll(PromQlNames.metricNames(e)));
        return names;
    }
}
