package dev.headstream.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class SampleSenderTest {

    @Test
    void aFailedFlushNamesTheTopicSentToNotSamplesAndKeepsTheCause() {
        Properties fast = new Properties();
        fast.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300);
        // nothing listens on port 1: the record's metadata never arrives
        try (SampleSender sender = new SampleSender("127.0.0.1:1", fast)) {
            sender.send(Topics.CONTROL, "acme/alice", "reset".getBytes(StandardCharsets.UTF_8));

            assertThatThrownBy(sender::flush)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("sending records to " + Topics.CONTROL + " failed: ")
                    .hasCauseInstanceOf(TimeoutException.class);
        }
    }
}
