package dev.headstream.client;

import com.google.protobuf.ByteString;
import dev.headstream.schemas.TopicSpecs;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Pcm16Audio;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Streams users' labeled samples (their own recordings) to {@code headstream.samples}
 * ({@link Topics#SAMPLES}), for applications. Made with {@link #builder(String)}.
 *
 * <ul>
 *   <li><b>Keys.</b> Every record is keyed exactly {@code <tenant>/<user>}, built from the
 *       sample's own tenant and user, so payload and key always agree. Tenant and user must each be
 *       1-{@value #MAX_PART_CHARS} characters of {@code [A-Za-z0-9._-]} (so the key has at most
 *       {@value #MAX_KEY_BYTES} UTF-8 bytes): the adapter's rule ({@code core.ingest.UserKey}),
 *       checked here before sending instead of as a {@code BAD_KEY} reject later.</li>
 *   <li><b>Partitioning.</b> Kafka's default partitioner on the key, never an explicit
 *       partition: the adapter rejects a record that is not on its key's partition
 *       ({@code WRONG_PARTITION}). The producer settings that would change it cannot be set.</li>
 *   <li><b>Delivery.</b> An idempotent producer with {@code acks=all}: a retry never writes a
 *       record twice, and the records of one user (one key, one partition) stay in the order
 *       they were sent from one thread.</li>
 *   <li><b>Sample ids.</b> A sample without an id gets {@link #derivedSampleId(Sample)}: a
 *       SHA-256 of its tenant, user and audio (or tensor), not of its labels or split. Sending the
 *       same recording again gives the same id, which the adapter rejects as {@code DUPLICATE}
 *       (within its per-user window, {@code headstream.dedup-window}) instead of training on it
 *       twice, even relabeled or in the other split: a recording first sent as holdout is not then
 *       trained on. Give your own ids when two identical recordings are meant as two samples.</li>
 *   <li><b>Backpressure.</b> At most {@code maxInFlight} records are sent and not yet acknowledged
 *       (or failed); {@link #send} blocks until one completes when that many are out.</li>
 *   <li><b>Failures.</b> A send that the producer gives up on (after its retries, within
 *       {@code delivery.timeout.ms}) completes its future exceptionally and is counted
 *       ({@link #failed()}, {@link #firstFailure()}); nothing is thrown from {@link #flush()} or
 *       {@link #close()} for it.</li>
 * </ul>
 *
 * <p>Lifecycle: build, {@link #send} / {@link #sendAudio} any number of times, optionally
 * {@link #flush()}, then {@link #close()} (flushes, then closes the producer within the close
 * timeout; every future returned is complete afterwards). Thread-safe; the futures complete on the
 * producer's I/O thread, so keep work chained onto them without an executor short.
 */
public final class SampleProducer implements AutoCloseable {

    /** Most characters of a tenant or a user (the adapter's {@code UserKey.MAX_PART_CHARS}). */
    public static final int MAX_PART_CHARS = 64;

    /** Most UTF-8 bytes of a record key {@code <tenant>/<user>} (the adapter's {@code UserKey.MAX_KEY_BYTES}). */
    public static final int MAX_KEY_BYTES = 2 * MAX_PART_CHARS + 1;

    /** Most characters of a sample id (the adapter's {@code SampleDecoder.MAX_SAMPLE_ID_CHARS}). */
    public static final int MAX_SAMPLE_ID_CHARS = 256;

    /** Sample rate of {@link #sendAudio} PCM: what the wake-word backbone reads. */
    public static final int SAMPLE_RATE_HZ = 16_000;

    /** {@code maxInFlight} unless the builder sets it. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 64;

    /** How long {@link #close()} waits for the producer to close unless the builder sets it. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** Prefix of {@link #derivedSampleId}, followed by 64 hex digits. */
    public static final String DERIVED_ID_PREFIX = "sha256-";

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_PART_CHARS + "}");

    /** Producer settings fixed by this class: acks, idempotence, serializers, the partitioner. */
    private static final Set<String> FIXED = Set.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.ACKS_CONFIG,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.PARTITIONER_CLASS_CONFIG,
            ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG);

    private final Producer<byte[], byte[]> producer;
    private final Semaphore permits;
    private final Duration closeTimeout;
    private final Set<CompletableFuture<RecordMetadata>> pending = ConcurrentHashMap.newKeySet();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object idle = new Object();

    /**
     * Over any {@link Producer} (a {@code MockProducer} in tests); it must use Kafka's default
     * partitioner.
     */
    SampleProducer(Producer<byte[], byte[]> producer, int maxInFlight, Duration closeTimeout) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
        this.producer = Objects.requireNonNull(producer, "producer");
        this.permits = new Semaphore(maxInFlight);
        this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
    }

    /** A builder for a producer connected to {@code bootstrapServers} ({@code host:port,...}). */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /** Options of a {@link SampleProducer}; {@link #build()} connects. Not thread-safe. */
    public static final class Builder {

        private final String bootstrapServers;
        private final Map<String, Object> properties = new HashMap<>();
        private String clientId;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        private Builder(String bootstrapServers) {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrap servers must be given (host:port,...)");
            }
            this.bootstrapServers = bootstrapServers;
        }

        /** The producer's {@code client.id} (Kafka makes one up otherwise). */
        public Builder clientId(String clientId) {
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            return this;
        }

        /**
         * Sets a Kafka producer property ({@code security.protocol}, {@code linger.ms},
         * {@code compression.type}, ...).
         *
         * @throws IllegalArgumentException for the settings this class fixes: bootstrap servers
         *                                  (give them to {@link SampleProducer#builder}), acks,
         *                                  idempotence, serializers, the partitioner and a
         *                                  transactional id
         */
        public Builder property(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value of " + key);
            if (FIXED.contains(key)) {
                throw new IllegalArgumentException("the producer property " + key + " is fixed by SampleProducer"
                        + " (idempotent, acks=all, byte-array serializers, Kafka's default partitioner)");
            }
            properties.put(key, value);
            return this;
        }

        /** {@link #property} for each entry. */
        public Builder properties(Map<String, ?> more) {
            more.forEach(this::property);
            return this;
        }

        /** Most records sent and not yet acknowledged; {@code send} blocks beyond (default {@value SampleProducer#DEFAULT_MAX_IN_FLIGHT}). */
        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /** How long {@link SampleProducer#close()} waits for the producer to close after flushing (default 30 s). */
        public Builder closeTimeout(Duration closeTimeout) {
            if (closeTimeout.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must not be negative, got " + closeTimeout);
            }
            this.closeTimeout = closeTimeout;
            return this;
        }

        /** The producer settings {@link #build()} uses. */
        Properties producerProperties() {
            Properties p = new Properties();
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicSpecs.LARGE_RECORD_BYTES);
            p.putAll(properties);
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            if (clientId != null) {
                p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
            }
            return p;
        }

        /** Connects (the producer connects lazily: a broker that is away shows as failed sends). */
        public SampleProducer build() {
            return new SampleProducer(
                    new KafkaProducer<>(producerProperties(), new ByteArraySerializer(), new ByteArraySerializer()),
                    maxInFlight,
                    closeTimeout);
        }
    }

    /**
     * Sends {@code sample} under the key {@code <tenant>/<user>} of its own tenant and user; one
     * without a sample id gets {@link #derivedSampleId}. Blocks while {@code maxInFlight} records
     * are unacknowledged.
     *
     * @return completes with the record's metadata when the broker acknowledged it, or
     *     exceptionally when the producer gave up on it (counted in {@link #failed()})
     * @throws IllegalArgumentException if the tenant or user is not a valid key part, or the sample
     *                                  id is longer than {@value #MAX_SAMPLE_ID_CHARS} characters
     * @throws IllegalStateException    if the producer is closed
     * @throws InterruptException       if interrupted while waiting for room
     */
    public CompletableFuture<RecordMetadata> send(Sample sample) {
        Sample s = withSampleId(sample);
        byte[] key = key(s.getTenant(), s.getUser()).getBytes(StandardCharsets.UTF_8);
        byte[] value = s.toByteArray();
        if (closed.get()) {
            throw new IllegalStateException("the SampleProducer is closed");
        }
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            throw new InterruptException("interrupted while waiting for room to send sample " + s.getSampleId(), e);
        }
        CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
        pending.add(result);
        sent.incrementAndGet();
        try {
            producer.send(new ProducerRecord<>(Topics.SAMPLES, key, value), (meta, error) -> {
                if (error == null) {
                    complete(result, meta, null);
                } else {
                    complete(result, null, error);
                }
            });
        } catch (RuntimeException e) {
            complete(result, null, e);
        }
        return result;
    }

    /**
     * Sends one recording of {@code user}: 16 kHz mono PCM as it is (never padded or cut), with
     * its labels per task and split.
     *
     * @param pcm16k         16 kHz mono samples, at least one
     * @param labels         labels per task name (e.g. {@code wake} -> binary true); empty for none
     * @param split          {@link Split#SPLIT_TRAIN} (scored, then trained on) or
     *                       {@link Split#SPLIT_HOLDOUT} (scored only)
     * @param sampleIdOrNull the sample's id, or null (or empty) for {@link #derivedSampleId}
     * @see #send(Sample)
     */
    public CompletableFuture<RecordMetadata> sendAudio(
            String tenant, String user, short[] pcm16k, Map<String, Label> labels, Split split, String sampleIdOrNull) {
        return send(audioSample(tenant, user, pcm16k, labels, split, sampleIdOrNull));
    }

    /**
     * The sample {@link #sendAudio} sends: the PCM as little-endian 16-bit at
     * {@value #SAMPLE_RATE_HZ} Hz, the labels, the split, and the given or derived id.
     *
     * @throws IllegalArgumentException if the tenant, user or id is invalid, or the PCM is empty
     */
    public static Sample audioSample(
            String tenant, String user, short[] pcm16k, Map<String, Label> labels, Split split, String sampleIdOrNull) {
        key(tenant, user);
        Objects.requireNonNull(pcm16k, "pcm16k");
        if (pcm16k.length == 0) {
            throw new IllegalArgumentException("no audio: a sample needs at least one PCM sample");
        }
        ByteBuffer b = ByteBuffer.allocate(2 * pcm16k.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(pcm16k);
        Sample s = Sample.newBuilder()
                .setTenant(tenant)
                .setUser(user)
                .setAudio(Pcm16Audio.newBuilder()
                        .setSampleRateHz(SAMPLE_RATE_HZ)
                        .setPcm16Le(ByteString.copyFrom(b.array())))
                .putAllLabels(Objects.requireNonNull(labels, "labels"))
                .setSplit(Objects.requireNonNull(split, "split"))
                .setSampleId(sampleIdOrNull == null ? "" : sampleIdOrNull)
                .build();
        return withSampleId(s);
    }

    /**
     * The record key {@code <tenant>/<user>}, checked as the adapter checks it.
     *
     * @throws IllegalArgumentException naming what is wrong: an empty part, a {@code /}, a
     *                                  character outside {@code [A-Za-z0-9._-]} or more than
     *                                  {@value #MAX_PART_CHARS} characters (and so a key over
     *                                  {@value #MAX_KEY_BYTES} bytes)
     */
    public static String key(String tenant, String user) {
        checkPart("tenant", tenant);
        checkPart("user", user);
        String key = tenant + "/" + user;
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES) {
            // unreachable after the part checks; kept so the key's own limit is stated where it is built
            throw new IllegalArgumentException(
                    "record key has " + bytes + " bytes; a key '<tenant>/<user>' has at most " + MAX_KEY_BYTES);
        }
        return key;
    }

    /**
     * A stable id for a sample that has none: {@value #DERIVED_ID_PREFIX} and the SHA-256 (hex) of
     * its tenant, user and input (audio: sample rate and PCM bytes; tensor: shape and values), each
     * length-prefixed. Its labels, split, id, weight and event time are not part of it, so the
     * same recording of the same user always gets the same id: sent again relabeled, or once as
     * holdout and then as train, it is a {@code DUPLICATE} to the adapter and never trained on
     * twice or after being held out.
     */
    public static String derivedSampleId(Sample sample) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        Hash h = new Hash(d);
        h.text("headstream.sample-id.v2");
        h.text(sample.getTenant());
        h.text(sample.getUser());
        switch (sample.getInputCase()) {
            case AUDIO -> {
                h.integer(Sample.AUDIO_FIELD_NUMBER);
                h.integer(sample.getAudio().getSampleRateHz());
                h.bytes(sample.getAudio().getPcm16Le());
            }
            case TENSOR -> {
                h.integer(Sample.TENSOR_FIELD_NUMBER);
                List<Long> shape = sample.getTensor().getShapeList();
                h.integer(shape.size());
                shape.forEach(h::longValue);
                h.integer(sample.getTensor().getValuesCount());
                sample.getTensor().getValuesList().forEach(v -> h.integer(Float.floatToIntBits(v)));
            }
            default -> h.integer(0);
        }
        return DERIVED_ID_PREFIX + HexFormat.of().formatHex(d.digest());
    }

    /** Waits until every record sent so far is acknowledged or failed. */
    public void flush() {
        producer.flush();
        synchronized (idle) {
            while (!pending.isEmpty()) {
                try {
                    idle.wait(100);
                } catch (InterruptedException e) {
                    throw new InterruptException("interrupted while flushing samples", e);
                }
            }
        }
    }

    /** Records handed to the producer. */
    public long sent() {
        return sent.get();
    }

    /** Records the broker acknowledged. */
    public long acknowledged() {
        return acknowledged.get();
    }

    /** Records the producer gave up on (or that were still unacknowledged when {@link #close()} ended). */
    public long failed() {
        return failed.get();
    }

    /** Records sent and neither acknowledged nor failed yet. */
    public int inFlight() {
        return pending.size();
    }

    /** The first failure, if any. */
    public Optional<Exception> firstFailure() {
        return Optional.ofNullable(firstFailure.get());
    }

    /**
     * Flushes (bounded by the producer's {@code delivery.timeout.ms}), then closes the producer
     * within the close timeout. A record still unacknowledged after that fails with an
     * {@link IllegalStateException}. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            producer.flush();
        } finally {
            producer.close(closeTimeout);
            for (CompletableFuture<RecordMetadata> f : List.copyOf(pending)) {
                complete(
                        f,
                        null,
                        new IllegalStateException(
                                "the SampleProducer closed before the broker acknowledged the record"));
            }
        }
    }

    private void complete(CompletableFuture<RecordMetadata> f, RecordMetadata meta, Exception error) {
        if (!pending.remove(f)) {
            return;
        }
        if (error == null) {
            acknowledged.incrementAndGet();
        } else {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, error);
        }
        permits.release();
        if (pending.isEmpty()) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
        if (error == null) {
            f.complete(meta);
        } else {
            f.completeExceptionally(error);
        }
    }

    private static Sample withSampleId(Sample sample) {
        Objects.requireNonNull(sample, "sample");
        key(sample.getTenant(), sample.getUser());
        String id = sample.getSampleId();
        if (id.isEmpty()) {
            return sample.toBuilder().setSampleId(derivedSampleId(sample)).build();
        }
        if (id.length() > MAX_SAMPLE_ID_CHARS) {
            throw new IllegalArgumentException(
                    "sample id has " + id.length() + " characters; at most " + MAX_SAMPLE_ID_CHARS + " are accepted");
        }
        return sample;
    }

    private static void checkPart(String what, String part) {
        if (part == null || part.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (part.indexOf('/') >= 0) {
            throw new IllegalArgumentException(what + " '" + quote(part) + "' must not contain '/'");
        }
        if (!PART.matcher(part).matches()) {
            throw new IllegalArgumentException(what + " '" + quote(part) + "' must be 1-" + MAX_PART_CHARS
                    + " characters of [A-Za-z0-9._-], has " + firstOffending(part));
        }
    }

    /**
     * What breaks the rule: the first character outside {@code [A-Za-z0-9._-]} and its position
     * (1-based, in characters as the user typed them), else the length.
     */
    private static String firstOffending(String part) {
        int position = 1;
        for (int i = 0; i < part.length(); position++) {
            int c = part.codePointAt(i);
            boolean allowed = (c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == '-';
            if (!allowed) {
                String shown = Character.isISOControl(c) || (Character.isWhitespace(c) && c != ' ')
                        ? String.format(Locale.ROOT, "U+%04X", c)
                        : "'" + new String(Character.toChars(c)) + "'";
                return "a " + shown + " at position " + position;
            }
            i += Character.charCount(c);
        }
        return part.length() + " characters";
    }

    private static String quote(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Unambiguous, length-prefixed fields into a digest. */
    private static final class Hash {
        private final MessageDigest d;
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN);

        Hash(MessageDigest d) {
            this.d = d;
        }

        void integer(int v) {
            scratch.clear();
            scratch.putInt(v);
            d.update(scratch.array(), 0, 4);
        }

        void longValue(long v) {
            scratch.clear();
            scratch.putLong(v);
            d.update(scratch.array(), 0, 8);
        }

        void text(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            integer(b.length);
            d.update(b);
        }

        void bytes(ByteString b) {
            longValue(b.size());
            d.update(b.asReadOnlyByteBuffer());
        }
    }
}
