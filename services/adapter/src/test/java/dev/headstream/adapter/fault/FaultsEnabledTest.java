package dev.headstream.adapter.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.adapter.EmbeddedKafkaResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With {@code headstream.fault.enabled=true} the seam is the configured implementation, with the test's settings. */
@QuarkusTest
@TestProfile(FaultsEnabledTest.Profile.class)
@WithTestResource(EmbeddedKafkaResource.class)
class FaultsEnabledTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    FaultSettings.ENABLED_KEY,
                    "true",
                    "headstream.fault.halt-in-transaction-at-offset",
                    "1000000",
                    "headstream.fault.restore-delay-seconds",
                    "1");
        }
    }

    @Inject
    FaultInjector faults;

    @Test
    void theConfiguredFaultsAreWiredWhenEnabled() {
        assertThat(faults).isInstanceOf(ConfiguredFaults.class);
        assertThat(faults.toString())
                .contains("haltAtOffset=1000000")
                .contains("pauseAtOffset=-1")
                .contains("pauseSeconds=20")
                .contains("restoreDelaySeconds=1");
    }
}
