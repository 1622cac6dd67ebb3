package dev.headstream.adapter.fault;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.schemas.v1.Sample;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;
import org.jboss.logging.Logger;

/**
 * The {@link FaultInjector} a test configures ({@link FaultSettings}): pauses or halts inside the
 * transaction of the batch that holds a given samples offset, holds every restore, and fails the
 * processing of every batch (or part of one) that holds a poisoned sample id. Each fault
 * is logged with the words the tests wait for ({@code fault injection: ...}) before it strikes.
 */
public final class ConfiguredFaults implements FaultInjector {

    /** The exit status of a halt, as if the process had been killed with SIGKILL. */
    public static final int HALT_STATUS = 137;

    /** How long a halting batch's records get to reach the broker before the halt. */
    static final Duration HALT_AFTER = Duration.ofSeconds(2);

    private static final Logger LOG = Logger.getLogger(ConfiguredFaults.class);

    private final FaultSettings settings;
    private final IntConsumer halt;

    /** Faults as {@code settings} say, halting with {@link Runtime#halt}. */
    public ConfiguredFaults(FaultSettings settings) {
        this(settings, status -> Runtime.getRuntime().halt(status));
    }

    ConfiguredFaults(FaultSettings settings, IntConsumer halt) {
        this.settings = settings;
        this.halt = halt;
    }

    @Override
    public Uni<Void> inTransaction(List<Long> sampleOffsets) {
        long pauseAt = settings.pauseAtOffset();
        if (pauseAt >= 0 && sampleOffsets.contains(pauseAt)) {
            LOG.errorf(
                    "fault injection: pausing %d s inside the transaction of the batch with offset %d",
                    settings.pauseSeconds(), pauseAt);
            return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofSeconds(settings.pauseSeconds()));
        }
        long haltAt = settings.haltAtOffset();
        if (haltAt >= 0 && sampleOffsets.contains(haltAt)) {
            return Uni.createFrom().voidItem().onItem().delayIt().by(HALT_AFTER).invoke(() -> {
                LOG.errorf("fault injection: halting inside the transaction of the batch with offset %d", haltAt);
                halt.accept(HALT_STATUS);
            });
        }
        return Uni.createFrom().voidItem();
    }

    /**
     * Fails if one of {@code sampleValues} is a {@code Sample} with a poisoned id. The exception's
     * message names no id: it ends up in the record's {@code PROCESSING_FAILED} reject, which must
     * not copy the record's content.
     */
    @Override
    public void beforeProcessing(List<byte[]> sampleValues) {
        if (settings.poisonSampleIds().isEmpty()) {
            return;
        }
        for (byte[] value : sampleValues) {
            String id = sampleId(value);
            if (id != null && settings.poisonSampleIds().contains(id)) {
                LOG.errorf(
                        "fault injection: failing the processing of %d samples: they hold poisoned sample id %s",
                        sampleValues.size(), id);
                throw new IllegalStateException("fault injection: a poisoned sample in the batch");
            }
        }
    }

    private static String sampleId(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return Sample.parseFrom(value).getSampleId();
        } catch (InvalidProtocolBufferException e) {
            return null; // not a sample: the engine rejects it
        }
    }

    @Override
    public void beforeRestore(List<Integer> samplesPartitions) throws InterruptedException {
        int delay = settings.restoreDelaySeconds();
        if (delay > 0) {
            LOG.warnf(
                    "fault injection: holding the restore of samples partitions %s for %d s", samplesPartitions, delay);
            Thread.sleep(delay * 1000L);
        }
    }

    @Override
    public String toString() {
        return "configured faults " + settings;
    }
}
