package dev.headstream.adapter;

import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.embed.Backbone;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the backbone and every task's source head loaded and passed their contract checks,
 * the consumer got its first partition assignment and restored it, and no assigned partition's
 * state is being restored: a cold start is DOWN until its users' state is installed.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    @Inject
    Backbone backbone;

    @Inject
    AdaptationEngine engine;

    @Inject
    @Identifier(StateRestorer.NAME)
    StateRestorer restorer;

    @Override
    public HealthCheckResponse call() {
        java.util.Set<Integer> restoring = restorer.restoring();
        return HealthCheckResponse.named("headstream-models")
                .withData("backbone", backbone.info().id())
                .withData("backboneSha256", backbone.info().sha256())
                .withData("executionProvider", backbone.info().executionProvider())
                .withData("users", engine.users())
                .withData("assigned", restorer.assignedOnce())
                .withData("restoringPartitions", restoring.toString())
                .status(restorer.assignedOnce() && restoring.isEmpty())
                .build();
    }
}
