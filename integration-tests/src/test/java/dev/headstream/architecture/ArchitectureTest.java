package dev.headstream.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rules that hold the project's shape, checked on the compiled production classes of every
 * module (tests excluded). Each module owns one package root ({@code dev.headstream.<module>}),
 * so a rule about packages is a rule about modules. A broken rule fails the build with the
 * offending dependencies and the reason the rule exists.
 */
class ArchitectureTest {

    private static final List<String> MODULES =
            List.of("schemas", "core", "runtime", "dl4j", "client", "adapter", "cli", "testkit", "tools");

    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        Path root = Path.of(System.getProperty("headstream.root", ".."));
        List<Path> dirs = List.of(
                root.resolve("schemas/target/classes"),
                root.resolve("services/core/target/classes"),
                root.resolve("services/runtime/target/classes"),
                root.resolve("services/dl4j/target/classes"),
                root.resolve("services/client/target/classes"),
                root.resolve("services/adapter/target/classes"),
                root.resolve("services/cli/target/classes"),
                root.resolve("services/testkit/target/classes"),
                root.resolve("services/tools/target/classes"));
        for (Path dir : dirs) {
            assertThat(dir)
                    .as("compiled classes of a module (build the project first)")
                    .isDirectory();
        }
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPaths(dirs);
    }

    @Test
    void everyModuleHasClassesUnderItsOwnPackageRoot() {
        for (String module : MODULES) {
            assertThat(classes.stream()
                            .filter(c -> c.getPackageName().startsWith("dev.headstream." + module))
                            .count())
                    .as("classes in dev.headstream.%s", module)
                    .isPositive();
        }
    }

    @Test
    void coreUsesNoFrameworkNativeRuntimeOrBroker() {
        noClasses()
                .that()
                .resideInAPackage("dev.headstream.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "ai.onnxruntime..",
                        "org.nd4j..",
                        "org.deeplearning4j..",
                        "org.bytedeco..",
                        "org.apache.kafka..",
                        "kafka..",
                        "io.quarkus..",
                        "io.smallrye..",
                        "jakarta..",
                        "picocli..")
                .because("the domain core must build, test and be read without ONNX Runtime, ND4J, Kafka or Quarkus:"
                        + " those are adapters around it (runtime, dl4j, client, adapter)")
                .check(classes);
    }

    @Test
    void onlyTheRuntimeModuleUsesOnnxRuntime() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.headstream.runtime..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("ai.onnxruntime..")
                .because("ONNX Runtime sessions, their threads and the CUDA provider are managed in one module"
                        + " (services/runtime); everyone else goes through core's Backbone and EngineAssembly")
                .check(classes);
    }

    @Test
    void onlyTheDl4jModuleUsesNd4jOrDeeplearning4j() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.headstream.dl4j..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.nd4j..", "org.deeplearning4j..")
                .because("DL4J is the reference engine that the native head engine is checked against; its native"
                        + " BLAS must stay out of the service and the user jar")
                .check(classes);
    }

    @Test
    void onlyTheTestKitTouchesTheBroker() {
        DescribedPredicate<JavaClass> broker = JavaClass.Predicates.resideInAnyPackage("kafka..", "org.apache.kafka..")
                .and(DescribedPredicate.not(JavaClass.Predicates.resideInAnyPackage(
                        "org.apache.kafka.clients..", "org.apache.kafka.common..")))
                .as("the broker (kafka_2.13 and Kafka's server, storage, raft and coordinator jars)");
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.headstream.testkit..")
                .should()
                .dependOnClassesThat(broker)
                .because("nobody depends on the broker except the test harness (Kafka's own rule): the service and"
                        + " the user commands are Kafka clients")
                .check(classes);
    }

    @Test
    void faultInjectionIsReachedOnlyThroughItsSeam() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.headstream.adapter.fault..")
                .should()
                .dependOnClassesThat()
                .haveSimpleName("ConfiguredFaults")
                .because("the production path calls the FaultInjector seam; only the fault package decides, from"
                        + " headstream.fault.enabled, whether the crash tests' faults exist")
                .check(classes);
    }

    @Test
    void theClientLibraryNeedsOnlyTheWireContracts() {
        classes()
                .that()
                .resideInAPackage("dev.headstream.client..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage(
                        "dev.headstream.client..",
                        "dev.headstream.schemas..",
                        "org.apache.kafka.clients..",
                        "org.apache.kafka.common..",
                        "com.google.protobuf..",
                        "org.slf4j..",
                        "java..")
                .because("applications embed the client: it carries the schemas and kafka-clients, not the domain")
                .check(classes);
    }

    @Test
    void userCommandsAndTheServiceNeverReachIntoTheTestKitOrTheTools() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.headstream.cli..",
                        "dev.headstream.adapter..",
                        "dev.headstream.runtime..",
                        "dev.headstream.client..",
                        "dev.headstream.core..",
                        "dev.headstream.dl4j..",
                        "dev.headstream.schemas..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.headstream.testkit..", "dev.headstream.tools..")
                .because("the test kit (broker, synthetic speech) and the development tools are not part of what"
                        + " users and operators run")
                .check(classes);
    }

    @Test
    void nothingDependsOnTheServiceOrTheTools() {
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.headstream.adapter..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.headstream.adapter..")
                .because("the Quarkus service is an application; others talk to it through Kafka")
                .check(classes);
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.headstream.tools..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.headstream.tools..")
                .because("the development tools are the top of the graph")
                .check(classes);
    }

    @Test
    void corePackagesHaveNoCycles() {
        slices().matching("dev.headstream.core.(**)")
                .should()
                .beFreeOfCycles()
                .because("each room of the core (embed, adapt, head, monitor, bank, wire...) can be read and changed"
                        + " knowing only the rooms below it")
                .check(classes);
    }

    @Test
    void theDomainNeverReachesUpIntoTheWireTheEngineOrTheAssembly() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.headstream.core.ingest..",
                        "dev.headstream.core.embed..",
                        "dev.headstream.core.adapt.task..",
                        "dev.headstream.core.adapt.state..",
                        "dev.headstream.core.adapt.control..",
                        "dev.headstream.core.head..",
                        "dev.headstream.core.monitor..",
                        "dev.headstream.core.bank..",
                        "dev.headstream.core.detect..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.headstream.core.wire..",
                        "dev.headstream.core.adapt.engine..",
                        "dev.headstream.core.assembly..")
                .because("the wire (protobuf mapping) depends on the domain, never the reverse, and only the engine"
                        + " (orchestration) and the assembly use both")
                .check(classes);
    }

    @Test
    void modulesHaveNoCycles() {
        slices().matching("dev.headstream.(*)..")
                .should()
                .beFreeOfCycles()
                .because("Maven forbids cycles between modules; packages must not hide one")
                .check(classes);
    }
}
