package dev.headstream.adapter.fault;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Makes the one {@link FaultInjector} bean at start-up: {@link NoFaults} unless
 * {@code headstream.fault.enabled=true}, then {@link ConfiguredFaults}. A fault setting without
 * {@code enabled=true}, or a {@code headstream.fault.*} key it does not know, stops the start with a
 * message naming the keys ({@link FaultSettings}).
 */
@ApplicationScoped
public class FaultInjectorProducer {

    private static final Logger LOG = Logger.getLogger(FaultInjectorProducer.class);

    @Produces
    @Singleton
    @Startup
    FaultInjector faults(FaultConfig config, Config all) {
        FaultSettings.refuseUnknownKeys(all.getPropertyNames());
        return FaultSettings.from(config)
                .<FaultInjector>map(settings -> {
                    LOG.warnf(
                            "fault injection is ON (%s=true): %s; for tests only", FaultSettings.ENABLED_KEY, settings);
                    return new ConfiguredFaults(settings);
                })
                .orElse(NoFaults.INSTANCE);
    }
}
