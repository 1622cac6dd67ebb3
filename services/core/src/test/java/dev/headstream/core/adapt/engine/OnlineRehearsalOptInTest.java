package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.SmallEngine.NOW;
import static dev.headstream.core.adapt.engine.SmallEngine.TASK;
import static dev.headstream.core.adapt.engine.SmallEngine.record;
import static dev.headstream.core.adapt.engine.SmallEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.task.RehearsalReservoir;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.UserKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Online rehearsal shares users' training negatives only among the users of tenants that opted in,
 * and no user fills more than its share of a reservoir.
 */
class OnlineRehearsalOptInTest {

    private static final UserKey ALICE = new UserKey("acme", "alice");
    private static final UserKey BOB = new UserKey("acme", "bob");
    private static final UserKey CAROL = new UserKey("globex", "carol");

    /** alice: 6 negatives and a positive; bob: 1 negative; globex's carol: 3 negatives and a positive. */
    private static List<RawSample> stream() {
        List<RawSample> out = new ArrayList<>();
        long offset = 0;
        out.add(record(0, offset++, sample("acme", "alice", "a-p", true)));
        out.add(record(0, offset++, sample("globex", "carol", "c-p", true)));
        for (int i = 0; i < 6; i++) {
            out.add(record(0, offset++, sample("acme", "alice", "a-" + i, false)));
            if (i < 3) {
                out.add(record(0, offset++, sample("globex", "carol", "c-" + i, false)));
            }
        }
        out.add(record(0, offset, sample("acme", "bob", "b-0", false)));
        return out;
    }

    @Test
    void onlyListedTenantsFillTheReservoirAndEachUserHoldsAtMostItsCap() {
        AdaptationEngine engine = SmallEngine.engine(new AdaptationEngine.OnlineRehearsal(8, Set.of("acme"), 2));

        engine.commit(engine.process(stream(), NOW));

        RehearsalReservoir r = engine.reservoir(TASK, 0);
        assertThat(r.clipsOf(ALICE)).as("six negatives, capped at 2").isEqualTo(2);
        assertThat(r.clipsOf(BOB)).isEqualTo(1);
        assertThat(r.clipsOf(CAROL)).as("globex did not opt in").isZero();
        assertThat(r.size()).isEqualTo(3);
    }

    @Test
    void aTenantThatDidNotOptInTrainsExactlyAsWithoutOnlineRehearsal() {
        AdaptationEngine shared = SmallEngine.engine(new AdaptationEngine.OnlineRehearsal(8, Set.of("acme"), 2));
        AdaptationEngine off = SmallEngine.engine();
        AdaptationEngine none = SmallEngine.engine(new AdaptationEngine.OnlineRehearsal(8, Set.of(), 2));
        for (AdaptationEngine e : List.of(shared, off, none)) {
            e.commit(e.process(stream(), NOW));
        }

        float[] carol = off.user(CAROL).heads().get(TASK).trainable();
        assertThat(shared.user(CAROL).heads().get(TASK).trainable()).isEqualTo(carol);
        assertThat(none.reservoir(TASK, 0))
                .as("no tenant listed: no reservoir at all")
                .isNull();
        assertThat(none.user(ALICE).heads().get(TASK).trainable())
                .isEqualTo(off.user(ALICE).heads().get(TASK).trainable());
    }
}
