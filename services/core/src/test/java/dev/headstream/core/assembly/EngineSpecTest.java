package dev.headstream.core.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.task.AlarmAction;
import dev.headstream.core.adapt.task.AlarmPolicy;
import dev.headstream.core.adapt.task.BankTraining;
import dev.headstream.core.adapt.task.HeadRecipe;
import java.nio.file.Path;
import java.util.List;
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
        assertThat(spec.maxResidentUsers()).isEqualTo(EngineSpec.DEFAULT_MAX_RESIDENT_USERS);
        assertThat(spec.workers()).as("one per core").isZero();
    }

    @Test
    void theDedupWindowIsAtMostItsLargestTable() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.dedup-window", "536870913")))
                .hasMessageContaining("headstream.dedup-window must be at most 536870912: 536870913");
        assertThat(EngineSpec.fromProperties(Map.of("headstream.dedup-window", "536870912"))
                        .dedupWindow())
                .isEqualTo(536870912);
    }

    @Test
    void theBoundOnResidentUsersIsAtLeastOne() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.max-resident-users", "0")))
                .hasMessageContaining("headstream.max-resident-users must be at least 1");
    }

    @Test
    void readsEveryKindOfSettingInKebabCase() {
        EngineSpec spec = EngineSpec.fromProperties(Map.of(
                "headstream.tasks.wake.replay-steps", "8",
                "headstream.tasks.wake.optimizer", "sgd",
                "headstream.tasks.wake.on-negative-transfer", "rollback-last-good",
                "headstream.tasks.wake.rehearsal-set", "/data/ref.bin",
                "headstream.tasks.kws.source-head", "alexa_v0.1.onnx",
                "headstream.online-rehearsal.tenants", "acme, globex",
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
        assertThat(spec.onlineRehearsal().tenants()).containsExactlyInAnyOrder("acme", "globex");
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
                .hasMessageContaining("unknown engine properties [headstream.tasks.wake.replay-step (did you mean"
                        + " headstream.tasks.wake.replay-steps?)]");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.backbone.thread", "2")))
                .hasMessageContaining("[headstream.backbone.thread (did you mean headstream.backbone.threads?)]");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.colour", "blue")))
                .hasMessageContaining("[headstream.tasks.wake.colour]; every engine key is listed in");
    }

    @Test
    void onlineRehearsalIsOptInPerTenantWithAQuarterOfTheCapacityPerUserByDefault() {
        EngineSpec spec = EngineSpec.fromProperties(Map.of("headstream.online-rehearsal.capacity", "64"));
        assertThat(spec.onlineRehearsal().tenants()).isEmpty();
        assertThat(spec.onlineRehearsal().enabled()).as("no tenant opted in").isFalse();
        assertThat(spec.onlineRehearsal().maxPerUser()).isEqualTo(16);
        assertThat(EngineSpec.defaultMaxPerUser(0)).isEqualTo(1);
        assertThat(EngineSpec.defaultMaxPerUser(3)).isEqualTo(1);

        EngineSpec on = spec.with(Map.of("headstream.online-rehearsal.tenants", "acme"));
        assertThat(on.onlineRehearsal().enabled()).isTrue();
        assertThat(on.with(Map.of()).onlineRehearsal()).isEqualTo(on.onlineRehearsal());

        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.online-rehearsal.excluded-tenants", "x")))
                .as("the opt-out key is gone: its tenants would now be the only ones sharing")
                .hasMessageContaining("[headstream.online-rehearsal.excluded-tenants (replaced by"
                        + " headstream.online-rehearsal.tenants, which lists the tenants that opt in)]");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.online-rehearsal.max-per-user", "0")))
                .hasMessageContaining("clips per user must be >= 1, got 0");
    }

    @Test
    void aValueThatDoesNotParseNamesItsKey() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.replay-steps", "many")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("headstream.tasks.wake.replay-steps: cannot read 'many'");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.negative-bank.enabled", "maybe")))
                .hasMessageStartingWith("headstream.negative-bank.enabled: cannot read 'maybe'");
        assertThatThrownBy(
                        () -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.on-negative-transfer", "panic")))
                .hasMessageStartingWith("headstream.tasks.wake.on-negative-transfer: cannot read 'panic'");
    }

    @Test
    void aTaskOtherThanWakeMustNameItsSourceHead() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.kws.replay-steps", "8")))
                .hasMessage("task 'kws' has no source head: set headstream.tasks.kws.source-head");
    }

    @Test
    void aFreshStartRollsBackToItsLastGoodVersionUnlessConfigured() {
        assertThat(EngineSpec.fromProperties(Map.of("headstream.tasks.wake.source-head", "fresh:4"))
                        .tasks()
                        .get("wake")
                        .onNegativeTransfer())
                .isEqualTo(AlarmAction.ROLLBACK_LAST_GOOD);
        assertThat(EngineSpec.fromProperties(Map.of(
                                "headstream.tasks.wake.source-head", "fresh:4",
                                "headstream.tasks.wake.on-negative-transfer", "probation"))
                        .tasks()
                        .get("wake")
                        .onNegativeTransfer())
                .isEqualTo(AlarmAction.PROBATION);
        assertThat(EngineSpec.fromProperties(Map.of()).tasks().get("wake").onNegativeTransfer())
                .isEqualTo(AlarmPolicy.DEFAULT_ALARM_ACTION);
    }

    @Test
    void aFreshStartsThresholdSitsNearerItsNegativesUnlessConfigured() {
        EngineSpec fresh = EngineSpec.fromProperties(Map.of("headstream.tasks.wake.source-head", "fresh:4"));
        assertThat(fresh.tasks().get("wake").recipe().thresholdPosition()).isEqualTo(0.55f);
        assertThat(EngineSpec.fromProperties(fresh.toProperties())).isEqualTo(fresh);
        assertThat(EngineSpec.fromProperties(Map.of(
                                "headstream.tasks.wake.source-head", "fresh:4",
                                "headstream.tasks.wake.threshold-position", "0.75"))
                        .tasks()
                        .get("wake")
                        .recipe()
                        .thresholdPosition())
                .isEqualTo(0.75f);
        assertThat(EngineSpec.fromProperties(Map.of())
                        .tasks()
                        .get("wake")
                        .recipe()
                        .thresholdPosition())
                .as("a pre-trained source keeps the recipe's")
                .isEqualTo(HeadRecipe.wakeWordDefault().thresholdPosition())
                .isEqualTo(0.75f);
    }

    @Test
    void aWakePhraseBringsNearMissesWhoseKeysAreRefusedWithoutOne() {
        EngineSpec spec = EngineSpec.fromProperties(Map.of("headstream.tasks.wake.phrase", " okay   nova "));
        assertThat(spec.tasks().get("wake").nearMisses())
                .contains(new EngineSpec.NearMissSpec(
                        "okay nova", EngineSpec.NearMissSpec.DEFAULT_COUNT, EngineSpec.DEFAULT_NEAR_MISS_VOICES, 0L));
        assertThat(EngineSpec.fromProperties(spec.toProperties())).isEqualTo(spec);
        assertThat(EngineSpec.fromProperties(Map.of()).tasks().get("wake").nearMisses())
                .isEmpty();

        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.near-misses", "8")))
                .hasMessage("headstream.tasks.wake.near-misses applies to a task with a wake phrase:"
                        + " set headstream.tasks.wake.phrase");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.phrase", "--help me")))
                .hasMessageContaining("headstream.tasks.wake.phrase must be English words");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.phrase", "a".repeat(65))))
                .hasMessageContaining("at most 64 characters");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.wake.phrase", "okay nova", "headstream.tasks.wake.near-misses", "257")))
                .hasMessage("headstream.tasks.wake.near-misses must be 0 to 256: 257");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.wake.phrase", "okay nova", "headstream.tasks.wake.near-miss-voices", " , ")))
                .hasMessage("headstream.tasks.wake.near-miss-voices names no voice");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.who.kind", "multi-class",
                        "headstream.tasks.who.labels", "a,b",
                        "headstream.tasks.who.phrase", "okay nova")))
                .hasMessageContaining("phrase");
    }

    @Test
    void aPhrasePerUserIsNamedByEachUsersSamplesWithTheTasksNearMissSettings() {
        EngineSpec spec = EngineSpec.fromProperties(Map.of(
                "headstream.tasks.wake.source-head", "fresh:3",
                "headstream.tasks.wake.phrase", "per-user",
                "headstream.tasks.wake.near-misses", "12"));
        EngineSpec.NearMissSpec n = spec.tasks().get("wake").nearMisses().orElseThrow();
        assertThat(n.perUser()).isTrue();
        assertThat(n.count()).isEqualTo(12);
        assertThat(EngineSpec.fromProperties(spec.toProperties())).isEqualTo(spec);
        assertThat(EngineSpec.fromProperties(Map.of("headstream.tasks.wake.phrase", "okay nova"))
                        .tasks()
                        .get("wake")
                        .nearMisses()
                        .orElseThrow()
                        .perUser())
                .isFalse();
        assertThat(EngineSpec.fromProperties(Map.of("headstream.tasks.wake.phrase", "per user"))
                        .tasks()
                        .get("wake")
                        .nearMisses()
                        .orElseThrow()
                        .perUser())
                .as("only the value's own spelling: 'per user' is a phrase")
                .isFalse();
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.phrase", "per-user")))
                .as("a reset or held version would publish hey_jarvis as the user's detector")
                .hasMessageContaining("has a phrase per user (headstream.tasks.wake.phrase=per-user) but starts from"
                        + " the pre-trained head hey_jarvis_v0.1.onnx");
    }

    @Test
    void theWakeTaskStaysBesideOtherTasksUnlessItsSourceHeadIsNone() {
        Map<String, String> kws = Map.of("headstream.tasks.kws.source-head", "alexa_v0.1.onnx");
        assertThat(EngineSpec.fromProperties(kws).tasks()).containsOnlyKeys("kws", "wake");

        Map<String, String> onlyKws = new java.util.HashMap<>(kws);
        onlyKws.put("headstream.tasks.wake.source-head", "none");
        EngineSpec spec = EngineSpec.fromProperties(onlyKws);
        assertThat(spec.tasks()).containsOnlyKeys("kws");
        assertThat(EngineSpec.fromProperties(spec.toProperties())).isEqualTo(spec);

        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.source-head", "none")))
                .hasMessageContaining("no task configured");
    }

    @Test
    void everyKeyIsReadNoneFallsBackToItsDefault() {
        // every key set to a value other than its default: a key the reader ignored would come back
        // from toProperties as its default and differ
        Map<String, String> given = new java.util.TreeMap<>();
        given.put("headstream.models-dir", "/m");
        given.put("headstream.max-sample-bytes", "4096");
        given.put("headstream.dedup-window", "17");
        given.put("headstream.publish-every", "3");
        given.put("headstream.max-resident-users", "250");
        given.put("headstream.workers", "3");
        given.put("headstream.backbone.kind", "onnx");
        given.put("headstream.backbone.model", "feat.onnx");
        given.put("headstream.backbone.threads", "3");
        given.put("headstream.backbone.cuda", "true");
        given.put("headstream.backbone.cuda-device", "2");
        given.put("headstream.backbone.max-seconds", "4.5");
        given.put("headstream.negative-bank.enabled", "false");
        given.put("headstream.negative-bank.directory", "/banks/x");
        given.put("headstream.online-rehearsal.capacity", "9");
        given.put("headstream.online-rehearsal.tenants", "a,b");
        given.put("headstream.online-rehearsal.max-per-user", "3");
        given.put("headstream.rate-limit.samples-per-minute", "12.5");
        given.put("headstream.rate-limit.burst", "7.0");
        String k = "headstream.tasks.wake.";
        given.put(k + "source-head", "other.onnx");
        given.put(k + "trainable-top-layers", "2");
        given.put(k + "optimizer", "sgd");
        given.put(k + "learning-rate", "0.02");
        given.put(k + "l2sp", "0.5");
        given.put(k + "max-gradient-norm", "3.0");
        given.put(k + "replay-steps", "11");
        given.put(k + "replay-buffer", "5");
        given.put(k + "user-windows-per-step", "6");
        given.put(k + "rehearsal-per-step", "2");
        given.put(k + "window-frames", "12");
        given.put(k + "threshold-position", "0.25");
        given.put(k + "time-shift", "false");
        given.put(k + "lora-rank", "0");
        given.put(k + "l2sp-half-life", "3");
        given.put(k + "distillation", "0.5");
        given.put(k + "distillation-temperature", "2.0");
        given.put(k + "max-update-norm", "0.75");
        given.put(k + "hard-negative-windows", "4");
        given.put(k + "on-negative-transfer", "freeze-last-good");
        given.put(k + "target-false-accepts-per-hour", "0.25");
        given.put(k + "bank-per-step", "3");
        given.put(k + "bank-hard-share", "0.25");
        given.put(k + "bank-candidates", "99");
        given.put(k + "bank-pool", "7");
        given.put(k + "min-recall", "0.75");
        given.put(k + "calibration-pool", "33");
        given.put(k + "calibration-slices", "5");
        given.put(k + "rehearsal-set", "/r.bin");
        given.put(k + "kind", "binary");
        // a wake phrase needs the audio backbone, and this map sets backbone.kind=onnx: read below
        Map<String, String> phrase = Map.of(
                k + "phrase", "okay  nova",
                k + "near-misses", "12",
                k + "near-miss-voices", "en-us+m2, en-gb+f3",
                k + "near-miss-seed", "9");
        java.util.Set<String> binaryKeys = new java.util.TreeSet<>(EngineSpec.keys(java.util.Set.of("wake")));
        binaryKeys.removeAll(List.of(
                k + "labels",
                k + "start",
                k + "hidden",
                k + "batch-size",
                k + "pooling",
                k + "input-transform",
                k + "input-transform-sha256")); // class tasks only: below
        binaryKeys.removeAll(phrase.keySet());
        binaryKeys.remove(k + "architecture-of"); // fresh starts only: aFreshStartReadsItsSeedAndTemplate
        assertThat(given.keySet())
                .as("the test sets every key the specification reads")
                .containsExactlyInAnyOrderElementsOf(binaryKeys);

        EngineSpec spec = EngineSpec.fromProperties(given);

        assertThat(spec.modelsDir()).isEqualTo(Path.of("/m"));
        assertThat(List.of(spec.maxSampleBytes(), spec.dedupWindow(), spec.publishEvery(), spec.workers()))
                .containsExactly(4096, 17, 3, 3);
        assertThat(spec.backbone())
                .isEqualTo(new EngineSpec.BackboneSpec(
                        EngineSpec.BackboneKind.ONNX, Optional.of("feat.onnx"), 3, true, 2, 4.5));
        assertThat(spec.negativeBank()).isEqualTo(new EngineSpec.BankSpec(false, Optional.of(Path.of("/banks/x"))));
        assertThat(spec.onlineRehearsal().capacity()).isEqualTo(9);
        assertThat(spec.onlineRehearsal().tenants()).containsExactlyInAnyOrder("a", "b");
        assertThat(spec.onlineRehearsal().maxPerUser()).isEqualTo(3);
        assertThat(spec.rateLimit().perMinute()).isEqualTo(12.5);
        assertThat(spec.rateLimit().burst()).isEqualTo(7.0);
        EngineSpec.TaskSpec wake = spec.tasks().get("wake");
        assertThat(wake.sourceHead()).isEqualTo("other.onnx");
        assertThat(wake.recipe())
                .isEqualTo(new HeadRecipe(
                        2,
                        HeadRecipe.OptimizerKind.SGD,
                        0.02f,
                        0.5f,
                        3f,
                        11,
                        5,
                        6,
                        2,
                        12,
                        0.25f,
                        false,
                        0,
                        3,
                        0.5f,
                        2f,
                        0.75f,
                        4));
        assertThat(wake.onNegativeTransfer()).isEqualTo(AlarmAction.FREEZE_LAST_GOOD);
        assertThat(wake.targetFalseAcceptsPerHour()).isEqualTo(0.25);
        assertThat(wake.bank()).isEqualTo(new BankTraining(3, 0.25f, 99, 7, 0.75f, 33, 5));
        assertThat(wake.rehearsalSet()).contains(Path.of("/r.bin"));
        assertThat(EngineSpec.fromProperties(spec.toProperties())).isEqualTo(spec);

        Map<String, String> spoken = new java.util.TreeMap<>(given);
        spoken.remove("headstream.backbone.kind");
        spoken.remove("headstream.backbone.model");
        spoken.putAll(phrase);
        EngineSpec withPhrase = EngineSpec.fromProperties(spoken);
        assertThat(withPhrase.tasks().get("wake").nearMisses())
                .contains(new EngineSpec.NearMissSpec("okay nova", 12, List.of("en-us+m2", "en-gb+f3"), 9L));
        assertThat(EngineSpec.fromProperties(withPhrase.toProperties())).isEqualTo(withPhrase);
    }

    @Test
    void aFreshStartWithoutTheNegativeBankIsRefused() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.negative-bank.enabled", "false",
                        "headstream.tasks.mine.source-head", "fresh:3")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task 'mine' starts fresh")
                .hasMessageContaining("headstream.tasks.mine.source-head=fresh:3")
                .hasMessageContaining("headstream.negative-bank.enabled=false")
                .hasMessageContaining("min-recall");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.negative-bank.enabled", "off", "headstream.tasks.wake.source-head", "fresh:1")))
                .hasMessageContaining("task 'wake' starts fresh");
        assertThat(EngineSpec.fromProperties(Map.of(
                                "headstream.negative-bank.enabled", "false",
                                "headstream.tasks.kws.source-head", "alexa_v0.1.onnx"))
                        .tasks())
                .as("a pre-trained start runs without a bank")
                .containsKeys("wake", "kws");
        assertThat(EngineSpec.fromProperties(Map.of("headstream.tasks.mine.source-head", "fresh:3"))
                        .tasks()
                        .get("mine")
                        .fresh())
                .isTrue();
    }

    @Test
    void aWakePhraseOnATensorBackboneIsRefused() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.backbone.kind", "onnx",
                        "headstream.backbone.model", "feat.onnx",
                        "headstream.tasks.wake.phrase", "okay nova")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task 'wake'")
                .hasMessageContaining("headstream.tasks.wake.phrase")
                .hasMessageContaining("headstream.backbone.kind=onnx")
                .hasMessageContaining("takes no audio");
        assertThat(EngineSpec.fromProperties(
                                Map.of("headstream.backbone.kind", "onnx", "headstream.backbone.model", "feat.onnx"))
                        .tasks()
                        .get("wake")
                        .nearMisses())
                .isEmpty();
    }

    @Test
    void architectureOfIsABareFileNameInTheModelsDirectory() {
        for (String bad : List.of("../x.onnx", "/etc/x.onnx", "sub/x.onnx", "..\\x.onnx", "C:\\m\\x.onnx", "..onnx")) {
            assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                            "headstream.tasks.mine.source-head",
                            "fresh:1",
                            "headstream.tasks.mine.architecture-of",
                            bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("headstream.tasks.mine.architecture-of must be a bare file name")
                    .hasMessageContaining("'" + bad + "'");
        }
        assertThat(EngineSpec.fromProperties(Map.of(
                                "headstream.tasks.mine.source-head", "fresh:1",
                                "headstream.tasks.mine.architecture-of", "alexa_v0.1.onnx"))
                        .tasks()
                        .get("mine")
                        .architectureOf())
                .contains("alexa_v0.1.onnx");
    }

    @Test
    void aFreshStartReadsItsSeedAndTemplate() {
        EngineSpec spec = EngineSpec.fromProperties(Map.of(
                "headstream.tasks.wake.source-head", "fresh:7",
                "headstream.tasks.mine.source-head", "fresh:-42",
                "headstream.tasks.mine.architecture-of", "alexa_v0.1.onnx",
                "headstream.tasks.kws.source-head", "alexa_v0.1.onnx"));

        EngineSpec.TaskSpec wake = spec.tasks().get("wake");
        assertThat(wake.fresh()).isTrue();
        assertThat(wake.sourceHead()).isEqualTo("fresh:7");
        assertThat(wake.seed()).isEqualTo(7L);
        assertThat(wake.architectureOf())
                .as("by default a fresh start takes hey_jarvis's architecture")
                .contains("hey_jarvis_v0.1.onnx");
        assertThat(wake.recipe())
                .as("the default recipe, with a fresh start's threshold position")
                .isEqualTo(HeadRecipe.wakeWordDefault().withThresholdPosition(EngineSpec.FRESH_THRESHOLD_POSITION));
        EngineSpec.TaskSpec mine = spec.tasks().get("mine");
        assertThat(mine.seed()).isEqualTo(-42L);
        assertThat(mine.architectureOf()).contains("alexa_v0.1.onnx");
        EngineSpec.TaskSpec kws = spec.tasks().get("kws");
        assertThat(kws.fresh()).isFalse();
        assertThat(kws.architectureOf()).isEmpty();
        assertThatThrownBy(kws::seed).isInstanceOf(IllegalStateException.class);
        assertThat(EngineSpec.fromProperties(spec.toProperties())).isEqualTo(spec);
        assertThat(spec.toProperties())
                .containsEntry("headstream.tasks.wake.architecture-of", "hey_jarvis_v0.1.onnx")
                .doesNotContainKey("headstream.tasks.kws.architecture-of");
        assertThat(EngineSpec.fromProperties(Map.of("headstream.tasks.wake.source-head", "fresh: 9"))
                        .tasks()
                        .get("wake")
                        .sourceHead())
                .as("normalized")
                .isEqualTo("fresh:9");
    }

    @Test
    void aFreshStartRefusesAMalformedSeedAndATemplateWithoutIt() {
        for (String bad : List.of("fresh:", "fresh:seven", "fresh:1.5", "fresh:99999999999999999999")) {
            assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.mine.source-head", bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("headstream.tasks.mine.source-head: cannot read '" + bad + "'")
                    .hasMessageContaining("fresh:<seed> with a whole number (a long)");
        }
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.kws.source-head", "alexa_v0.1.onnx",
                        "headstream.tasks.kws.architecture-of", "hey_jarvis_v0.1.onnx")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("headstream.tasks.kws.architecture-of applies only to a fresh start")
                .hasMessageContaining("task 'kws' starts from the pre-trained head alexa_v0.1.onnx");
        assertThatThrownBy(() ->
                        EngineSpec.fromProperties(Map.of("headstream.tasks.wake.architecture-of", "alexa_v0.1.onnx")))
                .as("the wake task's default source head is pre-trained")
                .hasMessageContaining("headstream.tasks.wake.architecture-of applies only to a fresh start");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.who.kind", "multi-class",
                        "headstream.tasks.who.labels", "a,b",
                        "headstream.tasks.who.architecture-of", "alexa_v0.1.onnx")))
                .hasMessageContaining("headstream.tasks.who.architecture-of applies to binary tasks only");
        assertThatThrownBy(() -> new EngineSpec.TaskSpec(
                        "alexa_v0.1.onnx",
                        HeadRecipe.wakeWordDefault(),
                        AlarmPolicy.DEFAULT_ALARM_ACTION,
                        0.5,
                        BankTraining.defaults(),
                        Optional.empty(),
                        Optional.of("hey_jarvis_v0.1.onnx"),
                        Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.mine.source-head", "fresh:1",
                        "headstream.tasks.mine.architecture-of", "hey_jarvis")))
                .hasMessageContaining("headstream.tasks.mine.architecture-of must name an .onnx file in the models"
                        + " directory, got 'hey_jarvis'");
        assertThat(EngineSpec.keys(java.util.Set.of("mine"))).contains("headstream.tasks.mine.architecture-of");
    }

    @Test
    void booleansTakeTheMicroProfileSpellings() {
        for (String yes : List.of("true", "TRUE", "1", "yes", "on", "Y")) {
            assertThat(EngineSpec.fromProperties(Map.of("headstream.backbone.cuda", yes))
                            .backbone()
                            .cuda())
                    .as(yes)
                    .isTrue();
        }
        for (String no : List.of("false", "0", "no", "off", "N")) {
            assertThat(EngineSpec.fromProperties(Map.of("headstream.negative-bank.enabled", no))
                            .negativeBank()
                            .enabled())
                    .as(no)
                    .isFalse();
        }
    }

    @Test
    void aClassTaskReadsEveryClassKeyAndRoundTrips() {
        Map<String, String> given = new java.util.TreeMap<>();
        String k = "headstream.tasks.who.";
        given.put(k + "kind", "multi-class");
        given.put(k + "labels", "ann, bob,cat");
        given.put(k + "start", "fresh:42");
        given.put(k + "hidden", "32");
        given.put(k + "learning-rate", "0.01");
        given.put(k + "l2sp", "0.5");
        given.put(k + "max-gradient-norm", "2.0");
        given.put(k + "replay-steps", "3");
        given.put(k + "batch-size", "5");
        given.put(k + "replay-buffer", "9");
        given.put(k + "pooling", "mel-cepstrum");
        given.put(k + "input-transform", "speaker-transform/wccn.hsit");
        given.put(k + "input-transform-sha256", "ab".repeat(32));
        EngineSpec spec = EngineSpec.fromProperties(given);
        assertThat(spec.tasks()).containsOnlyKeys("wake"); // the default binary task stays beside it
        assertThat(spec.classTasks().get("who"))
                .isEqualTo(new dev.headstream.core.adapt.task.ClassRecipe(
                        dev.headstream.core.ingest.TaskKind.Type.MULTI_CLASS,
                        List.of("ann", "bob", "cat"),
                        42,
                        32,
                        0.01f,
                        0.5f,
                        2.0f,
                        3,
                        5,
                        9,
                        dev.headstream.core.embed.ClipPooling.MEL_CEPSTRUM,
                        java.util.Optional.of(Path.of("speaker-transform/wccn.hsit")),
                        java.util.Optional.of("ab".repeat(32))));
        assertThat(spec.taskNames()).containsExactly("wake", "who");
        assertThat(EngineSpec.fromProperties(spec.toProperties())).isEqualTo(spec);

        Map<String, String> onlyLabels = Map.of(
                "headstream.tasks.wake.source-head", "none",
                "headstream.tasks.tags.kind", "multi-label",
                "headstream.tasks.tags.labels", "a");
        EngineSpec tags = EngineSpec.fromProperties(onlyLabels);
        assertThat(tags.tasks()).isEmpty();
        assertThat(tags.classTasks().get("tags").start()).isEqualTo("fresh:1");
        assertThat(tags.classTasks().get("tags").pooling()).isEqualTo(dev.headstream.core.embed.ClipPooling.MEAN_STD);
        assertThat(EngineSpec.fromProperties(tags.toProperties())).isEqualTo(tags);
        // the pooling is written only when set
        assertThat(tags.toProperties()).doesNotContainKey("headstream.tasks.tags.pooling");
        assertThat(spec.toProperties()).containsEntry("headstream.tasks.who.pooling", "mel-cepstrum");
        assertThat(spec.toProperties())
                .containsEntry("headstream.tasks.who.input-transform", "speaker-transform/wccn.hsit")
                .containsEntry("headstream.tasks.who.input-transform-sha256", "ab".repeat(32));
        assertThat(tags.classTasks().get("tags").inputTransform()).isEmpty();
        assertThat(tags.toProperties()).doesNotContainKey("headstream.tasks.tags.input-transform");
        // the path is not in the recipe's text: a transform's contents reach the state fingerprint
        // through the start head's SHA-256, wherever its file lies
        assertThat(spec.classTasks().get("who").toString()).doesNotContain("wccn");
    }

    @Test
    void aClassTaskNamesWhatIsWrongWithIt() {
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.who.kind", "multi-class")))
                .hasMessageContaining("headstream.tasks.who.labels is required");
        assertThatThrownBy(() -> EngineSpec.fromProperties(
                        Map.of("headstream.tasks.who.kind", "multi-class", "headstream.tasks.who.labels", "solo")))
                .hasMessage("class task headstream.tasks.who: labels: a multi-class task needs 2 to 256 labels, got 1");
        assertThatThrownBy(() -> EngineSpec.fromProperties(
                        Map.of("headstream.tasks.who.kind", "multi-class", "headstream.tasks.who.labels", "a,a")))
                .hasMessage("class task headstream.tasks.who: labels: label 'a' is listed twice");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.who.kind", "multi-class",
                        "headstream.tasks.who.labels", "a,b",
                        "headstream.tasks.who.learning-rate", "abc")))
                .hasMessageStartingWith("headstream.tasks.who.learning-rate: cannot read 'abc'");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.who.kind", "multi-class",
                        "headstream.tasks.who.labels", "a,b",
                        "headstream.tasks.who.hidden", "-1")))
                .hasMessage("class task headstream.tasks.who: hidden must be 0 (no hidden layer) to 4096, got -1");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.who.kind", "multi-label",
                        "headstream.tasks.who.labels", "a",
                        "headstream.tasks.who.lora-rank", "2")))
                .hasMessageContaining("headstream.tasks.who.lora-rank applies to binary tasks only");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.labels", "a,b")))
                .hasMessageContaining("headstream.tasks.wake.labels applies to class tasks only");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.pooling", "mel-cepstrum")))
                .hasMessageContaining("headstream.tasks.wake.pooling applies to class tasks only");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.wake.input-transform", "t.hsit")))
                .hasMessageContaining("headstream.tasks.wake.input-transform applies to class tasks only");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.who.kind", "multi-class",
                        "headstream.tasks.who.labels", "a,b",
                        "headstream.tasks.who.input-transform-sha256", "ab".repeat(32))))
                .hasMessage("class task headstream.tasks.who: input-transform-sha256 pins a transform, and"
                        + " input-transform names none");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.who.kind", "multi-class",
                        "headstream.tasks.who.labels", "a,b",
                        "headstream.tasks.who.input-transform", "t.hsit",
                        "headstream.tasks.who.input-transform-sha256", "AB".repeat(31))))
                .hasMessageContaining("input-transform-sha256 must be 64 lowercase hex digits");
        // a SHA-256 printed in upper case is read in lower case
        assertThat(EngineSpec.fromProperties(Map.of(
                                "headstream.tasks.who.kind", "multi-class",
                                "headstream.tasks.who.labels", "a,b",
                                "headstream.tasks.who.input-transform", "t.hsit",
                                "headstream.tasks.who.input-transform-sha256", "AB".repeat(32)))
                        .classTasks()
                        .get("who")
                        .inputTransformSha256())
                .contains("ab".repeat(32));
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.who.kind", "multi-class",
                        "headstream.tasks.who.labels", "a,b",
                        "headstream.tasks.who.pooling", "mfcc")))
                .hasMessageContaining("headstream.tasks.who.pooling")
                .hasMessageContaining("no pooling 'mfcc'; known: [mean-std, mel-cepstrum]");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of(
                        "headstream.tasks.who.kind", "multi-label",
                        "headstream.tasks.who.labels", "a",
                        "headstream.tasks.who.start", "hey_jarvis_v0.1.onnx")))
                .hasMessageContaining("fresh:<seed>");
        assertThatThrownBy(() -> EngineSpec.fromProperties(Map.of("headstream.tasks.who.kind", "regression")))
                .hasMessageContaining("headstream.tasks.who.kind");
    }
}
