package dev.headstream.core.adapt.state;

import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdapterState;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every user's state as objects in the heap: the engine's default store. A restart restores it
 * from the changelog's start. Not thread-safe for writes; {@link #get} may run on several threads
 * while nothing writes.
 */
public final class HeapUserStore implements UserStore {

    private final Map<UserKey, UserState> users = new HashMap<>();

    @Override
    public UserState get(UserKey key) {
        return users.get(key);
    }

    @Override
    public boolean contains(UserKey key) {
        return users.containsKey(key);
    }

    @Override
    public int size() {
        return users.size();
    }

    @Override
    public int partitionOf(UserKey key) {
        UserState u = users.get(key);
        return u == null ? Integer.MIN_VALUE : u.partition();
    }

    @Override
    public void put(UserState user, AdapterState record) {
        users.put(user.key(), user);
    }

    @Override
    public void remove(UserKey key) {
        users.remove(key);
    }

    @Override
    public void apply(
            List<UserState> put,
            Map<UserKey, AdapterState> records,
            Collection<UserKey> erased,
            Map<Integer, ChangelogSpan> spans,
            Set<Integer> written) {
        for (UserState u : put) {
            users.put(u.key(), u);
        }
        erased.forEach(users::remove);
    }

    @Override
    public int release(int partition) {
        int before = users.size();
        users.values().removeIf(u -> u.partition() == partition);
        return before - users.size();
    }
}
