package dev.headstream.core.ingest;

import dev.headstream.core.embed.BackboneInput;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A sample that passed validation: every field checked against the key, the backbone and the
 * configured tasks. Immutable.
 *
 * @param sampleId producer's id, unique per user
 * @param key      the user, from the record key
 * @param input    what the backbone embeds
 * @param labels   label per configured task (tasks without a label are absent), in task-name order
 * @param weight   importance weight, finite and positive
 * @param split    train (test-then-train) or holdout (evaluate only)
 * @param phrase   the user's wake phrase for the labeled tasks whose phrase is per user, as a head
 *                 keeps it; empty when the sample names none
 */
public record ValidSample(
        String sampleId,
        UserKey key,
        BackboneInput input,
        Map<String, Label> labels,
        float weight,
        Split split,
        String phrase) {

    public ValidSample {
        // sorted by task: the engine applies a sample's tasks and writes their records in this
        // order, which must not depend on the JVM (Map.copyOf iterates in a per-run random order)
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        Objects.requireNonNull(phrase, "phrase");
    }

    /** A sample that names no wake phrase. */
    public ValidSample(
            String sampleId, UserKey key, BackboneInput input, Map<String, Label> labels, float weight, Split split) {
        this(sampleId, key, input, labels, weight, split, "");
    }
}
