package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.SmallEngine.NOW;
import static dev.headstream.core.adapt.engine.SmallEngine.TASK;
import static dev.headstream.core.adapt.engine.SmallEngine.control;
import static dev.headstream.core.adapt.engine.SmallEngine.key;
import static dev.headstream.core.adapt.engine.SmallEngine.record;
import static dev.headstream.core.adapt.engine.SmallEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.Bounded;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.FloatTensor;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Well-formed records whose keys, ids or payload fields are far past their limits: each gets a
 * reject with its reason whose serialized record is small and whose message says what was wrong
 * without quoting the value, and the good records around them are applied.
 */
class HostileRecordBoundsTest {

    /** Larger than any reject record may become. */
    private static final int SMALL = 8 * 1024;

    private static final String HUGE = "a".repeat(600 * 1024);

    private static Rejected rejected(Rejection r) {
        return OutputMessages.rejected(r, Topics.SAMPLES, NOW);
    }

    private static Rejection onlyRejection(BatchResult r, long offset) {
        return r.rejections().stream()
                .filter(x -> x.source().offset() == offset)
                .findFirst()
                .orElseThrow(() -> new AssertionError("offset " + offset + " was not rejected"));
    }

    private static void assertSmall(Rejection r) {
        Rejected out = rejected(r);
        assertThat(out.getSerializedSize()).isLessThan(SMALL);
        assertThat(out.getMessage()).doesNotContain("a".repeat(300));
        byte[] key = OutputMessages.rejectedKey(r);
        assertThat(key == null ? 0 : key.length).isLessThanOrEqualTo(Bounded.MAX_KEY_BYTES);
    }

    @Test
    void aSampleUnderA600KbKeyIsBadKeyWithItsLengthInASmallRejectAndTheNextRecordIsApplied() {
        AdaptationEngine engine = SmallEngine.engine();
        BatchResult r = engine.process(
                List.of(
                        record(0, 1, key("t/" + HUGE), sample("t", "u", "s-1", true)),
                        record(0, 2, key(HUGE), sample("acme", "alice", "s-2", true)),
                        record(0, 3, key("acme/" + "b".repeat(200)), sample("acme", "alice", "s-3", true)),
                        record(0, 4, sample("acme", "alice", "s-4", true))),
                NOW);

        for (long offset : new long[] {1, 2, 3}) {
            Rejection x = onlyRejection(r, offset);
            assertThat(x.reason()).isEqualTo(RejectReason.BAD_KEY);
            assertThat(x.sampleId()).isEmpty();
            assertSmall(x);
        }
        assertThat(rejected(onlyRejection(r, 1)).getMessage())
                .isEqualTo("record key has " + (2 + HUGE.length()) + " bytes; a key '<tenant>/<user>' has at most "
                        + UserKey.MAX_KEY_BYTES + " bytes (the key is not quoted)");
        assertThat(OutputMessages.rejectedKey(onlyRejection(r, 1))).hasSize(Bounded.MAX_KEY_BYTES);
        assertThat(r.applied()).as("the good record after them").isEqualTo(1);
    }

