package dev.headstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.assembly.EngineSpec;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineProducerTest {

    private static SmallRyeConfig config(Map<String, String> env, Map<String, String> file) {
        return new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(env, 300))
                .withSources(new PropertiesConfigSource(file, "application.properties", 250))
                .build();
    }

    @Test
    void environmentVariablesSetEngineKeysOfTheDefaultAndOfNamedTasks() {
        SmallRyeConfig c = config(
                Map.of(
                        "HEADSTREAM_PUBLISH_EVERY", "4",
                        "HEADSTREAM_TASKS_WAKE_LEARNING_RATE", "0.05",
                        "HEADSTREAM_TASKS_KWS_REPLAY_STEPS", "7",
                        "HEADSTREAM_INSTANCE_ID", "pod-3"),
                Map.of("headstream.tasks.kws.source-head", "alexa_v0.1.onnx"));

        EngineSpec spec = EngineSpec.fromProperties(EngineProducer.engineProperties(c));

        assertThat(spec.publishEvery()).isEqualTo(4);
        assertThat(spec.tasks().get("wake").recipe().learningRate()).isEqualTo(0.05f);
        assertThat(spec.tasks().get("kws").recipe().replaySteps()).isEqualTo(7);
        assertThat(spec.tasks().get("kws").sourceHead()).isEqualTo("alexa_v0.1.onnx");
    }

    @Test
    void aMisspeltEngineKeyStillFailsWhicheverWayItIsSet() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(EngineProducer.engineProperties(
                        config(Map.of(), Map.of("headstream.tasks.wake.replay-stepz", "4")))))
                .hasMessageContaining(
                        "unknown engine properties [headstream.tasks.wake.replay-stepz (did you mean headstream.tasks.wake.replay-steps?)]");
        assertThatThrownBy(() -> EngineSpec.fromProperties(EngineProducer.engineProperties(
                        config(Map.of("HEADSTREAM_TASKS_WAKE_REPLAY_STEPZ", "4"), Map.of()))))
                .hasMessageContaining(
                        "unknown engine properties [headstream.tasks.wake.replay.stepz (did you mean headstream.tasks.wake.replay-steps?)]");
    }

    @Test
    void keysTheEngineDoesNotOwnAreLeftToTheProcess() {
        Map<String, String> p = EngineProducer.engineProperties(config(
                Map.of(),
                Map.of(
                        "headstream.instance-id", "a",
                        "headstream.fault.enabled", "true",
                        "headstream.models.dir", "/x",
                        "headstream.max-sample-bytes", "100")));

        assertThat(p).containsExactly(Map.entry("headstream.max-sample-bytes", "100"));
    }

    @Test
    void environmentNamesFollowTheMicroProfileRule() {
        assertThat(EngineProducer.envName("headstream.tasks.wake.learning-rate"))
                .isEqualTo("HEADSTREAM_TASKS_WAKE_LEARNING_RATE");
    }
}
