package dev.headstream.adapter.fault;

import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * Where a test may make the adapter fail on purpose. The production path calls these hooks at
 * fixed points and holds no fault logic of its own; {@link NoFaults} does nothing at each.
 *
 * <p>Call order per batch: {@link #beforeProcessing} before each time the engine processes the
 * batch or a part of it (once, unless processing fails and the batch is retried or its failing
 * record isolated), then {@link #inTransaction} once, after the batch's records were handed to the
 * transaction and before its commit. Per partition assignment: {@link #beforeRestore} once,
 * on the restore's thread, after the partitions count as restoring and before their state is
 * read. Implementations are thread-safe (the hooks run on different threads).
 */
public interface FaultInjector {

    /**
     * Runs inside a batch's open transaction; the commit waits for the returned {@code Uni}.
     *
     * @param sampleOffsets the {@code headstream.samples} offsets the batch holds (control records not included)
     * @return completes when the commit may go ahead; it may also never complete (the JVM halts)
     */
    Uni<Void> inTransaction(List<Long> sampleOffsets);

    /**
     * Runs on the flow's thread right before the engine processes {@code sampleValues}: a whole
     * batch's samples, or, while a failing record is isolated, a part of them.
     *
     * @param sampleValues the values of the {@code headstream.samples} records about to be processed, in order
     * @throws IllegalStateException to make this processing fail
     */
    void beforeProcessing(List<byte[]> sampleValues);

    /**
     * Runs before the state of newly assigned samples partitions is restored, holding the restore
     * (on its own thread: the consumer keeps polling, the partitions' batches wait) as long as it takes.
     *
     * @param samplesPartitions the assigned {@code headstream.samples} partition numbers, sorted
     * @throws InterruptedException if the restore's thread is interrupted meanwhile
     */
    void beforeRestore(List<Integer> samplesPartitions) throws InterruptedException;
}
