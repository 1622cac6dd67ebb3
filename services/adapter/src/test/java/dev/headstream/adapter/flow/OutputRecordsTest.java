package dev.headstream.adapter.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

class OutputRecordsTest {

    private static final long NOW = 1_700_000_000_000L;

    @SuppressWarnings("unchecked")
    private static OutgoingKafkaRecordMetadata<byte[]> meta(Message<byte[]> m) {
        return m.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow();
    }

    private static String key(Message<byte[]> m) {
        return new String(meta(m).getKey(), StandardCharsets.UTF_8);
    }

    @Test
    void aBatchBecomesRejectsHeadsMetricsStateAndTombstonesInThatOrder() throws Exception {
        RawSample bad = new RawSample(2, 41, "t/u".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        HeadUpdate head =
                HeadUpdate.newBuilder().setHeadId("t/u/wake").setVersion(3).build();
        AdaptationMetrics metrics =
                AdaptationMetrics.newBuilder().setHeadId("t/u/wake").build();
        BatchResult result = new BatchResult(
                List.of(new Rejection(bad, RejectReason.MALFORMED, "not a sample", "")),
                List.of(head),
                List.of(metrics),
                1,
                Map.of(),
                0,
                Map.of(),
                List.of(new BatchResult.Erasure(new UserKey("t", "gone"), 1, List.of("t/gone/wake"))));
        AdapterState state = AdapterState.newBuilder()
                .setTenant("t")
                .setUser("u")
                .setSourcePartition(2)
                .build();

        List<Message<byte[]>> out = OutputRecords.of(result, List.of(state), Topics.SAMPLES, NOW);

        assertThat(out)
                .extracting(m -> meta(m).getTopic())
                .containsExactly(
                        Topics.REJECTED,
                        Topics.HEADS,
                        Topics.METRICS,
                        Topics.ADAPTER_STATE,
                        Topics.HEADS,
                        Topics.ADAPTER_STATE);
        Rejected rejected = Rejected.parseFrom(out.get(0).getPayload());
        assertThat(rejected.getTopic()).isEqualTo(Topics.SAMPLES);
        assertThat(rejected.getPartition()).isEqualTo(2);
        assertThat(rejected.getOffset()).isEqualTo(41);
        assertThat(rejected.getReason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(rejected.getRejectedTimeMs()).isEqualTo(NOW);
        assertThat(key(out.get(0))).isEqualTo("t/u");
        assertThat(HeadUpdate.parseFrom(out.get(1).getPayload())).isEqualTo(head);
        assertThat(key(out.get(1))).isEqualTo("t/u/wake");
        assertThat(key(out.get(2))).isEqualTo("t/u/wake");
        // the changelog is co-partitioned with the samples topic by partition number
        assertThat(key(out.get(3))).isEqualTo("t/u");
        assertThat(meta(out.get(3)).getPartition()).isEqualTo(2);
        assertThat(AdapterState.parseFrom(out.get(3).getPayload())).isEqualTo(state);
        // erasure: tombstones for the user's heads and state
        assertThat(out.get(4).getPayload()).isNull();
        assertThat(key(out.get(4))).isEqualTo("t/gone/wake");
        assertThat(out.get(5).getPayload()).isNull();
        assertThat(key(out.get(5))).isEqualTo("t/gone");
        assertThat(meta(out.get(5)).getPartition()).isEqualTo(1);
    }
}
