package dev.headstream.cli.heads;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Provenance;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** heads: the newest version per head by record key, joined with the newest metrics record, as a table and JSON. */
class HeadListTest {

    private static final String ALICE = "acme/alice/wake";
    private static final String BOB = "acme/bob/wake";
    private static final String CAROL = "globex/carol/wake";
    private static final long T = 1_764_684_000_000L;

    private final HeadList list = new HeadList(HeadList.Filter.ALL);
    private long offset;

    @Test
    void aHeadIdCannotWriteToTheTerminal() {
        String forged = "acme/\u001b[2J\u001b[31mroot/wake\nfake line";
        String shown = HeadTable.printable(forged);
        assertThat(shown).doesNotContain("\u001b").doesNotContain("\n");
        assertThat(shown).isEqualTo("acme/\\u001b[2J\\u001b[31mroot/wake\\u000afake line");
        assertThat(HeadTable.printable("acme/" + "x".repeat(500) + "/wake")).contains("chars)");
    }

    @Test
    void listsTheNewestVersionOfEveryHeadWithItsNewestMetrics() {
        head(ALICE, head(ALICE, 1, 3));
        head(BOB, head(BOB, 4, 9).toBuilder().setHeldAtSource(true).build());
        head(ALICE, head(ALICE, 2, 5));
        metrics(ALICE, metrics(ALICE, 2, 5).setDriftAlarm(true).build());
        metrics(ALICE, metrics(ALICE, 2, 6).setNegativeTransferAlarm(true).build());
        metrics(BOB, metrics(BOB, 4, 9).setHeldAtSource(true).build());

        List<HeadList.Row> rows = list.rows();

        assertThat(rows).extracting(HeadList.Row::headId).containsExactly(ALICE, BOB);
        HeadList.Row alice = rows.get(0);
        assertThat(alice.version()).isEqualTo(2);
        assertThat(alice.samplesApplied()).isEqualTo(5);
        assertThat(alice.status()).isEqualTo("ACTIVE");
        assertThat(alice.metrics()).get().satisfies(m -> {
            assertThat(m.samplesApplied())
                    .as("the last metrics record under the key")
                    .isEqualTo(6);
            assertThat(m.alarms()).containsExactly("negative-transfer");
        });
        assertThat(rows.get(1).heldAtSource()).isTrue();
        assertThat(rows.get(1).metrics().orElseThrow().alarms()).containsExactly("held-at-source");
        assertThat(list.skipped()).isEmpty();
    }

