package dev.headstream.adapter.topic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicRequirementsTest {

    private static final int REQUEST = 16 * 1024 * 1024;
    private static final String BS = "broker:9092";

    /** Every topic as TopicSpecs makes it, with {@code partitions} partitions and the broker's other defaults. */
    private static Map<String, TopicRequirements.Observed> asSpecified(int partitions) {
        Map<String, TopicRequirements.Observed> topics = new HashMap<>();
        for (TopicSpecs.Spec spec : TopicSpecs.all()) {
            Map<String, String> configs = new HashMap<>(Map.of(
                    TopicSpecs.MESSAGE_TIMESTAMP_TYPE,
                    "CreateTime",
                    TopicSpecs.CLEANUP_POLICY,
                    TopicSpecs.DELETE,
                    "retention.ms",
                    "604800000"));
            configs.putAll(spec.configs());
            topics.put(spec.name(), new TopicRequirements.Observed(partitions, configs));
        }
        return topics;
    }

    private static void set(Map<String, TopicRequirements.Observed> topics, String topic, String key, String value) {
        TopicRequirements.Observed t = topics.get(topic);
        Map<String, String> configs = new HashMap<>(t.configs());
        configs.put(key, value);
        topics.put(topic, new TopicRequirements.Observed(t.partitions(), configs));
    }

    @Test
    void withStateOnDiskTheChangelogKeepsTombstonesTwiceAsLongAsACheckpointIsUsed() {
        Map<String, TopicRequirements.Observed> topics = asSpecified(4);
        long twelveHours = 12 * 3_600_000L;
        set(topics, Topics.ADAPTER_STATE, TopicRequirements.DELETE_RETENTION_MS, "86400000"); // Kafka's default
        assertThat(TopicRequirements.problems(topics, REQUEST, false, BS, twelveHours))
                .isEmpty();

        set(topics, Topics.ADAPTER_STATE, TopicRequirements.DELETE_RETENTION_MS, "3600000");
        assertThat(TopicRequirements.problems(topics, REQUEST, false, BS, -1))
                .as("no state store: not checked")
                .isEmpty();
        assertThat(TopicRequirements.problems(topics, REQUEST, false, BS, twelveHours))
                .singleElement()
                .asString()
                .startsWith("topic headstream.adapter-state: delete.retention.ms is 3600000, wanted at least 86400000")
                .contains("checkpoint-max-age-minutes");
    }

    @Test
    void topicsAsSpecifiedFitWithAndWithoutTheRateLimit() {
        assertThat(TopicRequirements.problems(asSpecified(4), REQUEST, true, BS))
                .isEmpty();
        assertThat(TopicRequirements.problems(asSpecified(1), REQUEST, false, BS))
                .isEmpty();
    }

    @Test
    void producerTimestampsOnTheSamplesTopicFailOnlyWithTheRateLimitOn() {
        Map<String, TopicRequirements.Observed> topics = asSpecified(4);
        set(topics, Topics.SAMPLES, TopicSpecs.MESSAGE_TIMESTAMP_TYPE, "CreateTime");

        assertThat(TopicRequirements.problems(topics, REQUEST, false, BS)).isEmpty();
        assertThat(TopicRequirements.problems(topics, REQUEST, true, BS))
                .singleElement()
                .asString()
                .startsWith("topic headstream.samples: message.timestamp.type is CreateTime, wanted LogAppendTime")
                .contains(
                        "fix: ./headstream topics -b broker:9092 (sets every topic's settings), or Kafka's kafka-configs.sh"
                                + " --bootstrap-server broker:9092 --alter --entity-type topics"
                                + " --entity-name headstream.samples --add-config message.timestamp.type=LogAppendTime");
    }

    @Test
    void aTopicTooSmallForWhatTheAdapterWritesIsNamedWithActualAndWanted() {
        Map<String, TopicRequirements.Observed> topics = asSpecified(4);
        set(topics, Topics.REJECTED, TopicSpecs.MAX_MESSAGE_BYTES, "1000");
        set(topics, Topics.HEADS, TopicSpecs.MAX_MESSAGE_BYTES, "1048588");
        set(topics, Topics.CONTROL, TopicSpecs.MAX_MESSAGE_BYTES, "1000"); // the adapter only reads it

        List<String> problems = TopicRequirements.problems(topics, REQUEST, false, BS);

        assertThat(problems).hasSize(2);
        assertThat(problems)
                .anySatisfy(p -> assertThat(p)
                        .startsWith("topic headstream.heads: max.message.bytes is 1048588, wanted at least 16777216")
                        .contains("max.request.size")
                        .contains("--add-config max.message.bytes=16777216"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("topic headstream.rejected: max.message.bytes is 1000, wanted at least "
                                + TopicSpecs.BOUNDED_RECORD_BYTES));
    }

    @Test
    void coPartitionedTopicsNeedTheSamplesPartitionCountAndOthersDoNot() {
        Map<String, TopicRequirements.Observed> topics = asSpecified(4);
        topics.put(
                Topics.CONTROL,
                new TopicRequirements.Observed(2, topics.get(Topics.CONTROL).configs()));
        topics.put(
                Topics.METRICS,
                new TopicRequirements.Observed(1, topics.get(Topics.METRICS).configs()));

        assertThat(TopicRequirements.problems(topics, REQUEST, false, BS))
                .singleElement()
                .asString()
                .startsWith("topic headstream.control: partition count is 2, wanted 4");
    }

    @Test
    void aChangelogDeletedByAgeAndAMissingTopicAreNamed() {
        Map<String, TopicRequirements.Observed> topics = asSpecified(4);
        set(topics, Topics.ADAPTER_STATE, TopicSpecs.CLEANUP_POLICY, "compact,delete");
        topics.remove(Topics.METRICS);

        List<String> problems = TopicRequirements.problems(topics, REQUEST, false, BS);

        assertThat(problems).hasSize(2);
        assertThat(problems)
                .anySatisfy(p -> assertThat(p)
                        .startsWith("topic headstream.adapter-state: cleanup.policy is compact,delete, wanted compact"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("topic headstream.metrics does not exist")
                        .contains("kafka-topics.sh --bootstrap-server broker:9092 --create --topic headstream.metrics"
                                + " --partitions 4 --config cleanup.policy=delete --config max.message.bytes=1048576"));
    }
}
