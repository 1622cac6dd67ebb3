package dev.headstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.headstream.client.KafkaRole;
import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclPermissionType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The deployment files (docker-compose.yml, the images' Dockerfiles, k8s/) checked against the code
 * they deploy, without a cluster or a Docker engine: the Kubernetes manifests are rendered with
 * {@code kubectl kustomize} (Debian's kubernetes-client, which {@code ./headstream test} installs;
 * kubectl 1.20's built-in kustomize is the oldest this must render with) and every object is read
 * back; the topics and users given to Strimzi must be exactly {@link TopicSpecs} and
 * {@link KafkaRole}'s, the autoscaler must stay within the samples topic's partitions, and the
 * compose file must secure its broker and set it up with Headstream's own tools.
 *
 * <p>{@code $HEADSTREAM_KUBECTL} names another kubectl to render with (another version).
 */
class DeploymentFilesTest {

    private static final Path ROOT = Path.of(System.getProperty("headstream.root", ".."))
            .toAbsolutePath()
            .normalize();
    private static final String KUBECTL = Objects.requireNonNullElse(System.getenv("HEADSTREAM_KUBECTL"), "kubectl");
    private static final String LABEL_PREFIX = "app.kubernetes.io/";
    private static final String ROLE_ANNOTATION = "headstream.dev/role";
    private static final String ADAPTER = "headstream-adapter";
    private static final Set<String> COMPOSE_SERVICES =
            Set.of("kafka", "setup", "adapter", "producer", "detector", "prometheus", "grafana");

    private static List<Map<String, Object>> base;
    private static List<Map<String, Object>> gpu;

    @BeforeAll
    static void render() {
        base = kustomize("k8s/base");
        gpu = kustomize("k8s/overlays/gpu");
    }

    // ---- Kubernetes: every object ----

    @Test
    void everyRenderedObjectIsCompleteAndCarriesTheSameAppLabels() {
        for (List<Map<String, Object>> objects : List.of(base, gpu)) {
            assertThat(objects).isNotEmpty();
            Map<String, String> first = null;
            for (Map<String, Object> o : objects) {
                String what = describe(o);
                assertThat(str(o, "apiVersion")).as("apiVersion of %s", what).isNotBlank();
                assertThat(str(o, "kind")).as("kind of %s", what).isNotBlank();
                assertThat(str(o, "metadata", "name"))
                        .as("metadata.name of %s", what)
                        .matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
                Map<String, String> labels = appLabels(o);
                assertThat(labels)
                        .as("app.kubernetes.io labels of %s", what)
                        .containsKeys(LABEL_PREFIX + "name", LABEL_PREFIX + "part-of");
                if (first == null) {
                    first = labels;
                }
                assertThat(labels).as("app.kubernetes.io labels of %s", what).isEqualTo(first);
            }
        }
    }

    @Test
    void theOverlayKeepsEveryObjectOfTheBase() {
        assertThat(gpu.stream().map(DeploymentFilesTest::identity).collect(Collectors.toSet()))
                .isEqualTo(base.stream().map(DeploymentFilesTest::identity).collect(Collectors.toSet()));
    }

    @Test
    void noSecretValuesAreRendered() {
        for (List<Map<String, Object>> objects : List.of(base, gpu)) {
            assertThat(objects)
                    .as("Secrets are referenced, never rendered")
                    .noneMatch(o -> "Secret".equals(o.get("kind")));
        }
    }

    // ---- Kubernetes: the adapter ----

    @Test
    void theDeploymentSelectsItsOwnPodsAndSoDoTheServiceAndTheDisruptionBudget() {
        for (List<Map<String, Object>> objects : List.of(base, gpu)) {
            Map<String, Object> deployment = one(objects, "Deployment", ADAPTER);
            Map<String, Object> podLabels = map(deployment, "spec", "template", "metadata", "labels");
            Map<String, Object> selector = map(deployment, "spec", "selector", "matchLabels");
            assertThat(selector).isNotEmpty();
            assertThat(podLabels).containsAllEntriesOf(selector);
            Map<String, Object> serviceSelector = map(one(objects, "Service", ADAPTER), "spec", "selector");
            assertThat(serviceSelector).isNotEmpty();
            assertThat(podLabels).containsAllEntriesOf(serviceSelector);
            Map<String, Object> pdbSelector =
                    map(one(objects, "PodDisruptionBudget", ADAPTER), "spec", "selector", "matchLabels");
            assertThat(pdbSelector).isNotEmpty();
            assertThat(podLabels).containsAllEntriesOf(pdbSelector);
        }
    }

    @Test
    void theAdapterIsProbedOnQuarkusHealthAndNamedAfterItsPod() {
        for (List<Map<String, Object>> objects : List.of(base, gpu)) {
            Map<String, Object> container = adapterContainer(objects);
            assertThat(str(container, "livenessProbe", "httpGet", "path")).isEqualTo("/q/health/live");
            assertThat(str(container, "readinessProbe", "httpGet", "path")).isEqualTo("/q/health/ready");
            Object port = map(container, "readinessProbe", "httpGet").get("port");
            assertThat(List.<Object>of("http", 8080)).contains(port);
            Map<String, Object> instanceId = env(container).get("HEADSTREAM_INSTANCE_ID");
            assertThat(instanceId).as("HEADSTREAM_INSTANCE_ID").isNotNull();
            assertThat(str(instanceId, "valueFrom", "fieldRef", "fieldPath")).isEqualTo("metadata.name");
        }
    }

    @Test
    void theAdapterReadsItsSettingsFromTheConfigMapAndItsCredentialsFromSecretReferences() {
        for (List<Map<String, Object>> objects : List.of(base, gpu)) {
            Map<String, Object> container = adapterContainer(objects);
            List<Map<String, Object>> envFrom = maps(container.get("envFrom"));
            String configMap = envFrom.stream()
                    .filter(e -> e.containsKey("configMapRef"))
                    .map(e -> str(e, "configMapRef", "name"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("the adapter has no envFrom configMapRef"));
            Map<String, Object> settings = map(one(objects, "ConfigMap", configMap), "data");
            assertThat(settings)
                    .containsKeys(
                            "KAFKA_BOOTSTRAP_SERVERS",
                            "KAFKA_SECURITY_PROTOCOL",
                            "KAFKA_SASL_MECHANISM",
                            "HEADSTREAM_ADMIN_KAFKA_SECURITY_PROTOCOL",
                            "HEADSTREAM_ADMIN_KAFKA_SASL_MECHANISM",
                            "JAVA_OPTS");
            assertThat(settings.get("KAFKA_SASL_MECHANISM")).isEqualTo("SCRAM-SHA-512");
            assertThat(envFrom)
                    .as("the admin API's users come from a Secret")
                    .anyMatch(e -> e.containsKey("secretRef"));
            // the JAAS lines are the secrets Strimzi writes for the adapter's and the operator's KafkaUsers
            Map<String, Map<String, Object>> env = env(container);
            assertThat(str(env.get("KAFKA_SASL_JAAS_CONFIG"), "valueFrom", "secretKeyRef", "name"))
                    .isEqualTo(userOf(objects, KafkaRole.ADAPTER));
            assertThat(str(env.get("HEADSTREAM_ADMIN_KAFKA_SASL_JAAS_CONFIG"), "valueFrom", "secretKeyRef", "name"))
                    .isEqualTo(userOf(objects, KafkaRole.OPERATOR));
            for (Map<String, Object> e : env.values()) {
                assertThat(e)
                        .as("env %s: a value from a reference or a literal, never a password", e.get("name"))
                        .satisfiesAnyOf(
                                x -> assertThat(x).containsKey("valueFrom"),
                                x -> assertThat(String.valueOf(x.get("value"))).doesNotContainIgnoringCase("password"));
            }
            // the heap fits in the container's memory limit, with room for what is not heap
            long limit = bytes(str(container, "resources", "limits", "memory"));
            long requested = bytes(str(container, "resources", "requests", "memory"));
            assertThat(requested).isPositive().isLessThanOrEqualTo(limit);
            assertThat(str(container, "resources", "requests", "cpu")).isNotBlank();
            Matcher xmx = Pattern.compile("-Xmx(\\d+[kKmMgG]?)").matcher(String.valueOf(settings.get("JAVA_OPTS")));
            assertThat(xmx.find()).as("JAVA_OPTS sets -Xmx").isTrue();
            assertThat(bytes(xmx.group(1))).isLessThanOrEqualTo(limit * 3 / 4);
        }
    }

    @Test
    void theGpuOverlayRunsTheGpuImageOnOneGpu() {
        Map<String, Object> cpu = adapterContainer(base);
        Map<String, Object> onGpu = adapterContainer(gpu);
        assertThat(map(cpu, "resources", "limits")).doesNotContainKey("nvidia.com/gpu");
        assertThat(String.valueOf(map(onGpu, "resources", "limits").get("nvidia.com/gpu")))
                .isEqualTo("1");
        String image = str(onGpu, "image");
        assertThat(image).isNotEqualTo(str(cpu, "image"));
        assertThat(image.substring(0, image.lastIndexOf(':'))).endsWith("-gpu");
        assertThat(str(env(onGpu).get("HEADSTREAM_BACKBONE_CUDA"), "value")).isEqualTo("true");
        Map<String, Object> podSpec = map(one(gpu, "Deployment", ADAPTER), "spec", "template", "spec");
        assertThat(maps(podSpec.get("tolerations"))).anyMatch(t -> "nvidia.com/gpu".equals(t.get("key")));
    }

    // ---- Kubernetes: Strimzi topics and users ----

    @Test
    void theKafkaTopicsAreExactlyTopicSpecsWithOnePartitionCount() {
        List<Map<String, Object>> topics = all(base, "KafkaTopic");
        Map<String, Map<String, String>> rendered = new TreeMap<>();
        Set<Object> partitions = new HashSet<>();
        for (Map<String, Object> t : topics) {
            String name = Objects.requireNonNullElse(str(t, "spec", "topicName"), str(t, "metadata", "name"));
            Map<String, String> configs = new TreeMap<>();
            map(t, "spec", "config").forEach((k, v) -> configs.put(k, String.valueOf(v)));
            assertThat(rendered.put(name, configs))
                    .as("KafkaTopic %s given twice", name)
                    .isNull();
            partitions.add(map(t, "spec").get("partitions"));
            assertThat(map(t, "metadata", "labels")).containsKey("strimzi.io/cluster");
        }
        Map<String, Map<String, String>> code = new TreeMap<>();
        TopicSpecs.all().forEach(s -> code.put(s.name(), new TreeMap<>(s.configs())));
        assertThat(rendered).isEqualTo(code);
        assertThat(partitions).as("one partition count for every topic").hasSize(1);
        assertThat(samplesPartitions()).isPositive();
    }

    @Test
    void eachRoleHasOneKafkaUserWithExactlyTheRolesAcls() {
        List<Map<String, Object>> users = all(base, "KafkaUser");
        Map<KafkaRole, String> byRole = new LinkedHashMap<>();
        for (Map<String, Object> u : users) {
            String name = str(u, "metadata", "name");
            String label = str(u, "metadata", "annotations", ROLE_ANNOTATION);
            assertThat(label).as("%s of KafkaUser %s", ROLE_ANNOTATION, name).isNotNull();
            KafkaRole role = KafkaRole.named(label);
            assertThat(byRole.put(role, name))
                    .as("a second KafkaUser for role %s: %s", label, name)
                    .isNull();
            assertThat(str(u, "spec", "authentication", "type")).isEqualTo("scram-sha-512");
            assertThat(str(u, "spec", "authorization", "type")).isEqualTo("simple");
            assertThat(strimziAcls(u))
                    .as("ACLs of KafkaUser %s (role %s)", name, label)
                    .isEqualTo(expectedAcls(role, name));
        }
        assertThat(byRole.keySet()).containsExactlyInAnyOrder(KafkaRole.values());
    }

    @Test
    void theScaledObjectFollowsTheAdapterGroupWithinTheSamplesPartitions() throws IOException {
        Map<String, Object> scaled = one(base, "ScaledObject", null);
        assertThat(str(scaled, "spec", "scaleTargetRef", "name")).isEqualTo(ADAPTER);
        assertThat(Objects.requireNonNullElse(str(scaled, "spec", "scaleTargetRef", "kind"), "Deployment"))
                .isEqualTo("Deployment");
        int max = ((Number) map(scaled, "spec").get("maxReplicaCount")).intValue();
        int min = ((Number) map(scaled, "spec").getOrDefault("minReplicaCount", 0)).intValue();
        assertThat(max).isBetween(Math.max(1, min), samplesPartitions());
        List<Map<String, Object>> triggers = maps(map(scaled, "spec").get("triggers"));
        assertThat(triggers).hasSize(1);
        Map<String, Object> trigger = triggers.get(0);
        assertThat(trigger.get("type")).isEqualTo("kafka");
        Properties adapter = new Properties();
        try (InputStream in =
                Files.newInputStream(ROOT.resolve("services/adapter/src/main/resources/application.properties"))) {
            adapter.load(in);
        }
        String group = adapter.getProperty("mp.messaging.incoming.samples.group.id");
        assertThat(group).isEqualTo(KafkaRole.ADAPTER_GROUP);
        assertThat(str(trigger, "metadata", "consumerGroup")).isEqualTo(group);
        assertThat(str(trigger, "metadata", "topic")).isEqualTo(Topics.SAMPLES);
        // KEDA authenticates as the monitor role's user (lag only), never with a user that can write
        String auth = str(trigger, "authenticationRef", "name");
        assertThat(auth).as("the kafka trigger's authenticationRef").isNotNull();
        Map<String, Object> authentication = one(base, "TriggerAuthentication", auth);
        String monitor = userOf(base, KafkaRole.MONITOR);
        assertThat(maps(map(authentication, "spec").get("secretTargetRef")))
                .filteredOn(ref -> "password".equals(ref.get("parameter")))
                .singleElement()
                .satisfies(ref -> assertThat(ref.get("name")).isEqualTo(monitor));
        for (Map<String, Object> ref : maps(map(authentication, "spec").get("configMapTargetRef"))) {
            if ("username".equals(ref.get("parameter"))) {
                Map<String, Object> cm = one(base, "ConfigMap", (String) ref.get("name"));
                assertThat(str(cm, "data", (String) ref.get("key"))).isEqualTo(monitor);
            }
        }
    }

    // ---- docker-compose.yml ----

    @Test
    void composeHasItsServicesAndBuildsImagesFromFilesThatExist() {
        Map<String, Object> services = map(compose(), "services");
        assertThat(services.keySet()).containsAll(COMPOSE_SERVICES);
        assertThat(str(services, "kafka", "image")).isEqualTo("apache/kafka:4.1.1");
        Set<String> built = new TreeSet<>();
        services.forEach((name, s) -> {
            Object build = ((Map<?, ?>) s).get("build");
            if (build == null) {
                return;
            }
            Path context;
            String dockerfile = "Dockerfile";
            if (build instanceof String path) {
                context = ROOT.resolve(path);
            } else {
                Map<?, ?> b = (Map<?, ?>) build;
                context = ROOT.resolve(String.valueOf(b.get("context")));
                if (b.get("dockerfile") != null) {
                    dockerfile = String.valueOf(b.get("dockerfile"));
                }
            }
            assertThat(context).as("build context of %s", name).isDirectory();
            assertThat(context.resolve(dockerfile)).as("Dockerfile of %s", name).isRegularFile();
            built.add(name);
        });
        assertThat(built).contains("adapter", "setup", "producer", "detector");
        // every file of this repository that a service mounts is there, but for the two delivered
        // separately (the alert rules and the dashboards) and the models that ./headstream setup fetches
        Set<String> elsewhere = Set.of("./deploy/prometheus/alerts.yml", "./deploy/grafana/dashboards", "./.models");
        services.forEach((name, s) -> {
            for (Object volume : list(((Map<?, ?>) s).get("volumes"))) {
                String source = String.valueOf(volume).split(":")[0];
                if (source.startsWith("./") && !elsewhere.contains(source)) {
                    assertThat(ROOT.resolve(source))
                            .as("volume %s of %s", volume, name)
                            .exists();
                }
            }
        });
        assertThat(volumeTarget("prometheus", "./deploy/prometheus/alerts.yml")).isNotNull();
        assertThat(volumeTarget("grafana", "./deploy/grafana/dashboards")).isNotNull();
    }

    @Test
    void composeSetsTheClusterUpWithHeadstreamsToolsBeforeTheAdapterStarts() {
        Map<String, Object> services = map(compose(), "services");
        String setup = commandText(map(services, "setup"));
        assertThat(setup).containsPattern("(?m)^\\s*headstream topics .*--kafka-config \\S+");
        Map<KafkaRole, String> users = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*headstream kafka-user (.*)$").matcher(setup);
        while (m.find()) {
            String line = m.group(1);
            assertThat(line).contains("--kafka-config ").contains("--password-env ");
            Matcher role = Pattern.compile("--role (\\S+)").matcher(line);
            Matcher name = Pattern.compile("--name (\\S+)").matcher(line);
            assertThat(role.find() && name.find())
                    .as("kafka-user line %s", line)
                    .isTrue();
            users.put(KafkaRole.named(role.group(1)), name.group(1));
        }
        // every role but the monitor's, whose client (an autoscaler's lag reader) runs on Kubernetes only
        assertThat(users.keySet())
                .containsExactlyInAnyOrderElementsOf(EnumSet.complementOf(EnumSet.of(KafkaRole.MONITOR)));
        assertThat(str(services, "adapter", "depends_on", "setup", "condition"))
                .isEqualTo("service_completed_successfully");
        assertThat(str(services, "setup", "depends_on", "kafka", "condition")).isEqualTo("service_healthy");
        // the adapter's clients authenticate as the adapter's user, its control producer as the operator's
        Map<String, Object> env = map(services, "adapter", "environment");
        assertThat(env.get("KAFKA_SECURITY_PROTOCOL")).isEqualTo("SASL_PLAINTEXT");
        assertThat(env.get("KAFKA_SASL_MECHANISM")).isEqualTo("SCRAM-SHA-512");
        assertThat(String.valueOf(env.get("KAFKA_SASL_JAAS_CONFIG")))
                .contains("username=\"" + users.get(KafkaRole.ADAPTER) + "\"");
        assertThat(String.valueOf(env.get("HEADSTREAM_ADMIN_KAFKA_SASL_JAAS_CONFIG")))
                .contains("username=\"" + users.get(KafkaRole.OPERATOR) + "\"");
        assertThat(env).containsKey("HEADSTREAM_INSTANCE_ID");
        assertThat(env.keySet()).anyMatch(k -> k.startsWith("QUARKUS_SECURITY_USERS_EMBEDDED_USERS_"));
        assertThat(list(map(services, "adapter").get("ports")))
                .anyMatch(p -> String.valueOf(p).endsWith(":8080"));
        // the producer and the detector authenticate as their roles' users
        assertThat(clientUser(services, "producer")).isEqualTo(users.get(KafkaRole.PRODUCER));
        assertThat(clientUser(services, "detector")).isEqualTo(users.get(KafkaRole.FOLLOWER));
    }

    @Test
    void composesBrokerDeniesByDefaultAndTrustsOnlyItsAdministrator() throws IOException {
        Map<String, Object> kafka = map(map(compose(), "services"), "kafka");
        String text = String.join("\n", composeText(), kafkaEntrypoint(kafka));
        List<String> superUsers = new ArrayList<>();
        Matcher m = Pattern.compile("super[._]users[=:]\\s*(\\S+)", Pattern.CASE_INSENSITIVE)
                .matcher(text);
        while (m.find()) {
            superUsers.add(m.group(1));
        }
        assertThat(superUsers).isNotEmpty();
        assertThat(superUsers).noneMatch(s -> s.toUpperCase(Locale.ROOT).contains("ANONYMOUS"));
        String entrypoint = kafkaEntrypoint(kafka);
        assertThat(entrypoint)
                .contains("authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .contains("allow.everyone.if.no.acl.found=false")
                .contains("sasl.enabled.mechanisms=SCRAM-SHA-512")
                .contains("--add-scram");
        Matcher map = Pattern.compile("(?m)^listener\\.security\\.protocol\\.map=(.*)$")
                .matcher(entrypoint);
        assertThat(map.find()).as("listener.security.protocol.map").isTrue();
        for (String entry : map.group(1).split(",")) {
            assertThat(entry).as("every listener authenticates").endsWith(":SASL_PLAINTEXT");
        }
    }

    @Test
    void prometheusAndGrafanaPointAtTheAdapterAndTheMountedFiles() throws IOException {
        Map<String, Object> prometheus = loadOne(ROOT.resolve("deploy/prometheus/prometheus.yml"));
        List<Map<String, Object>> jobs = maps(prometheus.get("scrape_configs"));
        assertThat(jobs)
                .anyMatch(j -> "/q/metrics".equals(j.get("metrics_path"))
                        && maps(j.get("static_configs")).stream()
                                .anyMatch(c -> list(c.get("targets")).contains("adapter:8080")));
        String rules = volumeTarget("prometheus", "./deploy/prometheus/alerts.yml");
        String config = volumeTarget("prometheus", "./deploy/prometheus/prometheus.yml");
        assertThat(list(prometheus.get("rule_files")))
                .anyMatch(r -> Path.of(config).resolveSibling(String.valueOf(r)).equals(Path.of(rules)));
        Path dashboards = ROOT.resolve("deploy/grafana/provisioning/dashboards");
        List<String> paths = new ArrayList<>();
        try (var files = Files.list(dashboards)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
                maps(loadOne(f).get("providers")).forEach(p -> paths.add(str(p, "options", "path")));
            }
        }
        assertThat(paths).contains(volumeTarget("grafana", "./deploy/grafana/dashboards"));
    }

    @Test
    void theImagesCarryNoModelAndRunWithTheVectorApi() throws IOException {
        for (String dockerfile : List.of(
                "services/adapter/src/main/docker/Dockerfile.jvm",
                "services/adapter/src/main/docker/Dockerfile.jvm-gpu",
                "services/tools/src/main/docker/Dockerfile.jvm")) {
            String text = Files.readString(ROOT.resolve(dockerfile), StandardCharsets.UTF_8);
            for (String line : text.lines().toList()) {
                if (line.matches("\\s*(COPY|ADD)\\s.*")) {
                    assertThat(line)
                            .as("%s copies no model", dockerfile)
                            .doesNotContain(".models")
                            .doesNotContain(".onnx");
                }
            }
        }
        String gpuImage = Files.readString(
                ROOT.resolve("services/adapter/src/main/docker/Dockerfile.jvm-gpu"), StandardCharsets.UTF_8);
        assertThat(gpuImage)
                .containsPattern("nvidia/cuda:12[.0-9]*-cudnn-runtime")
                .contains("HEADSTREAM_BACKBONE_CUDA=true");
        assertThat(Files.readString(
                        ROOT.resolve("services/adapter/src/main/docker/Dockerfile.jvm"), StandardCharsets.UTF_8))
                .contains("--add-modules jdk.incubator.vector");
        assertThat(gpuImage).contains("--add-modules jdk.incubator.vector");
        assertThat(Files.readString(ROOT.resolve("services/tools/src/main/docker/headstream"), StandardCharsets.UTF_8))
                .contains("--add-modules jdk.incubator.vector");
    }

    @Test
    void bothAdapterImagesCarryEspeakNgAndSoxFromOneDistribution() throws IOException {
        // a task with a wake phrase synthesizes its near misses at start-up, on each instance
        String cpu = Files.readString(
                ROOT.resolve("services/adapter/src/main/docker/Dockerfile.jvm"), StandardCharsets.UTF_8);
        String gpuImage = Files.readString(
                ROOT.resolve("services/adapter/src/main/docker/Dockerfile.jvm-gpu"), StandardCharsets.UTF_8);
        for (String text : List.of(cpu, gpuImage)) {
            String install = text.replace("\\\n", " ")
                    .lines()
                    .filter(l -> l.matches("RUN .*apt-get install .*"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no apt-get install in an adapter image"));
            assertThat(install.split("\\s+")).contains("espeak-ng", "sox");
        }
        // the same Ubuntu release under both, so that both synthesize the same near misses
        assertThat(cpu).contains("FROM eclipse-temurin:17-jre-jammy");
        assertThat(gpuImage).containsPattern("ARG CUDA_IMAGE=nvidia/cuda:[^\\s]*-ubuntu22\\.04");
    }

    // ---- helpers: rendering and reading ----

    private static List<Map<String, Object>> kustomize(String dir) {
        Path err;
        try {
            err = Files.createTempFile("kustomize", ".err");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process p;
        try {
            p = new ProcessBuilder(KUBECTL, "kustomize", ROOT.resolve(dir).toString())
                    .redirectError(err.toFile())
                    .start();
        } catch (IOException e) {
            return fail("cannot run '" + KUBECTL + " kustomize': " + e.getMessage()
                    + ". Install kubectl: Debian's kubernetes-client (apt-get install kubernetes-client;"
                    + " ./headstream test installs it)");
        }
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return fail(KUBECTL + " kustomize " + dir + " did not finish within 120 s");
            }
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                return fail(KUBECTL + " kustomize " + dir + " failed (exit " + p.exitValue() + "):\n" + stderr);
            }
            List<Map<String, Object>> objects = new ArrayList<>();
            for (Object doc : yaml().loadAll(out)) {
                if (doc != null) {
                    objects.add(asMap(doc, dir));
                }
            }
            return objects;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            try {
                Files.deleteIfExists(err);
            } catch (IOException ignored) {
                // a temporary file
            }
        }
    }

    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    private static Map<String, Object> loadOne(Path file) throws IOException {
        return asMap(yaml().load(Files.readString(file, StandardCharsets.UTF_8)), file.toString());
    }

    private static String composeText() {
        try {
            return Files.readString(ROOT.resolve("docker-compose.yml"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> compose() {
        return asMap(yaml().load(composeText()), "docker-compose.yml");
    }

    /** The script the kafka service runs: the mounted file its entrypoint names. */
    private static String kafkaEntrypoint(Map<String, Object> kafka) throws IOException {
        List<Object> entrypoint = list(kafka.get("entrypoint"));
        for (Object volume : list(kafka.get("volumes"))) {
            String[] parts = String.valueOf(volume).split(":");
            if (parts.length >= 2 && entrypoint.contains(parts[1])) {
                return Files.readString(ROOT.resolve(parts[0]), StandardCharsets.UTF_8);
            }
        }
        return fail("the kafka service's entrypoint " + entrypoint + " is no file that it mounts");
    }

    /** Where {@code service} mounts {@code source}, or null. */
    private static String volumeTarget(String service, String source) {
        for (Object volume : list(map(compose(), "services", service).get("volumes"))) {
            String[] parts = String.valueOf(volume).split(":");
            if (parts.length >= 2 && parts[0].equals(source)) {
                return parts[1];
            }
        }
        return null;
    }

    private static String commandText(Map<String, Object> service) {
        Object command = service.get("command");
        return command instanceof List<?> l
                ? l.stream().map(String::valueOf).collect(Collectors.joining("\n"))
                : String.valueOf(command);
    }

    /** The user in the Kafka client settings file that a compose service's HEADSTREAM_KAFKA_CONFIG names. */
    private static String clientUser(Map<String, Object> services, String service) {
        String file = String.valueOf(map(services, service, "environment").get("HEADSTREAM_KAFKA_CONFIG"));
        for (Object volume : list(map(services, service).get("volumes"))) {
            String[] parts = String.valueOf(volume).split(":");
            if (parts.length >= 2 && file.startsWith(parts[1] + "/")) {
                Path local = ROOT.resolve(parts[0]).resolve(file.substring(parts[1].length() + 1));
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(local)) {
                    p.load(in);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                Matcher m = Pattern.compile("username=\"([^\"]+)\"").matcher(p.getProperty("sasl.jaas.config", ""));
                return m.find() ? m.group(1) : null;
            }
        }
        return fail(service + ": HEADSTREAM_KAFKA_CONFIG " + file + " is in no mounted folder");
    }

    private static int samplesPartitions() {
        return all(base, "KafkaTopic").stream()
                .filter(t -> Topics.SAMPLES.equals(str(t, "spec", "topicName")))
                .map(t -> ((Number) map(t, "spec").get("partitions")).intValue())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no KafkaTopic for " + Topics.SAMPLES));
    }

    private static String userOf(List<Map<String, Object>> objects, KafkaRole role) {
        return all(objects, "KafkaUser").stream()
                .filter(u -> role.label().equals(str(u, "metadata", "annotations", ROLE_ANNOTATION)))
                .map(u -> str(u, "metadata", "name"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no KafkaUser for role " + role.label()));
    }

    /** One ACL as Kafka names its parts: {@code TOPIC headstream.samples LITERAL WRITE}. */
    private record Acl(String resourceType, String name, String patternType, String operation) {}

    private static Set<Acl> expectedAcls(KafkaRole role, String user) {
        Set<Acl> out = new HashSet<>();
        for (AclBinding b : role.bindings(user)) {
            assertThat(b.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
            assertThat(b.entry().host()).isEqualTo("*");
            out.add(new Acl(
                    b.pattern().resourceType().name(),
                    b.pattern().name(),
                    b.pattern().patternType().name(),
                    b.entry().operation().name()));
        }
        return out;
    }

    /** A Strimzi KafkaUser's ACLs in Kafka's terms (camel case to upper snake case, prefix to PREFIXED). */
    private static Set<Acl> strimziAcls(Map<String, Object> user) {
        Set<Acl> out = new HashSet<>();
        for (Map<String, Object> acl : maps(map(user, "spec", "authorization").get("acls"))) {
            assertThat(Objects.requireNonNullElse(acl.get("type"), "allow")).isEqualTo("allow");
            assertThat(Objects.requireNonNullElse(acl.get("host"), "*")).isEqualTo("*");
            Map<String, Object> resource = map(acl, "resource");
            String patternType = String.valueOf(resource.getOrDefault("patternType", "literal"));
            List<Object> operations = new ArrayList<>(list(acl.get("operations")));
            if (acl.get("operation") != null) {
                operations.add(acl.get("operation"));
            }
            assertThat(operations).isNotEmpty();
            for (Object operation : operations) {
                out.add(new Acl(
                        snake(String.valueOf(resource.get("type"))),
                        String.valueOf(resource.get("name")),
                        patternType.equals("prefix") ? "PREFIXED" : snake(patternType),
                        snake(String.valueOf(operation))));
            }
        }
        return out;
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    private static Map<String, Object> adapterContainer(List<Map<String, Object>> objects) {
        List<Map<String, Object>> containers = maps(map(one(objects, "Deployment", ADAPTER), "spec", "template", "spec")
                .get("containers"));
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static Map<String, Map<String, Object>> env(Map<String, Object> container) {
        Map<String, Map<String, Object>> out = new HashMap<>();
        for (Map<String, Object> e : maps(container.get("env"))) {
            out.put(String.valueOf(e.get("name")), e);
        }
        return out;
    }

    /**
     * Memory as Kubernetes ({@code 3Gi}: binary, {@code 3G}: decimal) or the JVM ({@code 2g}: binary)
     * writes it, in bytes.
     */
    private static long bytes(String quantity) {
        Matcher m = Pattern.compile("(\\d+)(?:([KMGT])(i?)|([kmgt]))?").matcher(quantity.trim());
        assertThat(m.matches()).as("a memory quantity: %s", quantity).isTrue();
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) != null ? m.group(2) : m.group(4);
        if (unit == null) {
            return n;
        }
        boolean binary = m.group(4) != null || !m.group(3).isEmpty();
        int power = "KMGT".indexOf(unit.toUpperCase(Locale.ROOT)) + 1;
        for (int i = 0; i < power; i++) {
            n *= binary ? 1024 : 1000;
        }
        return n;
    }

    private static List<Map<String, Object>> all(List<Map<String, Object>> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    /** The one object of {@code kind} (named {@code name} unless null). */
    private static Map<String, Object> one(List<Map<String, Object>> objects, String kind, String name) {
        List<Map<String, Object>> found = all(objects, kind).stream()
                .filter(o -> name == null || name.equals(str(o, "metadata", "name")))
                .toList();
        assertThat(found).as("%s %s", kind, name == null ? "" : name).hasSize(1);
        return found.get(0);
    }

    private static String identity(Map<String, Object> o) {
        String name = str(o, "metadata", "name");
        // a generated ConfigMap's name ends with a hash of its contents
        return o.get("kind") + "/"
                + (name.startsWith("headstream-adapter-config-") ? "headstream-adapter-config" : name);
    }

    private static String describe(Map<String, Object> o) {
        return o.get("kind") + " " + str(o, "metadata", "name");
    }

    private static Map<String, String> appLabels(Map<String, Object> o) {
        Map<String, String> out = new TreeMap<>();
        map(o, "metadata", "labels").forEach((k, v) -> {
            if (k.startsWith(LABEL_PREFIX)) {
                out.put(k, String.valueOf(v));
            }
        });
        return out;
    }

    private static String str(Map<String, Object> root, String... path) {
        Object v = at(root, path);
        return v == null ? null : String.valueOf(v);
    }

    /** The map at {@code path}; empty when absent. */
    private static Map<String, Object> map(Map<String, Object> root, String... path) {
        Object v = at(root, path);
        return v == null ? Map.of() : asMap(v, String.join(".", path));
    }

    private static Object at(Map<String, Object> root, String... path) {
        Object v = root;
        for (String key : path) {
            if (!(v instanceof Map<?, ?> m)) {
                return null;
            }
            v = m.get(key);
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object v, String what) {
        if (!(v instanceof Map<?, ?>)) {
            throw new AssertionError(what + " is not a mapping: " + v);
        }
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object v) {
        return v == null ? List.of() : (List<Object>) v;
    }

    private static List<Map<String, Object>> maps(Object v) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list(v)) {
            out.add(asMap(o, String.valueOf(o)));
        }
        return out;
    }
}
