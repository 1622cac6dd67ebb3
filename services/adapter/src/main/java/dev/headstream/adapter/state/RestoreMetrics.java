package dev.headstream.adapter.state;

import dev.headstream.core.adapt.engine.AdaptationEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Prometheus meters of the restore and of the bound on resident users ({@code /q/metrics}):
 * {@code headstream_restore_forged_skipped_total}, {@code headstream_restore_resets_total},
 * {@code headstream_restore_unreadable_total} and {@code headstream_restore_not_resident_total}
 * read {@link RestoreProgress#counts()}; {@code headstream_users_resident_max} is the bound (beside
 * {@code AdapterMetrics}' {@code headstream_users_resident}; its {@code headstream_rejects_total}
 * counts the {@code CAPACITY} and {@code STATE_UNREADABLE} rejects). No labels, and nothing that
 * waits for a batch in progress. Registered at start-up.
 */
@Startup
@ApplicationScoped
public class RestoreMetrics {

    @Inject
    public RestoreMetrics(MeterRegistry registry, RestoreProgress progress, AdaptationEngine engine) {
        FunctionCounter.builder(
                        "headstream.restore.forged.skipped",
                        progress,
                        p -> p.counts().forgedSkipped())
                .description("changelog records skipped on restore: their payload names another user or partition"
                        + " than their record key and partition")
                .register(registry);
        FunctionCounter.builder(
                        "headstream.restore.resets", progress, p -> p.counts().resets())
                .description("users reset on restore: their changelog record did not decode against this adapter")
                .register(registry);
        FunctionCounter.builder(
                        "headstream.restore.unreadable",
                        progress,
                        p -> p.counts().unreadable())
                .description("users whose changelog record did not parse on restore")
                .register(registry);
        FunctionCounter.builder(
                        "headstream.restore.not.resident",
                        progress,
                        p -> p.counts().notResident())
                .description("users left out of a restore at the bound on resident users")
                .register(registry);
        Gauge.builder("headstream.users.resident.max", engine, AdaptationEngine::maxResidentUsers)
                .description("the bound on resident users (headstream.max-resident-users)")
                .register(registry);
    }
}
