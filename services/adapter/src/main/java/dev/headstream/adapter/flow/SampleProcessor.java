package dev.headstream.adapter.flow;

import dev.headstream.adapter.Channels;
import dev.headstream.adapter.topic.TopicCheck;
import dev.headstream.adapter.transaction.BatchTransaction;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.BatchResult;
import dev.headstream.schemas.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * The adaptation flow: consumes batches from {@code headstream.samples} and
 * {@code headstream.control} (channel {@value Channels#SAMPLES}), has the {@link AdaptationEngine}
 * validate, embed, score and train on them, and emits, through the transactional channel
 * {@value Channels#OUT}, one Kafka transaction per batch holding its {@code headstream.heads}
 * updates, {@code headstream.metrics} records, {@code headstream.rejected} records, the touched
 * users' {@code headstream.adapter-state} changelog records and the batch's consumed offsets.
 *
 * <p>The engine computes on copies of the touched users' state; the copies replace the live
 * state only after the transaction committed ({@link BatchSettlement}). If the transaction aborts,
 * the copies are dropped and the consumer rewinds to the last committed offsets, so the batch is
 * applied again from the same state. Runs on a worker thread, one batch at a time.
 */
@ApplicationScoped
public class SampleProcessor {

    private static final Logger LOG = Logger.getLogger(SampleProcessor.class);

    @Inject
    AdaptationEngine engine;

    @Inject
    BatchTransaction transaction;

    @Inject
    BatchSettlement settlement;

    @Inject
    AdapterMetrics metrics;

    @Inject
    TopicCheck topics;

    @Incoming(Channels.SAMPLES)
    @Blocking
    public Uni<Void> process(KafkaRecordBatch<byte[], byte[]> batch) {
        IncomingBatch in = IncomingBatch.of(batch);
        long now = System.currentTimeMillis();
        long t0 = System.nanoTime();
        BatchResult result;
        List<Message<byte[]>> out;
        try {
            result = engine.process(in.samples(), in.controls(), now);
            out = OutputRecords.of(result, engine.stateRecords(result), Topics.SAMPLES, now, topics.limits());
        } catch (RuntimeException e) {
            // A broken invariant, not bad input (bad input becomes reject records), or an output record
            // too large for its topic: abort so the batch's offsets are not committed and it is
            // consumed again.
            LOG.errorf(
                    e,
                    "processing a batch of %d samples failed; aborting its transaction",
                    in.samples().size());
            metrics.aborted(in.records(), Duration.ofNanos(System.nanoTime() - t0));
            return transaction.abort(batch, e);
        }
        return transaction
                .run(batch, out, in.sampleOffsets(), in.nextOffsets(), () -> engine.revokedDuring(result))
                .invoke(outcome -> settlement.settle(outcome, in, result, t0))
                .chain(() -> Uni.createFrom().completionStage(batch.ack()));
    }
}
