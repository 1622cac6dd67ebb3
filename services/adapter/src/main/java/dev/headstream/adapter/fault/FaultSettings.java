package dev.headstream.adapter.fault;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The faults a test asked for, checked.
 *
 * @param haltAtOffset        samples offset whose batch halts inside its transaction; -1 = never
 * @param pauseAtOffset       samples offset whose batch pauses inside its transaction; -1 = never
 * @param pauseSeconds        how long that pause lasts
 * @param restoreDelaySeconds how long each assignment's restore is held; 0 = never
 * @param poisonSampleIds     sample ids whose presence makes processing fail; empty = none
 */
public record FaultSettings(
        long haltAtOffset, long pauseAtOffset, int pauseSeconds, int restoreDelaySeconds, Set<String> poisonSampleIds) {

    /** The property that turns fault injection on. */
    public static final String ENABLED_KEY = "headstream.fault.enabled";

    /** Every key of fault injection; any other {@code headstream.fault.*} key is refused. */
    public static final List<String> KEYS = List.of(
            ENABLED_KEY,
            "headstream.fault.halt-in-transaction-at-offset",
            "headstream.fault.pause-in-transaction-at-offset",
            "headstream.fault.pause-seconds",
            "headstream.fault.restore-delay-seconds",
            "headstream.fault.poison-sample-ids");

    static final int DEFAULT_PAUSE_SECONDS = 20;
    private static final String PREFIX = "headstream.fault.";

    /** Checks the ranges. */
    public FaultSettings {
        poisonSampleIds = Set.copyOf(poisonSampleIds);
        if (haltAtOffset < -1 || pauseAtOffset < -1) {
            throw new IllegalArgumentException("headstream.fault.halt-in-transaction-at-offset and"
                    + " pause-in-transaction-at-offset must be an offset or -1: " + haltAtOffset + ", "
                    + pauseAtOffset);
        }
        if (pauseSeconds < 0 || restoreDelaySeconds < 0) {
            throw new IllegalArgumentException("headstream.fault.pause-seconds and restore-delay-seconds must be at"
                    + " least 0: " + pauseSeconds + ", " + restoreDelaySeconds);
        }
    }

    /** Settings without poisoned sample ids. */
    public FaultSettings(long haltAtOffset, long pauseAtOffset, int pauseSeconds, int restoreDelaySeconds) {
        this(haltAtOffset, pauseAtOffset, pauseSeconds, restoreDelaySeconds, Set.of());
    }

    /**
     * The settings {@code config} asks for: empty when fault injection is off.
     *
     * @throws IllegalStateException naming the keys, when a fault setting is present but
     *                               {@value #ENABLED_KEY} is not {@code true}: a production
     *                               configuration must not carry a fault setting unnoticed
     * @throws IllegalArgumentException for a value out of range
     */
    public static Optional<FaultSettings> from(FaultConfig config) {
        if (!config.enabled()) {
            List<String> present = present(config);
            if (!present.isEmpty()) {
                throw new IllegalStateException("fault injection settings " + present + " are set but " + ENABLED_KEY
                        + " is not true; they are for tests only: remove them, or set " + ENABLED_KEY
                        + "=true in a test's configuration");
            }
            return Optional.empty();
        }
        return Optional.of(new FaultSettings(
                config.haltInTransactionAtOffset().orElse(-1),
                config.pauseInTransactionAtOffset().orElse(-1),
                config.pauseSeconds().orElse(DEFAULT_PAUSE_SECONDS),
                config.restoreDelaySeconds().orElse(0),
                config.poisonSampleIds()
                        .map(ids -> ids.stream()
                                .map(String::trim)
                                .filter(id -> !id.isEmpty())
                                .collect(Collectors.toSet()))
                        .orElse(Set.of())));
    }

    /**
     * Refuses a {@code headstream.fault.*} key that fault injection does not know (a misspelt one
     * would otherwise be ignored, and its fault never strike).
     *
     * @param propertyNames every configuration property name
     * @throws IllegalStateException naming the unknown keys
     */
    public static void refuseUnknownKeys(Iterable<String> propertyNames) {
        List<String> unknown = new ArrayList<>();
        for (String name : propertyNames) {
            if (name.startsWith(PREFIX) && !KEYS.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("unknown fault injection settings "
                    + unknown.stream().sorted().toList() + "; known: " + KEYS);
        }
    }

    private static List<String> present(FaultConfig config) {
        List<String> keys = new ArrayList<>();
        add(keys, KEYS.get(1), config.haltInTransactionAtOffset());
        add(keys, KEYS.get(2), config.pauseInTransactionAtOffset());
        add(keys, KEYS.get(3), config.pauseSeconds());
        add(keys, KEYS.get(4), config.restoreDelaySeconds());
        if (config.poisonSampleIds().isPresent()) {
            keys.add(KEYS.get(5));
        }
        return keys;
    }

    private static void add(List<String> keys, String key, OptionalLong value) {
        if (value.isPresent()) {
            keys.add(key);
        }
    }

    private static void add(List<String> keys, String key, OptionalInt value) {
        if (value.isPresent()) {
            keys.add(key);
        }
    }
}
