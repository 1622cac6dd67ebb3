package dev.headstream.adapter.flow;

import dev.headstream.adapter.state.ChangelogReader;
import dev.headstream.adapter.transaction.ProcessExit;
import dev.headstream.adapter.transaction.TransactionOutcome;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.adapt.state.UserStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Settles a batch once its transaction has an outcome: a committed batch's staged state goes live
 * and is counted as committed; any other outcome drops the staged state (the batch is consumed
 * again), is counted as aborted, and goes to {@link ProcessExit}, which ends the process when the
 * outcome requires it. {@link PartitionRetries} learns each outcome: an abort lengthens the batch's
 * partitions' abort streak, a commit or a rebalance ends it. Runs on the flow's thread, one batch at
 * a time.
 */
@ApplicationScoped
public class BatchSettlement {

    private static final Logger LOG = Logger.getLogger(BatchSettlement.class);

    @Inject
    AdaptationEngine engine;

    @Inject
    AdapterMetrics metrics;

    @Inject
    ProcessExit processExit;

    @Inject
    PartitionRetries retries;

    @Inject
    ChangelogReader changelog;

    /** Longest read of a gap before a checkpoint (a transaction still open there makes it not clean). */
    private static final Duration GAP_CHECK = Duration.ofSeconds(2);

    /**
     * @param outcome   what became of the batch's transaction
     * @param batch     the batch
     * @param result    what the engine computed for it (staged, not yet live)
     * @param records   its transaction's records (the changelog's carry their offsets once sent)
     * @param startNanos {@code System.nanoTime()} when its processing began
     */
    void settle(
            TransactionOutcome outcome,
            IncomingBatch batch,
            BatchResult result,
            List<Message<byte[]>> records,
            long startNanos) {
        if (outcome instanceof TransactionOutcome.Committed) {
            try {
                engine.commit(result, verified(ChangelogSpans.of(records)));
            } catch (RuntimeException e) {
                // the batch is committed on Kafka but not in the engine: no later batch may build on the
                // state before it (the engine refuses them); a restart restores from the changelog
                engine.stop("a committed batch could not be made live (" + e.getMessage() + ")");
                if (engine.isClosed()) {
                    LOG.infof("a batch committed while the service shut down; its restart restores it (%s)", e);
                } else {
                    LOG.errorf(e, "a committed batch could not be made live");
                    processExit.fatal("a committed batch could not be made live (" + e.getMessage() + ")");
                }
                throw e;
            }
            retries.committed(batch.startOffsets().keySet());
            metrics.committed(result, batch.records(), since(startNanos));
            return;
        }
        if (outcome instanceof TransactionOutcome.Revoked) {
            retries.forget(batch.startOffsets().keySet());
            LOG.warnf(
                    "a rebalance during the transaction of a batch of %d records: its offsets were not committed;"
                            + " state changes dropped, the batch is consumed again by its partitions' owner",
                    batch.records());
        } else if (outcome instanceof TransactionOutcome.Aborted a) {
            logAborted(batch, a.cause(), retries.aborted(batch.startOffsets()));
        } else if (outcome instanceof TransactionOutcome.Fenced f) {
            logAborted(batch, f.cause(), retries.aborted(batch.startOffsets()));
        }
        metrics.aborted(batch.records(), since(startNanos));
        processExit.onOutcome(outcome);
    }

    /**
     * {@code spans} with each span that does not start where the state store's checkpoint expects
     * ({@link AdaptationEngine#expectedChangelogNext}) widened back to it when the changelog holds no
     * committed record between the two (only aborted records and markers, e.g. of a transaction a
     * killed instance left open); a span left as it is makes the store drop that partition's checkpoint.
     */
    private Map<Integer, UserStore.ChangelogSpan> verified(Map<Integer, UserStore.ChangelogSpan> spans) {
        Map<Integer, UserStore.ChangelogSpan> out = new HashMap<>(spans);
        spans.forEach((p, span) -> {
            long next = engine.expectedChangelogNext(p);
            if (next < 0 || span.from() <= next) {
                return; // no checkpoint here (the heap store, a partition not held), or no gap
            }
            // read from the checkpoint itself, not from where the next record was expected: after a batch,
            // that offset holds its commit marker, unless another writer's record landed before it
            long checkpoint = engine.changelogCheckpoint(p);
            if (checkpoint >= 0 && changelog.noCommittedRecords(p, checkpoint, span.from(), GAP_CHECK)) {
                out.put(p, new UserStore.ChangelogSpan(checkpoint, span.end()));
            } else {
                LOG.infof(
                        "changelog partition %d: offsets %d to %d before this batch's records may hold another"
                                + " writer's; the state store's checkpoint is dropped (the next restore of the"
                                + " partition reads it from the start)",
                        p, checkpoint, span.from());
            }
        });
        return out;
    }

    private static void logAborted(IncomingBatch batch, Throwable cause, int streak) {
        LOG.warnf(
                "transaction for %d samples aborted (%s); state changes dropped, batch will be re-consumed"
                        + " (%d abort%s in a row from %s)",
                batch.samples().size(), cause.toString(), streak, streak == 1 ? "" : "s", batch.startOffsets());
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
