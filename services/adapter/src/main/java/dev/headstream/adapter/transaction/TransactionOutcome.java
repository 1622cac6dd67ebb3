package dev.headstream.adapter.transaction;

import io.smallrye.mutiny.CompositeException;
import java.time.Duration;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * What became of a batch's transaction. Only {@link Committed} lets the batch's state go live; every
 * other outcome drops it, and the batch is consumed again (by this instance or by its partitions'
 * next owner). {@link ProcessExit} decides which outcomes end the process.
 */
public sealed interface TransactionOutcome {

    /**
     * The transaction committed: the coordinator has recorded the commit, so its records and offsets
     * are durable; {@code read_committed} readers see them once the coordinator has written its
     * markers, a moment later.
     *
     * @param byProducer true when the transactional producer's own commit was seen to return
     *                   normally ({@link CommitEvidence}); false when the group coordinator was
     *                   asked and showed the batch's offsets committed ({@link CommitCheck})
     */
    record Committed(boolean byProducer) implements TransactionOutcome {}

    /**
     * A rebalance took the batch's partitions while its transaction was open: the coordinator
     * refused the old generation's offsets and the transaction aborted. The partitions' next owner
     * restores their state from the changelog and re-reads them from the committed offsets.
     */
    record Revoked() implements TransactionOutcome {}

    /**
     * The transaction reported done but its offsets are not committed (SmallRye reports a commit
     * that failed and was then aborted as done), with no rebalance to explain it: this consumer has
     * moved past a batch that did not commit.
     */
    record SilentlyAborted() implements TransactionOutcome {}

    /**
     * The transaction failed and was aborted, with a producer that still works: the consumer
     * rewinds to the committed offsets.
     *
     * @param cause what failed
     */
    record Aborted(Throwable cause) implements TransactionOutcome {}

    /**
     * The transactional producer was fenced (another instance took its transactional id, or its
     * epoch is stale): it will never send again.
     *
     * @param cause the failure that says so
     */
    record Fenced(Throwable cause) implements TransactionOutcome {}

    /**
     * A batch's commit neither finished nor failed within {@code limit}: the producer is stuck,
     * and the instance would keep its partitions while processing nothing.
     *
     * @param limit {@code headstream.transaction-stuck-exit-seconds}
     */
    record Stuck(Duration limit) implements TransactionOutcome {}

    /**
     * The outcome of a transaction that completed without failure.
     *
     * @param byProducer       whether the producer's own commit is known to have returned normally
     * @param offsetsCommitted whether, failing that, the coordinator shows the batch's offsets committed
     * @param revoked          whether a rebalance took the batch's partitions meanwhile
     */
    static TransactionOutcome completed(boolean byProducer, boolean offsetsCommitted, boolean revoked) {
        if (byProducer || offsetsCommitted) {
            return new Committed(byProducer);
        }
        return revoked ? new Revoked() : new SilentlyAborted();
    }

    /** The outcome of a transaction that failed with {@code failure}. */
    static TransactionOutcome failed(Throwable failure) {
        return fenced(failure) ? new Fenced(failure) : new Aborted(failure);
    }

    /**
     * Whether {@code e}, a cause, a suppressed exception or a member of a Mutiny
     * {@link CompositeException} says the producer was fenced.
     */
    static boolean fenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                return true;
            }
            if (t instanceof CompositeException c && c.getCauses().stream().anyMatch(TransactionOutcome::fenced)) {
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
}
