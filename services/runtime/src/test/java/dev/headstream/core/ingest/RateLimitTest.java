package dev.headstream.core.ingest;

import static dev.headstream.core.adapt.WakeWordFixture.TASK;
import static dev.headstream.core.adapt.WakeWordFixture.train;
import static dev.headstream.core.adapt.WakeWordFixture.wake;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.headstream.core.adapt.WakeWordFixture;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.RejectReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class RateLimitTest {

    private static final UserKey ALICE = new UserKey("acme", "alice");

    @Test
    void bucketStartsFullRefillsWithRecordTimeAndNeverExceedsTheBurst() {
        RateLimit limit = new RateLimit(60, 2); // one token per second, two at most
        UserState u = new UserState(ALICE, 8);
        assertThat(u.admit(limit, 10_000)).isTrue();
        assertThat(u.admit(limit, 10_000)).isTrue();
        assertThat(u.admit(limit, 10_000)).as("burst of 2 used up").isFalse();
        assertThat(u.admit(limit, 10_500)).as("half a token").isFalse();
        assertThat(u.admit(limit, 11_000)).as("one token after a second").isTrue();
        assertThat(u.admit(limit, 9_000))
                .as("an older timestamp refills nothing")
                .isFalse();
        assertThat(u.admit(limit, 600_000)).isTrue();
        assertThat(u.rateBucket().tokens())
                .as("capped at the burst, minus the one taken")
                .isCloseTo(1.0, within(1e-12));
        assertThat(u.admit(limit, -1)).as("no timestamp: not limited").isTrue();
        assertThat(u.admit(RateLimit.OFF, 600_000)).isTrue();
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> new RateLimit(-1, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimit(10, 0.5)).hasMessageContaining("burst must be finite and >= 1");
        assertThat(new RateLimit(0, 0).enabled()).isFalse();
    }

    @Test
    void engineRejectsSamplesOverTheLimitAndTheBucketSurvivesARestore() {
        try (WakeWordFixture fx = new WakeWordFixture()) {
            RateLimit limit = new RateLimit(6, 2); // one sample per 10 s, two back to back
            AdaptationEngine engine = engine(fx, limit);
            List<RawSample> batch = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                RawSample r = train(i, "acme", "alice", "a-" + i, wake("en-gb-scotland+m3", i), i % 2 == 0);
                batch.add(new RawSample(r.partition(), r.offset(), r.key(), r.value(), 1_000L * i));
            }
            BatchResult first = engine.process(batch, 0L);
            engine.commit(first);
            assertThat(first.rejections())
                    .extracting(Rejection::reason, rej -> rej.source().offset())
                    .containsExactly(
                            Tuple.tuple(RejectReason.RATE_LIMITED, 2L), Tuple.tuple(RejectReason.RATE_LIMITED, 3L));
            assertThat(first.rejections().get(0).message())
                    .isEqualTo(
                            "acme/alice is over its limit of 6 samples per minute (burst 2); not applied, send it again later");
            assertThat(engine.user(ALICE).heads().get(TASK).samplesApplied()).isEqualTo(2);

            // restored elsewhere: the bucket goes on from the changelog, not from a full burst
            AdapterState state = engine.stateRecords(first).get(0);
            AdaptationEngine restored = engine(fx, limit);
            restored.restore(state);
            RawSample retry = batch.get(2);
            BatchResult early = restored.process(List.of(new RawSample(0, 4, retry.key(), retry.value(), 5_000L)), 0L);
            assertThat(early.rejections()).extracting(Rejection::reason).containsExactly(RejectReason.RATE_LIMITED);
            restored.commit(early);
            BatchResult later = restored.process(List.of(new RawSample(0, 5, retry.key(), retry.value(), 15_000L)), 0L);
            assertThat(later.rejections())
                    .as("a rejected sample id may be sent again")
                    .isEmpty();
            assertThat(later.applied()).isEqualTo(1);
        }
    }

    private static AdaptationEngine engine(WakeWordFixture fx, RateLimit limit) {
        SampleDecoder decoder = new SampleDecoder(1 << 20, fx.backbone, Map.of(TASK, TaskKind.binary()));
        return new AdaptationEngine(
                fx.backbone, decoder, Map.of(TASK, fx.task()), 64, 1, AdaptationEngine.OnlineRehearsal.OFF, limit);
    }
}
