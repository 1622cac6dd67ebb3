package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.TinyEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.state.DedupWindow;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A user restored from a changelog record written before the dedup window was fingerprinted (its
 * window as {@code recent_sample_ids}) drops the same retries, and trains and writes the same, as
 * one restored from the record this version writes.
 */
class DedupWindowRestoreTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final UserKey ALICE = UserKey.parse("acme/alice");

    /** Alice's record after a-1, a-2, a-3 on partition 0 (offsets 10-12), as this version writes it. */
    private static AdapterState aliceRecord() {
        AdaptationEngine writer = TinyEngine.engine(AdaptationEngine.UNBOUNDED);
        BatchResult r = writer.process(
                List.of(
                        sample(0, 10, "acme/alice", "a-1", 4f, true),
                        sample(0, 11, "acme/alice", "a-2", -4f, false),
                        sample(0, 12, "acme/alice", "a-3", 5f, true)),
                NOW);
        writer.commit(r);
        return writer.stateRecords(r).get(0);
    }

    /** The same record as the previous version wrote it: the window as sample ids. */
    private static AdapterState asThePreviousVersionWroteIt(AdapterState record) {
        assertThat(record.getRecentSampleFingerprintsList())
                .containsExactly(
                        DedupWindow.fingerprint("a-1"), DedupWindow.fingerprint("a-2"), DedupWindow.fingerprint("a-3"));
        return record.toBuilder()
                .clearRecentSampleFingerprints()
                .addRecentSampleIds("a-1")
                .addRecentSampleIds("a-2")
                .addRecentSampleIds("a-3")
                .build();
    }

    /** Retries of a-2 and a-3 at new offsets, and a new sample a-4. */
    private static List<RawSample> retriesAndANewSample() {
        return List.of(
                sample(0, 13, "acme/alice", "a-2", -4f, false),
                sample(0, 14, "acme/alice", "a-4", 3f, true),
                sample(0, 15, "acme/alice", "a-3", 5f, true));
    }

    private static HeadUpdate withoutTime(HeadUpdate h) {
        return h.toBuilder().clearCreatedTimeMs().build();
    }

    @Test
    void aRecordOfThePreviousVersionDropsTheSameRetries() {
        AdapterState current = aliceRecord();
        AdapterState previous = asThePreviousVersionWroteIt(current);
        AdaptationEngine fromCurrent = TinyEngine.engine(10);
        AdaptationEngine fromPrevious = TinyEngine.engine(10);
        assertThat(fromCurrent.restore(ALICE, 0, current)).isEqualTo(AdaptationEngine.Restored.INSTALLED);
        assertThat(fromPrevious.restore(ALICE, 0, previous)).isEqualTo(AdaptationEngine.Restored.INSTALLED);

        BatchResult a = fromCurrent.process(retriesAndANewSample(), NOW);
        BatchResult b = fromPrevious.process(retriesAndANewSample(), NOW);

        for (BatchResult r : List.of(a, b)) {
            assertThat(r.rejections()).extracting(Rejection::reason).containsOnly(RejectReason.DUPLICATE);
            assertThat(r.rejections()).extracting(Rejection::sampleId).containsExactly("a-2", "a-3");
            assertThat(r.applied()).isEqualTo(1);
        }
        assertThat(b.heads()).hasSize(1);
        assertThat(withoutTime(b.heads().get(0)))
                .isEqualTo(withoutTime(a.heads().get(0)));
        assertThat(fromPrevious.stateRecords(b))
                .as("written back as fingerprints, the same record")
                .isEqualTo(fromCurrent.stateRecords(a));
    }

    @Test
    void anExplicitResetFromARecordOfThePreviousVersionKeepsItsWindow() {
        AdapterState previous = asThePreviousVersionWroteIt(aliceRecord());
        AdaptationEngine engine = TinyEngine.engine(10, "f".repeat(64));
        assertThat(engine.restore(ALICE, 0, previous)).isEqualTo(AdaptationEngine.Restored.RESET);

        BatchResult r = engine.process(retriesAndANewSample(), NOW);

        assertThat(r.rejections()).extracting(Rejection::sampleId).containsExactly("a-2", "a-3");
        assertThat(r.rejections()).extracting(Rejection::reason).containsOnly(RejectReason.DUPLICATE);
        assertThat(r.applied()).isEqualTo(1);
    }
}
