package dev.headstream.adapter.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.embed.BackboneStoppedException;
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
        assertThat(sleeps)
                .as("the retries' waits, then one before confirming the suspect")
                .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
        // 3 attempts, the try without any record, a bisection over 64 prefixes (6 tries), the
        // confirmation (the prefix, the suspect's own key's records), the rest
        assertThat(tries).hasSizeLessThanOrEqualTo(3 + 1 + 7 + 2 + 1);
        assertThat(tries.get(tries.size() - 2))
                .as("the suspect's own key's records")
                .containsExactly(37L);
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
    void aStoppedBackboneAbortsTheBatchWithoutIsolatingAnyRecord() {
        // the JVM began to shut down during the batch: its model runs refused from the second try on
        int[] calls = {0};
        assertThatThrownBy(() -> isolation()
                        .run(
                                samples(8),
                                (records, isolated) -> {
                                    calls[0]++;
                                    if (calls[0] == 1) {
                                        throw new IllegalStateException("a transient failure");
                                    }
                                    throw new IllegalStateException(
                                            "embedding failed", new BackboneStoppedException("shutting down"));
                                },
                                listener))
                .hasRootCauseInstanceOf(BackboneStoppedException.class)
                .isNotInstanceOf(SystemicFailure.class);
        // the second try met the stopped backbone and passed it on at once: no retry, no bisection
        assertThat(calls[0]).isEqualTo(2);
        assertThat(events).containsExactly("failed 1");
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
    void aBatchWhoseRecordsAllFailIsSystemicOnceOverTheCap() {
        // 4 per batch by default: the fifth suspect opens the circuit, and nothing is rejected
        assertThatThrownBy(() -> isolation().run(samples(6), failingWith(Set.of(0L, 1L, 2L, 3L, 4L, 5L)), listener))
                .isInstanceOf(SystemicFailure.class)
                .hasMessageContaining("4 records of the batch isolated")
                .hasMessageContaining("cap of 4 per batch");
        assertThat(events).endsWith("isolated 0", "isolated 1", "isolated 2", "isolated 3");

        // under the cap, each record confirmed on its own: each one is a poison
        events.clear();
        PoisonIsolation.Outcome<List<Long>> out =
                isolation().run(samples(3), failingWith(Set.of(0L, 1L, 2L)), listener);
        assertThat(out.value()).isEmpty();
        assertThat(out.isolated()).extracting(r -> r.source().offset()).containsExactly(0L, 1L, 2L);
    }

    @Test
    void theWindowCapSpansBatchesAndCountsOnlyBatchesThatPassed() {
        long[] now = {0};
        IsolationBudget budget = new IsolationBudget(4, 3, Duration.ofMinutes(10), () -> now[0]);
        PoisonIsolation isolation = new PoisonIsolation(POLICY, budget, sleeps::add);

        assertThat(isolation
                        .run(samples(8), failingWith(Set.of(1L, 5L)), listener)
                        .isolated())
                .hasSize(2);
        assertThat(budget.inWindow()).isEqualTo(2);
        assertThatThrownBy(() -> isolation.run(samples(8), failingWith(Set.of(2L, 6L)), listener))
                .as("a fourth isolation within the window")
                .isInstanceOf(SystemicFailure.class)
                .hasMessageContaining("per window");
        assertThat(budget.inWindow()).as("the aborted batch rejected nothing").isEqualTo(2);
        assertThat(isolation.run(samples(8), failingWith(Set.of(6L)), listener).isolated())
                .hasSize(1);

        now[0] += Duration.ofMinutes(11).toNanos();
        assertThat(budget.inWindow()).isZero();
        assertThat(isolation
                        .run(samples(8), failingWith(Set.of(2L, 6L)), listener)
                        .isolated())
                .hasSize(2);
    }

    @Test
    void theSuspectsOwnKeyIsItsKeysRecordsOrItAloneWhenTheKeyDoesNotParse() {
        RawSample a1 = new RawSample(3, 0, "t/a".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        RawSample b = new RawSample(3, 1, "t/b".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        RawSample a2 = new RawSample(3, 2, "t/a".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        RawSample bad1 = new RawSample(3, 3, "no key".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        RawSample bad2 = new RawSample(3, 4, "no key".getBytes(StandardCharsets.UTF_8), new byte[] {1});
        RawSample none = new RawSample(3, 5, null, new byte[] {1});
        List<PoisonIsolation.Consumed> recs = new ArrayList<>();
        for (RawSample r : List.of(a1, b, a2, bad1, bad2, none)) {
            recs.add(new PoisonIsolation.Consumed(Topics.SAMPLES, r));
        }
        PoisonIsolation.Consumed command = new PoisonIsolation.Consumed(
                Topics.CONTROL, new RawSample(3, 0, "t/a".getBytes(StandardCharsets.UTF_8), new byte[] {2}));
        recs.add(command);

        assertThat(PoisonIsolation.ownKey(recs, command))
                .extracting(c -> c.raw())
                .containsExactly(a1, a2, command.raw());
        assertThat(PoisonIsolation.ownKey(recs, recs.get(4)))
                .extracting(c -> c.raw())
                .containsExactly(bad2);
        assertThat(PoisonIsolation.ownKey(recs, recs.get(5)))
                .extracting(c -> c.raw())
                .containsExactly(none);
    }

    @Test
    void aPoisonOnlyWithAnotherRecordOfItsKeyIsConfirmedWithItsKeysRecords() {
        // the second record of a user fails (state its first one left): its own key's records fail too
        List<PoisonIsolation.Consumed> recs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            recs.add(new PoisonIsolation.Consumed(
                    Topics.SAMPLES,
                    new RawSample(3, i, ("t/u" + (i % 3)).getBytes(StandardCharsets.UTF_8), new byte[] {1})));
        }
        PoisonIsolation.Outcome<List<Long>> out = isolation()
                .run(
                        recs,
                        (rs, isolated) -> {
                            List<Long> offsets =
                                    rs.stream().map(c -> c.raw().offset()).toList();
                            if (offsets.contains(1L) && offsets.contains(4L)) {
                                throw new IllegalStateException("u1's second record after its first");
                            }
                            return offsets;
                        },
                        listener);
        assertThat(out.isolated()).extracting(r -> r.source().offset()).containsExactly(4L);
        assertThat(out.value()).containsExactly(0L, 1L, 2L, 3L, 5L);
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
