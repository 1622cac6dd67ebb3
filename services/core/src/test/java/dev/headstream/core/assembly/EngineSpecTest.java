package dev.headstream.core.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.task.AlarmAction;
import dev.headstream.core.adapt.task.AlarmPolicy;
import dev.headstream.core.adapt.task.BankTraining;
import dev.headstream.core.adapt.task.HeadRecipe;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EngineSpecTest {

    @Test
    void withoutPropertiesRunsTheWakeTaskWithTheDomainDefaults() {
        EngineSpec spec = EngineSpec.fromProperties(Map.of());

        assertThat(spec.modelsDir()).isEqualTo(Path.of(".models"));
        assertThat(spec.tasks()).containsOnlyKeys("wake");
        EngineSpec.TaskSpec wake = spec.tasks().get("wake");
        assertThat(wake.sourceHead()).isEqualTo("hey_jarvis_v0.1.onnx");
        assertThat(wake.recipe()).isEqualTo(HeadRecipe.wakeWordDefault());
        assertThat(wake.bank()).isEqualTo(BankTraining.defaults());
        assertThat(wake.onNegativeTransfer()).isEqualTo(AlarmPolicy.DEFAULT_ALARM_ACTION);
        assertThat(wake.targetFalseAcceptsPerHour()).isEqualTo(0.5);
        assertThat(spec.negativeBank().enabled()).isTrue();
        assertThat(spec.negativeBank().resolve(spec.modelsDir())).isEqualTo(Path.of(".models/negative-bank"));
        assertThat(spec.backbone().kind()).isEqualTo(EngineSpec.BackboneKind.WAKEWORD);
        assertThat(spec.rateLimit().perMinute()).isZero();
        assertThat(spec.onlineRehearsal().capacity()).isZero();
    }

    @Test
    void readsEveryKindOfSettingInKebabCase() {
        EngineSpec spec = EngineSpec.fromProperties(Map.of(
                "headstream.tasks.wake.replay-steps", "8",
                "headstream.tasks.wake.optimizer", "sgd",
                "headstream.tasks.wake.on-negative-transfer", "rollback-last-good",
                "headstream.tasks.wake.rehearsal-set", "/data/ref.bin",
                "headstream.tasks.kws.source-head", "alexa_v0.1.onnx",
                "headstream.online-rehearsal.excluded-tenants", "acme, globex",
                "headstream.negative-bank.enabled", "false",
                "headstream.instance-id", "not the engine's"));

        assertThat(spec.tasks()).containsOnlyKeys("kws", "wake");
        EngineSpec.TaskSpec wake = spec.tasks().get("wake");
        assertThat(wake.sourceHead())
                .as("the wake task keeps its default source head")
                .isEqualTo("hey_jarvis_v0.1.onnx");
        assertThat(wake.recipe().replaySteps()).isEqualTo(8);
        assertThat(wake.recipe().optimizer()).isEqualTo(HeadRecipe.OptimizerKind.SGD);
        assertThat(wake.onNegativeTransfer()).isEqualTo(AlarmAction.ROLLBACK_LAST_GOOD);
        assertThat(wake.rehearsalSet()).contains(Path.of("/data/ref.bin"));
        assertThat(spec.tasks().get("kws").sourceHead()).isEqualTo("alexa_v0.1.onnx");
        assertThat(spec.tasks().get("kws").rehearsalSet()).isEqualTo(Optional.empty());
        assertThat(spec.onlineRehearsal().excludedTenants()).containsExactlyInAnyOrder("acme", "globex");
        assertThat(spec.negativeBank().enabled()).isFalse();
    }

    @Test
    void propertiesReadBackToAnEqualSpecification() {
        EngineSpec spec = EngineSpec.fromProperties(Map.of(
                "headstream.tasks.wake.learning-rate", "0.003",
                "headstream.tasks.wake.threshold-position", "0.6",
                "headstream.rate-limit.samples-per-minute", "12.5",
                "headstream.negative-bank.directory", "/banks/b1",
                "headstream.backbone.threads", "2"));

        assertThat(EngineSpec.fromProperties(spec.toProperties())).isEqualTo(spec);
        assertThat(spec.with(Map.of("headstream.tasks.wake.replay-steps", "3"))
                        .tasks()
                        .get("wake")
                        .recipe()
                        .replaySteps())
                .isEqualTo(3);
    }

    @Test
    void aMisspeltEngineKeyIsNamedNotIgnored() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.replay-step", "8")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown engine properties [headstream.tasks.wake.replay-step]");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.backbone.thread", "2")))
                .hasMessageContaining("[headstream.backbone.thread]");
    }

    @Test
    void aValueThatDoesNotParseNamesItsKey() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.replay-steps", "many")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("headstream.tasks.wake.replay-steps: cannot read 'many'");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.negative-bank.enabled", "yes")))
                .hasMessageStartingWith("headstream.negative-bank.enabled: cannot read 'yes'");
        assertThatThrownBy(
                        () -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.on-negative-transfer", "panic")))
                .hasMessageStartingWith("headstream.tasks.wake.on-negative-transfer: cannot read 'panic'");
    }

    @Test
    void aTaskOtherThanWakeMustNameItsSourceHead() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.kws.replay-steps", "8")))
                .hasMessage("task 'kws' has no source head: set headstream.tasks.kws.source-head");
    }
}
