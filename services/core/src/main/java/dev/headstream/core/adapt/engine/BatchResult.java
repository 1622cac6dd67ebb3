package dev.headstream.core.adapt.engine;

import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.task.RehearsalReservoir;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.util.List;
import java.util.Map;

/**
 * What one consumed batch produced: the records of its transaction and the users' new state,
 * which becomes live only through {@link AdaptationEngine#commit}.
 *
 * @param rejections records not applied, with reasons
 * @param heads      new head versions
 * @param metrics    one metrics record per head the batch touched
 * @param applied    samples applied (validated and not duplicates)
 * @param staged     the touched users' state after the batch
 * @param revocationMark the engine's partition-revocation count when the batch was processed: users of a
 *                   partition revoked after that are not made live by {@link AdaptationEngine#commit}
 * @param reservoirs the online-rehearsal reservoirs the batch used, after the batch (staged like {@code staged})
 * @param erasures   users erased by control commands: their heads and state get tombstones in the batch's
 *                   transaction and {@link AdaptationEngine#commit} drops them
 */
public record BatchResult(
        List<Rejection> rejections,
        List<HeadUpdate> heads,
        List<AdaptationMetrics> metrics,
        int applied,
        Map<UserKey, UserState> staged,
        long revocationMark,
        Map<AdaptationEngine.ReservoirKey, RehearsalReservoir> reservoirs,
        List<Erasure> erasures) {

    /**
     * A user erased by a control command.
     *
     * @param key        the user
     * @param partitions every changelog partition that holds or may hold the user's state, each to get a
     *                   tombstone of the user's state record, at least one: first the partition of the user's
     *                   state as the engine knows it (with the partition check on, the key's partition), then
     *                   any other that a live, restored, misplaced, unreadable or not-resident state of the user
     *                   came from
     * @param headIds    every head id the user may have (one per configured task), to tombstone
     */
    public record Erasure(UserKey key, List<Integer> partitions, List<String> headIds) {
        public Erasure {
            partitions = List.copyOf(partitions);
            if (partitions.isEmpty()) {
                throw new IllegalArgumentException("an erasure needs a changelog partition");
            }
            headIds = List.copyOf(headIds);
        }

        /** An erasure on one changelog partition. */
        public Erasure(UserKey key, int partition, List<String> headIds) {
            this(key, List.of(partition), headIds);
        }

        /** The first of {@link #partitions}: the user's own changelog partition. */
        public int partition() {
            return partitions.get(0);
        }
    }

    public BatchResult {
        rejections = List.copyOf(rejections);
        heads = List.copyOf(heads);
        metrics = List.copyOf(metrics);
        staged = Map.copyOf(staged);
        reservoirs = Map.copyOf(reservoirs);
        erasures = List.copyOf(erasures);
    }
}
