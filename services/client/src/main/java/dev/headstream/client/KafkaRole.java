package dev.headstream.client;

import dev.headstream.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may do what on a Headstream cluster: each role's Kafka ACLs, the least that role's clients
 * need, and nothing that lets one role act as another. A principal gets a role's
 * {@link #bindings}; the cluster must deny what no ACL allows ({@code allow.everyone.if.no.acl.found=false},
 * Kafka's default).
 *
 * <ul>
 *   <li>{@link #PRODUCER} writes samples, and nothing else: it cannot train another key's user by
 *       writing control commands, forge heads, or read anyone's data.
 *   <li>{@link #ADAPTER} reads samples, control commands and its changelog, writes heads, metrics,
 *       rejections and its changelog in transactions (its transactional ids and consumer group only),
 *       and reads the topics' settings (its start-up check).
 *   <li>{@link #FOLLOWER} reads heads only (a detector hot-swapping its user's head).
 *   <li>{@link #OPERATOR} writes control commands (reset, freeze, rollback, erase) and reads every
 *       topic (the {@code heads}, {@code watch} and {@code replay} commands).
 *   <li>{@link #MONITOR} reads the adapter group's lag and nothing else: DESCRIBE on the group and
 *       on the samples topic (an autoscaler such as KEDA, which must not hold credentials that can
 *       write heads).
 * </ul>
 *
 * READ and WRITE imply DESCRIBE (Kafka's rule), which the clients need to look partitions up.
 * Idempotent producers need only WRITE on a topic (Kafka 3.0 and later), so no role has a cluster
 * permission. Every client here reads with assigned partitions, so only the adapter has a group.
 */
public enum KafkaRole {
    PRODUCER,
    ADAPTER,
    FOLLOWER,
    OPERATOR,
    MONITOR;

    /** The adapter's consumer group by default ({@code mp.messaging.incoming.samples.group.id}). */
    public static final String ADAPTER_GROUP = "headstream-adapter";

    /** What every adapter instance's transactional id starts with by default ({@code headstream-adapter-<instance id>}). */
    public static final String ADAPTER_TRANSACTIONAL_ID_PREFIX = "headstream-adapter-";

    /** The role named {@code name} (any case), or an IllegalArgumentException listing the roles. */
    public static KafkaRole named(String name) {
        for (KafkaRole r : values()) {
            if (r.name().equalsIgnoreCase(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("no Kafka role '" + name + "'; the roles are "
                + List.of(values()).stream().map(KafkaRole::label).toList());
    }

    /** The role's name as written in configuration and on the command line. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@link #bindings(String, String, String)} with the adapter's default group and transactional ids. */
    public List<AclBinding> bindings(String user) {
        return bindings(user, ADAPTER_GROUP, ADAPTER_TRANSACTIONAL_ID_PREFIX);
    }

    /**
     * The ACLs that give {@code User:<user>} this role.
     *
     * @param user                  the principal's name (a SCRAM user name, or a certificate's distinguished name)
     * @param adapterGroup          the adapter's consumer group (used by {@link #ADAPTER} and {@link #MONITOR})
     * @param transactionalIdPrefix what the adapter's transactional ids start with ({@link #ADAPTER} only)
     */
    public List<AclBinding> bindings(String user, String adapterGroup, String transactionalIdPrefix) {
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("a Kafka principal needs a name");
        }
        String principal = "User:" + user;
        List<AclBinding> out = new ArrayList<>();
        switch (this) {
            case PRODUCER -> topic(out, principal, Topics.SAMPLES, AclOperation.WRITE);
            case FOLLOWER -> topic(out, principal, Topics.HEADS, AclOperation.READ);
            case MONITOR -> {
                topic(out, principal, Topics.SAMPLES, AclOperation.DESCRIBE);
                out.add(allow(
                        new ResourcePattern(ResourceType.GROUP, adapterGroup, PatternType.LITERAL),
                        principal,
                        AclOperation.DESCRIBE));
            }
            case OPERATOR -> {
                topic(out, principal, Topics.CONTROL, AclOperation.WRITE);
                for (String t :
                        List.of(Topics.SAMPLES, Topics.CONTROL, Topics.HEADS, Topics.METRICS, Topics.REJECTED)) {
                    topic(out, principal, t, AclOperation.READ);
                }
            }
            case ADAPTER -> {
                for (String t : List.of(Topics.SAMPLES, Topics.CONTROL, Topics.ADAPTER_STATE)) {
                    topic(out, principal, t, AclOperation.READ);
                }
                for (String t : List.of(Topics.HEADS, Topics.METRICS, Topics.REJECTED, Topics.ADAPTER_STATE)) {
                    topic(out, principal, t, AclOperation.WRITE);
                }
                for (String t : List.of(
                        Topics.SAMPLES,
                        Topics.CONTROL,
                        Topics.HEADS,
                        Topics.METRICS,
                        Topics.REJECTED,
                        Topics.ADAPTER_STATE)) {
                    topic(out, principal, t, AclOperation.DESCRIBE_CONFIGS);
                }
                ResourcePattern group = new ResourcePattern(ResourceType.GROUP, adapterGroup, PatternType.LITERAL);
                out.add(allow(group, principal, AclOperation.READ));
                ResourcePattern ids =
                        new ResourcePattern(ResourceType.TRANSACTIONAL_ID, transactionalIdPrefix, PatternType.PREFIXED);
                out.add(allow(ids, principal, AclOperation.WRITE));
            }
            default -> throw new AssertionError(this);
        }
        return List.copyOf(out);
    }

    private static void topic(List<AclBinding> out, String principal, String topic, AclOperation operation) {
        out.add(allow(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL), principal, operation));
    }

    private static AclBinding allow(ResourcePattern pattern, String principal, AclOperation operation) {
        return new AclBinding(pattern, new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }
}
