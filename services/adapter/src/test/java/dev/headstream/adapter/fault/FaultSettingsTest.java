package dev.headstream.adapter.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultSettingsTest {

    record Config(
            boolean enabled,
            OptionalLong haltInTransactionAtOffset,
            OptionalLong pauseInTransactionAtOffset,
            OptionalInt pauseSeconds,
            OptionalInt restoreDelaySeconds,
            Optional<List<String>> poisonSampleIds)
            implements FaultConfig {

        Config(
                boolean enabled,
                OptionalLong haltInTransactionAtOffset,
                OptionalLong pauseInTransactionAtOffset,
                OptionalInt pauseSeconds,
                OptionalInt restoreDelaySeconds) {
            this(
                    enabled,
                    haltInTransactionAtOffset,
                    pauseInTransactionAtOffset,
                    pauseSeconds,
                    restoreDelaySeconds,
                    Optional.empty());
        }
    }

    private static Config none(boolean enabled) {
        return new Config(
                enabled, OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty());
    }

    @Test
    void productionConfigurationWithoutFaultKeysInjectsNothing() {
        assertThat(FaultSettings.from(none(false))).isEmpty();
    }

    @Test
    void refusesFaultSettingsWhenFaultInjectionIsNotEnabled() {
        Config config =
                new Config(false, OptionalLong.of(15), OptionalLong.empty(), OptionalInt.of(5), OptionalInt.empty());
        assertThatThrownBy(() -> FaultSettings.from(config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fault injection settings [headstream.fault.halt-in-transaction-at-offset,"
                        + " headstream.fault.pause-seconds] are set but headstream.fault.enabled is not true");
    }

    @Test
    void refusesASettingOfMinusOneToo() {
        Config config =
                new Config(false, OptionalLong.empty(), OptionalLong.of(-1), OptionalInt.empty(), OptionalInt.empty());
        assertThatThrownBy(() -> FaultSettings.from(config))
                .hasMessageContaining("[headstream.fault.pause-in-transaction-at-offset]");
    }

    @Test
    void enabledWithoutSettingsTakesTheDefaults() {
        assertThat(FaultSettings.from(none(true))).contains(new FaultSettings(-1, -1, 20, 0));
    }

    @Test
    void enabledTakesEverySetting() {
        Config config =
                new Config(true, OptionalLong.of(15), OptionalLong.of(11), OptionalInt.of(5), OptionalInt.of(3));
        assertThat(FaultSettings.from(config)).contains(new FaultSettings(15, 11, 5, 3));
    }

    @Test
    void takesPoisonedSampleIdsTrimmedAndRefusesThemWhenNotEnabled() {
        Optional<List<String>> ids = Optional.of(List.of("a", " b ", ""));
        Config enabled = new Config(
                true, OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty(), ids);
        Config disabled = new Config(
                false, OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty(), ids);
        assertThat(FaultSettings.from(enabled)).contains(new FaultSettings(-1, -1, 20, 0, Set.of("a", "b")));
        assertThatThrownBy(() -> FaultSettings.from(disabled))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("[headstream.fault.poison-sample-ids]");
    }

    @Test
    void rejectsValuesOutOfRange() {
        Config badOffset =
                new Config(true, OptionalLong.of(-2), OptionalLong.empty(), OptionalInt.empty(), OptionalInt.empty());
        Config badDelay =
                new Config(true, OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(), OptionalInt.of(-1));
        assertThatThrownBy(() -> FaultSettings.from(badOffset))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be an offset or -1");
        assertThatThrownBy(() -> FaultSettings.from(badDelay))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 0");
    }

    @Test
    void refusesAMisspeltFaultKey() {
        assertThatThrownBy(() -> FaultSettings.refuseUnknownKeys(
                        List.of("headstream.fault.enabled", "headstream.fault.pause-second", "headstream.instance-id")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("unknown fault injection settings [headstream.fault.pause-second]");
    }

    @Test
    void acceptsEveryKnownFaultKeyAndOtherKeys() {
        FaultSettings.refuseUnknownKeys(FaultSettings.KEYS);
        FaultSettings.refuseUnknownKeys(
                List.of("headstream.models-dir", "headstream.faults", "kafka.bootstrap.servers"));
    }
}
