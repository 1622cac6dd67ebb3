package dev.headstream.testkit.kafka;

import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates Headstream's topics ({@link Topics}) with the configuration {@link TopicSpecs} names
 * (compaction, {@code max.message.bytes}, the samples topic's log-append timestamps), idempotently:
 * an existing topic gets the configuration set again.
 *
 * Every topic gets the same partition count and replication factor 1, which keeps
 * {@link Topics#ADAPTER_STATE} and {@link Topics#CONTROL} co-partitioned with
 * {@link Topics#SAMPLES}.
 *
 * <p>Lifecycle: {@link #connect(String)} (or {@link #connect(String, Map)} on a secured cluster) ->
 * {@link #ensureTopics(int)} (any number of times) -> {@link #close()}. Not thread-safe.
 */
public final class TopicAdmin implements AutoCloseable {

    /** Default partition count of every topic. */
    public static final int DEFAULT_PARTITIONS = 4;

    /** {@code max.message.bytes} of the topics that carry heads, training state and samples. */
    public static final int MAX_MESSAGE_BYTES = TopicSpecs.LARGE_RECORD_BYTES;

    private static final short REPLICATION_FACTOR = 1;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Admin admin;

    private TopicAdmin(Admin admin) {
        this.admin = admin;
    }

    /**
     * Opens an admin client on the given cluster.
     *
     * @param bootstrapServers the {@code bootstrap.servers} of the cluster
     * @return a topic admin to {@link #close()}
     */
    public static TopicAdmin connect(String bootstrapServers) {
        return connect(bootstrapServers, Map.of());
    }

    /**
     * Opens an admin client on the given cluster with further client settings, e.g. the security
     * settings of {@link EmbeddedKafka#clientProperties()}.
     *
     * @param bootstrapServers the {@code bootstrap.servers} of the cluster; overrides any in
     *     {@code clientProperties}
     * @param clientProperties admin client settings; they may override the default API timeout
     * @return a topic admin to {@link #close()}
     */
    public static TopicAdmin connect(String bootstrapServers, Map<String, ?> clientProperties) {
        Map<String, Object> config = new HashMap<>();
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        config.putAll(clientProperties);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return new TopicAdmin(Admin.create(config));
    }

    /**
     * The topics to create, with their configuration.
     *
     * @param partitions the partition count of every topic, at least 1
     * @return one {@link NewTopic} per name in {@link Topics}, configured as {@link TopicSpecs} says
     */
    public static List<NewTopic> newTopics(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("Partition count must be at least 1: " + partitions);
        }
        return TopicSpecs.all().stream()
                .map(spec -> topic(spec.name(), partitions, spec.configs()))
                .toList();
    }

    /**
     * Creates the missing topics and sets the configuration of the existing ones.
     *
     * @param partitions the partition count of every topic, at least 1
     * @return the names of the topics this call created
     * @throws IllegalStateException if an existing topic has another partition count (partitions
     *     are never changed: that would move keys between partitions), or the cluster fails
     */
    public Set<String> ensureTopics(int partitions) {
        List<NewTopic> wanted = newTopics(partitions);
        Map<String, KafkaFuture<Void>> creations = admin.createTopics(wanted).values();
        List<String> created = new ArrayList<>();
        List<NewTopic> existing = new ArrayList<>();
        for (NewTopic topic : wanted) {
            if (createdNow(creations.get(topic.name()), topic.name())) {
                created.add(topic.name());
            } else {
                existing.add(topic);
            }
        }
        if (!existing.isEmpty()) {
            checkPartitions(existing, partitions);
            reconfigure(existing);
        }
        return Set.copyOf(created);
    }

    /** Closes the admin client, waiting at most a few seconds. */
    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }

    private void checkPartitions(Collection<NewTopic> topics, int partitions) {
        List<String> names = topics.stream().map(NewTopic::name).collect(Collectors.toList());
        Map<String, TopicDescription> descriptions =
                await(admin.describeTopics(names).allTopicNames(), "describe topics");
        for (TopicDescription description : descriptions.values()) {
            int actual = description.partitions().size();
            if (actual != partitions) {
                throw new IllegalStateException("Topic " + description.name() + " exists with " + actual
                        + " partitions, not " + partitions + "; ask for " + actual + " or start from an empty cluster");
            }
        }
    }

    /** Sets one configuration entry of an existing topic (e.g. to hold off compaction for a test that audits its history). */
    public void setConfig(String topic, String key, String value) {
        reconfigure(List.of(new NewTopic(topic, Optional.empty(), Optional.empty()).configs(Map.of(key, value))));
    }

    private void reconfigure(Collection<NewTopic> topics) {
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        for (NewTopic topic : topics) {
            if (!topic.configs().isEmpty()) {
                changes.put(
                        new ConfigResource(ConfigResource.Type.TOPIC, topic.name()),
                        topic.configs().entrySet().stream()
                                .map(e -> new AlterConfigOp(
                                        new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET))
                                .collect(Collectors.toList()));
            }
        }
        if (!changes.isEmpty()) {
            await(admin.incrementalAlterConfigs(changes).all(), "configure topics");
        }
    }

    private static NewTopic topic(String name, int partitions, Map<String, String> configs) {
        return new NewTopic(name, partitions, REPLICATION_FACTOR).configs(configs);
    }

    /** Whether the topic was created by this creation; false if it existed already. */
    private static boolean createdNow(KafkaFuture<Void> creation, String topic) {
        try {
            creation.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw failure("create topic " + topic, e);
        } catch (TimeoutException | InterruptedException e) {
            throw failure("create topic " + topic, e);
        }
    }

    private static <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            throw failure(what, e);
        }
    }

    private static IllegalStateException failure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new IllegalStateException("Interrupted while trying to " + what, e);
        }
        if (e instanceof TimeoutException) {
            return new IllegalStateException("Cannot " + what + ": no answer within " + TIMEOUT, e);
        }
        Throwable cause = e.getCause() == null ? e : e.getCause();
        return new IllegalStateException("Cannot " + what + ": " + cause.getMessage(), cause);
    }
}
