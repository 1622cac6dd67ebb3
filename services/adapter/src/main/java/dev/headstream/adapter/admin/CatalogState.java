package dev.headstream.adapter.admin;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.adapter.admin.CatalogViews.HeadDetail;
import dev.headstream.adapter.admin.CatalogViews.HeadSummary;
import dev.headstream.adapter.admin.CatalogViews.Monitors;
import dev.headstream.adapter.admin.CatalogViews.Point;
import dev.headstream.adapter.admin.CatalogViews.UserDetail;
import dev.headstream.adapter.admin.CatalogViews.UserPage;
import dev.headstream.adapter.admin.CatalogViews.UserSummary;
import dev.headstream.adapter.admin.CatalogViews.Version;
import dev.headstream.client.HeadKeys;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the admin catalog knows of every head, built from {@code headstream.heads} and
 * {@code headstream.metrics} records in the order a reader gets them: per head its newest version,
 * a bounded history of earlier versions, its newest monitors and a bounded prequential curve.
 *
 * <p>Records are filed by their key, never by their payload ({@link HeadKeys}): a record whose
 * payload names another head is counted and skipped. A tombstone on the heads topic (an erased
 * head) removes everything kept of that head, its curve included. A head is listed once a version
 * of it has been read; metrics of a head without one are kept (a reader can meet them first) but
 * not listed, and dropped by {@link #dropUnlisted} once the reader has caught up (they are an
 * erased head's). An older version arriving after a newer one (a replica catching up) does not replace
 * it. Memory is bounded per head by {@code historyVersions} and {@code curvePoints}, and in all by
 * {@code maxHeads}: past it, metrics of heads not yet listed are dropped, and new heads too.
 *
 * <p>Thread-safety: every method is synchronized; views handed out are immutable copies.
 */
public final class CatalogState {

    private final int historyVersions;
    private final int curvePoints;
    private final int maxHeads;
    /** By head id (the record key), sorted, so users come out in order. */
    private final TreeMap<String, Entry> heads = new TreeMap<>();

    private final AtomicLong skippedForeign = new AtomicLong();
    private final AtomicLong skippedUnreadable = new AtomicLong();
    private final AtomicLong droppedOverCapacity = new AtomicLong();

    private static final class Entry {
        final String tenant;
        final String user;
        final String task;
        Version newest;
        /** Earlier versions, newest first. */
        final Deque<Version> history = new ArrayDeque<>();

        Monitors monitors;
        /** Oldest first. */
        final Deque<Point> curve = new ArrayDeque<>();

        Entry(String headId) {
            String[] parts = headId.split("/", -1);
            this.tenant = parts[0];
            this.user = parts[1];
            this.task = parts[2];
        }

        boolean listed() {
            return newest != null;
        }

        long updated() {
            long t = newest == null ? 0 : newest.createdTimeMs();
            return monitors == null ? t : Math.max(t, monitors.createdTimeMs());
        }

        boolean alarmed() {
            return monitors != null && monitors.alarmed();
        }
    }

    /**
     * @param historyVersions earlier versions kept per head, at least 0
     * @param curvePoints     curve points kept per head (the newest), at least 1
     * @param maxHeads        heads kept in all, at least 1
     */
    public CatalogState(int historyVersions, int curvePoints, int maxHeads) {
        if (historyVersions < 0 || curvePoints < 1 || maxHeads < 1) {
            throw new IllegalArgumentException("catalog bounds must be history >= 0, curve >= 1, heads >= 1; got "
                    + historyVersions + ", " + curvePoints + ", " + maxHeads);
        }
        this.historyVersions = historyVersions;
        this.curvePoints = curvePoints;
        this.maxHeads = maxHeads;
    }

    /**
     * Files one {@code headstream.heads} record.
     *
     * @return the head id it changed, or empty if it changed nothing
     */
    public synchronized Optional<String> acceptHead(String key, byte[] value) {
        if (value == null) {
            return key != null && heads.remove(key) != null ? Optional.of(key) : Optional.empty();
        }
        HeadUpdate u;
        try {
            u = HeadUpdate.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            skippedUnreadable.incrementAndGet();
            return Optional.empty();
        }
        if (HeadKeys.mismatch(key, u).isPresent()) {
            skippedForeign.incrementAndGet();
            return Optional.empty();
        }
        Entry e = entry(key);
        if (e == null) {
            return Optional.empty();
        }
        Version v = Version.of(u);
        if (e.newest != null) {
            if (v.version() <= e.newest.version()) {
                return Optional.empty();
            }
            e.history.addFirst(e.newest);
            while (e.history.size() > historyVersions) {
                e.history.removeLast();
            }
        }
        e.newest = v;
        return Optional.of(key);
    }

    /**
     * Files one {@code headstream.metrics} record.
     *
     * @return the head id it changed, or empty if it changed nothing
     */
    public synchronized Optional<String> acceptMetrics(String key, byte[] value) {
        if (value == null) {
            return Optional.empty();
        }
        AdaptationMetrics m;
        try {
            m = AdaptationMetrics.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            skippedUnreadable.incrementAndGet();
            return Optional.empty();
        }
        if (HeadKeys.mismatch(key, m).isPresent()) {
            skippedForeign.incrementAndGet();
            return Optional.empty();
        }
        Entry e = entry(key);
        if (e == null) {
            return Optional.empty();
        }
        if (e.monitors == null || m.getSamplesSeen() >= e.monitors.samplesSeen()) {
            e.monitors = Monitors.of(m);
        }
        e.curve.addLast(Point.of(m));
        while (e.curve.size() > curvePoints) {
            e.curve.removeFirst();
        }
        return Optional.of(key);
    }

    /** The entry of {@code headId}, made if fewer than {@code maxHeads} are kept; null (and counted) otherwise. */
    private Entry entry(String headId) {
        Entry e = heads.get(headId);
        if (e != null) {
            return e;
        }
        if (heads.size() >= maxHeads) {
            droppedOverCapacity.incrementAndGet();
            return null;
        }
        e = new Entry(headId);
        heads.put(headId, e);
        return e;
    }

    /**
     * One page of the listed users, in tenant then user order.
     *
     * @param tenant only this tenant's users, or all when empty
     * @param query  only users whose id contains this (any case), or all when empty
     */
    public synchronized UserPage users(String tenant, String query, int offset, int limit) {
        String q = query.toLowerCase(Locale.ROOT);
        Map<String, List<Entry>> byUser = new TreeMap<>();
        for (Entry e : heads.values()) {
            if (!e.listed()
                    || (!tenant.isEmpty() && !tenant.equals(e.tenant))
                    || (!q.isEmpty() && !e.user.toLowerCase(Locale.ROOT).contains(q))) {
                continue;
            }
            byUser.computeIfAbsent(e.tenant + "/" + e.user, k -> new ArrayList<>())
                    .add(e);
        }
        List<UserSummary> page = new ArrayList<>();
        int i = 0;
        for (List<Entry> es : byUser.values()) {
            if (i >= offset && page.size() < limit) {
                Entry first = es.get(0);
                page.add(new UserSummary(
                        first.tenant,
                        first.user,
                        es.size(),
                        es.stream().mapToLong(Entry::updated).max().orElse(0),
                        es.stream().anyMatch(Entry::alarmed)));
            }
            i++;
        }
        return new UserPage(byUser.size(), offset, limit, page, false);
    }

    /** A listed user's heads, or empty if none of theirs is listed. */
    public synchronized Optional<UserDetail> user(String tenant, String user) {
        String prefix = tenant + "/" + user + "/";
        List<HeadSummary> out = new ArrayList<>();
        for (Map.Entry<String, Entry> me : heads.tailMap(prefix, true).entrySet()) {
            if (!me.getKey().startsWith(prefix)) {
                break;
            }
            Entry e = me.getValue();
            if (e.listed()) {
                out.add(new HeadSummary(me.getKey(), e.task, e.newest, e.monitors, e.alarmed()));
            }
        }
        out.sort(Comparator.comparing(HeadSummary::task));
        return out.isEmpty() ? Optional.empty() : Optional.of(new UserDetail(tenant, user, out));
    }

    /** A listed head's newest version and monitors, without history or curve, or empty. */
    public synchronized Optional<HeadSummary> summary(String headId) {
        Entry e = heads.get(headId);
        return e == null || !e.listed()
                ? Optional.empty()
                : Optional.of(new HeadSummary(headId, e.task, e.newest, e.monitors, e.alarmed()));
    }

    /** A listed head with its history and curve, or empty. */
    public synchronized Optional<HeadDetail> head(String headId) {
        Entry e = heads.get(headId);
        if (e == null || !e.listed()) {
            return Optional.empty();
        }
        return Optional.of(new HeadDetail(
                headId, e.tenant, e.user, e.task, e.newest, e.monitors, List.copyOf(e.history), List.copyOf(e.curve)));
    }

    /**
     * Drops every head no version of which has been read: once the topics are read to their end,
     * such metrics belong to heads that were erased (metrics get no tombstone, and the heads topic's
     * tombstone may be compacted away) and must neither be shown nor kept.
     *
     * @return how many were dropped
     */
    public synchronized int dropUnlisted() {
        int before = heads.size();
        heads.values().removeIf(e -> !e.listed());
        return before - heads.size();
    }

    /** Heads kept (listed or not). */
    public synchronized int size() {
        return heads.size();
    }

    /** Records skipped because their payload names another head than their key. */
    public long skippedForeign() {
        return skippedForeign.get();
    }

    /** Records skipped because they do not parse. */
    public long skippedUnreadable() {
        return skippedUnreadable.get();
    }

    /** Records dropped because {@code maxHeads} heads were kept already. */
    public long droppedOverCapacity() {
        return droppedOverCapacity.get();
    }
}
