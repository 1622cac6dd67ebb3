package dev.headstream.tools.demo;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.client.HeadKeys;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The demos' reading of {@code headstream.metrics}. */
public final class MetricsTopic {

    private MetricsTopic() {}

    /**
     * The committed metrics records by head id, each head's in samples_seen order (records of equal
     * samples_seen in topic order); a record whose payload names another head than its key is skipped.
     *
     * @throws IllegalStateException if a record is not an {@code AdaptationMetrics}
     */
    public static Map<String, List<AdaptationMetrics>> byHead(String bootstrap) {
        Map<String, List<AdaptationMetrics>> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                TopicReader.readAll(bootstrap, Topics.METRICS, Duration.ofSeconds(30))) {
            AdaptationMetrics m;
            try {
                m = AdaptationMetrics.parseFrom(r.value());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("unreadable metrics record: " + e.getMessage(), e);
            }
            if (HeadKeys.mismatch(HeadKeys.key(r), m).isEmpty()) {
                out.computeIfAbsent(m.getHeadId(), k -> new ArrayList<>()).add(m);
            }
        }
        out.values().forEach(l -> l.sort((a, b) -> Long.compare(a.getSamplesSeen(), b.getSamplesSeen())));
        return out;
    }
}
