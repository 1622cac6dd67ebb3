package dev.headstream.adapter.flow;

import dev.headstream.adapter.Channels;
import dev.headstream.adapter.state.StateRestorer;
import dev.headstream.adapter.transaction.BatchTransaction;
import dev.headstream.adapter.transaction.CommitCheck;
import dev.headstream.adapter.transaction.ProcessExit;
import dev.headstream.adapter.transaction.TransactionOutcome;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.adapt.engine.PartitionsRevokedException;
import dev.headstream.core.embed.BackboneStoppedException;
import dev.headstream.schemas.Topics;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * The adaptation flow: consumes batches from {@code headstream.samples} and
 * {@code headstream.control} (channel {@value Channels#SAMPLES}), has the {@link AdaptationEngine}
 * validate, embed, score and train on them ({@link BatchPreparation}), and emits, through the
 * transactional channel {@value Channels#OUT}, one Kafka transaction per batch holding its
 * {@code headstream.heads} updates, {@code headstream.metrics} records, {@code headstream.rejected}
 * records, the touched users' {@code headstream.adapter-state} changelog records and the batch's
 * consumed offsets.
 *
 * <p>The engine computes on copies of the touched users' state; the copies replace the live state
 * only after the transaction committed ({@link BatchSettlement}). If the transaction aborts, the
 * copies are dropped and the consumer rewinds to the last committed offsets, so the batch is applied
 * again from the same state, after a wait that doubles while the same batch keeps aborting
 * ({@link PartitionRetries}). A record that makes processing fail every time is isolated and
 * rejected, and the rest of its batch applied ({@link PoisonIsolation}); a failure that is no
 * record's (systemic), or an {@link Error}, aborts the batch and stalls its partitions. A batch
 * first waits for the state restore of its partitions ({@link StateRestorer#awaitRestored}), which
 * runs off the polling thread. Runs on a worker thread, one batch at a time.
 */
@ApplicationScoped
public class SampleProcessor {

    private static final Logger LOG = Logger.getLogger(SampleProcessor.class);

    @Inject
    AdaptationEngine engine;

    @Inject
    BatchPreparation preparation;

    @Inject
    BatchTransaction transaction;

    @Inject
    BatchSettlement settlement;

    @Inject
    CommitCheck commitCheck;

    @Inject
    PartitionRetries retries;

    @Inject
    AdapterMetrics metrics;

    @Inject
    ProcessExit exit;

    @Inject
    @Identifier(StateRestorer.NAME)
    StateRestorer restorer;

    @Incoming(Channels.SAMPLES)
    @Blocking
    public Uni<Void> process(KafkaRecordBatch<byte[], byte[]> batch) {
        IncomingBatch in = IncomingBatch.of(batch);
        Duration wait = retries.backoffBefore(in.startOffsets());
        if (!wait.isZero()) {
            LOG.warnf(
                    "the transaction of the batch from %s aborted before: waiting %d ms before trying it again",
                    in.startOffsets(), wait.toMillis());
            sleep(wait);
        }
        long ownedSince;
        try {
            ownedSince = restorer.awaitRestored(in.samplesPartitions(), in.controlPartitions(), generation(batch));
        } catch (PartitionsRevokedException e) {
            return notOurs(batch, in, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return transaction.abort(batch, new IllegalStateException("interrupted while waiting for a restore", e));
        } catch (RuntimeException e) {
            // the restore failed (the process is exiting): nothing of the batch is applied
            LOG.errorf("a batch from %s is not applied: %s", in.startOffsets(), e.getMessage());
            retries.systemic(in.startOffsets());
            metrics.systemic("failure");
            return transaction.abort(batch, e);
        }
        long now = System.currentTimeMillis();
        long t0 = System.nanoTime();
        BatchPreparation.Prepared prepared;
        try {
            prepared = preparation.prepare(in, now, ownedSince);
        } catch (PartitionsRevokedException e) {
            return notOurs(batch, in, e);
        } catch (RuntimeException e) {
            if (BackboneStoppedException.in(e)) {
                // the process is stopping (its model runtime refuses new runs): no failure to count
                LOG.infof(
                        "stopping: a batch of %d records from %s is not applied (the backbone no longer runs"
                                + " models); aborting its transaction, the partitions' next owner consumes it again",
                        in.records(), in.startOffsets());
                metrics.aborted(in.records(), Duration.ofNanos(System.nanoTime() - t0));
                return transaction.abort(batch, e);
            }
            // systemic, not a record's failure (SystemicFailure): abort so that nothing of the batch
            // commits and it is consumed again, after a wait; its partitions stall (readiness DOWN)
            int streak = retries.systemic(in.startOffsets());
            LOG.errorf(
                    e,
                    "processing a batch of %d records failed, and not because of one of its records (systemic);"
                            + " aborting its transaction, nothing of it commits or is rejected, and its partitions"
                            + " are stalled until it passes (%d in a row from %s)",
                    in.records(),
                    streak,
                    in.startOffsets());
            metrics.systemic("failure");
            metrics.aborted(in.records(), Duration.ofNanos(System.nanoTime() - t0));
            return transaction.abort(batch, e);
        } catch (Error e) {
            // not isolated (an Error is no record's to reject) and never swallowed: the batch's
            // transaction aborts as for a systemic failure; past a VirtualMachineError (out of memory,
            // stack overflow) the JVM cannot be trusted, and the process exits once the abort is done
            int streak = retries.systemic(in.startOffsets());
            LOG.errorf(
                    e,
                    "processing a batch of %d records failed with %s; aborting its transaction, nothing of it"
                            + " commits (%d in a row from %s)",
                    in.records(),
                    e.getClass().getName(),
                    streak,
                    in.startOffsets());
            metrics.systemic("error");
            metrics.aborted(in.records(), Duration.ofNanos(System.nanoTime() - t0));
            Uni<Void> aborted = transaction.abort(batch, new IllegalStateException("processing failed with " + e, e));
            if (e instanceof VirtualMachineError fatal) {
                return aborted.onTermination()
                        .invoke(() -> exit.onFatal("processing a batch from " + in.startOffsets(), fatal));
            }
            return aborted;
        }
        BatchResult result = prepared.result();
        long ready = System.nanoTime();
        return transaction
                .run(
                        batch,
                        prepared.records(),
                        in.sampleOffsets(),
                        in.nextOffsets(),
                        () -> engine.revokedDuring(result))
                .invoke(outcome -> {
                    Duration took = Duration.ofNanos(System.nanoTime() - ready);
                    metrics.transaction(took, Duration.ofNanos(commitCheck.takeLastNanos()));
                    settlement.settle(outcome, in, result, prepared.records(), t0);
                    if (outcome instanceof TransactionOutcome.Committed c) {
                        metrics.commitConfirmed(c.byProducer());
                        metrics.latencies(
                                sampleTimestamps(batch),
                                now,
                                Duration.ofNanos(ready - t0),
                                took,
                                System.currentTimeMillis());
                    }
                })
                .chain(() -> Uni.createFrom().completionStage(batch.ack()));
    }

    /**
     * A batch of partitions this instance no longer owns: a rebalance, not a failure; its transaction
     * aborts unapplied, and the partitions' owner consumes the records again.
     */
    private Uni<Void> notOurs(KafkaRecordBatch<byte[], byte[]> batch, IncomingBatch in, PartitionsRevokedException e) {
        LOG.infof("a batch from %s is not applied: %s", in.startOffsets(), e.getMessage());
        return transaction.abort(batch, e);
    }

    /** The consumer group generation {@code batch} was polled in, or {@link Integer#MIN_VALUE} if SmallRye did not say. */
    private static int generation(KafkaRecordBatch<byte[], byte[]> batch) {
        return batch.getMetadata(IncomingKafkaRecordBatchMetadata.class)
                .map(IncomingKafkaRecordBatchMetadata::getConsumerGroupGenerationId)
                .orElse(Integer.MIN_VALUE);
    }

    /** The record timestamps of the batch's samples (not its control commands), 0 where a record has none. */
    private static long[] sampleTimestamps(KafkaRecordBatch<byte[], byte[]> batch) {
        List<Long> out = new ArrayList<>();
        for (KafkaRecord<byte[], byte[]> r : batch) {
            if (Topics.SAMPLES.equals(r.getTopic())) {
                out.add(r.getTimestamp() == null ? 0L : r.getTimestamp().toEpochMilli());
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
