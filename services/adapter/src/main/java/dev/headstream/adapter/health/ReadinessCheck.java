package dev.headstream.adapter.health;

import dev.headstream.adapter.flow.PartitionRetries;
import dev.headstream.adapter.state.RestoreProgress;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.embed.Backbone;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the backbone and every task's source head loaded and passed their contract checks
 * (they are built at start-up, so this check exists only after that), the consumer got its first
 * partition assignment and restored it, and no assigned partition's state is being restored
 * ({@link RestoreProgress#ready(boolean, Set)}): a cold start is DOWN until its users' state is installed.
 * Its data also says what the restores did with records they could not install as stored
 * ({@link RestoreProgress#counts()}): users reset, unreadable, left out at the bound, forged records skipped.
 *
 * <p>Partitions that do not make progress ({@link PartitionRetries}) show in the data:
 * {@code retryingPartitions}, those with a batch in retry or poison-record isolation (bounded, UP
 * meanwhile), and {@code abortingPartitions}, those whose batch's transaction aborted in a row, with
 * how often and from which offset. A partition whose batch aborted {@code headstream.poison.attempts}
 * times in a row or more is stalled, and the check is DOWN while it is.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    /** The name of the check in {@code /q/health/ready}. */
    public static final String NAME = "headstream-models";

    @Inject
    Backbone backbone;

    @Inject
    AdaptationEngine engine;

    @Inject
    RestoreProgress progress;

    @Inject
    PartitionRetries retries;

    @Override
    public HealthCheckResponse call() {
        boolean assigned = progress.assignedOnce();
        Set<Integer> restoring = progress.restoring();
        RestoreProgress.Counts restored = progress.counts();
        return HealthCheckResponse.named(NAME)
                .withData("backbone", backbone.info().id())
                .withData("backboneSha256", backbone.info().sha256())
                .withData("executionProvider", backbone.info().executionProvider())
                .withData("users", engine.users())
                .withData("assigned", assigned)
                .withData("restoringPartitions", restoring.toString())
                .withData("maxResidentUsers", engine.maxResidentUsers())
                .withData("restore.resets", restored.resets())
                .withData("restore.unreadable", restored.unreadable())
                .withData("restore.notResident", restored.notResident())
                .withData("restore.forgedSkipped", restored.forgedSkipped())
                .withData("retryingPartitions", retries.retryingPartitions().toString())
                .withData("abortingPartitions", retries.abortStreaks().toString())
                .status(RestoreProgress.ready(assigned, restoring) && !retries.stalled())
                .build();
    }
}
