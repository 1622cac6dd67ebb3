package dev.headstream.adapter.fault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.adapter.EmbeddedKafkaResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A production configuration that carries a fault setting without {@code headstream.fault.enabled=true} does not start. */
@QuarkusMainTest
@TestProfile(FaultSettingWithoutEnabledTest.Profile.class)
@WithTestResource(EmbeddedKafkaResource.class)
class FaultSettingWithoutEnabledTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("headstream.fault.pause-in-transaction-at-offset", "3");
        }
    }

    @Test
    @Launch(
            value = {},
            exitCode = 1)
    void refusesToStartWithAFaultSettingButFaultsNotEnabled(LaunchResult result) {
        assertThat(result.getOutput() + result.getErrorOutput())
                .contains("fault injection settings [headstream.fault.pause-in-transaction-at-offset] are set but"
                        + " headstream.fault.enabled is not true");
    }
}
