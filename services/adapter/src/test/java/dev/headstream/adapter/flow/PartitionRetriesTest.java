package dev.headstream.adapter.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionRetriesTest {

    private static final TopicPartition P0 = new TopicPartition(Topics.SAMPLES, 0);
    private static final TopicPartition C0 = new TopicPartition(Topics.CONTROL, 0);
    private static final TopicPartition P1 = new TopicPartition(Topics.SAMPLES, 1);

    private long now = 1_000_000_000L;
    private final PartitionRetries retries =
            new PartitionRetries(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofMillis(1_000)), () -> now);

    @Test
    void theBackoffDoublesUpToItsLongest() {
        RetryPolicy p = retries.policy();
        assertThat(List.of(p.backoff(0), p.backoff(1), p.backoff(2), p.backoff(4), p.backoff(5), p.backoff(60)))
                .containsExactly(
                        Duration.ZERO,
                        Duration.ofMillis(100),
                        Duration.ofMillis(200),
                        Duration.ofMillis(800),
                        Duration.ofMillis(1_000),
                        Duration.ofMillis(1_000));
    }

    @Test
    void refusesPoliciesOutOfRange() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO))
                .hasMessageContaining("headstream.poison.attempts must be at least 1");
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("max-backoff-ms");
    }

    @Test
    void abortsOfTheSameBatchMakeAStreakThatWaitsLongerAndStallsTheReadiness() {
        Map<TopicPartition, Long> batch = Map.of(P0, 40L, C0, 7L);
        assertThat(retries.backoffBefore(batch)).isZero();

        assertThat(retries.aborted(batch)).isEqualTo(1);
        assertThat(retries.backoffBefore(batch)).isEqualTo(Duration.ofMillis(100));
        assertThat(retries.aborted(batch)).isEqualTo(2);
        assertThat(retries.backoffBefore(batch)).isEqualTo(Duration.ofMillis(200));
        assertThat(retries.stalled()).isFalse();
        assertThat(retries.aborted(batch)).isEqualTo(3);

        assertThat(retries.stalled()).isTrue();
        assertThat(retries.longestStreak()).isEqualTo(3);
        assertThat(retries.troubled()).isEqualTo(2);
        assertThat(retries.abortStreaks())
                .containsEntry("headstream.samples-0", "3 aborts from offset 40")
                .containsEntry("headstream.control-0", "3 aborts from offset 7");
        assertThat(retries.backoffBefore(Map.of(P1, 40L)))
                .as("another partition")
                .isZero();
    }

    @Test
    void aCommitEndsTheStreakAndABatchFromAnotherOffsetStartsANewOne() {
        retries.aborted(Map.of(P0, 40L));
        retries.aborted(Map.of(P0, 40L));
        assertThat(retries.aborted(Map.of(P0, 41L))).as("the batch moved on").isEqualTo(1);
        assertThat(retries.backoffBefore(Map.of(P0, 40L))).isZero();

        retries.committed(List.of(P0));
        assertThat(retries.longestStreak()).isZero();
        assertThat(retries.backoffBefore(Map.of(P0, 41L))).isZero();
    }

    @Test
    void aStreakGoesStaleWithoutAnotherAbortAndARebalanceForgetsIt() {
        for (int i = 0; i < 3; i++) {
            retries.aborted(Map.of(P0, 40L));
        }
        assertThat(retries.stalled()).isTrue();
        now += PartitionRetries.STALE_AFTER.toNanos() + 1;
        assertThat(retries.stalled())
                .as("the partition may have moved to another instance")
                .isFalse();
        assertThat(retries.aborted(Map.of(P0, 40L)))
                .as("a stale streak starts again")
                .isEqualTo(1);

        retries.forget(List.of(P0));
        assertThat(retries.abortStreaks()).isEmpty();
    }

    @Test
    void retryingPartitionsShowUntilTheirBatchSettles() {
        retries.retrying(List.of(P0, C0));
        assertThat(retries.retryingPartitions()).containsExactly("headstream.control-0", "headstream.samples-0");
        assertThat(retries.troubled()).isEqualTo(2);
        assertThat(retries.stalled())
                .as("retrying is bounded; it does not stall")
                .isFalse();
        retries.settled(List.of(P0, C0));
        assertThat(retries.retryingPartitions()).isEmpty();
    }
}
