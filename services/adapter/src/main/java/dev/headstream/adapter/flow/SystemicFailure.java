package dev.headstream.adapter.flow;

/**
 * Processing a batch fails, and not because of one of its records: it fails without any of them, or
 * the record bisection named does not fail again on its own, or more records would be isolated than
 * {@link IsolationBudget} allows. The batch's transaction aborts (nothing of it commits, nothing is
 * rejected) and its partitions are stalled until a batch from there commits ({@link PartitionRetries#systemic}).
 */
final class SystemicFailure extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    SystemicFailure(String message, Throwable cause) {
        super(cause == null ? message : message + " (" + cause + ")", cause);
    }
}
