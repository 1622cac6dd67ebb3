package dev.headstream.adapter.topic;

import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the adapter requires of the topics it reads and writes, checked against what the cluster
 * says they are ({@link TopicCheck} reads them). Each problem is one line that names the topic, the
 * setting, its actual and its wanted value, and how to fix it. Stateless.
 *
 * <ul>
 *   <li>every topic of {@link Topics} exists;</li>
 *   <li>{@link Topics#CONTROL} and {@link Topics#ADAPTER_STATE} have the partition count of
 *       {@link Topics#SAMPLES} (they are co-partitioned with it by partition number);</li>
 *   <li>{@code max.message.bytes} is at least what the adapter may write there: on
 *       {@link Topics#HEADS} and {@link Topics#ADAPTER_STATE} the producer's {@code max.request.size}
 *       (a head version or a user's state is one record, however large), on {@link Topics#METRICS}
 *       and {@link Topics#REJECTED} {@link TopicSpecs#BOUNDED_RECORD_BYTES} (their records are bounded);</li>
 *   <li>{@link Topics#HEADS} and {@link Topics#ADAPTER_STATE} are compacted and not deleted by age
 *       ({@code cleanup.policy=compact}): the changelog is the users' state, and followers read
 *       every head's newest version;</li>
 *   <li>with the rate limit on, {@link Topics#SAMPLES} has {@code message.timestamp.type=LogAppendTime},
 *       so the limit counts the broker's time, which producers cannot set.</li>
 * </ul>
 */
final class TopicRequirements {

    /** How long compaction keeps a tombstone. */
    static final String DELETE_RETENTION_MS = "delete.retention.ms";

    /**
     * One topic as the cluster describes it.
     *
     * @param partitions its partition count
     * @param configs    its effective configuration (set on the topic, or the broker's default)
     */
    record Observed(int partitions, Map<String, String> configs) {
        Observed {
            configs = Map.copyOf(configs);
        }
    }

    private TopicRequirements() {}

    /**
     * Everything that is wrong with {@code topics}.
     *
     * @param topics         the topics that exist, by name (a missing one is absent)
     * @param maxRequestSize the adapter producer's {@code max.request.size}
     * @param rateLimited    whether the engine's rate limit is on
     * @param bootstrap      the cluster's {@code bootstrap.servers}, for the fix commands
     * @return one line per problem; empty when the topics fit
     */
    static List<String> problems(
            Map<String, Observed> topics, int maxRequestSize, boolean rateLimited, String bootstrap) {
        return problems(topics, maxRequestSize, rateLimited, bootstrap, -1);
    }

    /**
     * {@link #problems(Map, int, boolean, String)}, and with users' state on disk
     * ({@code checkpointMaxAgeMs >= 0}) the changelog's {@code delete.retention.ms}: at least twice the
     * age up to which the store uses a checkpoint, or a tombstone written after a checkpoint (a user
     * another instance erased while the partition was away) may be compacted away before the
     * checkpoint is last used, and the user come back from the disk.
     *
     * @param checkpointMaxAgeMs {@code headstream.state.checkpoint-max-age-minutes} in ms, or -1 without a state store
     */
    static List<String> problems(
            Map<String, Observed> topics,
            int maxRequestSize,
            boolean rateLimited,
            String bootstrap,
            long checkpointMaxAgeMs) {
        List<String> problems = new ArrayList<>();
        Observed changelog = topics.get(Topics.ADAPTER_STATE);
        if (checkpointMaxAgeMs >= 0 && changelog != null) {
            String retention = changelog.configs().get(DELETE_RETENTION_MS);
            if (retention == null || parse(retention) < 2 * checkpointMaxAgeMs) {
                problems.add("topic " + Topics.ADAPTER_STATE + ": " + DELETE_RETENTION_MS + " is " + retention
                        + ", wanted at least " + 2 * checkpointMaxAgeMs + " (twice headstream.state.checkpoint-max-age"
                        + "-minutes: the state store reads the changelog from checkpoints that old, and a tombstone"
                        + " after one must still be there); fix: lower headstream.state.checkpoint-max-age-minutes"
                        + " to at most half of it, or raise the topic's " + DELETE_RETENTION_MS);
            }
        }
        Observed samples = topics.get(Topics.SAMPLES);
        for (TopicSpecs.Spec spec : TopicSpecs.all()) {
            Observed t = topics.get(spec.name());
            if (t == null) {
                problems.add("topic " + spec.name() + " does not exist; wanted with "
                        + (samples == null ? "" : samples.partitions() + " partitions and ") + spec.configs()
                        + "; fix: ./headstream kafka creates every topic (dev.headstream.testkit.kafka.TopicAdmin),"
                        + " or kafka-topics.sh --bootstrap-server " + bootstrap + " --create --topic " + spec.name()
                        + " --partitions " + (samples == null ? "<n>" : samples.partitions())
                        + configFlags(spec.configs()));
                continue;
            }
            if (spec.coPartitioned() && samples != null && t.partitions() != samples.partitions()) {
                problems.add("topic " + spec.name() + ": partition count is " + t.partitions() + ", wanted "
                        + samples.partitions() + " (that of " + Topics.SAMPLES + ", with which it is co-partitioned"
                        + " by partition number); fix: recreate the topics with one partition count (a partition"
                        + " count is never changed in place: keys would move to other partitions)");
            }
            int wantedBytes = wantedMaxMessageBytes(spec.name(), maxRequestSize);
            String bytes = t.configs().get(TopicSpecs.MAX_MESSAGE_BYTES);
            if (wantedBytes > 0 && (bytes == null || parse(bytes) < wantedBytes)) {
                problems.add("topic " + spec.name() + ": " + TopicSpecs.MAX_MESSAGE_BYTES + " is " + bytes
                        + ", wanted at least " + wantedBytes
                        + (spec.name().equals(Topics.HEADS) || spec.name().equals(Topics.ADAPTER_STATE)
                                ? " (the adapter producer's max.request.size: a record up to it may be written)"
                                : " (the largest metrics or reject record the adapter writes)")
                        + "; fix: " + alter(bootstrap, spec.name(), TopicSpecs.MAX_MESSAGE_BYTES, spec.configs()));
            }
            if (TopicSpecs.COMPACT.equals(spec.configs().get(TopicSpecs.CLEANUP_POLICY))) {
                String policy = t.configs().get(TopicSpecs.CLEANUP_POLICY);
                if (policy == null || !Arrays.asList(policy.split(",")).equals(List.of(TopicSpecs.COMPACT))) {
                    problems.add("topic " + spec.name() + ": " + TopicSpecs.CLEANUP_POLICY + " is " + policy
                            + ", wanted " + TopicSpecs.COMPACT + " (only the newest record per key is kept, none is"
                            + " deleted by age: "
                            + (spec.name().equals(Topics.HEADS)
                                    ? "followers read every head's newest version"
                                    : "the changelog is the users' training state")
                            + "); fix: " + alter(bootstrap, spec.name(), TopicSpecs.CLEANUP_POLICY, spec.configs()));
                }
            }
            if (rateLimited && spec.name().equals(Topics.SAMPLES)) {
                String type = t.configs().get(TopicSpecs.MESSAGE_TIMESTAMP_TYPE);
                if (!TopicSpecs.LOG_APPEND_TIME.equals(type)) {
                    problems.add("topic " + spec.name() + ": " + TopicSpecs.MESSAGE_TIMESTAMP_TYPE + " is " + type
                            + ", wanted " + TopicSpecs.LOG_APPEND_TIME + " (the rate limit is on and must count the"
                            + " broker's time: a producer could step its own timestamps to refill a bucket or"
                            + " starve a user); fix: "
                            + alter(bootstrap, spec.name(), TopicSpecs.MESSAGE_TIMESTAMP_TYPE, spec.configs()));
                }
            }
        }
        return problems;
    }

    /**
     * The least {@code max.message.bytes} the adapter needs on {@code topic}; 0 for the topics it
     * only reads.
     */
    static int wantedMaxMessageBytes(String topic, int maxRequestSize) {
        return switch (topic) {
            case Topics.HEADS, Topics.ADAPTER_STATE -> maxRequestSize;
            case Topics.METRICS, Topics.REJECTED -> TopicSpecs.BOUNDED_RECORD_BYTES;
            default -> 0;
        };
    }

    private static String alter(String bootstrap, String topic, String key, Map<String, String> spec) {
        return "./headstream topics -b " + bootstrap + " (sets every topic's settings), or Kafka's kafka-configs.sh"
                + " --bootstrap-server " + bootstrap + " --alter --entity-type topics --entity-name " + topic
                + " --add-config " + key + "=" + spec.get(key);
    }

    private static String configFlags(Map<String, String> configs) {
        StringBuilder b = new StringBuilder();
        configs.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e ->
                        b.append(" --config ").append(e.getKey()).append('=').append(e.getValue()));
        return b.toString();
    }

    private static long parse(String number) {
        try {
            return Long.parseLong(number.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
