package dev.headstream.tools.speakers;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Draws synthetic households: each a set of distinct speakers (speaker groups, never two voices
 * of one group) from a pool. Households of one size are distinct member sets while the pool has
 * enough combinations, so a figure over several households is not the same household counted twice.
 */
public final class Households {

    /**
     * One household.
     *
     * @param id      {@code h4-02}: size and index
     * @param members speaker groups, in the drawn order (class index = position)
     */
    public record Household(String id, List<String> members) {
        public Household {
            members = List.copyOf(members);
            if (new HashSet<>(members).size() != members.size()) {
                throw new IllegalArgumentException("household " + id + " has a speaker twice: " + members);
            }
        }

        public int size() {
            return members.size();
        }
    }

    private Households() {}

    /**
     * {@code count} households of {@code size} distinct speakers from {@code pool} (distinct
     * speaker groups), deterministic given {@code seed}; distinct member sets while
     * {@code count <= C(pool, size)}, then sets may repeat (never within a household).
     *
     * @throws IllegalArgumentException when the pool has fewer than {@code size} speakers or repeats one
     */
    public static List<Household> draw(List<String> pool, int size, int count, long seed) {
        if (new HashSet<>(pool).size() != pool.size()) {
            throw new IllegalArgumentException("the speaker pool repeats a speaker: " + pool);
        }
        if (size < 1 || size > pool.size()) {
            throw new IllegalArgumentException("households of " + size
                    + " need at least that many distinct speakers; the pool has " + pool.size());
        }
        long combinations = combinations(pool.size(), size);
        Set<Set<String>> seen = new HashSet<>();
        List<Household> out = new ArrayList<>(count);
        for (int h = 0; h < count; h++) {
            SplittableRandom random = KeyedRandom.of(seed, "household/" + size + "/" + h);
            List<String> members;
            int attempt = 0;
            do {
                members = KeyedRandom.shuffled(pool, random).subList(0, size);
                attempt++;
            } while (seen.size() < combinations && seen.contains(new TreeSet<>(members)) && attempt < 10_000);
            if (seen.size() < combinations && seen.contains(new TreeSet<>(members))) {
                throw new IllegalStateException("cannot draw a new household of " + size);
            }
            seen.add(new TreeSet<>(members));
            out.add(new Household(String.format(Locale.ROOT, "h%d-%02d", size, h + 1), members));
        }
        return out;
    }

    /** n choose k, saturating at {@link Long#MAX_VALUE}. */
    static long combinations(int n, int k) {
        long c = 1;
        for (int i = 1; i <= k; i++) {
            c = c * (n - k + i) / i;
            if (c < 0) {
                return Long.MAX_VALUE;
            }
        }
        return c;
    }
}
