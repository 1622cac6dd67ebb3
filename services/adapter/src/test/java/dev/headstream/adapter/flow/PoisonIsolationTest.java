package dev.headstream.adapter.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.wire.Bounded;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.RejectReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PoisonIsolationTest {

    private static final RetryPolicy POLICY = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(30));

    private final List<Duration> sleeps = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final List<List<Long>> tries = new ArrayList<>();

    private final PoisonIsolation.Listener listener = new PoisonIsolation.Listener() {
        @Override
        public void failed(int attempt, RuntimeException failure) {
            events.add("failed " + attempt);
        }

        @Override
        public void isolated(PoisonIsolation.Consumed record, RuntimeException failure) {
            events.add("isolated " + record.raw().offset());
        }
    };

    private PoisonIsolation isolation() {
        return new PoisonIsolation(POLICY, sleeps::add);
    }

    /** Samples at offsets 0..n-1 of partition 3, each value its offset's text (the "content"). */
    private static List<PoisonIsolation.Consumed> samples(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> new PoisonIsolation.Consumed(
                        Topics.SAMPLES,
                        new RawSample(
                                3,
                                i,
                                ("t/u" + i).getBytes(StandardCharsets.UTF_8),
                                ("secret-" + i).getBytes(StandardCharsets.UTF_8))))
                .toList();
    }

    /** Processing that fails whenever a record at one of {@code poisoned} offsets is in it; returns the offsets applied. */
    private PoisonIsolation.Attempt<List<Long>> failingWith(Set<Long> poisoned) {
        return (records, isolated) -> {
            List<Long> offsets = records.stream().map(c -> c.raw().offset()).toList();
            tries.add(offsets);
            if (offsets.stream().anyMatch(poisoned::contains)) {
                throw new IllegalStateException("a bug triggered by one record");
            }
            return offsets;
        };
    }

    @Test
    void aBatchThatPassesIsTriedOnce() {
        PoisonIsolation.Outcome<List<Long>> out = isolation().run(samples(5), failingWith(Set.of()), listener);

        assertThat(out.value()).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(out.failures()).isZero();
        assertThat(out.isolated()).isEmpty();
        assertThat(tries).hasSize(1);
        assertThat(sleeps).isEmpty();
        assertThat(events).isEmpty();
    }

    @Test
    void aPassingFailureIsRetriedWithADoublingWaitAndIsolatesNothing() {
        int[] calls = {0};
        PoisonIsolation.Outcome<String> out = isolation()
                .run(
                        samples(4),
                        (records, isolated) -> {
                            if (++calls[0] < 3) {
                                throw new IllegalStateException("transient");
                            }
                            return "done";
                        },
                        listener);

        assertThat(out.value()).isEqualTo("done");
        assertThat(out.failures()).isEqualTo(2);
        assertThat(out.isolated()).isEmpty();
        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(events).containsExactly("failed 1", "failed 2");
    }

    @Test
    void isolatesThePoisonAfterTheAttemptsAndAppliesEveryOtherRecordOnce() {
        PoisonIsolation.Outcome<List<Long>> out = isolation().run(samples(64), failingWith(Set.of(37L)), listener);

        assertThat(out.value())
                .as("the last try applies every record but the poison, once, in order")
                .containsExactlyElementsOf(IntStream.range(0, 64)
                        .filter(i -> i != 37)
                        .mapToObj(i -> (long) i)
                        .toList());
        assertThat(out.failures()).isEqualTo(3);
        assertThat(events).containsExactly("failed 1", "failed 2", "failed 3", "isolated 37");
        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        // 3 attempts, the try without any record, a bisection over 64 prefixes (6 tries), the rest
        assertThat(tries).hasSizeLessThanOrEqualTo(3 + 1 + 7 + 1);
        Rejection r = out.isolated().get(0);
        assertThat(r.reason()).isEqualTo(RejectReason.PROCESSING_FAILED);
        assertThat(r.source().partition()).isEqualTo(3);
        assertThat(r.source().offset()).isEqualTo(37);
        assertThat(r.topic()).as("a samples record").isNull();
        assertThat(r.sampleId()).isEmpty();
        assertThat(r.message())
                .contains("java.lang.IllegalStateException: a bug triggered by one record")
                .contains("3 failed attempts")
                .contains("record key 5 bytes, value 9 bytes")
                .doesNotContain("secret")
                .doesNotContain("t/u37");
    }

    @Test
    void isolatesEveryPoisonOfABatchInOrder() {
        PoisonIsolation.Outcome<List<Long>> out =
                isolation().run(samples(20), failingWith(Set.of(2L, 11L, 19L)), listener);

        assertThat(out.isolated()).extracting(r -> r.source().offset()).containsExactly(2L, 11L, 19L);
        assertThat(out.value()).hasSize(17).doesNotContain(2L, 11L, 19L);
        assertThat(events).endsWith("isolated 2", "isolated 11", "isolated 19");
    }

    @Test
    void aBatchOfOnlyPoisonIsAllRejected() {
        PoisonIsolation.Outcome<List<Long>> out =
                isolation().run(samples(3), failingWith(Set.of(0L, 1L, 2L)), listener);

        assertThat(out.value()).isEmpty();
        assertThat(out.isolated()).extracting(r -> r.source().offset()).containsExactly(0L, 1L, 2L);
    }

    @Test
    void aControlRecordIsIsolatedWithItsTopicAfterTheSamples() {
        List<PoisonIsolation.Consumed> records = new ArrayList<>(samples(3));
        RawSample command = new RawSample(3, 0, "t/u0".getBytes(StandardCharsets.UTF_8), new byte[] {9});
        records.add(new PoisonIsolation.Consumed(Topics.CONTROL, command));
        PoisonIsolation.Outcome<Integer> out = isolation()
                .run(
                        records,
                        (recs, isolated) -> {
                            if (recs.stream().anyMatch(c -> c.topic().equals(Topics.CONTROL))) {
                                throw new IllegalStateException("control bug");
                            }
                            return recs.size();
                        },
                        listener);

        assertThat(out.value()).isEqualTo(3);
        assertThat(out.isolated()).singleElement().satisfies(r -> {
            assertThat(r.source()).isSameAs(command);
            assertThat(r.topic()).isEqualTo(Topics.CONTROL);
        });
    }

    @Test
    void anOutputTooLargeForItsTopicNamesItsRecordAndIsNotRetried() {
        List<PoisonIsolation.Consumed> records = samples(8);
        RawSample huge = records.get(5).raw();
        PoisonIsolation.Outcome<List<Long>> out = isolation()
                .run(
                        records,
                        (recs, isolated) -> {
                            List<Long> offsets =
                                    recs.stream().map(c -> c.raw().offset()).toList();
                            tries.add(offsets);
                            if (recs.stream().anyMatch(c -> c.raw() == huge)) {
                                throw new OutputTooLargeException(Topics.REJECTED, 2_000_000, 1_000_000, huge);
                            }
                            return offsets;
                        },
                        listener);

        assertThat(out.isolated()).extracting(r -> r.source().offset()).containsExactly(5L);
        assertThat(out.value()).containsExactly(0L, 1L, 2L, 3L, 4L, 6L, 7L);
        assertThat(out.failures()).isEqualTo(1);
        assertThat(sleeps).isEmpty();
        assertThat(tries).as("the batch, the try without records, the rest").hasSize(3);
        assertThat(out.isolated().get(0).message()).contains(OutputTooLargeException.class.getName());
    }

    @Test
    void aFailureWithoutAnyRecordIsNotARecordsAndIsThrown() {
        assertThatThrownBy(() -> isolation()
                        .run(
                                samples(4),
                                (recs, isolated) -> {
                                    throw new IllegalStateException("the engine is broken");
                                },
                                listener))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fails even without any record of the batch")
                .hasRootCauseMessage("the engine is broken");
        assertThat(events).containsExactly("failed 1", "failed 2", "failed 3");
    }

    @Test
    void theFailureInARejectionIsBounded() {
        String longMessage = "x".repeat(100_000);
        PoisonIsolation.Outcome<Integer> out = isolation()
                .run(
                        samples(2),
                        (recs, isolated) -> {
                            if (recs.stream().anyMatch(c -> c.raw().offset() == 1)) {
                                throw new IllegalArgumentException(longMessage);
                            }
                            return recs.size();
                        },
                        listener);

        String message = out.isolated().get(0).message();
        assertThat(message.length()).isLessThanOrEqualTo(Bounded.MAX_MESSAGE_CHARS);
        assertThat(message).contains(Bounded.MARK);
    }
}
