package dev.headstream.adapter.admin;

import dev.headstream.adapter.KafkaClientSettings;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Control;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Sends the admin API's commands to {@code headstream.control}, keyed {@code <tenant>/<user>} like
 * the user's samples, with an idempotent producer ({@code acks=all}): the adapter instance that owns
 * the user applies a command in the same transaction as that partition's samples, exactly as it
 * applies {@code headstream control}'s. Authenticates with the security keys under
 * {@value KafkaClientSettings#ADMIN_PREFIX} when set (an operator's credentials: the adapter's own
 * role may not write control commands), else with the adapter's {@code kafka.} block. Made on first
 * use; thread-safe.
 */
@ApplicationScoped
public class ControlSender {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    private KafkaProducer<byte[], byte[]> producer;

    /**
     * Sends {@code command} and waits for the broker's acknowledgement.
     *
     * @return where the command was written
     * @throws IllegalStateException when the broker refuses it or does not answer in time
     */
    public RecordMetadata send(Control command) {
        byte[] key = (command.getTenant() + "/" + command.getUser()).getBytes(StandardCharsets.UTF_8);
        try {
            return producer()
                    .send(new ProducerRecord<>(Topics.CONTROL, key, command.toByteArray()))
                    .get(ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(
                    "the broker refused the command: " + cause.getClass().getSimpleName() + ": " + cause.getMessage(),
                    cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the broker did not acknowledge the command within " + ACK_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending the command", e);
        }
    }

    private synchronized KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            Properties p = KafkaClientSettings.client(bootstrap, KafkaClientSettings.ADMIN_PREFIX);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "headstream-admin-control");
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) ACK_TIMEOUT.toMillis());
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
