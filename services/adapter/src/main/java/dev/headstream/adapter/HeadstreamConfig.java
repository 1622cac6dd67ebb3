package dev.headstream.adapter;

import dev.headstream.core.assembly.EngineSpec;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The adapter process's own settings, prefix {@code headstream}. What the engine computes (models,
 * backbone, bank, tasks and their recipes) is read by {@link EngineSpec} from the same
 * {@code headstream.*} properties; its defaults live there. Fault injection for tests has its own
 * mapping, {@code headstream.fault} ({@code dev.headstream.adapter.fault.FaultConfig}).
 */
@ConfigMapping(prefix = "headstream")
public interface HeadstreamConfig {

    /** Stable id of this instance; part of the transactional id. */
    @WithDefault("local")
    String instanceId();

    /**
     * Exit with code 3 when a batch's transaction has not finished committing or aborting this
     * many seconds after its work was done (a producer stuck after a refused commit, as when an
     * instance frozen past its session resumes); the supervisor's restart resumes from the
     * committed offsets and state. Longer than the broker's transaction timeout (60 s).
     */
    @WithDefault("120")
    int transactionStuckExitSeconds();

    /** Retries and isolation of a batch whose processing fails ({@code headstream.poison.*}). */
    Poison poison();

    /** The start-up check of the topics ({@code headstream.topic-check.*}). */
    TopicCheck topicCheck();

    /**
     * What happens when processing a batch fails (the engine throws, or an output record would not
     * fit its topic): the batch is tried {@link #attempts()} times in all, waiting
     * {@link #backoffMs()} before the first retry and twice as long before each next one; then the
     * record that makes it fail is isolated and rejected {@code PROCESSING_FAILED}, and the rest of
     * the batch is applied. A batch whose transaction keeps aborting is consumed again after the
     * same doubling wait, up to {@link #maxBackoffMs()}.
     */
    interface Poison {

        /** Attempts at a whole batch before its failing record is isolated; at least 1. */
        @WithDefault("3")
        int attempts();

        /** Wait before the first retry, in milliseconds; doubles with every retry. */
        @WithDefault("100")
        long backoffMs();

        /** Longest wait between two tries of a batch, in milliseconds. */
        @WithDefault("30000")
        long maxBackoffMs();
    }

    /** The start-up check of the topics the adapter reads and writes. */
    interface TopicCheck {

        /**
         * Check at start-up, before joining the consumer group, that every topic exists with the
         * settings of {@code dev.headstream.schemas.TopicSpecs} the adapter relies on (partition
         * counts, {@code max.message.bytes}, the samples topic's timestamps when the rate limit is
         * on). Off: no check, the engine's partition check is off, and output records are checked
         * against the sizes {@code TopicSpecs} names instead of the topics' own.
         */
        @WithDefault("true")
        boolean enabled();
    }
}
