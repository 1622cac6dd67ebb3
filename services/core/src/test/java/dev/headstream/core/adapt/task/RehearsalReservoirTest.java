package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.state.StoredClip;
import dev.headstream.core.ingest.UserKey;
import java.util.ArrayList;
import java.util.List;
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
