package dev.headstream.adapter.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.adapter.fault.NoFaults;
import dev.headstream.adapter.transaction.ProcessExit;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.adapt.engine.PartitionsRevokedException;
import dev.headstream.core.adapt.task.AlarmAction;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.FloatTensor;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Sample;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * {@link StateRestorer#install} trusts the record key: it installs the user the key names, skips
 * and counts a record whose payload names another user or partition, erases by key, and counts
 * the users reset, unreadable or left out at the bound. On an engine small enough for a unit test
 * (a pass-through backbone, a one-Dense head).
 */
class StateRestorerTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final String TASK = "wake";
    private static final UserKey ALICE = UserKey.parse("acme/alice");
    private static final UserKey MALLORY = UserKey.parse("acme/mallory");

    /** A {@code [1, 2]} float tensor is one embedding frame of 2 values. */
    private static final class PassThrough implements Backbone {

        @Override
        public BackboneInfo info() {
            return new BackboneInfo("pass-through", "1".repeat(64), 2, "cpu");
        }

        @Override
        public List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs) {
            List<EmbeddingSequence> out = new ArrayList<>();
            for (BackboneInput in : inputs) {
                out.add(new EmbeddingSequence(
                        1, 2, ((BackboneInput.Tensor) in).values().clone()));
            }
            return out;
        }

        @Override
        public void validate(BackboneInput input) {
            if (!(input instanceof BackboneInput.Tensor t) || t.values().length != 2) {
                throw new IllegalArgumentException("expected a tensor of 2 values");
            }
        }

        @Override
        public void close() {}
    }

    /** An engine holding at most {@code maxResidentUsers}, whose source head has SHA-256 {@code sourceSha256}. */
    private static AdaptationEngine engine(int maxResidentUsers, String sourceSha256) {
        Backbone backbone = new PassThrough();
        SourceHead source = new SourceHead(
                "identity", sourceSha256, HeadArchitecture.builder(2).dense(1).build(), new float[] {1f, 0f, 0f});
        HeadRecipe recipe =
                new HeadRecipe(1, HeadRecipe.OptimizerKind.ADAM, 1e-2f, 0f, 10f, 1, 8, 1, 1, 1, 0.5f, true, 0);
        BinaryHeadTask task = new BinaryHeadTask(
                TASK,
                source,
                recipe,
                new RehearsalSet(List.of(), List.of(new EmbeddingSequence(1, 2, new float[] {-8f, 0f}))),
                AlarmAction.PUBLISH_ONLY,
                0);
        return new AdaptationEngine(
                backbone,
                new SampleDecoder(1 << 16, backbone, Map.of(TASK, TaskKind.binary())),
                Map.of(TASK, task),
                64,
                1,
                AdaptationEngine.OnlineRehearsal.OFF,
                RateLimit.OFF,
                maxResidentUsers);
    }

    private static AdaptationEngine engine(int maxResidentUsers) {
        return engine(maxResidentUsers, "0".repeat(64));
    }

    private static RawSample sample(int partition, long offset, String user, String id) {
        Sample s = Sample.newBuilder()
                .setSampleId(id)
                .setTensor(FloatTensor.newBuilder()
                        .addShape(1)
                        .addShape(2)
                        .addValues(4f)
                        .addValues(0f))
                .putLabels(TASK, Label.newBuilder().setBinary(true).build())
                .build();
        return new RawSample(partition, offset, user.getBytes(StandardCharsets.UTF_8), s.toByteArray());
    }

    /** The state record of {@code user} after {@code samples} training samples, one batch each, on {@code partition}. */
    private static AdapterState trained(String user, int partition, int samples) {
        AdaptationEngine writer = engine(AdaptationEngine.UNBOUNDED);
        BatchResult r = null;
        for (int i = 0; i < samples; i++) {
            r = writer.process(List.of(sample(partition, 10 + i, user, "s-" + i)), NOW);
            writer.commit(r);
        }
        return writer.stateRecords(r).get(0);
    }

    private static ChangelogReader.Entry entry(int partition, long offset, String key, AdapterState value) {
        return new ChangelogReader.Entry(partition, offset, key, value == null ? null : value.toByteArray());
    }

    private static StateRestorer restorer(AdaptationEngine engine) {
        StateRestorer r = new StateRestorer();
        r.engine = engine;
        r.progress = new RestoreProgress();
        return r;
    }

    private static long version(AdaptationEngine engine, UserKey key) {
        return engine.user(key).heads().get(TASK).version();
    }

    private static List<RejectReason> rejectReasons(AdaptationEngine engine, RawSample... samples) {
        return engine.process(List.of(samples), NOW).rejections().stream()
                .map(Rejection::reason)
                .toList();
    }

    @Test
    void installsTheUserTheRecordKeyNames() {
        AdaptationEngine engine = engine(10);

        StateRestorer.Installed done =
                restorer(engine).install(List.of(entry(0, 5, "acme/alice", trained("acme/alice", 0, 2))));

        assertThat(done.restored()).isEqualTo(1);
        assertThat(done.counts()).isEqualTo(new RestoreProgress.Counts(0, 0, 0, 0));
        assertThat(version(engine, ALICE)).isEqualTo(2);
    }

    @Test
    void aForgedRecordUnderAnotherKeyNeitherOverridesTheRealStateNorInstallsAnyone() {
        AdaptationEngine engine = engine(10);
        // mallory's record carries alice's state of three samples, newer than alice's own record
        AdapterState forged = trained("acme/alice", 0, 3);

        StateRestorer.Installed done = restorer(engine)
                .install(List.of(
                        entry(0, 5, "acme/alice", trained("acme/alice", 0, 1)), entry(0, 9, "acme/mallory", forged)));

        assertThat(done.restored()).isEqualTo(1);
        assertThat(done.counts().forgedSkipped()).isEqualTo(1);
        assertThat(version(engine, ALICE)).as("alice's own record").isEqualTo(1);
        assertThat(engine.user(MALLORY)).isNull();
        assertThat(engine.users()).isEqualTo(1);
        assertThat(rejectReasons(engine, sample(0, 20, "acme/mallory", "m-1")))
                .as("mallory's newest record is not hers: no silent fresh start")
                .containsExactly(RejectReason.STATE_UNREADABLE);
    }

    @Test
    void aRecordNamingAnotherPartitionOrWithABadKeyIsSkippedAndCounted() {
        AdaptationEngine engine = engine(10);

        StateRestorer.Installed done = restorer(engine)
                .install(List.of(
                        entry(1, 5, "acme/alice", trained("acme/alice", 0, 1)),
                        entry(1, 6, null, trained("acme/bob", 1, 1)),
                        entry(1, 7, "acme/" + "x".repeat(600_000), trained("acme/bob", 1, 1)),
                        entry(1, 8, "not a key", trained("acme/bob", 1, 1))));

        assertThat(done.restored()).isZero();
        assertThat(done.counts().forgedSkipped()).isEqualTo(4);
        assertThat(engine.users()).isZero();
        assertThat(engine.unreadableUsers())
                .as("alice, under her own key but another partition")
                .isEqualTo(1);
    }

    @Test
    void aTombstoneErasesTheUserItsKeyNames() {
        AdaptationEngine engine = engine(10);
        StateRestorer restorer = restorer(engine);
        restorer.install(List.of(entry(0, 5, "acme/alice", trained("acme/alice", 0, 1))));

        StateRestorer.Installed done = restorer.install(List.of(entry(0, 6, "acme/alice", null)));

        assertThat(done.erased()).isEqualTo(1);
        assertThat(engine.user(ALICE)).isNull();
    }

    @Test
    void aValueThatDoesNotParseMakesItsUserUnreadable() {
        AdaptationEngine engine = engine(10);

        StateRestorer.Installed done = restorer(engine)
                .install(List.of(new ChangelogReader.Entry(0, 41, "acme/alice", new byte[] {(byte) 0xff, 1, 2})));

        assertThat(done.counts()).isEqualTo(new RestoreProgress.Counts(0, 0, 1, 0));
        BatchResult r = engine.process(List.of(sample(0, 50, "acme/alice", "a-9")), NOW);
        assertThat(r.rejections()).singleElement().satisfies(j -> {
            assertThat(j.reason()).isEqualTo(RejectReason.STATE_UNREADABLE);
            assertThat(j.message()).contains("does not parse").contains("RESET or ERASE");
        });
    }

    @Test
    void aRecordThatDoesNotDecodeIsResetAndCounted() {
        AdaptationEngine engine = engine(10, "f".repeat(64));

        StateRestorer.Installed done =
                restorer(engine).install(List.of(entry(0, 5, "acme/alice", trained("acme/alice", 0, 2))));

        assertThat(done.counts()).isEqualTo(new RestoreProgress.Counts(0, 1, 0, 0));
        HeadUpdate h = engine.process(List.of(), NOW).heads().get(0);
        assertThat(h.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        assertThat(h.getVersion()).isEqualTo(3);
    }

    @Test
    void usersBeyondTheBoundAreCountedNotResident() {
        AdaptationEngine engine = engine(1);

        StateRestorer.Installed done = restorer(engine)
                .install(List.of(
                        entry(0, 5, "acme/alice", trained("acme/alice", 0, 1)),
                        entry(0, 6, "acme/bob", trained("acme/bob", 0, 1))));

        assertThat(done.restored()).isEqualTo(1);
        assertThat(done.counts()).isEqualTo(new RestoreProgress.Counts(0, 0, 0, 1));
        assertThat(rejectReasons(engine, sample(0, 20, "acme/bob", "b-9"))).containsExactly(RejectReason.CAPACITY);
    }

    @Test
    void theReaderKeepsTheNewestRecordOfEachKeyInEachPartition() {
        ChangelogReader.Newest newest = new ChangelogReader.Newest();
        newest.add(record(1, 0, "acme/bob", "b0"));
        newest.add(record(0, 0, "acme/alice", "a0"));
        newest.add(record(0, 1, "acme/carol", "c1"));
        newest.add(record(0, 2, "acme/alice", "a2"));
        newest.add(record(1, 1, "acme/alice", "other partition"));
        newest.add(record(0, 3, "acme/carol", null));

        assertThat(newest.entries())
                .extracting(e -> e.partition() + "@" + e.offset() + " " + e.key())
                .containsExactly("0@2 acme/alice", "0@3 acme/carol", "1@0 acme/bob", "1@1 acme/alice");
        assertThat(newest.entries().get(1).value()).as("a tombstone").isNull();
    }

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset, String key, String value) {
        return new ConsumerRecord<>(
                Topics.ADAPTER_STATE,
                partition,
                offset,
                key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void progressAddsUpTheCountsOfEveryRestore() {
        RestoreProgress progress = new RestoreProgress();
        progress.counted(new RestoreProgress.Counts(1, 2, 3, 4));
        progress.counted(new RestoreProgress.Counts(1, 0, 0, 1));

        assertThat(progress.counts()).isEqualTo(new RestoreProgress.Counts(2, 2, 3, 5));
    }

    @Test
    void aRestoreThatFailsPausesItsPartitionsKeepsThemRestoringAndExits() {
        AdaptationEngine engine = engine(10);
        StateRestorer restorer = restorer(engine);
        restorer.faults = NoFaults.INSTANCE;
        List<Integer> exits = new ArrayList<>();
        restorer.processExit = new ProcessExit(exits::add);
        TopicPartition samples = new TopicPartition(Topics.SAMPLES, 1);
        TopicPartition control = new TopicPartition(Topics.CONTROL, 1);
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
            @Override
            public synchronized Map<TopicPartition, OffsetAndMetadata> committed(
                    Set<TopicPartition> partitions, Duration timeout) {
                throw new TimeoutException("the coordinator did not answer (a broker restart)");
            }
        };
        consumer.assign(List.of(samples, control));

        restorer.onPartitionsAssigned(consumer, List.of(samples, control));

        assertThat(consumer.paused()).containsExactlyInAnyOrder(samples, control);
        assertThat(restorer.progress.restoring()).containsExactly(1);
        assertThat(RestoreProgress.ready(restorer.progress.assignedOnce(), restorer.progress.restoring()))
                .isFalse();
        assertThat(exits).containsExactly(ProcessExit.EXIT_CODE);
    }

    @Test
    void overItsBudgetTheReaderKeepsKeysOnlyAndASecondReadHoldsTheFirstUsersValues() {
        ChangelogReader.Newest newest = new ChangelogReader.Newest(2);
        List<ConsumerRecord<byte[], byte[]>> log = List.of(
                record(0, 0, "acme/alice", "a0"),
                record(0, 1, "acme/bob", "b1"),
                record(0, 2, "acme/alice", "a2"),
                record(0, 3, "acme/dora", null),
                record(0, 4, "acme/carol", "c4"),
                record(0, 5, "acme/erin", "e5"));
        log.forEach(newest::add);

        assertThat(newest.overBudget()).isTrue();
        assertThat(newest.entries())
                .as("past the budget, no value is held: keys and offsets only")
                .allSatisfy(e -> assertThat(e.value()).isNull());
        var selected = newest.selected();
        for (ConsumerRecord<byte[], byte[]> r : log) {
            var pk = selected.getOrDefault(r.partition(), Map.of()).get(r.offset());
            if (pk != null) {
                newest.hold(r, pk);
            }
        }

        assertThat(newest.entries())
                .extracting(e -> e.offset() + " " + e.key() + " "
                        + (e.held()
                                ? e.value() == null ? "tombstone" : new String(e.value(), StandardCharsets.UTF_8)
                                : "left out"))
                .containsExactly(
                        "2 acme/alice a2",
                        "1 acme/bob b1",
                        "3 acme/dora tombstone",
                        "4 acme/carol left out",
                        "5 acme/erin left out");
    }

    @Test
    void aUserTheReaderLeftOutIsNotResidentAndRefusedCapacity() {
        AdaptationEngine engine = engine(10);
        StateRestorer.Installed done =
                restorer(engine).install(List.of(new ChangelogReader.Entry(0, 7, "acme/bob", null, false)));

        assertThat(done.counts()).isEqualTo(new RestoreProgress.Counts(0, 0, 0, 1));
        assertThat(engine.notResidentUsers()).isEqualTo(1);
        assertThat(rejectReasons(engine, sample(0, 20, "acme/bob", "b-9"))).containsExactly(RejectReason.CAPACITY);
    }

    /**
     * A changelog that hands out its entries only once {@code release} opens, as a slow read would.
     * With {@code heedCancel} it stops when the restore is cancelled, as the real read does at each
     * poll; without, it returns its entries anyway, as a read past its last poll does.
     */
    private static final class HeldChangelog extends ChangelogReader {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch reading = new CountDownLatch(1);
        final List<Entry> entries;
        final boolean heedCancel;
        final AtomicReference<RuntimeException> failure = new AtomicReference<>();

        HeldChangelog(List<Entry> entries, boolean heedCancel) {
            super("localhost:1");
            this.entries = entries;
            this.heedCancel = heedCancel;
        }

        @Override
        public List<Entry> newest(List<Integer> partitionNumbers, int valueBudget, BooleanSupplier cancelled) {
            reading.countDown();
            try {
                while (!release.await(10, TimeUnit.MILLISECONDS)) {
                    if (heedCancel && cancelled.getAsBoolean()) {
                        throw new CancellationException("reading changelog cancelled");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            return entries;
        }
    }

    private static StateRestorer asyncRestorer(
            AdaptationEngine engine, ChangelogReader changelog, List<Integer> exits) {
        StateRestorer restorer = restorer(engine);
        restorer.faults = NoFaults.INSTANCE;
        restorer.changelog = changelog;
        restorer.processExit = new ProcessExit(exits::add);
        restorer.start();
        return restorer;
    }

    private static MockConsumer<byte[], byte[]> assignedConsumer(TopicPartition... partitions) {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        consumer.assign(List.of(partitions));
        return consumer;
    }

    /** A batch of samples partition {@code partition} waiting for its restore on a thread of its own. */
    private static final class WaitingBatch extends Thread {
        final AtomicReference<Object> outcome = new AtomicReference<>();

        WaitingBatch(StateRestorer restorer, int partition, int generation) {
            this.restorer = restorer;
            this.partition = partition;
            this.generation = generation;
        }

        private final StateRestorer restorer;
        private final int partition;
        private final int generation;

        @Override
        public void run() {
            try {
                outcome.set(restorer.awaitRestored(List.of(partition), List.of(), generation));
            } catch (Exception e) {
                outcome.set(e);
            }
        }

        /** Starts it and returns once it waits. */
        WaitingBatch waiting() throws InterruptedException {
            start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (getState() != State.WAITING && getState() != State.TIMED_WAITING) {
                assertThat(System.nanoTime()).as("the batch waits within 10 s").isLessThan(deadline);
                Thread.sleep(1);
            }
            return this;
        }

        Object outcome() throws InterruptedException {
            join(10_000);
            assertThat(isAlive()).as("the batch stopped waiting within 10 s").isFalse();
            return outcome.get();
        }
    }

    @Test
    void theRebalanceListenerReturnsAtOnceAndABatchWaitsForTheRestoreOffThePollingThread() throws Exception {
        AdaptationEngine engine = engine(10);
        HeldChangelog changelog =
                new HeldChangelog(List.of(entry(1, 5, "acme/alice", trained("acme/alice", 1, 2))), true);
        List<Integer> exits = new ArrayList<>();
        StateRestorer restorer = asyncRestorer(engine, changelog, exits);
        TopicPartition samples = new TopicPartition(Topics.SAMPLES, 1);
        MockConsumer<byte[], byte[]> consumer = assignedConsumer(samples);
        int generation = consumer.groupMetadata().generationId();
        try {
            restorer.onPartitionsAssigned(consumer, List.of(samples));

            assertThat(changelog.reading.await(10, TimeUnit.SECONDS))
                    .as("the changelog is read on a restore thread")
                    .isTrue();
            assertThat(restorer.progress.restoring()).containsExactly(1);
            WaitingBatch batch = new WaitingBatch(restorer, 1, generation).waiting();
            assertThat(batch.isAlive())
                    .as("a batch of the partition waits while its restore runs")
                    .isTrue();
            assertThatThrownBy(() -> restorer.awaitRestored(List.of(2), List.of(), generation))
                    .as("a batch of a samples partition not assigned here is not applied")
                    .isInstanceOf(PartitionsRevokedException.class);
            assertThatThrownBy(() -> restorer.awaitRestored(List.of(1), List.of(), generation + 1))
                    .as("nor one polled in another generation of the group")
                    .isInstanceOf(PartitionsRevokedException.class);

            changelog.release.countDown();

            assertThat(batch.outcome())
                    .as("the revocation count at the assignment")
                    .isEqualTo(0L);
            assertThat(version(engine, ALICE)).isEqualTo(2);
            assertThat(restorer.progress.restoring()).isEmpty();
            assertThat(restorer.progress.assignedOnce()).isTrue();
            assertThat(exits).isEmpty();
        } finally {
            restorer.stop();
        }
    }

    @Test
    void aRevocationCancelsTheRestoreWithoutWaitingAndItInstallsNothingAfter() throws Exception {
        AdaptationEngine engine = engine(10);
        // a read that returns its records even after the cancel: the install must still change nothing
        HeldChangelog changelog =
                new HeldChangelog(List.of(entry(1, 5, "acme/alice", trained("acme/alice", 1, 2))), false);
        List<Integer> exits = new ArrayList<>();
        StateRestorer restorer = asyncRestorer(engine, changelog, exits);
        TopicPartition samples = new TopicPartition(Topics.SAMPLES, 1);
        MockConsumer<byte[], byte[]> consumer = assignedConsumer(samples);
        int generation = consumer.groupMetadata().generationId();
        try {
            restorer.onPartitionsAssigned(consumer, List.of(samples));
            assertThat(changelog.reading.await(10, TimeUnit.SECONDS)).isTrue();
            WaitingBatch batch = new WaitingBatch(restorer, 1, generation).waiting();

            restorer.onPartitionsRevoked(consumer, List.of(samples)); // returns with the read still held

            assertThat(batch.outcome()).isInstanceOf(PartitionsRevokedException.class);
            assertThat(restorer.progress.restoring()).isEmpty();
            changelog.release.countDown(); // the read returns alice's record after the revocation
            restorer.stop(); // waits for the restore thread
            assertThat(engine.user(ALICE))
                    .as("nothing installed after the revocation")
                    .isNull();
            assertThat(exits).as("a revocation is no failure").isEmpty();
        } finally {
            restorer.stop();
        }
    }

    @Test
    void aBatchOfAPartitionAssignedAgainWaitsForTheNewRestore() throws Exception {
        AdaptationEngine engine = engine(10);
        HeldChangelog first = new HeldChangelog(List.of(entry(1, 5, "acme/alice", trained("acme/alice", 1, 2))), true);
        List<Integer> exits = new ArrayList<>();
        StateRestorer restorer = asyncRestorer(engine, first, exits);
        TopicPartition samples = new TopicPartition(Topics.SAMPLES, 1);
        MockConsumer<byte[], byte[]> consumer = assignedConsumer(samples);
        int generation = consumer.groupMetadata().generationId();
        try {
            restorer.onPartitionsAssigned(consumer, List.of(samples));
            assertThat(first.reading.await(10, TimeUnit.SECONDS)).isTrue();
            restorer.onPartitionsRevoked(consumer, List.of(samples));

            HeldChangelog again = new HeldChangelog(first.entries, true);
            restorer.changelog = again;
            restorer.onPartitionsAssigned(consumer, List.of(samples));
            WaitingBatch batch = new WaitingBatch(restorer, 1, generation).waiting();
            assertThat(again.reading.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(batch.isAlive()).as("waits for the new restore").isTrue();
            again.release.countDown();

            assertThat(batch.outcome()).isEqualTo(1L);
            assertThat(version(engine, ALICE)).isEqualTo(2);
            assertThat(exits).isEmpty();
        } finally {
            first.release.countDown();
            restorer.stop();
        }
    }

    @Test
    void revokingAnAssignmentOfTwoPartitionsMidRestoreLeavesNeitherRestoring() throws Exception {
        AdaptationEngine engine = engine(10);
        HeldChangelog changelog = new HeldChangelog(List.of(), true);
        StateRestorer restorer = asyncRestorer(engine, changelog, new ArrayList<>());
        TopicPartition zero = new TopicPartition(Topics.SAMPLES, 0);
        TopicPartition one = new TopicPartition(Topics.SAMPLES, 1);
        MockConsumer<byte[], byte[]> consumer = assignedConsumer(zero, one);
        try {
            restorer.onPartitionsAssigned(consumer, List.of(zero, one));
            assertThat(changelog.reading.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(restorer.progress.restoring()).containsExactlyInAnyOrder(0, 1);

            restorer.onPartitionsRevoked(consumer, List.of(zero, one));

            assertThat(restorer.progress.restoring()).isEmpty();
        } finally {
            changelog.release.countDown();
            restorer.stop();
        }
    }

    @Test
    void aControlPartitionWithoutItsSamplesPartitionIsRefusedUnlessNoSamplesPartitionHasItsNumber() throws Exception {
        AdaptationEngine engine = engine(10);
        HeldChangelog changelog = new HeldChangelog(List.of(), true);
        changelog.release.countDown();
        StateRestorer restorer = asyncRestorer(engine, changelog, new ArrayList<>());
        TopicPartition samples = new TopicPartition(Topics.SAMPLES, 0);
        MockConsumer<byte[], byte[]> consumer = assignedConsumer(samples);
        int generation = consumer.groupMetadata().generationId();
        engine.checkPartitions(2);
        try {
            restorer.onPartitionsAssigned(consumer, List.of(samples));
            assertThat(restorer.awaitRestored(List.of(0), List.of(0), generation))
                    .isZero();

            assertThatThrownBy(() -> restorer.awaitRestored(List.of(), List.of(1), generation))
                    .as("samples partition 1 is another instance's")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("must have the partition count");
            assertThat(restorer.awaitRestored(List.of(), List.of(2), generation))
                    .as("no samples partition 2: its commands are all WRONG_PARTITION")
                    .isZero();
        } finally {
            restorer.stop();
        }
    }

    @Test
    void aRestoreThatFailsOffThePollingThreadFailsItsBatchesKeepsThemRestoringAndExits() throws Exception {
        AdaptationEngine engine = engine(10);
        HeldChangelog changelog = new HeldChangelog(List.of(), true);
        changelog.failure.set(new IllegalStateException("reading changelog partitions stood still for 120 s"));
        changelog.release.countDown();
        List<Integer> exits = new ArrayList<>();
        StateRestorer restorer = asyncRestorer(engine, changelog, exits);
        TopicPartition samples = new TopicPartition(Topics.SAMPLES, 1);
        MockConsumer<byte[], byte[]> consumer = assignedConsumer(samples);
        try {
            restorer.onPartitionsAssigned(consumer, List.of(samples));

            WaitingBatch batch = new WaitingBatch(restorer, 1, Integer.MIN_VALUE); // generation unknown
            batch.start();
            assertThat(batch.outcome())
                    .isInstanceOfSatisfying(
                            IllegalStateException.class,
                            e -> assertThat(e.getMessage())
                                    .contains("restoring the state of samples partitions [1] failed"));
            assertThat(restorer.progress.restoring()).containsExactly(1);
            assertThat(RestoreProgress.ready(restorer.progress.assignedOnce(), restorer.progress.restoring()))
                    .isFalse();
            assertThat(exits).containsExactly(ProcessExit.EXIT_CODE);
        } finally {
            restorer.stop();
        }
    }
}