    @Test
    void aSampleIdOverTheLimitIsMalformedWithoutBeingEchoed() {
        AdaptationEngine engine = SmallEngine.engine();
        String longId = "i".repeat(100_000);
        BatchResult r = engine.process(
                List.of(
                        record(0, 1, sample("acme", "alice", longId, true)),
                        record(0, 2, sample("acme", "alice", "i".repeat(257), true)),
                        record(0, 3, sample("acme", "alice", "i".repeat(256), true))),
                NOW);

        Rejection x = onlyRejection(r, 1);
        assertThat(x.reason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(x.sampleId()).isEmpty();
        assertThat(x.message()).isEqualTo("sample_id must be 1-256 characters, has 100000");
        assertSmall(x);
        assertThat(onlyRejection(r, 2).message()).isEqualTo("sample_id must be 1-256 characters, has 257");
        assertThat(r.applied()).as("an id of exactly 256 characters is valid").isEqualTo(1);
    }

    @Test
    void aHugePayloadTenantIsTenantMismatchWithTheTenantCut() {
        AdaptationEngine engine = SmallEngine.engine();
        BatchResult r = engine.process(
                List.of(
                        record(0, 1, key("acme/alice"), sample(HUGE, "alice", "s-1", true)),
                        record(0, 2, key("acme/alice"), sample("acme", HUGE, "s-2", true))),
                NOW);

        for (long offset : new long[] {1, 2}) {
            Rejection x = onlyRejection(r, offset);
            assertThat(x.reason()).isEqualTo(RejectReason.TENANT_MISMATCH);
            assertThat(x.sampleId()).isEqualTo("s-" + offset);
            assertThat(x.message()).startsWith("payload says ").endsWith(" but the record key says acme/alice");
            assertThat(x.message()).contains(Bounded.MARK);
            assertSmall(x);
        }
    }

    @Test
    void aHugeDeclaredShapeOrUnknownTaskNameIsRejectedWithABoundedMessage() {
        // 100,000 dimensions of 1 cannot hold 2 values: the message names the rank, not every dimension
        FloatTensor.Builder manyDims = FloatTensor.newBuilder().addValues(1f).addValues(2f);
        for (int i = 0; i < 100_000; i++) {
            manyDims.addShape(1);
        }
        // 2^40 x 2^40 overflows a long to 0, which must not pass for a tensor of no values
        FloatTensor.Builder overflowing =
                FloatTensor.newBuilder().addShape(1L << 40).addShape(1L << 40);
        AdaptationEngine engine = SmallEngine.engine();
        BatchResult r = engine.process(
                List.of(
                        record(0, 1, sample("acme", "alice", "s-1", true).setTensor(manyDims)),
                        record(0, 2, sample("acme", "alice", "s-2", true).setTensor(overflowing)),
                        record(
                                0,
                                3,
                                sample("acme", "alice", "s-3", true)
                                        .putLabels(
                                                HUGE,
                                                Label.newBuilder()
                                                        .setBinary(true)
                                                        .build())),
                        record(0, 4, sample("acme", "alice", "s-4", true))),
                NOW);

        assertThat(onlyRejection(r, 1).reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
        assertThat(onlyRejection(r, 1).message()).contains("(100000 dimensions)");
        assertThat(onlyRejection(r, 2).reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
        assertThat(onlyRejection(r, 2).message()).contains("needs more than 0 values");
        assertThat(onlyRejection(r, 3).reason()).isEqualTo(RejectReason.UNKNOWN_TASK);
        for (long offset : new long[] {1, 2, 3}) {
            assertSmall(onlyRejection(r, offset));
        }
        assertThat(r.applied()).isEqualTo(1);
    }

    @Test
    void hostileControlRecordsGetSmallRejectsAndAnOperatorsReasonIsCutInThePublishedHead() {
        AdaptationEngine engine = SmallEngine.engine();
        engine.commit(engine.process(List.of(record(0, 1, sample("acme", "alice", "s-1", true))), NOW));
        RawSample hugeKey = new RawSample(
                0,
                10,
                key("acme/" + HUGE),
                Control.newBuilder()
                        .setTenant("acme")
                        .setUser("alice")
                        .setAction(ControlAction.CONTROL_ACTION_RESET)
                        .build()
                        .toByteArray());
        RawSample otherTenant = new RawSample(
                0,
                11,
                key("acme/alice"),
                Control.newBuilder()
                        .setTenant("t".repeat(60_000))
                        .setUser("alice")
                        .setAction(ControlAction.CONTROL_ACTION_RESET)
                        .build()
                        .toByteArray());
        RawSample longReason = new RawSample(
                0,
                12,
                key("acme/alice"),
                Control.newBuilder()
                        .setTenant("acme")
                        .setUser("alice")
                        .setAction(ControlAction.CONTROL_ACTION_RESET)
                        .setReason("r".repeat(60_000))
                        .build()
                        .toByteArray());

        BatchResult r = engine.process(
                List.of(),
                List.of(
                        hugeKey,
                        otherTenant,
                        longReason,
                        control(0, 13, "acme", "bob", ControlAction.CONTROL_ACTION_RESET)),
                NOW);

        assertThat(onlyRejection(r, 10).reason()).isEqualTo(RejectReason.BAD_KEY);
        assertThat(onlyRejection(r, 11).reason()).isEqualTo(RejectReason.TENANT_MISMATCH);
        for (long offset : new long[] {10, 11}) {
            assertThat(onlyRejection(r, offset).topic()).isEqualTo(Topics.CONTROL);
            assertSmall(onlyRejection(r, offset));
        }
        HeadUpdate reset = r.heads().stream()
                .filter(h -> h.getHeadId().equals("acme/alice/" + TASK))
                .findFirst()
                .orElseThrow();
        assertThat(reset.getStatusReason()).startsWith("operator reset: rrr").contains(Bounded.MARK);
        assertThat(reset.getStatusReason().length()).isLessThan(600);
    }

    @Test
    void aRejectRecordBoundsEveryStringItCopies() {
        Rejection r =
                new Rejection(new RawSample(3, 7, key(HUGE), new byte[0]), RejectReason.MALFORMED, HUGE, HUGE, HUGE);

        Rejected out = rejected(r);

        assertThat(out.getSerializedSize()).isLessThan(SMALL);
        assertThat(out.getMessage()).hasSize(Bounded.MAX_MESSAGE_CHARS);
        assertThat(out.getSampleId()).hasSize(Bounded.MAX_ID_CHARS);
        assertThat(out.getTopic()).hasSize(Bounded.MAX_ID_CHARS);
        assertThat(Bounded.cut(out.getMessage())).isTrue();
        assertThat(OutputMessages.rejectedKey(r)).hasSize(Bounded.MAX_KEY_BYTES);
        assertThat(out.getPartition()).isEqualTo(3);
        assertThat(out.getOffset()).isEqualTo(7);
    }
}
