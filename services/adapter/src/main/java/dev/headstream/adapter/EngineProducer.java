package dev.headstream.adapter;

import dev.headstream.adapter.flow.EmbedAheadInterceptor;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.engine.EmbeddingsAhead;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.embed.Backbone;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.runtime.store.DiskUserStore;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Builds the long-lived pieces at start-up from the {@code headstream.*} properties, through the
 * same {@link EngineSpec} and {@link EngineAssembly} that {@code replay} uses: the backbone and the
 * adaptation engine. A broken model or a bad property stops the service with an exact message.
 */
@ApplicationScoped
public class EngineProducer {

    private static final Logger LOG = Logger.getLogger(EngineProducer.class);

    /** The adapter's own {@code headstream.} keys ({@link HeadstreamConfig}), relative to the prefix. */
    private static final Set<String> ADAPTER_KEYS = Set.of(
            "instance-id",
            "transaction-stuck-exit-seconds",
            "new-phrases-per-batch",
            "embed-ahead-threads",
            "poison.attempts",
            "poison.backoff-ms",
            "poison.max-backoff-ms",
            "poison.max-isolated-per-batch",
            "poison.max-isolated-per-window",
            "poison.isolation-window-seconds",
            "topic-check.enabled",
            "state.dir",
            "state.cache-users",
            "state.disk-budget-mb",
            "state.checkpoint-max-age-minutes");

    private static final List<String> ADAPTER_PREFIXES = List.of("fault.", "admin.");

    /**
     * Longest accepted {@code headstream.state.checkpoint-max-age-minutes}: 12 hours, half the
     * changelog's default {@code delete.retention.ms}, so that a tombstone written while a partition
     * was away is still on the changelog when a checkpoint that old is used.
     */
    static final long MAX_CHECKPOINT_AGE_MINUTES = 720;

    @Produces
    @Singleton
    EngineSpec spec(Config config) {
        Map<String, String> properties = engineProperties(config);
        String residentKey = EngineSpec.PREFIX + "max-resident-users";
        boolean onDisk = !config.getOptionalValue(EngineSpec.PREFIX + "state.dir", String.class)
                .orElse("")
                .isBlank();
        if (onDisk && !properties.containsKey(residentKey)) {
            // users on disk are bounded by headstream.state.disk-budget-mb, not by the heap's count
            properties.put(residentKey, String.valueOf(AdaptationEngine.UNBOUNDED));
        }
        return EngineSpec.fromProperties(properties);
    }

    @Produces
    @Singleton
    @Startup
    Backbone backbone(EngineSpec spec) {
        return EngineAssembly.backbone(spec);
    }

    /**
     * Builds the engine (and so checks every property, model and the bank) before SmallRye Reactive
     * Messaging starts its channels (at priority {@code LIBRARY_BEFORE}): an instance that cannot run
     * fails here, before its consumer joins the group and takes partitions from healthy instances.
     */
    void checkBeforeJoining(
            @Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent start, AdaptationEngine engine) {
        LOG.infof("engine ready before joining the consumer group: %d users resident", engine.users());
    }

    @Produces
    @Singleton
    @Startup
    AdaptationEngine engine(EngineSpec spec, Backbone backbone, HeadstreamConfig config) {
        if (config.newPhrasesPerBatch() < 0) {
            throw new IllegalArgumentException("headstream.new-phrases-per-batch must be 0 (no limit) or more, got "
                    + config.newPhrasesPerBatch());
        }
        AdaptationEngine engine = EngineAssembly.engine(spec, backbone, config.newPhrasesPerBatch())
                .engine();
        HeadstreamConfig.State s = config.state();
        if (s.dir().filter(d -> !d.isBlank()).isPresent()) {
            if (s.cacheUsers() < 1) {
                throw new IllegalArgumentException(
                        "headstream.state.cache-users must be at least 1, got " + s.cacheUsers());
            }
            if (s.diskBudgetMb() < 1) {
                throw new IllegalArgumentException(
                        "headstream.state.disk-budget-mb must be at least 1, got " + s.diskBudgetMb());
            }
            if (s.checkpointMaxAgeMinutes() < 0 || s.checkpointMaxAgeMinutes() > MAX_CHECKPOINT_AGE_MINUTES) {
                throw new IllegalArgumentException("headstream.state.checkpoint-max-age-minutes must be 0 to "
                        + MAX_CHECKPOINT_AGE_MINUTES + " (well below the changelog's delete.retention.ms, 24 h by"
                        + " default), got " + s.checkpointMaxAgeMinutes());
            }
            Path dir = Path.of(s.dir().orElseThrow());
            engine.useStore(codec -> new DiskUserStore(
                    dir,
                    codec,
                    engine.stateFingerprint(),
                    s.cacheUsers(),
                    s.diskBudgetMb() * 1024 * 1024,
                    s.checkpointMaxAgeMinutes() * 60_000,
                    System::currentTimeMillis));
            LOG.infof(
                    "users' state on disk in %s (cache of %d users, disk budget %d MB)",
                    dir.toAbsolutePath(), s.cacheUsers(), s.diskBudgetMb());
        }
        if (config.embedAheadThreads() < 0) {
            throw new IllegalArgumentException(
                    "headstream.embed-ahead-threads must be 0 (off) or more, got " + config.embedAheadThreads());
        }
        EmbedAheadInterceptor.use(engine.embedAhead(
                        config.embedAheadThreads(), EmbedAheadInterceptor.CAPACITY, EmbedAheadInterceptor.MAX_BYTES)
                .orElse(null));
        return engine;
    }

