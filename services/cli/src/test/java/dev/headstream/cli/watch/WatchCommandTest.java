package dev.headstream.cli.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** watch names heads and metrics by record key and shows a record whose payload names another head as skipped. */
class WatchCommandTest {

    private static final String ALICE = "acme/alice/wake";

    @Test
    void showsAHeadUnderItsKey() {
        assertThat(WatchCommand.describe(
                        record(Topics.HEADS, ALICE, head(ALICE, 3).toByteArray())))
                .startsWith("head    acme/alice/wake v3 ");
    }

    @Test
    void showsAForgedHeadOrMetricsRecordAsSkippedNotAsTheHeadItNames() {
        String head = WatchCommand.describe(
                record(Topics.HEADS, "acme/bob/wake", head(ALICE, 999).toByteArray()));
        String metrics = WatchCommand.describe(record(
                Topics.METRICS,
                "acme/bob/wake",
                AdaptationMetrics.newBuilder()
                        .setHeadId(ALICE)
                        .setTenant("acme")
                        .setUser("alice")
                        .setTask("wake")
                        .build()
                        .toByteArray()));

        assertThat(head).startsWith("skipped headstream.heads-0@7: payload names head 'acme/alice/wake'");
        assertThat(metrics).startsWith("skipped headstream.metrics-0@7: payload names head 'acme/alice/wake'");
    }

    @Test
    void aTombstoneErasesTheHeadOfItsKeyAndLongKeysAreCut() {
        assertThat(WatchCommand.describe(record(Topics.HEADS, ALICE, null)))
                .isEqualTo("head    acme/alice/wake ERASED (tombstone)");
        assertThat(WatchCommand.describe(record(Topics.HEADS, "k".repeat(100_000), null)))
                .hasSizeLessThan(200);
        assertThat(WatchCommand.describe(record(Topics.METRICS, ALICE, null))).startsWith("skipped ");
        assertThat(WatchCommand.describe(record(Topics.HEADS, null, null))).contains("without a key");
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ConsumerRecord<>(topic, 0, 7, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static HeadUpdate head(String headId, long version) {
        String[] p = headId.split("/");
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setVersion(version)
                .build();
    }
}
