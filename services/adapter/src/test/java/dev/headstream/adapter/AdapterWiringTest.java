package dev.headstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.adapter.fault.FaultInjector;
import dev.headstream.adapter.fault.NoFaults;
import dev.headstream.adapter.health.ReadinessCheck;
import dev.headstream.adapter.state.RestoreProgress;
import dev.headstream.adapter.transaction.ProcessExit;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.wire.Bounded;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import dev.headstream.testkit.synth.SampleRecords;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The adapter as it starts in production, against a real broker ({@link EmbeddedKafkaResource}):
 * the beans wire, readiness and metrics answer, and records sent to {@code headstream.samples}
 * come back through Kafka as committed metrics, head and reject records.
 */
@QuarkusTest
@WithTestResource(EmbeddedKafkaResource.class)
class AdapterWiringTest {

    private static final String TENANT = "wiring";
    private static final String TASK = "wake";
    private static final Duration WITHIN = Duration.ofSeconds(90);

    @Inject
    FaultInjector faults;

    @Inject
    ProcessExit processExit;

    @Inject
    RestoreProgress progress;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @Test
    void productionBeansWireWithoutFaultInjection() {
        assertThat(faults).isSameAs(NoFaults.INSTANCE);
        assertThat(processExit.exiting()).isFalse();
    }

    @Test
    void readinessGoesUpOnceTheFirstAssignmentIsRestored() {
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            HttpResponse<String> r = get(ready);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body())
                    .contains(ReadinessCheck.NAME)
                    .contains("\"assigned\": true")
                    .contains("\"retryingPartitions\": \"[]\"")
                    .contains("\"abortingPartitions\": \"{}\"");
            assertThat(r.body()).contains("\"restore.resets\": 0").contains("\"maxResidentUsers\": 1000");
        });
        assertThat(progress.assignedOnce()).isTrue();
        assertThat(progress.restoring()).isEmpty();
    }

    @Test
    void metricsAnswerWithTheAdaptersGauges() throws Exception {
        HttpResponse<String> r = get(metrics);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
                .contains("headstream_users_resident")
                .contains("headstream_users_resident_max 1000")
                .contains("headstream_restore_resets_total")
                .contains("headstream_restore_forged_skipped_total")
                .contains("headstream_partitions_retrying")
                .contains("headstream_transaction_abort_streak")
                .contains("headstream_latency_seconds_bucket{stage=\"end_to_end\",le=\"0.25\"}")
                .contains("headstream_latency_seconds_bucket{stage=\"commit\",le=\"1.0\"}");
    }

    @Test
    void aSampleComesBackAsMetricsAndHeadAndGarbageAsAReject() {
        String user = "u-" + System.nanoTime();
        String headId = TENANT + "/" + user + "/" + TASK;
        try (SampleSender sender = new SampleSender(bootstrap)) {
            sender.send(SampleRecords.key(TENANT, user), noiseSample(user).toByteArray());
            sender.send(SampleRecords.key(TENANT, user + "-garbage"), "not a sample".getBytes(StandardCharsets.UTF_8));
            sender.flush();
            assertThat(sender.failed()).isZero();
        }
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(committed(Topics.METRICS))
                    .extracting(r -> AdaptationMetrics.parseFrom(r.value()).getHeadId())
                    .contains(headId);
            assertThat(committed(Topics.HEADS))
                    .extracting(r -> HeadUpdate.parseFrom(r.value()).getHeadId())
                    .contains(headId);
            assertThat(committed(Topics.REJECTED))
                    .extracting(r -> Rejected.parseFrom(r.value()).getReason())
                    .contains(RejectReason.MALFORMED);
        });
    }

    @Test
    void aKeyOf600KbIsRejectedUnderAKeyCutToItsLimit() {
        String hugeKey = TENANT + "/" + "k".repeat(600_000);
        try (SampleSender sender = new SampleSender(bootstrap)) {
            sender.send(hugeKey, noiseSample("huge").toByteArray());
            sender.flush();
            assertThat(sender.failed()).isZero();
        }
        await().atMost(WITHIN)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(committed(Topics.REJECTED)).anySatisfy(r -> {
                    assertThat(r.key()).hasSize(Bounded.MAX_KEY_BYTES);
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).startsWith(TENANT + "/kkk");
                    assertThat(Rejected.parseFrom(r.value()).getReason())
                            .isIn(RejectReason.BAD_KEY, RejectReason.PROCESSING_FAILED);
                }));
    }

    private List<ConsumerRecord<byte[], byte[]>> committed(String topic) {
        return TopicReader.readAll(bootstrap, topic, Duration.ofSeconds(10));
    }

    /** A positive training sample of 2 s of quiet noise: whatever it sounds like, it is valid input. */
    private static Sample noiseSample(String user) {
        Random random = new Random(7);
        short[] pcm = new short[2 * SampleRecords.SAMPLE_RATE_HZ];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (short) (random.nextGaussian() * 500);
        }
        return Sample.newBuilder()
                .setSampleId(user + "-0")
                .setTenant(TENANT)
                .setUser(user)
                .setAudio(SampleRecords.audio(pcm))
                .putLabels(TASK, Label.newBuilder().setBinary(true).build())
                .setSplit(Split.SPLIT_TRAIN)
                .build();
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