    @Test
    void aVersionNeverGoesBackAndATombstoneRemovesTheHead() {
        head(ALICE, head(ALICE, 5, 10));
        head(
                ALICE,
                head(ALICE, 4, 8).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_RESET)
                        .build());
        head(BOB, head(BOB, 2, 2));
        head(BOB, null);
        head(CAROL, head(CAROL, 7, 1));
        head(CAROL, null);
        head(
                CAROL,
                head(CAROL, 1, 0).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_RESET)
                        .setStatusReason("operator reset")
                        .build());

        List<HeadList.Row> rows = list.rows();

        assertThat(rows).extracting(HeadList.Row::headId).containsExactly(ALICE, CAROL);
        assertThat(rows.get(0).version()).isEqualTo(5);
        assertThat(rows.get(0).status()).isEqualTo("ACTIVE");
        assertThat(rows.get(1).version()).as("erased, then new from version 1").isEqualTo(1);
        assertThat(rows.get(1).status()).isEqualTo("RESET");
        assertThat(rows.get(1).statusReason()).isEqualTo("operator reset");
    }

    @Test
    void recordsWhosePayloadNamesAnotherHeadAreSkippedAndListed() {
        head(ALICE, head(ALICE, 2, 4));
        head(BOB, head(ALICE, 99, 99));
        metrics(ALICE, metrics(ALICE, 2, 4).build());
        metrics(ALICE, metrics(BOB, 9, 9).setDriftAlarm(true).build());
        head(null, head(CAROL, 1, 1));
        list.acceptHead(new ConsumerRecord<>(Topics.HEADS, 0, offset++, bytes(CAROL), new byte[] {(byte) 0xff}));

        List<HeadList.Row> rows = list.rows();

        assertThat(rows).extracting(HeadList.Row::headId).containsExactly(ALICE);
        assertThat(rows.get(0).version()).isEqualTo(2);
        assertThat(rows.get(0).metrics().orElseThrow().alarms()).isEmpty();
        assertThat(list.skipped())
                .hasSize(4)
                .anySatisfy(l -> assertThat(l).startsWith("headstream.heads-0@1: payload names head 'acme/alice/wake'"))
                .anySatisfy(l -> assertThat(l).startsWith("headstream.metrics-0@3: payload names head 'acme/bob/wake'"))
                .anySatisfy(l -> assertThat(l).contains("record has no key"))
                .anySatisfy(l -> assertThat(l).contains("not a HeadUpdate"));
    }

    @Test
    void skippedRecordsAreListedBounded() {
        for (int i = 0; i < HeadList.MAX_SKIPPED_LISTED + 3; i++) {
            head(BOB, head(ALICE, i + 1, 0));
        }
        assertThat(list.skipped()).hasSize(HeadList.MAX_SKIPPED_LISTED + 1).endsWith("... and 3 more");
    }

    @Test
    void filtersByTenantAndUser() {
        HeadList filtered = new HeadList(new HeadList.Filter(Set.of("acme"), Set.of("bob", "carol")));
        for (String id : List.of(ALICE, BOB, CAROL)) {
            filtered.acceptHead(record(Topics.HEADS, id, head(id, 1, 1).toByteArray()));
        }
        filtered.acceptHead(record(Topics.HEADS, ALICE, head(BOB, 5, 5).toByteArray()));

        assertThat(filtered.rows()).extracting(HeadList.Row::headId).containsExactly(BOB);
        assertThat(filtered.skipped())
                .as("records of filtered-out keys are not looked at")
                .isEmpty();
        HeadList byUser = new HeadList(new HeadList.Filter(Set.of(), Set.of("carol")));
        byUser.acceptHead(record(Topics.HEADS, CAROL, head(CAROL, 1, 1).toByteArray()));
        assertThat(byUser.rows()).extracting(HeadList.Row::headId).containsExactly(CAROL);
    }

    @Test
    void theTableHasOneAlignedLinePerHead() {
        head(ALICE, head(ALICE, 12, 17).toBuilder().setThreshold(0.625f).build());
        head(BOB, head(BOB, 3, 24).toBuilder().setHeldAtSource(true).build());
        head(
                CAROL,
                head(CAROL, 1, 1).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_ROLLED_BACK)
                        .build());
        metrics(ALICE, metrics(ALICE, 12, 17).build());
        metrics(
                BOB,
                metrics(BOB, 3, 24)
                        .setDriftAlarm(true)
                        .setLossRiseAlarm(true)
                        .setHeldAtSource(true)
                        .build());

        String text = HeadTable.text(list.rows());

        assertThat(text).isEqualTo("""
                        HEAD               VERSION  STATUS       SAMPLES  THRESHOLD  HELD  ALARMS                          CREATED
                        acme/alice/wake         12  ACTIVE            17     0.6250  no    -                               2025-12-02T14:00:00.012Z
                        acme/bob/wake            3  ACTIVE            24     0.5000  yes   drift,loss-rise,held-at-source  2025-12-02T14:00:00.003Z
                        globex/carol/wake        1  ROLLED_BACK        1     0.5000  no    (no metrics)                    2025-12-02T14:00:00.001Z
                        """);
        assertThat(HeadTable.text(List.of())).isEqualTo("no heads\n");
    }

    @Test
    void aClassHeadShowsItsOutputsInsteadOfAThreshold() {
        head(
                ALICE,
                head(ALICE, 2, 5).toBuilder()
                        .setThreshold(0f)
                        .setSpec(dev.headstream.schemas.v1.HeadSpec.newBuilder()
                                .setOutput("multi-label")
                                .addOutputLabels("noisy")
                                .addOutputLabels("music"))
                        .build());
        HeadList.Row row = list.rows().get(0);
        assertThat(row.classHead()).isTrue();
        assertThat(HeadTable.text(list.rows())).contains("- (multi-label)");
        assertThat(HeadTable.json(list.rows(), List.of()))
                .contains("\"output\": \"multi-label\"")
                .containsPattern("\"outputLabels\": \\[\\s*\"noisy\",\\s*\"music\"\\s*\\]");
    }

    @Test
    void alarmsOfMetricsOfAnotherVersionNameThatVersion() {
        head(ALICE, head(ALICE, 5, 30));
        metrics(ALICE, metrics(ALICE, 4, 24).setHeldAtSource(true).build());
        head(BOB, head(BOB, 7, 30));
        metrics(BOB, metrics(BOB, 6, 24).build());

        String text = HeadTable.text(list.rows());

        assertThat(text).contains("  no    held-at-source (metrics of v4)  ").contains("  no    - (metrics of v6)  ");
        assertThat(HeadTable.json(list.rows(), List.of())).containsPattern("\"headVersion\": ?4");
    }

    @Test
    void theJsonHasEveryColumnAndTheMetrics() throws Exception {
        head(ALICE, head(ALICE, 12, 17).toBuilder().setThreshold(0.625f).build());
        head(BOB, head(BOB, 3, 24));
        metrics(ALICE, metrics(ALICE, 12, 18).setErrorRiseAlarm(true).build());
        head(BOB, head(ALICE, 1, 1));

        JsonNode root = new ObjectMapper().readTree(HeadTable.json(list.rows(), list.skipped()));

        JsonNode alice = root.path("heads").get(0);
        assertThat(alice.path("headId").asText()).isEqualTo(ALICE);
        assertThat(alice.path("tenant").asText()).isEqualTo("acme");
        assertThat(alice.path("user").asText()).isEqualTo("alice");
        assertThat(alice.path("task").asText()).isEqualTo("wake");
        assertThat(alice.path("version").asLong()).isEqualTo(12);
        assertThat(alice.path("status").asText()).isEqualTo("ACTIVE");
        assertThat(alice.path("samplesApplied").asLong()).isEqualTo(17);
        assertThat((float) alice.path("threshold").asDouble()).isEqualTo(0.625f);
        assertThat(alice.path("heldAtSource").asBoolean()).isFalse();
        assertThat(alice.path("createdTime").asText()).isEqualTo("2025-12-02T14:00:00.012Z");
        assertThat(alice.path("createdTimeMs").asLong()).isEqualTo(T + 12);
        assertThat(alice.path("metrics").path("samplesApplied").asLong()).isEqualTo(18);
        assertThat(alice.path("metrics").path("errorRiseAlarm").asBoolean()).isTrue();
        assertThat(alice.path("metrics").path("driftAlarm").asBoolean()).isFalse();
        assertThat(alice.path("metrics").path("alarms")).hasSize(1);
        assertThat(alice.path("metrics").path("alarms").get(0).asText()).isEqualTo("error-rise");
        assertThat(root.path("heads").get(1).path("metrics").isNull()).isTrue();
        assertThat(root.path("skipped")).hasSize(1);
    }

    private void head(String key, HeadUpdate value) {
        list.acceptHead(record(Topics.HEADS, key, value == null ? null : value.toByteArray()));
    }

    private void metrics(String key, AdaptationMetrics value) {
        list.acceptMetrics(record(Topics.METRICS, key, value.toByteArray()));
    }

    private ConsumerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ConsumerRecord<>(topic, 0, offset++, key == null ? null : bytes(key), value);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A head as the adapter writes it: head id, tenant, user and task agree; created at T + version ms. */
    private static HeadUpdate head(String headId, long version, long samples) {
        String[] p = headId.split("/");
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setVersion(version)
                .setStatus(HeadStatus.HEAD_STATUS_ACTIVE)
                .setThreshold(0.5f)
                .setCreatedTimeMs(T + version)
                .setProvenance(Provenance.newBuilder().setSamplesApplied(samples))
                .build();
    }

    private static AdaptationMetrics.Builder metrics(String headId, long version, long samples) {
        String[] p = headId.split("/");
        return AdaptationMetrics.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setHeadVersion(version)
                .setSamplesApplied(samples)
                .setCreatedTimeMs(T + 100 + samples);
    }
}
