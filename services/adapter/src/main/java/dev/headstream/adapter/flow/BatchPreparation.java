package dev.headstream.adapter.flow;

import dev.headstream.adapter.fault.FaultInjector;
import dev.headstream.adapter.topic.TopicCheck;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.schemas.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Prepares a consumed batch for its transaction: the {@link AdaptationEngine} processes it (on
 * copies of the users' state) and {@link OutputRecords} turns the result into records, each checked
 * against its topic's size limit. When that fails, {@link PoisonIsolation} retries the batch and then
 * isolates the records that make it fail, which become {@code PROCESSING_FAILED} rejections in the
 * same result, or gives up with a {@link SystemicFailure} when the failure is no record's; {@link PartitionRetries} shows the batch's partitions as retrying meanwhile. Runs on
 * the flow's thread, one batch at a time.
 */
@ApplicationScoped
public class BatchPreparation {

    private static final Logger LOG = Logger.getLogger(BatchPreparation.class);

    @Inject
    AdaptationEngine engine;

    @Inject
    FaultInjector faults;

    @Inject
    TopicCheck topics;

    @Inject
    PartitionRetries retries;

    @Inject
    AdapterMetrics metrics;

    /**
     * A batch ready for its transaction.
     *
     * @param result  what the engine computed, isolated records among its rejections
     * @param records the transaction's output records
     */
    record Prepared(BatchResult result, List<Message<byte[]>> records) {}

    /**
     * @param in         the batch
     * @param nowMs      the time its output records carry (the same for every try)
     * @param ownedSince the engine's revocation count when its partitions were assigned
     *     ({@link AdaptationEngine#process(List, List, long, long)}); {@link Long#MAX_VALUE}: no check
     * @throws SystemicFailure if processing fails and not because of one of its records
     * @throws dev.headstream.core.adapt.engine.PartitionsRevokedException if a partition of the batch
     *     was revoked since: not this instance's to apply
     */
    Prepared prepare(IncomingBatch in, long nowMs, long ownedSince) {
        List<PoisonIsolation.Consumed> records = new ArrayList<>(in.records());
        in.samples().forEach(r -> records.add(new PoisonIsolation.Consumed(Topics.SAMPLES, r)));
        in.controls().forEach(r -> records.add(new PoisonIsolation.Consumed(Topics.CONTROL, r)));
        // the engine's revocation count at the first try that got as far: a rebalance during the
        // retries must still keep the batch's state from going live
        long[] mark = {Long.MAX_VALUE};
        PoisonIsolation.Attempt<Prepared> attempt = (recs, isolated) -> {
            List<RawSample> samples = new ArrayList<>();
            List<RawSample> controls = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (PoisonIsolation.Consumed c : recs) {
                if (Topics.CONTROL.equals(c.topic())) {
                    controls.add(c.raw());
                } else {
                    samples.add(c.raw());
                    values.add(c.raw().value());
                }
            }
            faults.beforeProcessing(values);
            BatchResult r = engine.process(samples, controls, nowMs, ownedSince);
            mark[0] = Math.min(mark[0], r.revocationMark());
            BatchResult all = withIsolated(r, isolated, mark[0]);
            return new Prepared(
                    all, OutputRecords.of(all, engine.stateRecords(all), Topics.SAMPLES, nowMs, topics.limits()));
        };
        Set<TopicPartition> partitions = in.startOffsets().keySet();
        try {
            return new PoisonIsolation(retries.policy(), retries.budget(), BatchPreparation::sleep)
                    .run(records, attempt, listener(in, partitions))
                    .value();
        } finally {
            retries.settled(partitions);
        }
    }

    private PoisonIsolation.Listener listener(IncomingBatch in, Set<TopicPartition> partitions) {
        int attempts = retries.policy().attempts();
        return new PoisonIsolation.Listener() {
            @Override
            public void failed(int attempt, RuntimeException failure) {
                retries.retrying(partitions);
                metrics.retried();
                LOG.warnf(
                        failure,
                        "processing a batch of %d records from %s failed (attempt %d of %d)",
                        in.records(),
                        in.startOffsets(),
                        attempt,
                        attempts);
            }

            @Override
            public void isolated(PoisonIsolation.Consumed record, RuntimeException failure) {
                LOG.errorf(
                        "isolated the record at %s-%d offset %d of a batch of %d records (key %d bytes, value %d"
                                + " bytes): processing fails with it, also with only its own key's records, and"
                                + " passes without it (%s); it is rejected PROCESSING_FAILED when the rest of its"
                                + " batch passes (unless the batch turns out systemic)",
                        record.topic(),
                        record.raw().partition(),
                        record.raw().offset(),
                        in.records(),
                        record.raw().key() == null ? 0 : record.raw().key().length,
                        record.raw().value() == null ? 0 : record.raw().value().length,
                        failure.getClass().getName());
            }
        };
    }

    /** {@code r} with {@code isolated} added to its rejections and its revocation mark at most {@code mark}. */
    private static BatchResult withIsolated(BatchResult r, List<Rejection> isolated, long mark) {
        if (isolated.isEmpty() && mark >= r.revocationMark()) {
            return r;
        }
        List<Rejection> rejections = new ArrayList<>(r.rejections());
        rejections.addAll(isolated);
        return new BatchResult(
                rejections,
                r.heads(),
                r.metrics(),
                r.applied(),
                r.staged(),
                Math.min(mark, r.revocationMark()),
                r.reservoirs(),
                r.erasures());
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // shutting down: the next try fails fast or the flow stops
        }
    }
}
