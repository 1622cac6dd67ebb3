package dev.headstream.adapter.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.adapter.EmbeddedKafkaResource;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import dev.headstream.testkit.synth.SampleRecords;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * With {@code headstream.fault.enabled=true} the seam is the configured implementation, with the
 * test's settings; a poisoned sample among good ones is isolated, rejected {@code PROCESSING_FAILED}
 * with its partition and offset, and the good ones are applied.
 */
@QuarkusTest
@TestProfile(FaultsEnabledTest.Profile.class)
@WithTestResource(EmbeddedKafkaResource.class)
class FaultsEnabledTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    FaultSettings.ENABLED_KEY,
                    "true",
                    "headstream.fault.halt-in-transaction-at-offset",
                    "1000000",
                    "headstream.fault.restore-delay-seconds",
                    "1",
                    "headstream.fault.poison-sample-ids",
                    POISON);
        }
    }

    private static final String POISON = "poison-a";
    private static final String TENANT = "t";
    private static final Duration WITHIN = Duration.ofMinutes(2);

    @Inject
    FaultInjector faults;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/q/metrics")
    URI metrics;

    @Test
    void theConfiguredFaultsAreWiredWhenEnabled() {
        assertThat(faults).isInstanceOf(ConfiguredFaults.class);
        assertThat(faults.toString())
                .contains("haltAtOffset=1000000")
                .contains("pauseAtOffset=-1")
                .contains("pauseSeconds=20")
                .contains("restoreDelaySeconds=1")
                .contains("poisonSampleIds=[" + POISON + "]");
    }

    @Test
    void aPoisonedSampleIsIsolatedAndRejectedAndTheGoodOnesAreApplied() {
        String user = "u-" + System.nanoTime();
        try (SampleSender sender = new SampleSender(bootstrap)) {
            sender.send(SampleRecords.key(TENANT, user), sample(user, "good-1").toByteArray());
            sender.send(SampleRecords.key(TENANT, user), sample(user, POISON).toByteArray());
            sender.send(SampleRecords.key(TENANT, user), sample(user, "good-2").toByteArray());
            sender.flush();
            assertThat(sender.failed()).isZero();
        }
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            List<Rejected> rejects = TopicReader.readAll(bootstrap, Topics.REJECTED, Duration.ofSeconds(10)).stream()
                    .map(r -> parse(r.value()))
                    .toList();
            assertThat(rejects).singleElement().satisfies(r -> {
                assertThat(r.getReason()).isEqualTo(RejectReason.PROCESSING_FAILED);
                assertThat(r.getTopic()).isEqualTo(Topics.SAMPLES);
                assertThat(r.getPartition()).isZero();
                assertThat(r.getMessage())
                        .contains("fault injection: a poisoned sample in the batch")
                        .doesNotContain(POISON);
                assertThat(r.getSampleId()).isEmpty();
            });
            assertThat(TopicReader.readAll(bootstrap, Topics.METRICS, Duration.ofSeconds(10)).stream()
                            .map(r -> parseMetrics(r.value()))
                            .filter(m -> m.getUser().equals(user))
                            .map(AdaptationMetrics::getSamplesSeen))
                    .containsExactly(1L, 2L);
        });
        await().atMost(WITHIN)
                .untilAsserted(() -> assertThat(scrape())
                        .contains("headstream_records_isolated_total{topic=\"samples\"} 1.0")
                        .contains("headstream_batch_retries_total"));
    }

    private String scrape() throws Exception {
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static Rejected parse(byte[] value) {
        try {
            return Rejected.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static AdaptationMetrics parseMetrics(byte[] value) {
        try {
            return AdaptationMetrics.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A positive training sample of 2 s of quiet noise, valid input whatever it sounds like. */
    private static Sample sample(String user, String id) {
        Random random = new Random(id.hashCode());
        short[] pcm = new short[2 * SampleRecords.SAMPLE_RATE_HZ];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (short) (random.nextGaussian() * 500);
        }
        return Sample.newBuilder()
                .setSampleId(id)
                .setTenant(TENANT)
                .setUser(user)
                .setAudio(SampleRecords.audio(pcm))
                .putLabels("wake", Label.newBuilder().setBinary(true).build())
                .setSplit(Split.SPLIT_TRAIN)
                .build();
    }
}
