package dev.headstream.adapter;

import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.schemas.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * The adaptation flow: consumes batches from {@code headstream.samples} and
 * {@code headstream.control} (channel {@value Channels#SAMPLES}), has the {@link AdaptationEngine} validate, embed, score and train
 * on them, and emits, through the transactional channel {@value Channels#OUT}, one Kafka
 * transaction per batch holding its {@code headstream.heads} updates, {@code headstream.metrics}
 * records, {@code headstream.rejected} records, the touched users' {@code headstream.adapter-state}
 * changelog records and the batch's consumed offsets.
 *
 * <p>The engine computes on copies of the touched users' state; the copies replace the live
 * state only after the transaction committed. If the transaction aborts, the copies are dropped
 * and the consumer rewinds to the last committed offsets, so the batch is applied again from
 * the same state. Runs on a worker thread, one batch at a time.
 */
@ApplicationScoped
public class SampleProcessor {

    private static final Logger LOG = Logger.getLogger(SampleProcessor.class);

    @Inject
    @Channel(Channels.OUT)
    KafkaTransactions<byte[]> transactions;

    @Inject
    AdaptationEngine engine;

    @Inject
    AdapterMetrics metrics;

    @Inject
    HeadstreamConfig config;

    @Inject
    CommitCheck commitCheck;

    /** Exit code when a batch's transaction did not commit as reported, or the producer was fenced. */
    static final int FENCED_EXIT_CODE = 3;

    /** When the running batch's work ended and its commit began ({@code System.nanoTime()}); 0 = none pending. */
    private final java.util.concurrent.atomic.AtomicLong finishingSince = new java.util.concurrent.atomic.AtomicLong();
    private java.util.concurrent.ScheduledExecutorService watchdog;

    @jakarta.annotation.PostConstruct
    void startWatchdog() {
        watchdog = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "headstream-transaction-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.scheduleAtFixedRate(this::exitIfStuck, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    @jakarta.annotation.PreDestroy
    void stopWatchdog() {
        watchdog.shutdownNow();
    }

    /**
     * Exits with {@link #FENCED_EXIT_CODE} when a batch's commit has neither finished nor failed
     * within {@code headstream.transaction-stuck-exit-seconds}: this instance would otherwise keep
     * its group membership, and could be assigned partitions, with a pipeline that processes
     * nothing.
     */
    void exitIfStuck() {
        long since = finishingSince.get();
        long limit = java.util.concurrent.TimeUnit.SECONDS.toNanos(config.transactionStuckExitSeconds());
        if (since != 0 && System.nanoTime() - since > limit && finishingSince.compareAndSet(since, 0)) {
            LOG.errorf("a batch's transaction did not finish committing or aborting within %d s: exiting with code %d so"
                    + " that a restart resumes from the committed offsets", config.transactionStuckExitSeconds(),
                    FENCED_EXIT_CODE);
            io.quarkus.runtime.Quarkus.asyncExit(FENCED_EXIT_CODE);
        }
    }

    /**
     * Whether the coordinator shows the batch's offsets committed. The offsets of a transaction
     * become readable a moment after the commit returns (when the coordinator has written its
     * markers), so a missing offset is asked for again for up to 10 s before it counts as not
     * committed; at once if {@code revoked} says a rebalance took the partitions meanwhile (their
     * next owner restores from the changelog either way, so waiting gains nothing).
     */
    private boolean offsetsCommitted(java.util.Map<org.apache.kafka.common.TopicPartition, Long> next,
            java.util.function.BooleanSupplier revoked) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                if (commitCheck.committed(next, java.time.Duration.ofSeconds(10))) {
                    return true;
                }
            } catch (Exception e) {
                LOG.warnf("cannot read the committed offsets yet: %s", e.toString());
            }
            if (System.nanoTime() > deadline || revoked.getAsBoolean()) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Whether {@code e} or a cause says the producer was fenced: it cannot send again. */
    static boolean fenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.ProducerFencedException
                    || t instanceof org.apache.kafka.common.errors.InvalidProducerEpochException) {
                return true;
            }
            if (t instanceof io.smallrye.mutiny.CompositeException c && c.getCauses().stream().anyMatch(SampleProcessor::fenced)) {
                return true;
            }
            for (Throwable s : t.getSuppressed()) {
                if (fenced(s)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Incoming(Channels.SAMPLES)
    @Blocking
    public Uni<Void> process(KafkaRecordBatch<byte[], byte[]> batch) {
        List<RawSample> raw = new ArrayList<>(batch.getRecords().size());
        List<RawSample> controls = new ArrayList<>();
        java.util.Map<org.apache.kafka.common.TopicPartition, Long> next = new java.util.HashMap<>();
        for (KafkaRecord<byte[], byte[]> r : batch) {
            IncomingKafkaRecordMetadata<?, ?> meta = r.getMetadata(IncomingKafkaRecordMetadata.class)
                    .orElseThrow(() -> new IllegalStateException("batch record without Kafka metadata"));
            next.merge(new org.apache.kafka.common.TopicPartition(r.getTopic(), meta.getPartition()), meta.getOffset() + 1,
                    Math::max);
            RawSample rec = new RawSample(meta.getPartition(), meta.getOffset(), r.getKey(), r.getPayload(),
                    meta.getTimestamp() == null ? -1 : meta.getTimestamp().toEpochMilli());
            (Topics.CONTROL.equals(r.getTopic()) ? controls : raw).add(rec);
        }
        long now = System.currentTimeMillis();
        long t0 = System.nanoTime();
        int records = raw.size() + controls.size();
        BatchResult result;
        List<Message<byte[]>> out;
        try {
            result = engine.process(raw, controls, now);
            out = OutputRecords.of(result, engine.stateRecords(result), Topics.SAMPLES, now);
        } catch (RuntimeException e) {
            // A broken invariant, not bad input (bad input becomes reject records): abort so the
            // batch's offsets are not committed and it is consumed again.
            LOG.errorf(e, "processing a batch of %d samples failed; aborting its transaction", raw.size());
            metrics.aborted(records, java.time.Duration.ofNanos(System.nanoTime() - t0));
            finishingSince.set(System.nanoTime());
            return transactions.withTransactionAndAck(batch, emitter -> Uni.createFrom().failure(e))
                    .onFailure().recoverWithNull().onTermination().invoke(() -> finishingSince.set(0));
        }
        long haltAt = config.fault().haltInTransactionAtOffset();
        boolean halt = haltAt >= 0 && raw.stream().anyMatch(r -> r.offset() == haltAt);
        long pauseAt = config.fault().pauseInTransactionAtOffset();
        boolean pause = pauseAt >= 0 && raw.stream().anyMatch(r -> r.offset() == pauseAt);
        // withTransaction, not withTransactionAndAck: the latter turns a failed transaction into a
        // nack and then completes normally, which would make an aborted batch's state live
        return transactions.withTransaction(batch, emitter -> {
            out.forEach(emitter::send);
            if (pause) {
                LOG.errorf("fault injection: pausing %d s inside the transaction of the batch with offset %d",
                        config.fault().pauseSeconds(), pauseAt);
                return Uni.createFrom().voidItem().onItem().delayIt().by(java.time.Duration.ofSeconds(config.fault().pauseSeconds()))
                        .invoke(() -> finishingSince.set(System.nanoTime()));
            }
            if (halt) {
                return Uni.createFrom().voidItem().onItem().delayIt().by(java.time.Duration.ofSeconds(2)).invoke(() -> {
                    LOG.errorf("fault injection: halting inside the transaction of the batch with offset %d", haltAt);
                    Runtime.getRuntime().halt(137);
                });
            }
            finishingSince.set(System.nanoTime());
            return Uni.createFrom().voidItem();
        }).invoke(() -> {
            finishingSince.set(0);
            boolean committed = offsetsCommitted(next, () -> engine.revokedDuring(result));
            if (!committed && engine.revokedDuring(result)) {
                // A rebalance while the transaction was open: the coordinator refused the offsets of
                // the old generation and the transaction aborted. Every reassigned partition is
                // restored from the changelog and re-read from its committed offset, so dropping the
                // staged state is all there is to do.
                LOG.warnf("a rebalance during the transaction of a batch of %d records: its offsets were not committed;"
                        + " state changes dropped, the batch is consumed again by its partitions' owner", records);
                metrics.aborted(records, java.time.Duration.ofNanos(System.nanoTime() - t0));
                return;
            }
            if (!committed) {
                // The transaction did not commit (SmallRye reports a commit that failed and was
                // aborted as done): the state must not go live, and this consumer has moved past the
                // batch. Exit so that a restart resumes from the committed offsets and state.
                LOG.errorf("the transaction of a batch of %d records reported done but its offsets are not committed:"
                        + " exiting with code %d so that a restart resumes from the committed offsets", records,
                        FENCED_EXIT_CODE);
                metrics.aborted(records, java.time.Duration.ofNanos(System.nanoTime() - t0));
                io.quarkus.runtime.Quarkus.asyncExit(FENCED_EXIT_CODE);
                return;
            }
            engine.commit(result);
            metrics.committed(result, records, java.time.Duration.ofNanos(System.nanoTime() - t0));
        }).replaceWithVoid().onFailure().recoverWithUni(e -> {
                    LOG.warnf("transaction for %d samples aborted (%s); state changes dropped, batch will be re-consumed",
                            raw.size(), e.toString());
                    metrics.aborted(records, java.time.Duration.ofNanos(System.nanoTime() - t0));
                    if (fenced(e)) {
                        // A fenced transactional producer never works again, and this instance may
                        // still be assigned partitions: exit so that a restart starts a fresh producer
                        // and rejoins, instead of nacking every later batch.
                        LOG.errorf("the transactional producer was fenced (%s): exiting with code %d so that a restart"
                                + " gets a fresh producer", e.toString(), FENCED_EXIT_CODE);
                        io.quarkus.runtime.Quarkus.asyncExit(FENCED_EXIT_CODE);
                    }
                    return Uni.createFrom().voidItem();
                }).onTermination().invoke(() -> finishingSince.set(0)) // also when cancelled
                .chain(() -> Uni.createFrom().completionStage(batch.ack()));
    }
}
