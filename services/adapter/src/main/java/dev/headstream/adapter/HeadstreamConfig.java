package dev.headstream.adapter;

import dev.headstream.core.assembly.EngineSpec;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

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

    /**
     * For tasks whose phrase is per user: how many phrases' near misses one batch may make (each
     * takes about 1.4 s of the batch with the default 24); a sample that needs another phrase's is
     * rejected {@code CAPACITY}, to be sent again later. 0: no limit.
     */
    @WithDefault("2")
    int newPhrasesPerBatch();

    /**
     * Threads that embed samples records as they are polled, ahead of their batch
     * ({@link dev.headstream.adapter.flow.EmbedAheadInterceptor}); 0 turns it off. The embeddings
     * are the same bits either way. (The adapter that crashed in ONNX Runtime's native code with it
     * on, in session 14, was being stopped: ONNX Runtime's own shutdown hook had released its
     * environment under the runs in flight, which {@code OrtGate} now prevents.)
     */
    @WithDefault("1")
    int embedAheadThreads();

    /** Where users' state is kept between batches ({@code headstream.state.*}). */
    State state();

    /**
     * Users' state on local disk (RocksDB) with a bounded cache of hot users in the heap, instead of
     * every user in the heap. With a directory set, a restart restores each partition from the
     * changelog only from the checkpoint the store reached, and {@code headstream.max-resident-users}
     * counts users on disk; see docs/state-store.md.
     */
    interface State {

        /**
         * The store's directory, one per instance (it holds the instance's partitions' users); unset or
         * empty, the default: every user in the heap, restored from the changelog's start at each restart.
         */
        Optional<String> dir();

        /** Most users whose decoded state stays in the heap between batches (a batch's own users are loaded whatever their number). */
        @WithDefault("1000")
        int cacheUsers();

        /** Megabytes of users' records on disk past which new users are refused {@code CAPACITY}. */
        @WithDefault("65536")
        long diskBudgetMb();

        /**
         * Minutes after which a partition's checkpoint is no longer used and the partition is restored
         * from the changelog's start; must stay below the changelog topic's {@code delete.retention.ms}
         * (24 h by default), or a user erased by another instance could come back from this disk.
         */
        @WithDefault("720")
        long checkpointMaxAgeMinutes();
    }

    /** Retries and isolation of a batch whose processing fails ({@code headstream.poison.*}). */
    Poison poison();

    /** The start-up check of the topics ({@code headstream.topic-check.*}). */
    TopicCheck topicCheck();

    /** The admin API's and the dashboard's view of every head ({@code headstream.admin.*}). */
    Admin admin();

    /**
     * The catalog behind the admin API and the dashboard: this instance follows
     * {@code headstream.heads} and {@code headstream.metrics} (every partition, every user, not only
     * its own) and keeps per head its newest version, its monitors, a bounded history and a bounded
     * prequential curve. About 10 KB per head with the defaults. The catalog's consumer and the
     * admin API's control producer authenticate with the Kafka security keys under
     * {@code headstream.admin.kafka.} when any is set (an operator's credentials), else with the
     * adapter's own {@code kafka.} block.
     */
    interface Admin {

        /** Follow the topics for the admin API and the dashboard; off, their reads answer 503. */
        @WithDefault("true")
        boolean catalog();

        /** Earlier versions kept per head. */
        @WithDefault("16")
        int historyVersions();

        /** Newest prequential curve points kept per head. */
        @WithDefault("100")
        int curvePoints();

        /** Heads kept in all; records of further heads are dropped (and counted). */
        @WithDefault("20000")
        int maxHeads();
    }

    /**
     * What happens when processing a batch fails (the engine throws, or an output record would not
     * fit its topic): the batch is tried {@link #attempts()} times in all, waiting
     * {@link #backoffMs()} before the first retry and twice as long before each next one; then the
     * record that makes it fail is isolated (found by bisection and confirmed) and rejected
     * {@code PROCESSING_FAILED}, and the rest of the batch is applied. A failure that is no record's
     * (it fails without any record, the record found does not fail again on its own, or more records
     * would be isolated than {@link #maxIsolatedPerBatch()} or {@link #maxIsolatedPerWindow()} allow)
     * is systemic: the batch aborts and its partition stalls (readiness DOWN). A batch whose
     * transaction keeps aborting is consumed again after the same doubling wait, up to
     * {@link #maxBackoffMs()}.
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

        /** Most records of one batch isolated and rejected; past that the failure is systemic. At least 1. */
        @WithDefault("4")
        int maxIsolatedPerBatch();

        /**
         * Most records this instance isolates and rejects within {@link #isolationWindowSeconds()};
         * past that the failure is systemic. At least 1.
         */
        @WithDefault("16")
        int maxIsolatedPerWindow();

        /** The sliding window of {@link #maxIsolatedPerWindow()}, in seconds. */
        @WithDefault("600")
        long isolationWindowSeconds();
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
