package dev.headstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.MultiHot;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The producer's contract on a {@link MockProducer}: keys, ids, backpressure, failures and close.
 * The key rule is compared with the adapter's own ({@link UserKey}), which the client reimplements
 * because it may not depend on core.
 */
class SampleProducerTest {

    private static final Map<String, Label> WAKE = Map.of("wake", binary(true));
    private static final short[] PCM = {1, -2, 300, -32768, 32767};

    private final MockProducer<byte[], byte[]> mock =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());

    @Test
    void keysEachRecordTenantSlashUserOnTheSamplesTopicWithoutAnExplicitPartition() {
        try (SampleProducer p = new SampleProducer(mock, 8, Duration.ofSeconds(1))) {
            p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "clip-1");
            p.sendAudio("acme", "bob.b_2-x", PCM, WAKE, Split.SPLIT_HOLDOUT, null);
        }

        List<ProducerRecord<byte[], byte[]>> sent = mock.history();
        assertThat(sent).hasSize(2);
        assertThat(sent).allSatisfy(r -> {
            assertThat(r.topic()).isEqualTo(Topics.SAMPLES);
            assertThat(r.partition()).as("Kafka's default partitioner picks it").isNull();
        });
        assertThat(key(sent.get(0))).isEqualTo("acme/alice");
        assertThat(key(sent.get(1))).isEqualTo("acme/bob.b_2-x");
        Sample first = parse(sent.get(0));
        assertThat(first.getTenant()).isEqualTo("acme");
        assertThat(first.getUser()).isEqualTo("alice");
        assertThat(first.getSampleId()).isEqualTo("clip-1");
        assertThat(first.getSplit()).isEqualTo(Split.SPLIT_TRAIN);
        assertThat(first.getLabelsMap()).isEqualTo(WAKE);
        assertThat(first.getAudio().getSampleRateHz()).isEqualTo(16_000);
        assertThat(first.getAudio().getPcm16Le().toByteArray())
                .as("the PCM exactly, little-endian, never padded")
                .isEqualTo(le(PCM));
        assertThat(parse(sent.get(1)).getSampleId()).startsWith(SampleProducer.DERIVED_ID_PREFIX);
    }

    @Test
    void refusesTenantsAndUsersTheAdapterWouldRejectBeforeSending() {
        try (SampleProducer p = new SampleProducer(mock, 8, Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> p.sendAudio("", "alice", PCM, WAKE, Split.SPLIT_TRAIN, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("tenant must not be empty");
            assertThatThrownBy(() -> p.sendAudio("acme", "al/ice", PCM, WAKE, Split.SPLIT_TRAIN, null))
                    .hasMessage("user 'al/ice' must not contain '/'");
            assertThatThrownBy(() -> p.sendAudio("acme", "a".repeat(65), PCM, WAKE, Split.SPLIT_TRAIN, null))
                    .hasMessageContaining("must be 1-64 characters of [A-Za-z0-9._-], has 65 characters");
            assertThatThrownBy(() -> p.sendAudio("acme", "Frank Smith", PCM, WAKE, Split.SPLIT_TRAIN, null))
                    .hasMessage("user 'Frank Smith' must be 1-64 characters of [A-Za-z0-9._-], has a ' ' at"
                            + " position 6");
            assertThatThrownBy(() -> p.sendAudio("ac\tme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, null))
                    .hasMessageEndingWith("has a U+0009 at position 3");
            assertThatThrownBy(() -> p.sendAudio("acme", "jürgen", PCM, WAKE, Split.SPLIT_TRAIN, null))
                    .hasMessageContaining(
                            "user 'jürgen' must be 1-64 characters of [A-Za-z0-9._-], has a 'ü' at position 2");
            assertThatThrownBy(() -> p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "x".repeat(257)))
                    .hasMessage("sample id has 257 characters; at most 256 are accepted");
            assertThatThrownBy(() -> p.sendAudio("acme", "alice", new short[0], WAKE, Split.SPLIT_TRAIN, null))
                    .hasMessageContaining("no audio");
            assertThatThrownBy(
                            () -> p.send(Sample.newBuilder().setTenant("acme").build()))
                    .hasMessage("user must not be empty");
        }
        assertThat(mock.history()).isEmpty();
    }

    @Test
    void acceptsExactlyTheKeysTheAdaptersUserKeyAccepts() {
        List<String> parts = new ArrayList<>(List.of(
                "a",
                "acme",
                "A-Z_a-z.0-9",
                "..",
                "-",
                "a".repeat(64),
                "a".repeat(65),
                "",
                "a/b",
                "a b",
                "jürgen",
                "\u00e9",
                "tab\t",
                "a:b",
                "a@b",
                "日本"));
        int checked = 0;
        for (String tenant : parts) {
            for (String user : parts) {
                boolean adapter = adapterAccepts(tenant, user);
                boolean client;
                try {
                    String key = SampleProducer.key(tenant, user);
                    assertThat(key).isEqualTo(tenant + "/" + user);
                    assertThat(key.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(UserKey.MAX_KEY_BYTES);
                    client = true;
                } catch (IllegalArgumentException e) {
                    client = false;
                }
                assertThat(client)
                        .as("client and adapter agree on tenant '%s' user '%s'", tenant, user)
                        .isEqualTo(adapter);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(parts.size() * parts.size());
        assertThat(SampleProducer.MAX_PART_CHARS).isEqualTo(UserKey.MAX_PART_CHARS);
        assertThat(SampleProducer.MAX_KEY_BYTES).isEqualTo(UserKey.MAX_KEY_BYTES);
        assertThat(SampleProducer.MAX_SAMPLE_ID_CHARS)
                .isEqualTo(dev.headstream.core.wire.SampleDecoder.MAX_SAMPLE_ID_CHARS);
    }

    @Test
    void derivesTheSameIdForTheSameRecordingOfAUserAndAnotherForAnotherRecordingOrUser() {
        String id = id("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN);

        assertThat(id).matches("sha256-[0-9a-f]{64}");
        assertThat(id("acme", "alice", PCM.clone(), Map.of("wake", binary(true)), Split.SPLIT_TRAIN))
                .isEqualTo(id);
        short[] other = PCM.clone();
        other[4]--;
        Sample s = SampleProducer.audioSample("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, null);
        assertThat(List.of(
                        id("acme2", "alice", PCM, WAKE, Split.SPLIT_TRAIN),
                        id("acme", "alice2", PCM, WAKE, Split.SPLIT_TRAIN),
                        id("acme", "alice", other, WAKE, Split.SPLIT_TRAIN),
                        id("acme", "alice", new short[] {1, -2, 300, -32768}, WAKE, Split.SPLIT_TRAIN),
                        SampleProducer.derivedSampleId(s.toBuilder()
                                .setAudio(s.getAudio().toBuilder().setSampleRateHz(8_000))
                                .build())))
                .doesNotContain(id)
                .doesNotHaveDuplicates();
        // neither the weight nor the event time is part of it
        assertThat(SampleProducer.derivedSampleId(
                        s.toBuilder().setWeight(2f).setEventTimeMs(12345).build()))
                .isEqualTo(id);
        // a given id is kept as it is
        assertThat(SampleProducer.audioSample("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "mine")
                        .getSampleId())
                .isEqualTo("mine");
    }

    @Test
    void theSameRecordingRelabeledOrInTheOtherSplitKeepsItsIdSoAHoldoutClipIsNeverTrainedOn() {
        String holdout = id("acme", "alice", PCM, WAKE, Split.SPLIT_HOLDOUT);

        assertThat(List.of(
                        id("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN),
                        id("acme", "alice", PCM, WAKE, Split.SPLIT_UNSPECIFIED),
                        id("acme", "alice", PCM, Map.of("wake", binary(false)), Split.SPLIT_TRAIN),
                        id("acme", "alice", PCM, Map.of("wake", binary(true), "x", binary(true)), Split.SPLIT_TRAIN),
                        id("acme", "alice", PCM, Map.of("wakf", binary(true)), Split.SPLIT_TRAIN),
                        id("acme", "alice", PCM, Map.of(), Split.SPLIT_TRAIN),
                        id(
                                "acme",
                                "alice",
                                PCM,
                                Map.of(
                                        "wake",
                                        Label.newBuilder().setClassIndex(1).build()),
                                Split.SPLIT_HOLDOUT),
                        id(
                                "acme",
                                "alice",
                                PCM,
                                Map.of(
                                        "wake",
                                        Label.newBuilder()
                                                .setMultiHot(MultiHot.newBuilder()
                                                        .addTargets(1f)
                                                        .addMask(true))
                                                .build()),
                                Split.SPLIT_TRAIN)))
                .as("labels and split are not part of a derived id")
                .containsOnly(holdout);
    }

    @Test
    void sendingTheSameRecordingTwiceSendsTheSameIdSoTheAdapterDropsTheSecond() {
        try (SampleProducer p = new SampleProducer(mock, 8, Duration.ofSeconds(1))) {
            p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, null);
            p.send(Sample.newBuilder(SampleProducer.audioSample("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, null))
                    .setSampleId("")
                    .build());
        }
        assertThat(mock.history())
                .extracting(r -> parse(r).getSampleId())
                .hasSize(2)
                .containsOnly(id("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN));
    }

    @Test
    void sendBlocksWhileMaxInFlightRecordsAreUnacknowledged() {
        try (SampleProducer p = new SampleProducer(mock, 2, Duration.ofSeconds(1))) {
            CompletableFuture<RecordMetadata> a = p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "a");
            p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "b");
            assertThat(p.inFlight()).isEqualTo(2);

            CompletableFuture<CompletableFuture<RecordMetadata>> third = CompletableFuture.supplyAsync(
                    () -> p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "c"));
            await().during(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> !third.isDone() && mock.history().size() == 2);

            assertThat(mock.completeNext()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(third::isDone);
            assertThat(a).isCompleted();
            assertThat(mock.history()).extracting(r -> parse(r).getSampleId()).containsExactly("a", "b", "c");
            assertThat(p.inFlight()).isEqualTo(2);

            p.flush();
            assertThat(p.inFlight()).isZero();
            assertThat(p.acknowledged()).isEqualTo(3);
            assertThat(p.sent()).isEqualTo(3);
            assertThat(p.failed()).isZero();
        }
    }

    @Test
    void countsFailuresKeepsTheFirstAndFreesTheirRoom() {
        try (SampleProducer p = new SampleProducer(mock, 1, Duration.ofSeconds(1))) {
            CompletableFuture<RecordMetadata> a = p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "a");
            mock.errorNext(new IllegalStateException("first"));
            CompletableFuture<RecordMetadata> b = p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "b");
            mock.errorNext(new IllegalStateException("second"));
            CompletableFuture<RecordMetadata> c = p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "c");
            p.flush();

            assertThat(a).isCompletedExceptionally();
            assertThat(b).isCompletedExceptionally();
            assertThat(c).isCompleted();
            assertThat(p.failed()).isEqualTo(2);
            assertThat(p.acknowledged()).isEqualTo(1);
            assertThat(p.firstFailure()).hasValueSatisfying(e -> assertThat(e).hasMessage("first"));
        }
    }

    @Test
    void closeFlushesThenClosesAndIsIdempotent() throws Exception {
        SampleProducer p = new SampleProducer(mock, 8, Duration.ofSeconds(1));
        CompletableFuture<RecordMetadata> a = p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "a");
        CompletableFuture<RecordMetadata> b = p.sendAudio("acme", "bob", PCM, WAKE, Split.SPLIT_TRAIN, "b");
        assertThat(a).isNotDone();

        p.close();
        p.close();

        assertThat(mock.flushed()).isTrue();
        assertThat(mock.closed()).isTrue();
        assertThat(a.get()).isNotNull();
        assertThat(b.get()).isNotNull();
        assertThat(p.acknowledged()).isEqualTo(2);
        assertThatThrownBy(() -> p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "c"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the SampleProducer is closed");
    }

    @Test
    void closeFailsWhatIsStillUnacknowledgedWhenItCannotFlush() {
        mock.flushException = new IllegalStateException("broker away");
        SampleProducer p = new SampleProducer(mock, 8, Duration.ofSeconds(1));
        CompletableFuture<RecordMetadata> a = p.sendAudio("acme", "alice", PCM, WAKE, Split.SPLIT_TRAIN, "a");

        assertThatThrownBy(p::close).hasMessage("broker away");

        assertThat(mock.closed()).isTrue();
        assertThatThrownBy(a::get)
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("closed before the broker acknowledged the record");
        assertThat(p.failed()).isEqualTo(1);
        assertThat(p.inFlight()).isZero();
    }

    @Test
    void builderFixesIdempotenceAcksAndThePartitionerAndTakesOtherProperties() {
        SampleProducer.Builder b = SampleProducer.builder("127.0.0.1:9092")
                .clientId("my-app")
                .property(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd")
                .maxInFlight(4);
        Properties p = b.producerProperties();

        assertThat(p)
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092")
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "my-app")
                .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd")
                .doesNotContainKey(ProducerConfig.PARTITIONER_CLASS_CONFIG);
        for (String fixed : List.of(
                ProducerConfig.ACKS_CONFIG,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                ProducerConfig.PARTITIONER_CLASS_CONFIG,
                ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
            assertThatThrownBy(() -> b.property(fixed, "x"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(fixed + " is fixed by SampleProducer");
        }
        assertThatThrownBy(() -> b.maxInFlight(0)).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> SampleProducer.builder(" ")).hasMessageContaining("bootstrap servers");
    }

    private static boolean adapterAccepts(String tenant, String user) {
        try {
            UserKey.checkLength((tenant + "/" + user).getBytes(StandardCharsets.UTF_8));
            UserKey k = UserKey.parse(tenant + "/" + user);
            return k.tenant().equals(tenant) && k.user().equals(user);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String id(String tenant, String user, short[] pcm, Map<String, Label> labels, Split split) {
        return SampleProducer.audioSample(tenant, user, pcm, labels, split, null)
                .getSampleId();
    }

    private static Label binary(boolean positive) {
        return Label.newBuilder().setBinary(positive).build();
    }

    private static String key(ProducerRecord<byte[], byte[]> r) {
        return new String(r.key(), StandardCharsets.UTF_8);
    }

    private static Sample parse(ProducerRecord<byte[], byte[]> r) {
        try {
            return Sample.parseFrom(r.value());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] le(short[] pcm) {
        ByteBuffer b = ByteBuffer.allocate(2 * pcm.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(pcm);
        return b.array();
    }
}