    /**
     * Shuts the engine down before the backbone it runs on: {@link AdaptationEngine#close} waits for a
     * batch in progress and refuses later ones, then the backbone's native sessions close. (Closing the
     * backbone on its own, in any order CDI picks, could free them under a batch still embedding.)
     */
    void close(@Disposes AdaptationEngine engine, Backbone backbone) {
        EmbedAheadInterceptor.use(null);
        // the embedding threads must be out of the backbone before its native sessions close
        boolean idle = engine.embeddingsAhead().map(EmbeddingsAhead::close).orElse(true);
        try {
            engine.close();
        } finally {
            if (idle) {
                backbone.close();
            } else {
                LOG.error("an embedding thread did not stop within 60 s; the backbone's sessions are left open");
            }
        }
    }

    /**
     * The engine's properties as the configuration sees them: every key the specification reads for
     * the tasks named anywhere (looked up one by one, so an environment variable such as {@code
     * HEADSTREAM_TASKS_WAKE_LEARNING_RATE} counts), plus every other {@code headstream.} key present,
     * so that a misspelt engine key fails the start instead of being ignored. A name that is only the
     * environment-variable spelling of a known key ({@code headstream.publish.every} for {@code
     * HEADSTREAM_PUBLISH_EVERY}) is that key. Any other {@code headstream.} key that neither the
     * engine nor the adapter reads is named in a warning.
     */
    static Map<String, String> engineProperties(Config config) {
        Set<String> names = new TreeSet<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(EngineSpec.PREFIX)) {
                names.add(name);
            }
        }
        Set<String> tasks = new TreeSet<>(EngineSpec.taskNames(names));
        tasks.add(EngineSpec.DEFAULT_TASK);
        Set<String> engineKeys = EngineSpec.keys(tasks);
        Map<String, String> byEnvName = new HashMap<>();
        for (String key : engineKeys) {
            byEnvName.put(envName(key), key);
        }
        for (String key : ADAPTER_KEYS) {
            byEnvName.put(envName(EngineSpec.PREFIX + key), EngineSpec.PREFIX + key);
        }
        Map<String, String> properties = new HashMap<>();
        for (String key : engineKeys) {
            config.getOptionalValue(key, String.class).ifPresent(v -> properties.put(key, v));
        }
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            if (properties.containsKey(name) || byEnvName.containsKey(envName(name))) {
                continue; // read above, under its own or its environment-variable name
            }
            String own = name.substring(EngineSpec.PREFIX.length());
            if (EngineSpec.ownsKey(name)) {
                // under an engine prefix: the specification names it as unknown
                config.getOptionalValue(name, String.class).ifPresent(v -> properties.put(name, v));
            } else if (!ADAPTER_KEYS.contains(own) && ADAPTER_PREFIXES.stream().noneMatch(own::startsWith)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            // not fatal: a JVM may carry headstream.* system properties of other tools (the tests'
            // headstream.models.dir); keys under the engine's prefixes and fault.* are checked strictly
            LOG.warnf(
                    "ignoring properties %s: neither the engine (see EngineSpec) nor the adapter (instance-id,"
                            + " transaction-stuck-exit-seconds, embed-ahead-threads, poison.*, topic-check.*, state.*, admin.*, fault.*) reads them; a"
                            + " misspelt key?",
                    unknown);
        }
        return properties;
    }

    /** The environment-variable form of a property name (MicroProfile Config's rule). */
    static String envName(String property) {
        StringBuilder b = new StringBuilder(property.length());
        for (char c : property.toCharArray()) {
            b.append(Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return b.toString();
    }
}
