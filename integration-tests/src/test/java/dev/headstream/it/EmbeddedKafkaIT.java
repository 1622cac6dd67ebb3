package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The project's own broker ({@link EmbeddedKafka}) with its topics ({@link TopicAdmin}), for real. */
class EmbeddedKafkaIT {

    private static final int PARTITIONS = 3;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final String KEY = "acme/alice";

    @TempDir
    static Path dataDir;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBrokerAndCreateTopics() {
        long started = System.nanoTime();
        kafka = EmbeddedKafka.builder(dataDir).start();
        report("first start (format + start)", started);
        try (TopicAdmin topics = TopicAdmin.connect(kafka.bootstrapServers())) {
            assertThat(topics.ensureTopics(PARTITIONS))
                    .containsExactlyInAnyOrder(
                            Topics.SAMPLES,
                            Topics.HEADS,
                            Topics.ADAPTER_STATE,
                            Topics.METRICS,
                            Topics.REJECTED,
                            Topics.CONTROL);
        }
    }

    @AfterAll
    static void closeBroker() {
        if (kafka != null) {
            kafka.close();
            assertThat(kafka.isRunning()).isFalse();
            kafka.close();
        }
    }

    @Test
    void createsTopicsWithTheirSpecsAndEqualPartitionCounts() throws Exception {
        List<String> names = List.of(
                Topics.SAMPLES, Topics.HEADS, Topics.ADAPTER_STATE, Topics.METRICS, Topics.REJECTED, Topics.CONTROL);
        Admin admin = admin();
        try {
            Map<String, TopicDescription> topics =
                    admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.values()).allSatisfy(topic -> {
                assertThat(topic.partitions()).hasSize(PARTITIONS);
                assertThat(topic.partitions())
                        .allSatisfy(
                                partition -> assertThat(partition.replicas()).hasSize(1));
            });

            List<ConfigResource> resources = names.stream()
                    .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name))
                    .collect(Collectors.toList());
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            // every setting TopicSpecs names: compaction, max.message.bytes, the samples topic's timestamps
            for (TopicSpecs.Spec spec : TopicSpecs.all()) {
                spec.configs()
                        .forEach((key, value) -> assertThat(config(configs, spec.name(), key))
                                .as(spec.name() + " " + key)
                                .isEqualTo(value));
            }
            assertThat(config(configs, Topics.HEADS, TopicConfig.CLEANUP_POLICY_CONFIG))
                    .isEqualTo("compact");
            assertThat(config(configs, Topics.SAMPLES, TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG))
                    .isEqualTo("LogAppendTime");
            assertThat(config(configs, Topics.ADAPTER_STATE, TopicConfig.MAX_MESSAGE_BYTES_CONFIG))
                    .isEqualTo(String.valueOf(TopicAdmin.MAX_MESSAGE_BYTES));
        } finally {
            admin.close(CLOSE_TIMEOUT);
        }
    }

    @Test
    void ensuringTopicsAgainCreatesNothingAndRefusesAnotherPartitionCount() {
        try (TopicAdmin topics = TopicAdmin.connect(kafka.bootstrapServers())) {
            assertThat(topics.ensureTopics(PARTITIONS)).isEmpty();
            assertThatThrownBy(() -> topics.ensureTopics(PARTITIONS + 1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("exists with " + PARTITIONS + " partitions");
        }
    }

    @Test
    void carriesHeadRecordsLargerThanKafkasDefaultLimit() throws Exception {
        byte[] head = new byte[3 * 1024 * 1024];
        Arrays.fill(head, (byte) 7);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        TopicAdmin.MAX_MESSAGE_BYTES),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        try {
            producer.send(new ProducerRecord<>(Topics.HEADS, 0, "acme/alice/wake".getBytes(), head))
                    .get(30, TimeUnit.SECONDS);
        } finally {
            producer.close(CLOSE_TIMEOUT);
        }

        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            TopicPartition partition = new TopicPartition(Topics.HEADS, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<byte[]> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return !values.isEmpty();
            });
            assertThat(values.get(0)).isEqualTo(head);
        } finally {
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        }
    }

    @Test
    void readCommittedSeesOnlyCommittedTransactionsAlsoAfterBrokerRestarts() {
        KafkaProducer<String, String> producer = transactionalProducer();
        try {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(Topics.SAMPLES, KEY, "committed-0"));
            producer.send(new ProducerRecord<>(Topics.ADAPTER_STATE, KEY, "state-0"));
            producer.send(new ProducerRecord<>(Topics.SAMPLES, KEY, "committed-1"));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(Topics.SAMPLES, KEY, "aborted-0"));
            producer.send(new ProducerRecord<>(Topics.ADAPTER_STATE, KEY, "aborted-state"));
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(Topics.SAMPLES, KEY, "committed-2"));
            producer.commitTransaction();
        } finally {
            producer.close(CLOSE_TIMEOUT);
        }
        List<String> committed = List.of("committed-0", "committed-1", "committed-2");

        assertThat(readAll(Topics.SAMPLES, "read_uncommitted", 4))
                .containsExactly("committed-0", "committed-1", "aborted-0", "committed-2");
        assertThat(readAll(Topics.SAMPLES, "read_committed", 3)).containsExactlyElementsOf(committed);
        assertThat(readAll(Topics.ADAPTER_STATE, "read_committed", 1)).containsExactly("state-0");

        long stopped = System.nanoTime();
        kafka.stop();
        assertThat(kafka.isRunning()).isFalse();
        report("graceful stop", stopped);
        long restarted = System.nanoTime();
        kafka.start();
        report("restart after graceful stop", restarted);
        assertThat(readAll(Topics.SAMPLES, "read_committed", 3)).containsExactlyElementsOf(committed);

        long killed = System.nanoTime();
        kafka.kill();
        kafka.start();
        report("kill and restart", killed);
        assertThat(readAll(Topics.SAMPLES, "read_committed", 3)).containsExactlyElementsOf(committed);

        KafkaProducer<String, String> again = transactionalProducer();
        try {
            again.initTransactions();
            again.beginTransaction();
            again.send(new ProducerRecord<>(Topics.SAMPLES, KEY, "committed-3"));
            again.commitTransaction();
        } finally {
            again.close(CLOSE_TIMEOUT);
        }
        assertThat(readAll(Topics.SAMPLES, "read_committed", 4))
                .containsExactly("committed-0", "committed-1", "committed-2", "committed-3");
    }

    @Test
    void refusesToStartASecondBrokerOnAPortInUse() {
        EmbeddedKafka.Builder second =
                EmbeddedKafka.builder(dataDir.resolve("second")).port(kafka.port());
        assertThatThrownBy(second::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("127.0.0.1:" + kafka.port() + " is already in use");
    }

    private static KafkaProducer<String, String> transactionalProducer() {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        "embedded-kafka-it",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new StringSerializer());
    }

    /** Reads a topic from the beginning until {@code expected} values arrived, in offset order per partition. */
    private static List<String> readAll(String topic, String isolationLevel, int expected) {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        isolationLevel),
                new StringDeserializer(),
                new StringDeserializer());
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<String> values = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                return values.size() >= expected;
            });
            // a little longer: anything that should not be visible would arrive now
            consumer.poll(Duration.ofMillis(500)).forEach(record -> values.add(record.value()));
            return values;
        } finally {
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        }
    }

    private static Admin admin() {
        return Admin.create(
                Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static String config(Map<ConfigResource, Config> configs, String topic, String name) {
        return configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic))
                .get(name)
                .value();
    }

    private static void report(String what, long startedNanos) {
        System.out.printf("EmbeddedKafkaIT: %s took %.1f s%n", what, (System.nanoTime() - startedNanos) / 1e9);
    }
}
