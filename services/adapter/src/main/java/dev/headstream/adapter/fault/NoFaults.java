package dev.headstream.adapter.fault;

import io.smallrye.mutiny.Uni;
import java.util.List;

/** The production {@link FaultInjector}: every hook returns at once. */
public final class NoFaults implements FaultInjector {

    /** The only instance. */
    public static final NoFaults INSTANCE = new NoFaults();

    private NoFaults() {}

    @Override
    public Uni<Void> inTransaction(List<Long> sampleOffsets) {
        return Uni.createFrom().voidItem();
    }

    @Override
    public void beforeProcessing(List<byte[]> sampleValues) {
        // nothing to inject
    }

    @Override
    public void beforeRestore(List<Integer> samplesPartitions) {
        // nothing to inject
    }

    @Override
    public String toString() {
        return "no faults";
    }
}
