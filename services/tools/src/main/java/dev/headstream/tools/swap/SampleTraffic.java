package dev.headstream.tools.swap;

import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SynthProgress;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The samples and control commands a broker benchmark sends for its synthetic users: user {@code k}
 * of a level ({@code <tenant>/<prefix>-u<index>}) sends the training clips of pool speaker
 * {@code k mod pool size}, cycled, sample {@code j} with its own sample id {@code <user>-<j>}. One
 * idempotent producer, as the client's {@code SampleSender} sets it up.
 *
 * <p>Lifecycle: {@link #SampleTraffic} -> {@link #send}, {@link #erase} and {@link #flush()} from
 * one thread -> {@link #close()} (closes the producer).
 */
public final class SampleTraffic implements AutoCloseable {

    /** Told when a send completed, with the times taken just before it. */
    @FunctionalInterface
    public interface Sent {
        void sent(RecordMetadata meta, Exception error, long sendNanos, long sendWallMs);
    }

    private final KafkaProducer<byte[], byte[]> producer;
    private final String tenant;
    private final String task;
    private final List<SyntheticUser> pool;

    public SampleTraffic(String bootstrap, String tenant, String task, List<SyntheticUser> pool) {
        this.producer = producer(bootstrap);
        this.tenant = tenant;
        this.task = task;
        this.pool = List.copyOf(pool);
    }

    /**
     * {@code speakers} synthetic speakers of {@code seed} with 8 positive and 8 negative training
     * clips each (the demo's clips), from the speech cache in {@code cacheDir}; {@code say} hears
     * the progress.
     */
    public static List<SyntheticUser> pool(int speakers, long seed, Path cacheDir, Consumer<String> say) {
        return new SyntheticUsers(SyntheticUsers.Config.defaults(seed)
                        .withUsers(speakers)
                        .withTrain(8, 8)
                        .withHoldout(0, 0)
                        .withBackground(0, 0))
                .generate(new CachingSynthesizer(new SpeechSynth(), cacheDir), 2, SynthProgress.lines(32, say))
                .users();
    }

    /** {@code n} users {@code <tenant>/<prefix>-u<index>}. */
    public static List<String> users(String tenant, String prefix, int n) {
        List<String> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            out.add(String.format(Locale.ROOT, "%s/%s-u%04d", tenant, prefix, k));
        }
        return out;
    }

    /** The record value of sample {@code j} of {@code user} ({@code <tenant>/<user>}), the level's user {@code k}. */
    private byte[] value(String user, int k, int j) {
        List<SyntheticClip> clips = pool.get(k % pool.size()).train();
        String userId = user.substring(user.indexOf('/') + 1);
        return SampleRecords.sample(tenant, task, clips.get(j % clips.size())).toBuilder()
                .setUser(userId)
                .setSampleId(String.format(Locale.ROOT, "%s-%05d", userId, j))
                .build()
                .toByteArray();
    }

    /**
     * Sends sample {@code j} of {@code user}, the level's user {@code k} (see {@link #value}).
     * Returns the {@link System#nanoTime()} taken just before the send.
     */
    public long send(String user, int k, int j, Sent done) {
        byte[] value = value(user, k, j);
        byte[] key = user.getBytes(StandardCharsets.UTF_8);
        long wall = System.currentTimeMillis();
        long nanos = System.nanoTime();
        producer.send(new ProducerRecord<>(Topics.SAMPLES, key, value), (meta, e) -> done.sent(meta, e, nanos, wall));
        return nanos;
    }

    /** Sends {@code control erase} for every user ({@code <tenant>/<user>}) and flushes. */
    public void erase(List<String> users, String reason) {
        for (String user : users) {
            producer.send(new ProducerRecord<>(
                    Topics.CONTROL,
                    user.getBytes(StandardCharsets.UTF_8),
                    Control.newBuilder()
                            .setTenant(tenant)
                            .setUser(user.substring(user.indexOf('/') + 1))
                            .setAction(ControlAction.CONTROL_ACTION_ERASE)
                            .setReason(reason)
                            .build()
                            .toByteArray()));
        }
        producer.flush();
    }

    /** Waits until every record sent so far is acknowledged; their callbacks have run when it returns. */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }

    /** An idempotent producer, acks=all, the default partitioner and linger (5 ms), as the client's SampleSender. */
    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
