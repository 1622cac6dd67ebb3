package dev.headstream.adapter.transaction;

import dev.headstream.adapter.Channels;
import io.quarkus.arc.properties.IfBuildProperty;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * In place of the adaptation flow ({@code SampleProcessor}, excluded by the test's profile), hands
 * each batch the application's consumer delivers on {@value Channels#SAMPLES} to the test, and holds
 * the consumer's next delivery until the test is done with it. A bean only where the test profile
 * sets {@value #ENABLED}=true.
 */
@ApplicationScoped
@IfBuildProperty(name = DeliveredBatches.ENABLED, stringValue = "true")
public class DeliveredBatches {

    /** The build property that makes this a bean. */
    static final String ENABLED = "batch-transaction-test.deliver-to-test";

    /** A delivered batch; {@link #release()} lets the consumer deliver the next one. */
    record Delivered(KafkaRecordBatch<byte[], byte[]> batch, CompletableFuture<Void> done) {
        void release() {
            done.complete(null);
        }
    }

    private final BlockingQueue<Delivered> delivered = new LinkedBlockingQueue<>();

    @Incoming(Channels.SAMPLES)
    @Blocking
    public Uni<Void> deliver(KafkaRecordBatch<byte[], byte[]> batch) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        delivered.add(new Delivered(batch, done));
        return Uni.createFrom().completionStage(done);
    }

    /** The next delivered batch, waiting up to {@code within}. */
    Delivered next(Duration within) throws InterruptedException {
        Delivered d = delivered.poll(within.toMillis(), TimeUnit.MILLISECONDS);
        if (d == null) {
            throw new AssertionError("no batch delivered within " + within);
        }
        return d;
    }
}
