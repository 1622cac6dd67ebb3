package dev.headstream.adapter.topic;

import dev.headstream.adapter.HeadstreamConfig;
import dev.headstream.adapter.KafkaClientSettings;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Checks at start-up, before the consumer joins the group, that the topics fit the adapter
 * ({@link TopicRequirements}), and fails the start with every problem named otherwise: an instance
 * on badly configured topics would take partitions and then stall on them (a record over a topic's
 * size limit aborts its batch's transaction every time). Then hands the samples topic's partition
 * count to the engine ({@link AdaptationEngine#checkPartitions}) and keeps the topics' size limits
 * for the flow's output check ({@link #limits()}). With {@code headstream.topic-check.enabled=false}
 * it checks nothing, the engine's partition check stays off, and the limits are those
 * {@link TopicSpecs} names. Thread-safe.
 */
@ApplicationScoped
public class TopicCheck {

    private static final Logger LOG = Logger.getLogger(TopicCheck.class);

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HeadstreamConfig config;
    private final EngineSpec spec;
    private final String bootstrap;
    private final int maxRequestSize;
    private volatile RecordLimits limits;

    @Inject
    public TopicCheck(
            HeadstreamConfig config,
            EngineSpec spec,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "mp.messaging.outgoing.adapter-out.max.request.size", defaultValue = "1048576")
                    int maxRequestSize) {
        this.config = config;
        this.spec = spec;
        this.bootstrap = bootstrap;
        this.maxRequestSize = maxRequestSize;
        this.limits = RecordLimits.ofSpecs(maxRequestSize);
    }

    /** The size limits of the output records: the topics' own once checked, else {@link TopicSpecs}'. */
    public RecordLimits limits() {
        return limits;
    }

    /**
     * Runs at the platform's start-up priority, before SmallRye Reactive Messaging starts its
     * channels ({@code LIBRARY_BEFORE}).
     *
     * @throws IllegalStateException naming every problem, and how to fix it
     */
    void checkBeforeJoining(
            @Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start, AdaptationEngine engine) {
        if (!config.topicCheck().enabled()) {
            LOG.warnf(
                    "headstream.topic-check.enabled=false: the topics are not checked, records not on their key's"
                            + " partition are not detected, and output records are checked against the sizes"
                            + " TopicSpecs names (%s)",
                    limits.maxMessageBytes());
            return;
        }
        int partitions = check();
        engine.checkPartitions(partitions);
    }

    /**
     * Checks the topics and keeps their size limits ({@link #limits()}).
     *
     * @return the partition count of {@link Topics#SAMPLES}
     * @throws IllegalStateException naming every problem, and how to fix it, or when the cluster does not answer
     */
    int check() {
        Map<String, TopicRequirements.Observed> observed = describe();
        boolean onDisk =
                config != null && config.state().dir().filter(d -> !d.isBlank()).isPresent();
        List<String> problems = TopicRequirements.problems(
                observed,
                maxRequestSize,
                spec.rateLimit().enabled(),
                bootstrap,
                onDisk ? config.state().checkpointMaxAgeMinutes() * 60_000 : -1);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the topics on " + bootstrap + " do not fit the adapter ("
                    + problems.size() + " problem" + (problems.size() == 1 ? "" : "s")
                    + "; headstream.topic-check.enabled=false starts without this check):\n  - "
                    + String.join("\n  - ", problems));
        }
        Map<String, Integer> bytes = new HashMap<>();
        observed.forEach((topic, t) -> bytes.put(
                topic,
                Integer.parseInt(t.configs()
                        .getOrDefault(
                                TopicSpecs.MAX_MESSAGE_BYTES,
                                String.valueOf(TopicSpecs.of(topic).maxMessageBytes())))));
        limits = new RecordLimits(bytes, maxRequestSize);
        int partitions = observed.get(Topics.SAMPLES).partitions();
        LOG.infof(
                "topics checked: %d partitions of %s, control and adapter state; max.message.bytes %s;"
                        + " producer max.request.size %d",
                partitions, Topics.SAMPLES, new TreeMap<>(bytes), maxRequestSize);
        return partitions;
    }

    /** Every topic of {@link TopicSpecs} that exists, with its partition count and effective configuration. */
    private Map<String, TopicRequirements.Observed> describe() {
        List<String> names =
                TopicSpecs.all().stream().map(TopicSpecs.Spec::name).toList();
        Properties p = KafkaClientSettings.client(bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        Admin admin = Admin.create(p);
        try {
            Map<String, Integer> partitions = new HashMap<>();
            for (Map.Entry<String, KafkaFuture<TopicDescription>> e :
                    admin.describeTopics(names).topicNameValues().entrySet()) {
                try {
                    partitions.put(
                            e.getKey(),
                            e.getValue()
                                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                                    .partitions()
                                    .size());
                } catch (ExecutionException x) {
                    if (!(x.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw failure("describe topic " + e.getKey(), x.getCause());
                    }
                }
            }
            Map<String, TopicRequirements.Observed> out = new HashMap<>();
            if (!partitions.isEmpty()) {
                List<ConfigResource> resources = partitions.keySet().stream()
                        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
                        .toList();
                Map<ConfigResource, Config> configs =
                        admin.describeConfigs(resources).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                configs.forEach((resource, config) -> out.put(
                        resource.name(),
                        new TopicRequirements.Observed(
                                partitions.get(resource.name()),
                                config.entries().stream()
                                        .filter(c -> c.value() != null)
                                        .collect(Collectors.toMap(ConfigEntry::name, ConfigEntry::value)))));
            }
            return out;
        } catch (ExecutionException e) {
            throw failure("describe the topics", e.getCause());
        } catch (TimeoutException e) {
            throw failure("describe the topics within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("describe the topics (interrupted)", e);
        } finally {
            admin.close(Duration.ofSeconds(5));
        }
    }

    private IllegalStateException failure(String what, Throwable cause) {
        return new IllegalStateException(
                "cannot " + what + " on " + bootstrap + " to check them before joining the consumer group: " + cause
                        + " (is the broker up? headstream.topic-check.enabled=false starts without the check)",
                cause);
    }
}
