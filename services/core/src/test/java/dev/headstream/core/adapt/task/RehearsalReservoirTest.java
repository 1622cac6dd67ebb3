package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.StoredClip;
import dev.headstream.core.ingest.UserKey;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RehearsalReservoirTest {

    private static final UserKey ALICE = new UserKey("acme", "alice");
    private static final UserKey BOB = new UserKey("acme", "bob");

    /** A distinct one-value clip per index. */
    private static StoredClip clip(int i) {
        return new StoredClip(1, 1, new short[] {(short) i});
    }

    private static List<Integer> contents(RehearsalReservoir r) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            out.add((int) r.get(i).clip().halfs()[0]);
        }
        return out;
    }

    @Test
    void keepsEveryClipWhileThereIsRoom() {
        RehearsalReservoir r = new RehearsalReservoir(4, 1);
        for (int i = 0; i < 3; i++) {
            r.offer(ALICE, clip(i));
        }
        assertThat(contents(r)).containsExactly(0, 1, 2);
        assertThat(r.offered()).isEqualTo(3);
    }

    @Test
    void everyOfferedClipIsEquallyLikelyToBeKept() {
        int capacity = 10;
        int n = 100;
        int trials = 4_000;
        int[] kept = new int[n];
        for (int t = 0; t < trials; t++) {
            RehearsalReservoir r = new RehearsalReservoir(capacity, 1_000L + t);
            for (int i = 0; i < n; i++) {
                r.offer(ALICE, clip(i));
            }
            assertThat(r.size()).isEqualTo(capacity);
            contents(r).forEach(i -> kept[i]++);
        }
        // each clip is kept with probability capacity / n = 0.1: expected 400 of 4,000 trials, sd 19
        for (int i = 0; i < n; i++) {
            assertThat(kept[i]).as("clip %d", i).isBetween(300, 500);
        }
    }

    @Test
    void theSameOffersGiveTheSameReservoir() {
        RehearsalReservoir a = new RehearsalReservoir(5, 42);
        RehearsalReservoir b = new RehearsalReservoir(5, 42);
        RehearsalReservoir c = new RehearsalReservoir(5, 43);
        for (int i = 0; i < 200; i++) {
            a.offer(ALICE, clip(i));
            b.offer(ALICE, clip(i));
            c.offer(ALICE, clip(i));
        }
        assertThat(contents(b)).isEqualTo(contents(a));
        assertThat(contents(c)).as("another seed").isNotEqualTo(contents(a));
    }

    @Test
    void aUserAtItsCapReplacesItsOwnClipsWhileThereIsRoom() {
        RehearsalReservoir r = new RehearsalReservoir(8, 2, 5);
        r.offer(BOB, clip(1000));
        for (int i = 0; i < 50; i++) {
            r.offer(ALICE, clip(i));
        }
        assertThat(r.size()).isEqualTo(3);
        assertThat(r.clipsOf(ALICE)).isEqualTo(2);
        assertThat(contents(r)).contains(1000);
        assertThat(contents(r)).as("alice's clips are still being refreshed").containsAnyOf(48, 49);
    }

    @Test
    void noUserEverHoldsMoreThanItsCapAndOnlyAUserUnderItsCapDisplacesOthers() {
        UserKey[] users = new UserKey[6];
        for (int u = 0; u < users.length; u++) {
            users[u] = new UserKey("acme", "u" + u);
        }
        RehearsalReservoir r = new RehearsalReservoir(10, 3, 11);
        SplittableRandom pick = new SplittableRandom(3);
        for (int i = 0; i < 5_000; i++) {
            // user 0 sends half of all clips: a flood that must not take over the reservoir
            UserKey owner = i % 2 == 0 ? users[0] : users[1 + pick.nextInt(users.length - 1)];
            int before = r.clipsOf(owner);
            int othersBefore = r.size() - before;
            r.offer(owner, clip(i));
            for (UserKey u : users) {
                assertThat(r.clipsOf(u)).as("%s after offer %d", u, i).isLessThanOrEqualTo(3);
            }
            if (before == 3) {
                assertThat(r.size() - r.clipsOf(owner))
                        .as("a user at its cap takes none of the others' slots")
                        .isEqualTo(othersBefore);
            }
        }
        assertThat(r.size()).isEqualTo(10);
    }

    @Test
    void theSameOffersGiveTheSameCappedReservoirAndACapAboveTheCapacityIsNone() {
        RehearsalReservoir a = new RehearsalReservoir(6, 2, 42);
        RehearsalReservoir b = new RehearsalReservoir(6, 2, 42);
        for (int i = 0; i < 300; i++) {
            UserKey owner = i % 3 == 0 ? BOB : ALICE;
            a.offer(owner, clip(i));
            b.offer(owner, clip(i));
        }
        assertThat(contents(b)).isEqualTo(contents(a));
        assertThat(b.copy().clipsOf(ALICE)).isEqualTo(a.clipsOf(ALICE)).isEqualTo(2);
        assertThat(new RehearsalReservoir(4, 9, 1).maxPerUser()).isEqualTo(4);
        assertThatThrownBy(() -> new RehearsalReservoir(4, 0, 1))
                .hasMessage("reservoir clips per user must be >= 1, got 0");
    }

    @Test
    void forgetRemovesOnlyThatUsersClipsAndCopiesAreIndependent() {
        RehearsalReservoir r = new RehearsalReservoir(8, 3);
        for (int i = 0; i < 6; i++) {
            r.offer(i % 2 == 0 ? ALICE : BOB, clip(i));
        }
        RehearsalReservoir before = r.copy();

        assertThat(r.forget(ALICE)).isEqualTo(3);

        assertThat(contents(r)).containsExactly(1, 3, 5);
        assertThat(contents(before)).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(r.bytes()).isEqualTo(3 * Short.BYTES);
    }
}
