package dev.headstream.adapter.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.ingest.RawSample;
import dev.headstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Review: failures that are not any record's must not be turned into PROCESSING_FAILED rejects. They
 * are systemic ({@link SystemicFailure}): the batch aborts, nothing of it is rejected.
 */
class SystemicFailureTest {

    private static final RetryPolicy POLICY = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(30));

    private final List<Long> isolatedOffsets = new ArrayList<>();

    private final PoisonIsolation.Listener listener = new PoisonIsolation.Listener() {
        @Override
        public void failed(int attempt, RuntimeException failure) {}

        @Override
        public void isolated(PoisonIsolation.Consumed record, RuntimeException failure) {
            isolatedOffsets.add(record.raw().offset());
        }
    };

    private static List<PoisonIsolation.Consumed> batch(int samples) {
        List<PoisonIsolation.Consumed> out = new ArrayList<>();
        IntStream.range(0, samples)
                .forEach(i -> out.add(new PoisonIsolation.Consumed(
                        Topics.SAMPLES,
                        new RawSample(0, i, ("t/u" + i).getBytes(StandardCharsets.UTF_8), new byte[] {1}))));
        out.add(new PoisonIsolation.Consumed(
                Topics.CONTROL, new RawSample(0, 0, "t/u0".getBytes(StandardCharsets.UTF_8), new byte[] {2})));
        return out;
    }

    /** The backbone (GPU, ONNX Runtime) fails for every sample; with no sample it is never called. */
    @Test
    void aBackboneOutageIsNotAPoisonRecord() {
        PoisonIsolation isolation = new PoisonIsolation(POLICY, d -> {});
        assertThatThrownBy(() -> isolation.run(
                        batch(8),
                        (recs, isolated) -> {
                            if (recs.stream().anyMatch(c -> c.topic().equals(Topics.SAMPLES))) {
                                throw new IllegalStateException("ORT: CUDA error: an illegal memory access");
                            }
                            return recs.size();
                        },
                        listener))
                .as("an outage must abort the batch (and stall, readiness DOWN), not reject every sample")
                .isInstanceOf(SystemicFailure.class)
                .hasMessageContaining("cap of 4 per batch");
        assertThat(isolatedOffsets)
                .as("suspects up to the cap, none of them rejected")
                .hasSize(4);
    }

    /** A passing fault that outlasts the retries (about 0.3 s of backoff) gets innocent records rejected. */
    @Test
    void aPassingFaultThatOutlastsTheRetriesRejectsNobody() {
        int[] calls = {0};
        PoisonIsolation isolation = new PoisonIsolation(POLICY, d -> {});
        assertThatThrownBy(() -> isolation.run(
                        batch(8),
                        (recs, isolated) -> {
                            if (!recs.isEmpty() && calls[0]++ < 5) {
                                throw new IllegalStateException("transient: device busy");
                            }
                            return recs.size();
                        },
                        listener))
                .as("the suspect passes when confirmed: the batch aborts and is consumed again")
                .isInstanceOf(SystemicFailure.class)
                .hasMessageContaining("passed when tried again");
        assertThat(isolatedOffsets)
                .as("records rejected PROCESSING_FAILED for a passing fault")
                .isEmpty();
    }

    /** Fails when the batch embeds more than 5 clips at once (device memory), whichever they are. */
    @Test
    void aBatchSizeLimitIsNotAPoisonRecord() {
        PoisonIsolation isolation = new PoisonIsolation(POLICY, d -> {});
        assertThatThrownBy(() -> isolation.run(
                        batch(8),
                        (recs, isolated) -> {
                            if (recs.stream()
                                            .filter(c -> c.topic().equals(Topics.SAMPLES))
                                            .count()
                                    > 5) {
                                throw new IllegalStateException("CUDA out of memory");
                            }
                            return recs.size();
                        },
                        listener))
                .as("the suspect passes with only its own key's records")
                .isInstanceOf(SystemicFailure.class)
                .hasMessageContaining("depends on the batch");
        assertThat(isolatedOffsets).as("innocent records rejected").isEmpty();
    }
}
