package dev.headstream.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What the replay compares against: the published heads filed by record key, forged records skipped. */
class PublishedHeadsTest {

    private static final String ALICE = "acme/alice/wake";
    private static final String BOB = "acme/bob/wake";

    private final HeadReplay.Published heads = new HeadReplay.Published();
    private long offset;

    @Test
    void aForgedHeadUnderAnotherKeyIsSkippedAndTheUsersTombstoneStillErases() {
        feed(ALICE, head(ALICE, 3));
        feed(BOB, head(ALICE, Long.MAX_VALUE));
        assertThat(heads.newest()).containsOnlyKeys(ALICE);
        assertThat(heads.newest().get(ALICE).getVersion()).isEqualTo(3);

        feed(ALICE, null);
        assertThat(heads.newest()).isEmpty();
        assertThat(heads.skipped()).singleElement().asString().contains("payload names head 'acme/alice/wake'");
    }

    @Test
    void anOperatorCommandIsNotedUnderTheKeyNotThePayloadsHead() {
        feed(ALICE, head(ALICE, 1));
        feed(
                BOB,
                head(ALICE, 2).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_RESET)
                        .setStatusReason("operator reset")
                        .build());

        assertThat(heads.operated()).isEmpty();
    }

    @Test
    void aVersionNeverGoesBackAndUnreadableOrKeylessRecordsAreListedBounded() {
        feed(ALICE, head(ALICE, 4));
        feed(
                ALICE,
                head(ALICE, 2).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_ROLLED_BACK)
                        .build());
        assertThat(heads.newest().get(ALICE).getVersion()).isEqualTo(4);

        heads.accept(new ConsumerRecord<>(
                Topics.HEADS, 0, offset++, null, head(ALICE, 9).toByteArray()));
        for (int i = 0; i < HeadReplay.MAX_SKIPPED_LISTED + 5; i++) {
            heads.accept(new ConsumerRecord<>(Topics.HEADS, 0, offset++, bytes(BOB), new byte[] {(byte) 0xff}));
        }
        assertThat(heads.skipped()).hasSize(HeadReplay.MAX_SKIPPED_LISTED + 1).endsWith("... and 6 more");
        assertThat(heads.skipped().get(0)).contains("no key");
        assertThat(heads.newest()).containsOnlyKeys(ALICE);
    }

    private void feed(String key, HeadUpdate value) {
        heads.accept(new ConsumerRecord<>(
                Topics.HEADS, 0, offset++, bytes(key), value == null ? null : value.toByteArray()));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static HeadUpdate head(String headId, long version) {
        String[] p = headId.split("/");
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setVersion(version)
                .setStatus(HeadStatus.HEAD_STATUS_ACTIVE)
                .build();
    }
}
