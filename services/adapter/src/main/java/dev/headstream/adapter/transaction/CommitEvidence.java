package dev.headstream.adapter.transaction;

import dev.headstream.adapter.Channels;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.jboss.logging.Logger;

/**
 * Whether the transactional producer's own {@code commitTransaction} returned normally since a
 * given moment, read from its {@code producer-metrics} {@code txn-commit-time-ns-total}: the Kafka
 * producer adds to that sum only after the coordinator has acknowledged the commit
 * ({@code commitTransaction} throws before adding when the commit fails or times out). SmallRye
 * turns a failed commit followed by a successful abort into a normal completion, so a completion
 * alone proves nothing; a grown sum does. When the sum did not grow (the commit failed, timed out
 * or was never attempted) or the metric is missing, {@link BatchTransaction} asks the coordinator
 * ({@link CommitCheck}) as before. The adapter runs one transaction at a time on this producer and
 * reads the sum inside the transaction, so nothing else can add to it in between. Never throws:
 * without a producer or the metric, nothing is proven.
 */
@ApplicationScoped
public class CommitEvidence {

    private static final Logger LOG = Logger.getLogger(CommitEvidence.class);

    static final String GROUP = "producer-metrics";
    static final String COMMIT_TIME = "txn-commit-time-ns-total";

    @Inject
    KafkaClientService clients;

    private volatile Read read;

    /** The producer's commit-time sum now; NaN when the metric cannot be read (then no commit is ever proven). */
    public double commitTimeTotal() {
        Metric m = metric();
        if (m == null) {
            return Double.NaN;
        }
        Object v = m.metricValue();
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** Whether a commit returned normally between {@code before} (a {@link #commitTimeTotal()}) and now. */
    public boolean committedSince(double before) {
        return grew(before, commitTimeTotal());
    }

    /** Whether the sum grew from {@code before} to {@code after}; never with a NaN on either side. */
    static boolean grew(double before, double after) {
        return after > before; // false for NaN
    }

    private Metric metric() {
        try {
            Producer<?, ?> producer = clients.getProducer(Channels.OUT).unwrap();
            Read r = read;
            if (r != null && r.producer() == producer) {
                return r.metric();
            }
            Metric m = find(producer.metrics());
            if (m == null) {
                LOG.warnf(
                        "the transactional producer has no %s metric %s: every batch's commit is confirmed by asking"
                                + " the group coordinator",
                        GROUP, COMMIT_TIME);
            }
            read = new Read(producer, m);
            return m;
        } catch (RuntimeException e) {
            // no producer (yet): nothing is proven, the coordinator is asked
            return null;
        }
    }

    /** The metric as found on one producer instance (null: it has none). */
    private record Read(Producer<?, ?> producer, Metric metric) {}

    /** The producer's commit-time sum among {@code metrics}, or null. */
    static Metric find(Map<MetricName, ? extends Metric> metrics) {
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            if (GROUP.equals(e.getKey().group())
                    && COMMIT_TIME.equals(e.getKey().name())) {
                return e.getValue();
            }
        }
        return null;
    }
}
