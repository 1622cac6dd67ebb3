package dev.headstream.adapter.flow;

import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.adapt.engine.StageClock;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Aggregate Prometheus metrics of the adapter ({@code /q/metrics}), counted for committed batches
 * only, but for the failed processing attempts ({@code headstream.batch.retries}) and the gauges of
 * partitions in trouble ({@link PartitionRetries}). Labels are bounded: reject reason (the enum),
 * head status (the enum), task (configured tasks), topic (samples or control) and whether a batch
 * committed or aborted; never a user, tenant or head id.
 */
@ApplicationScoped
public class AdapterMetrics {

    private final MeterRegistry registry;
    /** Time from a batch's records being ready to its commit's end (sends and commit), less the check. */
    private final LongAdder transactionNanos = new LongAdder();
    /** Time asking the group coordinator whether the batch's offsets were committed (CommitCheck). */
    private final LongAdder commitCheckNanos = new LongAdder();

    /** The latency histograms, by stage (see {@link #latencies}). */
    private final Timer queued;

    private final Timer processing;
    private final Timer commit;
    private final Timer endToEnd;

    @Inject
    public AdapterMetrics(MeterRegistry registry, AdaptationEngine engine, PartitionRetries retries) {
        this.registry = registry;
        this.queued = latency(registry, "queued", "from a sample's record timestamp to its batch's start");
        this.processing = latency(registry, "processing", "a batch's processing: decode, embed, train, publish");
        this.commit = latency(registry, "commit", "a batch's transaction: sends, commit, commit check");
        this.endToEnd = latency(
                registry, "end_to_end", "from a sample's record timestamp to its batch's committed transaction");
        Gauge.builder("headstream.users.resident", engine, AdaptationEngine::users)
                .description("users whose training state this instance holds")
                .register(registry);
        Gauge.builder("headstream.state.disk.bytes", engine, e -> Math.max(0, e.storeDiskBytes()))
                .description("bytes of users' state records in the local state store on disk (0: state in the heap)")
                .register(registry);
        Gauge.builder("headstream.partitions.retrying", retries, PartitionRetries::troubled)
                .description("partitions with a batch in retry or isolation, or whose batch's transaction keeps"
                        + " aborting")
                .register(registry);
        Gauge.builder("headstream.transaction.abort.streak", retries, PartitionRetries::longestStreak)
                .description("the most aborts in a row of one partition's batch from the same offset")
                .register(registry);
        for (StageClock.Stage stage : StageClock.Stage.values()) {
            FunctionCounter.builder("headstream.stage.seconds", engine.stages(), c -> c.seconds(stage))
                    .description("time the engine spent in each stage of its batches, every attempt counted")
                    .tag("stage", stage.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        engine.embeddingsAhead().ifPresent(ahead -> {
            String what = "samples records embedded as they were polled (EmbeddingsAhead): used by their batch,"
                    + " missed (the batch embedded them: none started, other bytes, failed) or dropped at the bound";
            FunctionCounter.builder("headstream.embed.ahead", ahead, a -> a.used())
                    .description(what)
                    .tag("outcome", "used")
                    .register(registry);
            FunctionCounter.builder("headstream.embed.ahead", ahead, a -> a.missed())
                    .description(what)
                    .tag("outcome", "missed")
                    .register(registry);
            FunctionCounter.builder("headstream.embed.ahead", ahead, a -> a.dropped())
                    .description(what)
                    .tag("outcome", "dropped")
                    .register(registry);
        });
        FunctionCounter.builder("headstream.stage.seconds", transactionNanos, n -> n.sum() / 1e9)
                .description("time the engine spent in each stage of its batches, every attempt counted")
                .tag("stage", "transaction")
                .register(registry);
        FunctionCounter.builder("headstream.stage.seconds", commitCheckNanos, n -> n.sum() / 1e9)
                .description("time the engine spent in each stage of its batches, every attempt counted")
                .tag("stage", "commit_check")
                .register(registry);
    }

    private static Timer latency(MeterRegistry registry, String stage, String what) {
        return Timer.builder("headstream.latency")
                .description("latency by stage, committed batches only (queued, end_to_end: per sample; processing,"
                        + " commit: per batch); stage " + stage + ": " + what)
                .tag("stage", stage)
                .publishPercentileHistogram()
                .serviceLevelObjectives(Duration.ofMillis(250), Duration.ofSeconds(1))
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
    }

    /**
     * Records a committed batch's latencies: each sample's wait from its record timestamp (the
     * producer's clock, or the broker's with {@code LogAppendTime}) to {@code startedMs} and to
     * {@code committedMs}, and the batch's processing and transaction times. Timestamps in the
     * future (a producer's clock ahead) count as 0.
     */
    void latencies(
            long[] sampleTimestampsMs, long startedMs, Duration processingTime, Duration commitTime, long committedMs) {
        for (long ts : sampleTimestampsMs) {
            if (ts > 0) {
                queued.record(Math.max(0, startedMs - ts), TimeUnit.MILLISECONDS);
                endToEnd.record(Math.max(0, committedMs - ts), TimeUnit.MILLISECONDS);
            }
        }
        processing.record(processingTime);
        commit.record(commitTime);
    }

    /**
     * Counts the time from a batch's records being ready to its transaction's outcome: {@code check} of it
     * as {@code commit_check} (whether the offsets committed), the rest as {@code transaction}.
     */
    void transaction(Duration took, Duration check) {
        long c = Math.min(check.toNanos(), took.toNanos());
        transactionNanos.add(took.toNanos() - c);
        commitCheckNanos.add(c);
    }

    /**
     * Counts a committed batch by what confirmed its commit: {@code producer} (the transactional
     * producer's own commit returned normally) or {@code coordinator} (asked after a commit whose
     * success the producer did not show). Coordinator confirmations in numbers mean commits that
     * SmallRye reported done without the producer's evidence: each one costs a round trip.
     */
    void commitConfirmed(boolean byProducer) {
        Counter.builder("headstream.commit.confirmations")
                .description("committed batches by what confirmed the commit: the producer's own commit, or the"
                        + " group coordinator asked afterwards")
                .tag("by", byProducer ? "producer" : "coordinator")
                .register(registry)
                .increment();
    }

    /** Counts a failed attempt at processing a batch (it is retried, or its failing record isolated). */
    void retried() {
        Counter.builder("headstream.batch.retries")
                .description("failed attempts at processing a batch before its transaction")
                .register(registry)
                .increment();
    }

    /** Counts a batch whose processing failed systemically (not because of one of its records), or with an Error. */
    void systemic(String kind) {
        Counter.builder("headstream.batch.systemic")
                .description("batches aborted because processing failed and not because of one of their records")
                .tag("kind", kind)
                .register(registry)
                .increment();
    }

    /** Counts what a committed batch did. */
    void committed(BatchResult result, int records, Duration took) {
        Counter.builder("headstream.records")
                .description("records consumed (samples and control commands)")
                .tag("outcome", "committed")
                .register(registry)
                .increment(records);
        Counter.builder("headstream.samples.applied")
                .description("samples applied to users' heads")
                .register(registry)
                .increment(result.applied());
        for (Rejection r : result.rejections()) {
            Counter.builder("headstream.rejects")
                    .description("records rejected, by reason")
                    .tag("reason", r.reason().name())
                    .register(registry)
                    .increment();
            if (r.reason() == RejectReason.PROCESSING_FAILED) {
                Counter.builder("headstream.records.isolated")
                        .description("records isolated from their batch because processing failed with them,"
                                + " rejected PROCESSING_FAILED, by topic")
                        .tag("topic", r.topic() == null ? "samples" : "control")
                        .register(registry)
                        .increment();
            }
        }
        for (HeadUpdate h : result.heads()) {
            Counter.builder("headstream.heads.published")
                    .description("head versions published, by status")
                    .tag("status", h.getStatus().name())
                    .register(registry)
                    .increment();
        }
        for (AdaptationMetrics m : result.metrics()) {
            if (m.getNegativeTransferAlarm()) {
                Counter.builder("headstream.negative.transfer.alarmed")
                        .description("metrics records of heads in negative-transfer alarm, by task")
                        .tag("task", m.getTask())
                        .register(registry)
                        .increment();
            }
            if (m.getErrorRiseAlarm()) {
                Counter.builder("headstream.error.rise.alarmed")
                        .description("metrics records of heads whose ADWIN saw their error rise, by task")
                        .tag("task", m.getTask())
                        .register(registry)
                        .increment();
            }
            if (m.getDriftAlarm()) {
                Counter.builder("headstream.drift.alarmed")
                        .description("metrics records of heads in drift alarm, by task")
                        .tag("task", m.getTask())
                        .register(registry)
                        .increment();
            }
        }
        Counter.builder("headstream.users.erased")
                .description("users erased by control commands")
                .register(registry)
                .increment(result.erasures().size());
        Timer.builder("headstream.batch")
                .description("time to process and commit one batch")
                .tag("outcome", "committed")
                .register(registry)
                .record(took);
    }

    /** Counts a batch whose transaction aborted (it is consumed again). */
    void aborted(int records, Duration took) {
        Counter.builder("headstream.records")
                .description("records consumed (samples and control commands)")
                .tag("outcome", "aborted")
                .register(registry)
                .increment(records);
        Timer.builder("headstream.batch")
                .description("time to process and commit one batch")
                .tag("outcome", "aborted")
                .register(registry)
                .record(took);
    }
}
