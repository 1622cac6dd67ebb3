package dev.headstream.adapter.state;

import java.util.List;

/**
 * A batch holds records of samples partitions this instance no longer owns: revoked before their
 * state restore ended, or before the batch came to be applied. The batch is not this instance's to
 * apply any more. A rebalance, not a failure: its transaction aborts, and the partition's owner
 * consumes its records again from the committed offsets.
 */
public final class PartitionsRevokedException extends RuntimeException {

    public PartitionsRevokedException(List<Integer> partitions, String when) {
        super("samples partitions " + partitions + " were revoked " + when);
    }
}
