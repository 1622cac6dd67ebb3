package dev.headstream.adapter.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.adapter.topic.RecordLimits;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.Bounded;
import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import io.smallrye.reactive.messaging.OutgoingMessageMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

class OutputRecordsTest {

    private static final long NOW = 1_700_000_000_000L;

    private static final RecordLimits LIMITS = RecordLimits.ofSpecs(TopicSpecs.LARGE_RECORD_BYTES);

    @SuppressWarnings("unchecked")
    private static OutgoingKafkaRecordMetadata<byte[]> meta(Message<byte[]> m) {
        return m.getMetadata(OutgoingKafkaRecordMetadata.class).orElseThrow();
    }

    private static String key(Message<byte[]> m) {
        return new String(meta(m).getKey(), StandardCharsets.UTF_8);
    }

    @Test
    void anErasureTombstonesTheUsersStateOnEachOfItsPartitions() {
        BatchResult result = new BatchResult(
                List.of(),
                List.of(),
                List.of(),
                0,
                Map.of(),
                0,
                Map.of(),
                List.of(new BatchResult.Erasure(new UserKey("t", "gone"), List.of(6, 2), List.of("t/gone/wake"))));

        List<Message<byte[]>> out = OutputRecords.of(result, List.of(), Topics.SAMPLES, NOW);

        assertThat(out)
                .extracting(m -> meta(m).getTopic())
                .containsExactly(Topics.HEADS, Topics.ADAPTER_STATE, Topics.ADAPTER_STATE);
        assertThat(out.subList(1, 3)).allSatisfy(m -> {
            assertThat(m.getPayload()).isNull();
            assertThat(key(m)).isEqualTo("t/gone");
        });
        assertThat(out.subList(1, 3)).extracting(m -> meta(m).getPartition()).containsExactly(6, 2);
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
        // the changelog's records (state and tombstones) carry the metadata the sink leaves their offsets in
        for (Message<byte[]> m : out) {
            assertThat(m.getMetadata(OutgoingMessageMetadata.class).isPresent())
                    .as("OutgoingMessageMetadata on a record of %s", meta(m).getTopic())
                    .isEqualTo(Topics.ADAPTER_STATE.equals(meta(m).getTopic()));
        }
    }

    private static BatchResult rejecting(Rejection r, HeadUpdate... heads) {
        return new BatchResult(List.of(r), List.of(heads), List.of(), 0, Map.of(), 0, Map.of(), List.of());
    }

    @Test
    void aRejectsKeyIsTheConsumedKeyCutToItsLimitNeverWhole() {
        byte[] hugeKey = ("t/" + "k".repeat(600_000)).getBytes(StandardCharsets.UTF_8);
        RawSample bad = new RawSample(0, 9, hugeKey, new byte[] {1});
        BatchResult result = rejecting(new Rejection(bad, RejectReason.BAD_KEY, "bad key", ""));

        List<Message<byte[]>> out = OutputRecords.of(result, List.of(), Topics.SAMPLES, NOW, LIMITS);

        byte[] key = meta(out.get(0)).getKey();
        assertThat(key).hasSize(Bounded.MAX_KEY_BYTES);
        assertThat(new String(key, StandardCharsets.UTF_8)).startsWith("t/kkk").contains(Bounded.MARK);
    }

    @Test
    void aRejectTooLargeForItsTopicNamesTheRecordItCameFrom() {
        RawSample bad = new RawSample(0, 9, "t/u".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        // a reject's strings are bounded (Bounded), so only a topic whose limit is below the bound
        // can be too small for one: a rejected topic of 1 KiB here
        BatchResult result = rejecting(new Rejection(bad, RejectReason.BAD_KEY, "m".repeat(4_000), ""));
        Map<String, Integer> bytes = new HashMap<>(LIMITS.maxMessageBytes());
        bytes.put(Topics.REJECTED, 1024);
        RecordLimits small = new RecordLimits(bytes, LIMITS.maxRequestSize());

        assertThatThrownBy(() -> OutputRecords.of(result, List.of(), Topics.SAMPLES, NOW, small))
                .isInstanceOfSatisfying(
                        OutputTooLargeException.class,
                        e -> assertThat(e.source()).isSameAs(bad))
                .hasMessageContaining("an output record for headstream.rejected would have")
                .hasMessageContaining("at most " + small.limit(Topics.REJECTED))
                .hasMessageContaining("offset 9");
    }

    @Test
    void aHeadTooLargeForItsTopicOrTheProducerIsNoOneRecordsOutput() {
        RawSample ok = new RawSample(0, 9, "t/u".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        HeadUpdate big = HeadUpdate.newBuilder()
                .setHeadId("t/u/wake")
                .setStatusReason("r".repeat(3_000))
                .build();
        BatchResult result = rejecting(new Rejection(ok, RejectReason.MALFORMED, "short", ""), big);
        RecordLimits small = new RecordLimits(
                Map.of(Topics.REJECTED, 1 << 20, Topics.HEADS, 16 << 20), RecordLimits.RECORD_OVERHEAD_BYTES + 2_000);

        assertThat(OutputRecords.of(result, List.of(), Topics.SAMPLES, NOW, LIMITS))
                .hasSize(2);
        assertThatThrownBy(() -> OutputRecords.of(result, List.of(), Topics.SAMPLES, NOW, small))
                .isInstanceOfSatisfying(
                        OutputTooLargeException.class,
                        e -> assertThat(e.source()).isNull())
                .hasMessageContaining("headstream.heads");
    }

    @Test
    void theLimitIsTheSmallerOfTopicAndRequestLessTheBatchOverhead() {
        RecordLimits limits = new RecordLimits(Map.of(Topics.METRICS, 100_000, Topics.HEADS, 5_000_000), 1_000_000);
        assertThat(limits.limit(Topics.METRICS)).isEqualTo(100_000 - RecordLimits.RECORD_OVERHEAD_BYTES);
        assertThat(limits.limit(Topics.HEADS)).isEqualTo(1_000_000 - RecordLimits.RECORD_OVERHEAD_BYTES);
        assertThatThrownBy(() -> limits.limit(Topics.REJECTED)).hasMessageContaining("no record size limit");
    }
}
