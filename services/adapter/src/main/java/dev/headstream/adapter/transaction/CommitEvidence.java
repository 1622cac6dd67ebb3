package dev.headstream.adapter.transaction;

import dev.headstream.adapter.Channels;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
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
 * ({@link CommitCheck}) as before. The adapter runs one transaction at a time on this producer, so
 * nothing else can add to the sum in between.
 */
@ApplicationScoped
public class CommitEvidence {

    private static final Logger LOG = Logger.getLogger(CommitEvidence.class);

    static final String GROUP = "producer-metrics";
    static final String COMMIT_TIME = "txn-commit-time-ns-total";

    @Inject
    KafkaClientService clients;

    private volatile Metric commitTime;
    private volatile boolean missing;

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
        Metric m = commitTime;
        if (m != null || missing) {
            return m;
        }
        m = find(clients.getProducer(Channels.OUT).unwrap().metrics());
        if (m == null) {
            missing = true;
            LOG.warnf(
                    "the transactional producer has no %s metric %s: every batch's commit is confirmed by asking the"
                            + " group coordinator",
                    GROUP, COMMIT_TIME);
        }
        commitTime = m;
        return m;
    }

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
