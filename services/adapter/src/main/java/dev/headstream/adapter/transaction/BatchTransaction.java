package dev.headstream.adapter.transaction;

import dev.headstream.adapter.Channels;
import dev.headstream.adapter.fault.FaultInjector;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Runs a batch's Kafka transaction on the transactional channel {@value Channels#OUT}: its output
 * records and consumed offsets commit together or not at all. {@link #run} reports what happened
 * as a {@link TransactionOutcome} and never fails; {@link #abort} aborts a batch whose processing
 * failed. One transaction at a time (SmallRye's {@link KafkaTransactions}); the
 * {@link TransactionWatchdog} watches each commit. A batch counts as committed when the producer's
 * commit returned normally ({@link CommitEvidence}), else when the coordinator shows its offsets
 * committed ({@link CommitCheck}).
 */
@ApplicationScoped
public class BatchTransaction {

    @Inject
    @Channel(Channels.OUT)
    KafkaTransactions<byte[]> transactions;

    @Inject
    CommitCheck commitCheck;

    @Inject
    CommitEvidence evidence;

    @Inject
    FaultInjector faults;

    @Inject
    TransactionWatchdog watchdog;

    /**
     * Sends {@code records} and commits them with the batch's offsets.
     *
     * @param batch         the consumed batch, whose offsets the transaction commits
     * @param records       the batch's output records
     * @param sampleOffsets the batch's {@code headstream.samples} offsets (for the fault seam)
     * @param nextOffsets   per partition, the offset after the batch's last record
     * @param revoked       whether a rebalance took the batch's partitions since it was processed
     * @return the outcome, once the producer's commit is known to have returned normally
     *     ({@link CommitEvidence}) or, failing that, the coordinator has been asked about the offsets
     */
    public Uni<TransactionOutcome> run(
            KafkaRecordBatch<byte[], byte[]> batch,
            List<Message<byte[]>> records,
            List<Long> sampleOffsets,
            Map<TopicPartition, Long> nextOffsets,
            BooleanSupplier revoked) {
        // withTransaction, not withTransactionAndAck: the latter turns a failed transaction into a
        // nack and then completes normally, which would make an aborted batch's state live
        // read inside the transaction (begun by then): no other commit of this producer can come between
        AtomicReference<Double> commitsBefore = new AtomicReference<>(Double.NaN);
        return transactions
                .withTransaction(batch, emitter -> {
                    commitsBefore.set(evidence.commitTimeTotal());
                    records.forEach(emitter::send);
                    return faults.inTransaction(sampleOffsets).invoke(watchdog::commitStarted);
                })
                .invoke(watchdog::commitEnded)
                .map(done -> {
                    // the producer's own commit returned normally: committed, without a round trip to the
                    // coordinator; otherwise (a commit SmallRye aborted and reported done) ask it
                    boolean byProducer = evidence.committedSince(commitsBefore.get());
                    boolean committed = byProducer || commitCheck.awaitCommitted(nextOffsets, revoked);
                    return TransactionOutcome.completed(byProducer, committed, !committed && revoked.getAsBoolean());
                })
                .onFailure()
                .recoverWithItem(TransactionOutcome::failed)
                .onTermination()
                .invoke(watchdog::commitEnded); // also when cancelled
    }

    /**
     * Aborts the transaction of a batch whose processing failed, so that its offsets are not
     * committed and it is consumed again; the abort's own failure is dropped (nothing was sent).
     */
    public Uni<Void> abort(KafkaRecordBatch<byte[], byte[]> batch, RuntimeException cause) {
        watchdog.commitStarted();
        return transactions
                .withTransactionAndAck(batch, emitter -> Uni.createFrom().<Void>failure(cause))
                .onFailure()
                .recoverWithNull()
                .onTermination()
                .invoke(watchdog::commitEnded);
    }
}
