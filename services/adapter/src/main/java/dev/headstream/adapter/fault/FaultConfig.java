package dev.headstream.adapter.fault;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Fault injection settings, prefix {@code headstream.fault}, for the crash tests only. Every
 * setting but {@link #enabled()} is absent by default; {@link FaultSettings#from} refuses any
 * that is present while {@code enabled} is not {@code true}, and supplies the defaults named here.
 */
@ConfigMapping(prefix = "headstream.fault")
public interface FaultConfig {

    /** Turns fault injection on; without it every other {@code headstream.fault.*} key is refused. */
    @WithDefault("false")
    boolean enabled();

    /**
     * Halt the JVM (exit code 137, no shutdown hooks) inside the transaction of the batch that
     * holds a samples record with this offset, after its output records had 2 s to reach the
     * broker: a crash between send and commit. Absent or -1 = never.
     */
    OptionalLong haltInTransactionAtOffset();

    /**
     * Wait {@link #pauseSeconds()} inside the transaction of the batch that holds a samples record
     * with this offset (logged first), e.g. for a test to stop the process there and make it a
     * zombie. Absent or -1 = never.
     */
    OptionalLong pauseInTransactionAtOffset();

    /** How long the pause at {@link #pauseInTransactionAtOffset()} lasts; default 20 s. */
    OptionalInt pauseSeconds();

    /**
     * Hold each partition assignment's restore this many seconds (logged) while its partitions
     * count as restoring, so a test can watch readiness stay DOWN until the state is installed.
     * Absent or 0 = never.
     */
    OptionalInt restoreDelaySeconds();

    /**
     * Sample ids (comma-separated) that poison processing: the engine's processing of any batch,
     * or any part of a batch, that holds a {@code headstream.samples} record with one of these ids
     * fails, every time, as a bug triggered by one record would; the poison record isolation of the
     * flow must find the record, reject it {@code PROCESSING_FAILED} and apply the rest. Absent = none.
     */
    Optional<List<String>> poisonSampleIds();
}
