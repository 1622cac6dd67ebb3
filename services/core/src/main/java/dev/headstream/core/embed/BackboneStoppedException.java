package dev.headstream.core.embed;

/**
 * The backbone no longer runs its models: the process is shutting down (a JVM shutdown refuses new
 * model runs so that the model runtime can be released after the runs in flight). No record's
 * fault: a batch that meets it is aborted whole, never isolated record by record, and consumed
 * again by the next owner of its partitions.
 */
public final class BackboneStoppedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public BackboneStoppedException(String message) {
        super(message);
    }

    /** Whether {@code t} or one of its causes is a {@link BackboneStoppedException}. */
    public static boolean in(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof BackboneStoppedException) {
                return true;
            }
        }
        return false;
    }
}
