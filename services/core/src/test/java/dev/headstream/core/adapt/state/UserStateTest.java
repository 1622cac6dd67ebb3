package dev.headstream.core.adapt.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.ingest.UserKey;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class UserStateTest {

    private static final UserKey ALICE = new UserKey("acme", "alice");

    private static long[] fingerprints(String... ids) {
        return Stream.of(ids).mapToLong(DedupWindow::fingerprint).toArray();
    }

    @Test
    void aSampleIdIsSeenUntilItLeavesTheWindow() {
        UserState user = new UserState(ALICE, 3);
        assertThat(user.hasSeen("s-1")).isFalse();
        assertThat(user.firstSighting("s-1")).isTrue();
        assertThat(user.hasSeen("s-1")).isTrue();
        assertThat(user.firstSighting("s-1")).as("a retry").isFalse();

        user.firstSighting("s-2");
        user.firstSighting("s-3");
        assertThat(user.recentFingerprints()).containsExactly(fingerprints("s-1", "s-2", "s-3"));
        assertThat(user.firstSighting("s-4")).isTrue();

        assertThat(user.recentFingerprints())
                .as("the oldest left, oldest first")
                .containsExactly(fingerprints("s-2", "s-3", "s-4"));
        assertThat(user.hasSeen("s-1")).isFalse();
        assertThat(user.firstSighting("s-1")).isTrue();
        assertThat(user.hasSeen("s-2")).isFalse();
    }

    @Test
    void aFingerprintFromTheChangelogCountsAsItsSampleId() {
        UserState user = new UserState(ALICE, 8);
        assertThat(user.firstSightingOfFingerprint(DedupWindow.fingerprint("s-1")))
                .isTrue();
        assertThat(user.hasSeen("s-1")).isTrue();
        assertThat(user.firstSighting("s-1")).isFalse();
        assertThat(user.firstSightingOfFingerprint(DedupWindow.fingerprint("s-1")))
                .isFalse();
    }

    @Test
    void aCopysWindowIsItsOwn() {
        UserState user = new UserState(ALICE, 4);
        user.firstSighting("s-1");
        UserState copy = user.copy();
        copy.firstSighting("s-2");
        user.firstSighting("s-3");

        assertThat(user.recentFingerprints()).containsExactly(fingerprints("s-1", "s-3"));
        assertThat(copy.recentFingerprints()).containsExactly(fingerprints("s-1", "s-2"));
        assertThat(user.hasSeen("s-2")).isFalse();
        assertThat(copy.hasSeen("s-3")).isFalse();
    }
}
