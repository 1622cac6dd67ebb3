package dev.headstream.adapter.transaction;

import io.quarkus.runtime.Quarkus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.jboss.logging.Logger;

/**
 * The one owner of the adapter's own exit. Some transaction outcomes leave an instance that holds
 * partitions but cannot process them correctly (a fenced or stuck producer, a consumer past a batch
 * that did not commit); the only way back is a restart, which resumes from the committed offsets
 * and state with a fresh producer. This class decides which outcomes those are ({@link #reason}),
 * logs the reason once and asks Quarkus to exit with {@value #EXIT_CODE}; later requests are
 * ignored. Thread-safe.
 */
@ApplicationScoped
public class ProcessExit {

    /** The exit status when a transaction outcome leaves the instance unable to go on. */
    public static final int EXIT_CODE = 3;

    private static final Logger LOG = Logger.getLogger(ProcessExit.class);

    private final IntConsumer exit;
    private final AtomicBoolean exiting = new AtomicBoolean();

    @Inject
    public ProcessExit() {
        this(Quarkus::asyncExit);
    }

    /** An exit that calls {@code exit} with the status instead of ending Quarkus (tests). */
    public ProcessExit(IntConsumer exit) {
        this.exit = exit;
    }

    /**
     * Why {@code outcome} must end the process, or empty when the instance can go on (the batch is
     * consumed again, or was committed).
     */
    public static Optional<String> reason(TransactionOutcome outcome) {
        if (outcome instanceof TransactionOutcome.SilentlyAborted) {
            return Optional.of("the transaction of a batch reported done but its offsets are not committed");
        }
        if (outcome instanceof TransactionOutcome.Fenced f) {
            return Optional.of("the transactional producer was fenced (" + f.cause() + ")");
        }
        if (outcome instanceof TransactionOutcome.Stuck s) {
            return Optional.of("a batch's transaction did not finish committing or aborting within "
                    + s.limit().toSeconds() + " s");
        }
        return Optional.empty();
    }

    /**
     * Exits if {@code outcome} requires it ({@link #reason}).
     *
     * @return whether this call started the exit
     */
    public boolean onOutcome(TransactionOutcome outcome) {
        return reason(outcome).map(this::exit).orElse(false);
    }

    /**
     * Exits because the instance cannot go on for {@code reason} (not a transaction outcome: e.g. a
     * partition's state that could not be restored).
     *
     * @return whether this call started the exit
     */
    public boolean fatal(String reason) {
        return exit(reason);
    }

    /** Whether an exit has been started. */
    public boolean exiting() {
        return exiting.get();
    }

    private boolean exit(String reason) {
        if (!exiting.compareAndSet(false, true)) {
            return false;
        }
        LOG.errorf(
                "%s: exiting with code %d so that a restart resumes from the committed offsets and state with a"
                        + " fresh producer",
                reason, EXIT_CODE);
        exit.accept(EXIT_CODE);
        return true;
    }
}
