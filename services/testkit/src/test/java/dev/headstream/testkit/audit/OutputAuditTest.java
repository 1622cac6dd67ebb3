package dev.headstream.testkit.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Provenance;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The audit files heads and metrics by record key: forged records are counted apart, never as a head's output. */
class OutputAuditTest {

    private static final String ALICE = "acme/alice/wake";
    private static final String BOB = "acme/bob/wake";

    private final List<ConsumerRecord<byte[], byte[]>> heads = new ArrayList<>();
    private final List<ConsumerRecord<byte[], byte[]>> metrics = new ArrayList<>();

    @Test
    void exactlyOnceOutputPasses() {
        adapterOutput(ALICE, 2);
        adapterOutput(BOB, 2);

        OutputAudit.Result r = audit(Map.of(ALICE, 2L, BOB, 2L));

        assertThat(r.errors()).isEmpty();
        assertThat(r.heads()).isEqualTo(2);
        assertThat(r.headRecords()).isEqualTo(4);
        assertThat(r.metricsRecords()).isEqualTo(4);
        assertThat(r.foreign()).isZero();
    }

    @Test
    void forgedHeadsAndMetricsUnderAnotherKeyAreCountedApartNotAsTheHeadTheyName() {
        adapterOutput(ALICE, 2);
        adapterOutput(BOB, 2);
        // under bob's key: alice's head id with a version from nowhere, and a metrics record for alice
        heads.add(record(Topics.HEADS, heads.size(), BOB, head(ALICE, 99, 2).toByteArray()));
        metrics.add(
                record(Topics.METRICS, metrics.size(), BOB, metrics(ALICE, 3).toByteArray()));
        // under alice's key, a payload naming another user
        heads.add(record(
                Topics.HEADS,
                heads.size(),
                ALICE,
                head(ALICE, 3, 2).toBuilder().setUser("bob").build().toByteArray()));

        OutputAudit.Result r = audit(Map.of(ALICE, 2L, BOB, 2L));

        assertThat(r.errors()).isEmpty();
        assertThat(r.foreign()).isEqualTo(3);
        assertThat(r.headRecords()).isEqualTo(4);
        assertThat(r.metricsRecords()).isEqualTo(4);
    }

    @Test
    void aRepeatedVersionOrSampleUnderTheRightKeyIsStillAnError() {
        adapterOutput(ALICE, 2);
        heads.add(record(Topics.HEADS, heads.size(), ALICE, head(ALICE, 2, 2).toByteArray()));
        metrics.add(
                record(Topics.METRICS, metrics.size(), ALICE, metrics(ALICE, 2).toByteArray()));

        OutputAudit.Result r = audit(Map.of(ALICE, 2L));

        assertThat(r.errors())
                .containsExactly(
                        "acme/alice/wake: version 2 where 3 was next",
                        "acme/alice/wake: metrics record for sample 2 where 3 was next (a sample counted twice)");
    }

    @Test
    void aTombstoneStartsTheKeysVersionsAfresh() {
        adapterOutput(ALICE, 2);
        heads.add(record(Topics.HEADS, heads.size(), ALICE, null));
        heads.add(record(Topics.HEADS, heads.size(), ALICE, head(ALICE, 1, 2).toByteArray()));

        OutputAudit.Result r = audit(Map.of(ALICE, 2L));

        assertThat(r.errors()).isEmpty();
        assertThat(r.headRecords()).isEqualTo(3);
    }

    /** {@code n} samples applied to {@code headId}, one version and one metrics record each. */
    private void adapterOutput(String headId, int n) {
        for (int i = 1; i <= n; i++) {
            heads.add(record(
                    Topics.HEADS, heads.size(), headId, head(headId, i, i).toByteArray()));
            metrics.add(record(
                    Topics.METRICS, metrics.size(), headId, metrics(headId, i).toByteArray()));
        }
    }

    private OutputAudit.Result audit(Map<String, Long> expected) {
        return OutputAudit.check(heads::forEach, () -> metrics, List::of, expected);
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, long offset, String key, byte[] value) {
        return new ConsumerRecord<>(topic, 0, offset, key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static HeadUpdate head(String headId, long version, long applied) {
        String[] p = headId.split("/");
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setVersion(version)
                .setProvenance(Provenance.newBuilder().setSamplesApplied(applied))
                .build();
    }

    private static AdaptationMetrics metrics(String headId, long seen) {
        String[] p = headId.split("/");
        return AdaptationMetrics.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setSamplesSeen(seen)
                .build();
    }
}
