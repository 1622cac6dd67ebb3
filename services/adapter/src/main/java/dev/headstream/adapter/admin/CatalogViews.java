package dev.headstream.adapter.admin;

import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.util.List;

/**
 * What the admin API and the dashboard show of a head: JSON views of its versions and metrics,
 * without its weights. Immutable records; Jackson writes them as they are.
 */
public final class CatalogViews {

    private CatalogViews() {}

    /** One published version of a head (its weights left out). */
    public record Version(
            long version,
            String status,
            String statusReason,
            float threshold,
            long samplesApplied,
            boolean heldAtSource,
            long createdTimeMs,
            String sourceHeadId,
            int sourcePartition,
            long lastOffset) {

        static Version of(HeadUpdate u) {
            return new Version(
                    u.getVersion(),
                    status(u.getStatus().name()),
                    u.getStatusReason(),
                    u.getThreshold(),
                    u.getProvenance().getSamplesApplied(),
                    u.getHeldAtSource(),
                    u.getCreatedTimeMs(),
                    u.getProvenance().getSourceHeadId(),
                    u.getProvenance().getSourcePartition(),
                    u.getProvenance().getLastOffset());
        }

        private static String status(String wire) {
            return wire.startsWith("HEAD_STATUS_") ? wire.substring("HEAD_STATUS_".length()) : wire;
        }
    }

    /** A test statistic against its threshold, and whether it alarmed. */
    public record Test(double statistic, double threshold, boolean alarm) {}

    /**
     * A head's newest metrics: the calibrated false accepts per hour, recall, and the
     * negative-transfer, drift and loss-rise tests against their thresholds.
     */
    public record Monitors(
            long headVersion,
            long samplesApplied,
            long samplesSeen,
            double falseAcceptsPerHour,
            double calibrationFalseAcceptsPerHour,
            double calibrationHours,
            double recall,
            Test negativeTransfer,
            Test drift,
            Test lossRise,
            boolean errorRiseAlarm,
            boolean heldAtSource,
            String heldReason,
            long createdTimeMs) {

        static Monitors of(AdaptationMetrics m) {
            return new Monitors(
                    m.getHeadVersion(),
                    m.getSamplesApplied(),
                    m.getSamplesSeen(),
                    m.getFalseAcceptsPerHour(),
                    m.getCalibrationFalseAcceptsPerHour(),
                    m.getCalibrationHours(),
                    m.getRecall(),
                    new Test(
                            m.getNegativeTransferStatistic(),
                            m.getNegativeTransferThreshold(),
                            m.getNegativeTransferAlarm()),
                    new Test(m.getDriftStatistic(), m.getDriftThreshold(), m.getDriftAlarm()),
                    new Test(m.getLossRiseStatistic(), m.getLossRiseThreshold(), m.getLossRiseAlarm()),
                    m.getErrorRiseAlarm(),
                    m.getHeldAtSource(),
                    m.getHeldReason(),
                    m.getCreatedTimeMs());
        }

        /** Whether any monitor alarms. */
        public boolean alarmed() {
            return negativeTransfer.alarm() || drift.alarm() || lossRise.alarm() || errorRiseAlarm;
        }
    }

    /**
     * One point of the prequential curves: the source head's and the adapted head's running
     * accuracy and mean loss on the samples seen so far, each sample scored before it trained.
     */
    public record Point(
            long samplesSeen,
            long headVersion,
            double sourceAccuracy,
            double adaptedAccuracy,
            double sourceLoss,
            double adaptedLoss,
            long createdTimeMs) {

        static Point of(AdaptationMetrics m) {
            return new Point(
                    m.getSamplesSeen(),
                    m.getHeadVersion(),
                    m.getSourcePrequential().getAccuracy(),
                    m.getAdaptedPrequential().getAccuracy(),
                    m.getSourcePrequential().getMeanLoss(),
                    m.getAdaptedPrequential().getMeanLoss(),
                    m.getCreatedTimeMs());
        }
    }

    /** A head in a user's list: its newest version and monitors. */
    public record HeadSummary(String headId, String task, Version newest, Monitors monitors, boolean alarmed) {}

    /** A head with its kept history of versions (newest first) and its curve (oldest first). */
    public record HeadDetail(
            String headId,
            String tenant,
            String user,
            String task,
            Version newest,
            Monitors monitors,
            List<Version> history,
            List<Point> curve) {}

    /** A user in the list: its heads' count, the newest of their versions' times, and whether any alarms. */
    public record UserSummary(String tenant, String user, int heads, long updatedTimeMs, boolean alarmed) {}

    /**
     * One page of users; {@code caughtUp} false while the catalog is still reading the topics to the
     * end they had when it started (the list is then incomplete).
     */
    public record UserPage(long total, int offset, int limit, List<UserSummary> users, boolean caughtUp) {

        /** This page, saying whether the catalog has caught up. */
        public UserPage caughtUp(boolean done) {
            return new UserPage(total, offset, limit, users, done);
        }
    }

    /** A user with its heads. */
    public record UserDetail(String tenant, String user, List<HeadSummary> heads) {}
}
