package dev.headstream.core.adapt.engine;

import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.wire.SampleDecoder;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Embeds samples records as they are polled, ahead of the batch that will apply them. The adapter
 * processes one batch at a time, and while a batch's transaction commits (or its users train on
 * fewer threads than there are cores) the next samples wait, already polled, with cores idle;
 * embedding them then takes the backbone off the next batch's path. {@link AdaptationEngine#process}
 * {@linkplain #take takes} a record's embedding from here when one was started for it, and embeds
 * it itself otherwise.
 *
 * <p>Only for a backbone that embeds each input alone ({@link Backbone#embedsEachInputAlone()}): a
 * record's embedding is then the same bits whichever thread computes it, alone or in a batch, so
 * nothing a head trains on or publishes changes. A record is known by its samples partition and
 * offset, and {@link #take} checks that its key and value are the same bytes, so a record read
 * again from a recreated topic at the same offset is never given another record's embedding.
 *
 * <p>Bounded: at most {@code capacity} records, and at most {@code maxBytes} of their keys and
 * values, are held (queued, running or done; their embeddings come on top: 96 floats per 80 ms of
 * audio, about a tenth of a 16-bit clip's bytes, and the front end's frames where a class task
 * reads them); offering more drops the oldest (a queued one
 * is not embedded). A record larger than the decoder takes is not held, and one that does not decode
 * or embed is let go as soon as that is known (the engine rejects it, or embeds it, as before); one
 * the engine rejects otherwise ({@link #discard}) is let go by the batch. Thread-safe: {@link
 * #offer} runs on the Kafka polling thread, {@link #take} on the engine's, the embedding on daemon
 * threads of its own.
 */
public final class EmbeddingsAhead {

    /** Where a record sits in the samples topic. */
    private record At(int partition, long offset) {}

    /** One record's embedding, queued, running or done. */
    private static final class Entry {
        final byte[] key;
        final byte[] value;
        final long bytes;
        FutureTask<EmbeddingSequence> task;

        Entry(byte[] key, byte[] value) {
            this.key = key;
            this.value = value;
            this.bytes = (key == null ? 0 : key.length) + (long) value.length;
        }
    }

    private final SampleDecoder decoder;
    private final Backbone backbone;
    private final boolean withFrontEnd;
    private final int capacity;
    private final long maxBytes;
    private final int maxRecordBytes;
    private final ThreadPoolExecutor pool;
    private long heldBytes;
    private boolean closed;
    private final LinkedHashMap<At, Entry> entries = new LinkedHashMap<>();
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /**
     * @param decoder  the engine's decoder (the same input the engine would embed)
     * @param backbone the engine's backbone; must embed each input alone
     * @param withFrontEnd whether the engine keeps the front end's frames ({@link Backbone#embedWithFrontEnd})
     * @param threads  embedding threads (at least 1)
     * @param capacity records held at most (at least 1)
     * @param maxBytes bytes of records held at most (keys and values; at least 1)
     */
    public EmbeddingsAhead(
            SampleDecoder decoder, Backbone backbone, boolean withFrontEnd, int threads, int capacity, long maxBytes) {
        if (!backbone.embedsEachInputAlone()) {
            throw new IllegalArgumentException(
                    "embedding ahead needs a backbone that embeds each input alone (the same bits in any batch)");
        }
        if (threads < 1 || capacity < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("threads, capacity and bytes must be at least 1");
        }
        this.decoder = decoder;
        this.backbone = backbone;
        this.withFrontEnd = withFrontEnd;
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.maxRecordBytes = decoder.maxBytes();
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingDeque<>(), r -> {
            Thread t = new Thread(r, "headstream-embed-ahead-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * Starts embedding a samples record just polled (unless one is held for its place already, or it
     * is larger than the decoder takes). Never blocks for the embedding.
     */
    public void offer(int partition, long offset, byte[] key, byte[] value) {
        if (value == null || value.length > maxRecordBytes) {
            return; // the engine rejects it TOO_LARGE (or MALFORMED) without an embedding
        }
        At at = new At(partition, offset);
        Entry entry = new Entry(key, value);
        entry.task = new FutureTask<>(() -> embed(at, entry));
        synchronized (this) {
            if (closed || entries.containsKey(at)) {
                return;
            }
            entries.put(at, entry);
            heldBytes += entry.bytes;
            while (entries.size() > capacity || (heldBytes > maxBytes && entries.size() > 1)) {
                Iterator<Entry> oldest = entries.values().iterator();
                Entry gone = oldest.next();
                gone.task.cancel(false);
                oldest.remove();
                heldBytes -= gone.bytes;
                dropped.incrementAndGet();
            }
        }
        try {
            pool.execute(entry.task);
        } catch (RejectedExecutionException e) {
            release(at, entry); // closed meanwhile
        }
    }

    /**
     * The record's embedding, or null (and the record let go) if it does not decode or embed: the
     * engine rejects it, or embeds it, with its own try.
     */
    private EmbeddingSequence embed(At at, Entry entry) {
        try {
            List<BackboneInput> input =
                    List.of(decoder.decode(entry.key, entry.value).input());
            return (withFrontEnd ? backbone.embedWithFrontEnd(input) : backbone.embed(input)).get(0);
        } catch (RuntimeException e) {
            release(at, entry);
            return null;
        }
    }

    /** Lets {@code entry} go if it is still held at {@code at}. */
    private synchronized void release(At at, Entry entry) {
        if (entries.remove(at, entry)) {
            heldBytes -= entry.bytes;
        }
    }

    /** Lets go what is held for {@code r}'s place: the engine rejected the record without embedding it. */
    public void discard(RawSample r) {
        At at = new At(r.partition(), r.offset());
        Entry e;
        synchronized (this) {
            e = entries.remove(at);
            if (e != null) {
                heldBytes -= e.bytes;
            }
        }
        if (e != null) {
            e.task.cancel(false);
        }
    }

    /**
     * The embedding of {@code r} started by {@link #offer}, or null if none was started for this record
     * (or it failed): the caller embeds it then. One not started yet is embedded by the caller here
     * (not queued behind other records); one running is waited for. Each is handed out once.
     */
    public EmbeddingSequence take(RawSample r) {
        Entry e;
        synchronized (this) {
            e = entries.remove(new At(r.partition(), r.offset()));
            if (e != null) {
                heldBytes -= e.bytes;
            }
        }
        if (e == null) {
            missed.incrementAndGet();
            return null;
        }
        if (!Arrays.equals(e.key, r.key()) || !Arrays.equals(e.value, r.value())) {
            e.task.cancel(false);
            missed.incrementAndGet();
            return null;
        }
        e.task.run(); // no-op when it ran or runs on an embedding thread
        try {
            EmbeddingSequence out = e.task.get();
            (out == null ? missed : used).incrementAndGet();
            return out;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an embedding", ex);
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof Error fatal) {
                throw fatal; // out of memory on an embedding thread is the batch's to end the process on
            }
            missed.incrementAndGet();
            return null;
        } catch (CancellationException ex) {
            missed.incrementAndGet();
            return null;
        }
    }

    /** Drops what is held for samples partition {@code partition} (revoked: its records go elsewhere). */
    public void forgetPartition(int partition) {
        synchronized (this) {
            Iterator<Map.Entry<At, Entry>> it = entries.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<At, Entry> e = it.next();
                if (e.getKey().partition() == partition) {
                    e.getValue().task.cancel(false);
                    heldBytes -= e.getValue().bytes;
                    it.remove();
                }
            }
        }
    }

    /** Records held now (queued, running or done). */
    public synchronized int held() {
        return entries.size();
    }

    /** Embeddings handed out by {@link #take}. */
    public long used() {
        return used.get();
    }

    /** Records {@link #take} found nothing usable for (the engine embedded them). */
    public long missed() {
        return missed.get();
    }

    /** Records dropped unused at the bound. */
    public long dropped() {
        return dropped.get();
    }

    /** Bytes of records' keys and values held now. */
    public synchronized long heldBytes() {
        return heldBytes;
    }

    /**
     * Stops embedding and waits (at most 60 s) until no embedding thread is inside the backbone.
     *
     * @return whether they all stopped: only then may the backbone be closed
     */
    public boolean close() {
        synchronized (this) {
            closed = true;
            entries.values().forEach(e -> e.task.cancel(false));
            entries.clear();
            heldBytes = 0;
        }
        pool.shutdownNow();
        try {
            return pool.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
