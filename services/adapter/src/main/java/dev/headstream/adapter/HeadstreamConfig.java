package dev.headstream.adapter;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The adapter process's own settings, prefix {@code headstream}. What the engine computes (models,
 * backbone, bank, tasks and their recipes) is read by {@link dev.headstream.core.assembly.EngineSpec}
 * from the same {@code headstream.*} properties; its defaults live there.
 */
@ConfigMapping(prefix = "headstream")
public interface HeadstreamConfig {

    /** Stable id of this instance; part of the transactional id. */
    @WithDefault("local")
    String instanceId();

    /**
     * Exit with code 3 when a batch's transaction has not finished committing or aborting this
     * many seconds after its work was done (a producer stuck after a refused commit, seen when an
     * instance frozen past its session resumes); the supervisor's restart resumes from the
     * committed offsets and state. Longer than the broker's transaction timeout (60 s).
     */
    @WithDefault("120")
    int transactionStuckExitSeconds();

    /** Fault injection, for the crash tests only (off by default). */
    FaultConfig fault();

    interface FaultConfig {
        /**
         * Halt the JVM (exit code 137, no shutdown hooks) inside the transaction of the batch that
         * holds a samples record with this offset, after its output records had 2 s to reach the
         * broker: a crash between send and commit. -1 = never.
         */
        @WithDefault("-1")
        long haltInTransactionAtOffset();

        /**
         * Wait this many seconds inside the transaction of the batch that holds a samples record
         * with offset {@link #pauseInTransactionAtOffset()} (logged first), e.g. for a test to stop
         * the process there and make it a zombie. -1 = never.
         */
        @WithDefault("-1")
        long pauseInTransactionAtOffset();

        @WithDefault("20")
        int pauseSeconds();

        /**
         * Hold each partition assignment's restore this many seconds (logged) while its partitions
         * count as restoring, so a test can watch readiness stay DOWN until the state is
         * installed. 0 = never.
         */
        @WithDefault("0")
        int restoreDelaySeconds();
    }
}
