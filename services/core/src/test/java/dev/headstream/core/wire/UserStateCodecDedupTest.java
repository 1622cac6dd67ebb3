package dev.headstream.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.DedupWindow;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdapterState;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The dedup window on the changelog: written as fingerprints, read from fingerprints or from the ids of older records. */
class UserStateCodecDedupTest {

    private static final UserKey ALICE = new UserKey("acme", "alice");

    /**
     * A record as {@code UserStateCodec} wrote it before the window was fingerprinted (commit
     * 57ee153): alice, no heads, partition 3, last applied offset 41, a rate bucket, and a window of
     * 4 that had seen a-1 to a-5, so {@code recent_sample_ids} = a-2, a-3, a-4, a-5.
     */
    private static final String PREVIOUS_VERSION_RECORD = "0802120461636d651a05616c6963652003282932"
            + "03612d323203612d333203612d343203612d354100000000000004404880d095ffbc31";

    private static long[] fingerprints(String... ids) {
        return Stream.of(ids).mapToLong(DedupWindow::fingerprint).toArray();
    }

    private static UserState alice(int window, String... ids) {
        UserState user = new UserState(ALICE, window, 3, 41, new RateLimit.Bucket(2.5, 1_700_000_000_000L));
        for (String id : ids) {
            assertThat(user.firstSighting(id)).isTrue();
        }
        return user;
    }

    @Test
    void theWindowIsWrittenAsPackedFingerprintsAndReadBack() {
        UserState user = alice(4, "a-1", "a-2", "a-3", "a-4", "a-5");
        AdapterState record = UserStateCodec.encode(user, Map.of());

        assertThat(record.getRecentSampleIdsList()).isEmpty();
        assertThat(record.getRecentSampleFingerprintsList())
                .containsExactly(Stream.of("a-2", "a-3", "a-4", "a-5")
                        .map(DedupWindow::fingerprint)
                        .toArray(Long[]::new));
        AdapterState noWindow =
                record.toBuilder().clearRecentSampleFingerprints().build();
        assertThat(record.getSerializedSize() - noWindow.getSerializedSize())
                .as("a tag, a length and 8 bytes per fingerprint")
                .isEqualTo(2 + 4 * 8);

        UserState back = UserStateCodec.decode(UserStateCodec.parse(record.toByteArray()), Map.of(), 4);
        assertThat(back.recentFingerprints()).containsExactly(user.recentFingerprints());
        assertThat(back.hasSeen("a-1")).isFalse();
        assertThat(back.hasSeen("a-5")).isTrue();
        assertThat(UserStateCodec.encode(back, Map.of())).isEqualTo(record);
    }

    @Test
    void aRecordOfThePreviousVersionRestoresToTheSameWindow() {
        AdapterState old = UserStateCodec.parse(HexFormat.of().parseHex(PREVIOUS_VERSION_RECORD));
        assertThat(old.getFormatVersion()).isEqualTo(UserStateCodec.FORMAT_VERSION);
        assertThat(old.getRecentSampleIdsList()).containsExactly("a-2", "a-3", "a-4", "a-5");

        UserState back = UserStateCodec.decode(old, Map.of(), 4);

        assertThat(back.recentFingerprints()).containsExactly(fingerprints("a-2", "a-3", "a-4", "a-5"));
        assertThat(back.hasSeen("a-1")).isFalse();
        assertThat(back.firstSighting("a-3")).as("a retry is still a duplicate").isFalse();
        assertThat(back.lastAppliedOffset()).isEqualTo(41);
        assertThat(back.partition()).isEqualTo(3);
        assertThat(back.rateBucket()).isEqualTo(new RateLimit.Bucket(2.5, 1_700_000_000_000L));
        AdapterState rewritten = UserStateCodec.encode(back, Map.of());
        assertThat(rewritten)
                .as("written again as the current version would have written it")
                .isEqualTo(UserStateCodec.encode(alice(4, "a-1", "a-2", "a-3", "a-4", "a-5"), Map.of()));
        assertThat(UserStateCodec.reset(ALICE, 3, old, Map.of(), 4, "test").recentFingerprints())
                .as("an explicit reset keeps the window too")
                .containsExactly(back.recentFingerprints());
    }

    @Test
    void aStoredWindowLongerThanTheAdaptersKeepsItsNewest() {
        AdapterState old = UserStateCodec.parse(HexFormat.of().parseHex(PREVIOUS_VERSION_RECORD));
        AdapterState current = UserStateCodec.encode(alice(4, "a-2", "a-3", "a-4", "a-5"), Map.of());

        for (AdapterState record : new AdapterState[] {old, current}) {
            assertThat(UserStateCodec.decode(record, Map.of(), 2).recentFingerprints())
                    .containsExactly(fingerprints("a-4", "a-5"));
            assertThat(UserStateCodec.reset(ALICE, 3, record, Map.of(), 2, "test")
                            .recentFingerprints())
                    .containsExactly(fingerprints("a-4", "a-5"));
        }
    }

    @Test
    void idsAreReadBeforeFingerprints() {
        AdapterState both = AdapterState.newBuilder()
                .setFormatVersion(UserStateCodec.FORMAT_VERSION)
                .setTenant("acme")
                .setUser("alice")
                .addRecentSampleIds("a-1")
                .addRecentSampleFingerprints(DedupWindow.fingerprint("a-2"))
                .build();

        assertThat(UserStateCodec.decode(both, Map.of(), 4).recentFingerprints())
                .containsExactly(fingerprints("a-1", "a-2"));
    }

    @Test
    void aSampleIdOrFingerprintListedTwiceIsRefused() {
        AdapterState.Builder record = AdapterState.newBuilder()
                .setFormatVersion(UserStateCodec.FORMAT_VERSION)
                .setTenant("acme")
                .setUser("alice");
        AdapterState ids = record.clone()
                .addRecentSampleIds("a-1")
                .addRecentSampleIds("a-1")
                .build();
        AdapterState fingerprints = record.clone()
                .addRecentSampleFingerprints(0x2f8fe63a6224321dL)
                .addRecentSampleFingerprints(0x2f8fe63a6224321dL)
                .build();
        AdapterState idAndItsFingerprint = record.clone()
                .addRecentSampleIds("a-1")
                .addRecentSampleFingerprints(DedupWindow.fingerprint("a-1"))
                .build();

        assertThatThrownBy(() -> UserStateCodec.decode(ids, Map.of(), 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adapter state of acme/alice lists sample id a-1 twice");
        assertThatThrownBy(() -> UserStateCodec.decode(fingerprints, Map.of(), 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adapter state of acme/alice lists sample fingerprint 2f8fe63a6224321d twice");
        assertThatThrownBy(() -> UserStateCodec.decode(idAndItsFingerprint, Map.of(), 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("adapter state of acme/alice lists sample fingerprint 2f8fe63a6224321d twice");
        for (AdapterState r : new AdapterState[] {ids, fingerprints, idAndItsFingerprint}) {
            assertThat(UserStateCodec.reset(ALICE, 0, r, Map.of(), 4, "test").recentFingerprints())
                    .as("a reset reads what it can")
                    .containsExactly(fingerprints("a-1"));
        }
    }
}
