package dev.headstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.schemas.Topics;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

class KafkaRoleTest {

    /** "OPERATION TYPE name" for each binding, e.g. "WRITE TOPIC headstream.samples". */
    private static Set<String> grants(List<AclBinding> bindings) {
        return bindings.stream()
                .map(b -> b.entry().operation() + " " + b.pattern().resourceType() + " "
                        + b.pattern().name())
                .collect(Collectors.toSet());
    }

    @Test
    void aProducerWritesSamplesAndNothingElse() {
        assertThat(grants(KafkaRole.PRODUCER.bindings("p"))).containsExactly("WRITE TOPIC " + Topics.SAMPLES);
    }

    @Test
    void aFollowerReadsHeadsAndNothingElse() {
        assertThat(grants(KafkaRole.FOLLOWER.bindings("f"))).containsExactly("READ TOPIC " + Topics.HEADS);
    }

    @Test
    void anOperatorWritesControlOnlyAndReadsTheTopicsItsCommandsShow() {
        Set<String> g = grants(KafkaRole.OPERATOR.bindings("o"));

        assertThat(g.stream().filter(s -> s.startsWith("WRITE"))).containsExactly("WRITE TOPIC " + Topics.CONTROL);
        assertThat(g)
                .contains("READ TOPIC " + Topics.HEADS, "READ TOPIC " + Topics.METRICS, "READ TOPIC " + Topics.REJECTED)
                .doesNotContain("READ TOPIC " + Topics.ADAPTER_STATE);
    }

    @Test
    void theAdapterCannotForgeInputsAndWritesOnlyItsOutputsUnderItsOwnIds() {
        Set<String> g = grants(KafkaRole.ADAPTER.bindings("a", "grp", "tx-"));

        assertThat(g)
                .contains(
                        "READ TOPIC " + Topics.SAMPLES,
                        "READ TOPIC " + Topics.CONTROL,
                        "READ TOPIC " + Topics.ADAPTER_STATE,
                        "WRITE TOPIC " + Topics.HEADS,
                        "WRITE TOPIC " + Topics.METRICS,
                        "WRITE TOPIC " + Topics.REJECTED,
                        "WRITE TOPIC " + Topics.ADAPTER_STATE,
                        "READ GROUP grp",
                        "WRITE TRANSACTIONAL_ID tx-")
                .doesNotContain("WRITE TOPIC " + Topics.SAMPLES, "WRITE TOPIC " + Topics.CONTROL);
        assertThat(KafkaRole.ADAPTER.bindings("a", "grp", "tx-").stream()
                        .filter(b -> b.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID))
                .allSatisfy(b -> assertThat(b.pattern().patternType().name()).isEqualTo("PREFIXED"));
    }

    @Test
    void aMonitorSeesTheAdaptersLagAndNothingElse() {
        assertThat(grants(KafkaRole.MONITOR.bindings("m", "grp", "tx-")))
                .containsExactlyInAnyOrder("DESCRIBE TOPIC " + Topics.SAMPLES, "DESCRIBE GROUP grp");
    }

    @Test
    void everyGrantIsAnAllowForThatUserOnANamedResourceNeverTheCluster() {
        for (KafkaRole r : KafkaRole.values()) {
            assertThat(r.bindings("u1")).isNotEmpty().allSatisfy(b -> {
                assertThat(b.entry().principal()).isEqualTo("User:u1");
                assertThat(b.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
                assertThat(b.pattern().resourceType()).isNotEqualTo(ResourceType.CLUSTER);
                assertThat(b.pattern().name()).isNotEqualTo("*");
            });
        }
    }

    @Test
    void rolesAreNamedInAnyCaseAndAnUnknownOneListsThem() {
        assertThat(KafkaRole.named("Follower")).isEqualTo(KafkaRole.FOLLOWER);
        assertThatThrownBy(() -> KafkaRole.named("admin"))
                .hasMessage("no Kafka role 'admin'; the roles are [producer, adapter, follower, operator, monitor]");
        assertThatThrownBy(() -> KafkaRole.PRODUCER.bindings(" ")).hasMessage("a Kafka principal needs a name");
    }
}
