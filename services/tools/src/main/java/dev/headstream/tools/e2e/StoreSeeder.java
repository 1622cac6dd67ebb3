package dev.headstream.tools.e2e;

import dev.headstream.client.TopicReader;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.ingest.KeyPartitioner;
import dev.headstream.core.wire.UserStateCodec;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.runtime.store.DiskUserStore;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.HeadTrainingState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Fills the adapter's state store on disk with many users offline, for {@code bench-e2e
 * --state-on-disk}: each a copy of one user's newest changelog record (a user the adapter trained
 * through the broker) under its own key, in its key's samples partition, with no sample applied on
 * that partition yet. Sending every user a first sample instead would take hours at 100,000 users.
 * The adapter must be stopped (RocksDB locks its directory); its engine, built here from the same
 * properties, names the store's fingerprint.
 */
final class StoreSeeder {

    private static final int CHUNK = 1_000;

    private StoreSeeder() {}

    /** The newest changelog record of {@code user} ({@code <tenant>/<user>}). */
    static AdapterState template(String bootstrap, String user) {
        AdapterState newest = null;
        for (ConsumerRecord<byte[], byte[]> r :
                TopicReader.readAll(bootstrap, Topics.ADAPTER_STATE, Duration.ofSeconds(60))) {
            if (r.key() != null && user.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                newest = r.value() == null ? null : UserStateCodec.parse(r.value());
            }
        }
        if (newest == null) {
            throw new IllegalStateException("no changelog record of " + user + " to copy");
        }
        return newest;
    }

    /**
     * Writes a copy of {@code template} for each of {@code users} ({@code <tenant>/<user>}) into the
     * store in {@code dir}.
     *
     * @return bytes of users' records on disk afterwards
     */
    static long seed(
            EngineSpec spec,
            Path dir,
            AdapterState template,
            List<String> users,
            int partitions,
            Consumer<String> say) {
        try (Backbone backbone = EngineAssembly.backbone(spec)) {
            EngineAssembly.Assembled assembled = EngineAssembly.engine(spec, backbone);
            // a head's training seed follows from its id (the changelog codec checks it)
            ToLongFunction<HeadTrainingState> seedOf = h ->
                    assembled.tasks().get(h.getTask()).newState(h.getHeadId()).seed();
            try (DiskUserStore store = open(assembled.engine(), dir)) {
                return seed(store, dir, template, users, partitions, seedOf, say);
            }
        }
    }

    private static DiskUserStore open(AdaptationEngine engine, Path dir) {
        return new DiskUserStore(
                dir,
                engine.stateCodec(),
                engine.stateFingerprint(),
                1,
                Long.MAX_VALUE,
                DiskUserStore.DEFAULT_CHECKPOINT_MAX_AGE_MS,
                System::currentTimeMillis);
    }

    private static long seed(
            DiskUserStore store,
            Path dir,
            AdapterState template,
            List<String> users,
            int partitions,
            ToLongFunction<HeadTrainingState> seedOf,
            Consumer<String> say) {
        for (int p = 0; p < partitions; p++) {
            if (store.checkpointOffset(p) < 0) {
                throw new IllegalStateException("the state store in " + dir + " has no checkpoint of partition " + p
                        + ": the adapter would drop what is seeded there");
            }
        }
        List<AdapterState> chunk = new ArrayList<>(CHUNK);
        long t0 = System.nanoTime();
        for (int i = 0; i < users.size(); i++) {
            chunk.add(copy(template, users.get(i), partitions, seedOf));
            if (chunk.size() == CHUNK || i == users.size() - 1) {
                store.importRecords(chunk);
                chunk.clear();
            }
            if ((i + 1) % 10_000 == 0 || i == users.size() - 1) {
                say.accept(String.format(
                        Locale.ROOT,
                        "seeded %,d of %,d users (%.1f GB on disk, %.0f s)",
                        i + 1,
                        users.size(),
                        store.diskBytes() / 1e9,
                        (System.nanoTime() - t0) / 1e9));
            }
        }
        return store.diskBytes();
    }

    /** {@code template} as the state of {@code user} ({@code <tenant>/<user>}) in its key's partition. */
    static AdapterState copy(
            AdapterState template, String user, int partitions, ToLongFunction<HeadTrainingState> seedOf) {
        int slash = user.indexOf('/');
        String tenant = user.substring(0, slash);
        String id = user.substring(slash + 1);
        int partition = KeyPartitioner.partition(user.getBytes(StandardCharsets.UTF_8), partitions);
        AdapterState.Builder b = template.toBuilder()
                .setTenant(tenant)
                .setUser(id)
                .setSourcePartition(partition)
                .setLastAppliedOffset(-1);
        for (int h = 0; h < b.getHeadsCount(); h++) {
            HeadTrainingState head = b.getHeads(h).toBuilder()
                    .setHeadId(user + "/" + b.getHeads(h).getTask())
                    .setPartition(partition)
                    .build();
            b.setHeads(h, head.toBuilder().setSeed(seedOf.applyAsLong(head)).build());
        }
        return b.build();
    }
}
