package dev.headstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A misspelt engine key stops the start with a message naming it, instead of being ignored. */
@QuarkusMainTest
@TestProfile(MisspeltEngineKeyTest.Profile.class)
@WithTestResource(EmbeddedKafkaResource.class)
class MisspeltEngineKeyTest {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("headstream.tasks.wake.replay-stepz", "2");
        }
    }

    @Test
    @Launch(
            value = {},
            exitCode = 1)
    void refusesToStartWithAnUnknownEngineKey(LaunchResult result) {
        assertThat(result.getOutput() + result.getErrorOutput())
                .contains(
                        "unknown engine properties [headstream.tasks.wake.replay-stepz (did you mean headstream.tasks.wake.replay-steps?)]");
    }
}
