package dev.headstream.adapter.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class CommitCheckTest {

    private static final TopicPartition SAMPLES_0 = new TopicPartition("headstream.samples", 0);
    private static final TopicPartition CONTROL_0 = new TopicPartition("headstream.control", 0);

    @Test
    void offsetsAtOrPastTheBatchsEndCoverIt() {
        Map<TopicPartition, Long> next = Map.of(SAMPLES_0, 16L, CONTROL_0, 3L);
        assertThat(CommitCheck.covers(
                        Map.of(SAMPLES_0, new OffsetAndMetadata(16), CONTROL_0, new OffsetAndMetadata(5)), next))
                .isTrue();
    }

    @Test
    void aPartitionBehindOrMissingDoesNot() {
        Map<TopicPartition, Long> next = Map.of(SAMPLES_0, 16L, CONTROL_0, 3L);
        assertThat(CommitCheck.covers(
                        Map.of(SAMPLES_0, new OffsetAndMetadata(15), CONTROL_0, new OffsetAndMetadata(3)), next))
                .isFalse();
        assertThat(CommitCheck.covers(Map.of(SAMPLES_0, new OffsetAndMetadata(16)), next))
                .isFalse();
    }
}
