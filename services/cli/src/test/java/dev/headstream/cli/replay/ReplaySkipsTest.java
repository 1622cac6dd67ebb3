package dev.headstream.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What replay leaves out, and the bound it replays under. */
class ReplaySkipsTest {

    private static Rejected reject(RejectReason reason, String topic) {
        return Rejected.newBuilder()
                .setReason(reason)
                .setTopic(topic)
                .setPartition(1)
                .setOffset(9)
                .build();
    }

    @Test
    void samplesRejectedForTheInstancesStateOrHistoryAreNotReplayed() {
        for (RejectReason r : new RejectReason[] {
            RejectReason.PROCESSING_FAILED,
            RejectReason.CAPACITY,
            RejectReason.STATE_UNREADABLE,
            RejectReason.WRONG_PARTITION
        }) {
            assertThat(HeadReplay.notReplayed(reject(r, Topics.SAMPLES)))
                    .as(r.name())
                    .isTrue();
            assertThat(HeadReplay.notReplayed(reject(r, Topics.CONTROL)))
                    .as(r + " of a control record")
                    .isFalse();
        }
    }

    @Test
    void rejectsTheReplayMakesItselfAreReplayed() {
        for (RejectReason r :
                new RejectReason[] {RejectReason.DUPLICATE, RejectReason.RATE_LIMITED, RejectReason.MALFORMED}) {
            assertThat(HeadReplay.notReplayed(reject(r, Topics.SAMPLES)))
                    .as(r.name())
                    .isFalse();
        }
    }

    @Test
    void replayHoldsEveryUserWhateverTheAdaptersBound() {
        EngineSpec spec = EngineSpec.fromProperties(Map.of("headstream.max-resident-users", "3"));

        EngineSpec unbounded = HeadReplay.unbounded(spec);

        assertThat(unbounded.maxResidentUsers()).isEqualTo(AdaptationEngine.UNBOUNDED);
        assertThat(unbounded)
                .usingRecursiveComparison()
                .ignoringFields("maxResidentUsers")
                .isEqualTo(spec);
    }
}
