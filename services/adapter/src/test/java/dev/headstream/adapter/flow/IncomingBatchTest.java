package dev.headstream.adapter.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.ingest.RawSample;
import dev.headstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class IncomingBatchTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void separatesSamplesFromControlCommandsInConsumptionOrder() {
        IncomingBatch batch = new IncomingBatch.Builder()
                .add(Topics.SAMPLES, 0, 7, bytes("t/a"), bytes("s7"), 1000)
                .add(Topics.CONTROL, 0, 2, bytes("t/a"), bytes("c2"), -1)
                .add(Topics.SAMPLES, 1, 4, bytes("t/b"), bytes("s4"), 1001)
                .add(Topics.SAMPLES, 0, 8, bytes("t/a"), bytes("s8"), 1002)
                .build();
        assertThat(batch.samples()).extracting(RawSample::offset).containsExactly(7L, 4L, 8L);
        assertThat(batch.samples()).extracting(RawSample::partition).containsExactly(0, 1, 0);
        assertThat(batch.samples().get(0).timestampMs()).isEqualTo(1000);
        assertThat(batch.controls()).extracting(RawSample::offset).containsExactly(2L);
        assertThat(batch.controls().get(0).timestampMs()).isEqualTo(-1);
        assertThat(batch.sampleOffsets()).containsExactly(7L, 4L, 8L);
        assertThat(batch.records()).isEqualTo(4);
    }

    @Test
    void commitsTheOffsetAfterEachPartitionsLastRecordAndKnowsItsFirst() {
        IncomingBatch batch = new IncomingBatch.Builder()
                .add(Topics.SAMPLES, 0, 8, null, bytes("x"), -1)
                .add(Topics.SAMPLES, 0, 7, null, bytes("x"), -1)
                .add(Topics.SAMPLES, 1, 4, null, bytes("x"), -1)
                .add(Topics.CONTROL, 0, 2, null, bytes("x"), -1)
                .build();
        assertThat(batch.nextOffsets())
                .isEqualTo(Map.of(
                        new TopicPartition(Topics.SAMPLES, 0),
                        9L,
                        new TopicPartition(Topics.SAMPLES, 1),
                        5L,
                        new TopicPartition(Topics.CONTROL, 0),
                        3L));
        assertThat(batch.startOffsets())
                .isEqualTo(Map.of(
                        new TopicPartition(Topics.SAMPLES, 0),
                        7L,
                        new TopicPartition(Topics.SAMPLES, 1),
                        4L,
                        new TopicPartition(Topics.CONTROL, 0),
                        2L));
    }
}
