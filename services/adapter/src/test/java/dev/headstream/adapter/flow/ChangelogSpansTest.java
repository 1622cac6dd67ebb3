package dev.headstream.adapter.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.state.UserStore.ChangelogSpan;
import dev.headstream.schemas.Topics;
import io.smallrye.reactive.messaging.OutgoingMessageMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/** Where a batch's changelog records landed, as the Kafka sink reports each sent record. */
class ChangelogSpansTest {

    /** A record to {@code topic}, sent to {@code partition} at {@code offset} (null: not reported as sent). */
    private static Message<byte[]> sent(String topic, int partition, Long offset) {
        OutgoingMessageMetadata<RecordMetadata> result = new OutgoingMessageMetadata<>();
        if (offset != null) {
            result.setResult(new RecordMetadata(new TopicPartition(topic, partition), offset, 0, 0L, 1, 1));
        }
        return Message.of(new byte[] {1})
                .addMetadata(OutgoingKafkaRecordMetadata.<byte[]>builder()
                        .withTopic(topic)
                        .build())
                .addMetadata(result);
    }

    @Test
    void eachPartitionsRunOfChangelogRecordsIsItsSpan() {
        List<Message<byte[]>> records = new ArrayList<>();
        records.add(sent(Topics.HEADS, 0, 500L)); // other topics do not count
        records.add(sent(Topics.ADAPTER_STATE, 0, 7L));
        records.add(sent(Topics.ADAPTER_STATE, 0, 8L));
        records.add(sent(Topics.ADAPTER_STATE, 2, 40L));
        assertThat(ChangelogSpans.of(records))
                .isEqualTo(Map.of(0, new ChangelogSpan(7, 9), 2, new ChangelogSpan(40, 41)));
    }

    @Test
    void aPartitionWithAnotherWritersRecordAmongTheBatchsHasNoSpan() {
        List<Message<byte[]>> records = List.of(
                sent(Topics.ADAPTER_STATE, 0, 7L),
                sent(Topics.ADAPTER_STATE, 0, 9L), // offset 8: not this batch's
                sent(Topics.ADAPTER_STATE, 1, 3L));
        assertThat(ChangelogSpans.of(records)).isEqualTo(Map.of(1, new ChangelogSpan(3, 4)));
    }

    @Test
    void aChangelogRecordWithoutItsOffsetMovesNoCheckpoint() {
        List<Message<byte[]>> records = List.of(sent(Topics.ADAPTER_STATE, 0, 7L), sent(Topics.ADAPTER_STATE, 1, null));
        assertThat(ChangelogSpans.of(records)).isEmpty();
    }
}
