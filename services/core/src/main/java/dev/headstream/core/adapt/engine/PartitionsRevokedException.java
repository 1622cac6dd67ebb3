package dev.headstream.core.adapt.engine;

import java.util.List;

/**
 * A batch holds records of samples partitions this instance no longer owns: revoked before their
 * state restore ended, or before the batch came to be applied ({@link AdaptationEngine#process(List,
 * List, long, long)}), or polled in an earlier generation of the consumer group. The batch is not
 * this instance's to apply: a rebalance, not a failure; its transaction aborts, and the partitions'
 * owner consumes the records again from the committed offsets.
 */
public final class PartitionsRevokedException extends RuntimeException {

    public PartitionsRevokedException(List<Integer> partitions, String when) {
        super("samples partitions " + partitions + " " + when);
    }
}
