package dev.headstream.core.ingest;

import java.util.regex.Pattern;

/**
 * A tenant's user, parsed from the record key {@code "<tenant>/<user>"}. The key, not the
 * payload, decides whose head a sample may change.
 */
public record UserKey(String tenant, String user) {

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public UserKey {
        if (!PART.matcher(tenant).matches() || !PART.matcher(user).matches()) {
            throw new IllegalArgumentException("tenant and user must be 1-64 characters of [A-Za-z0-9._-], got '"
                    + tenant + "' and '" + user + "'");
        }
    }

    /**
     * Parses {@code "<tenant>/<user>"}.
     *
     * @throws IllegalArgumentException naming what is wrong with the key
     */
    public static UserKey parse(String key) {
        if (key == null) {
            throw new IllegalArgumentException("record has no key; expected '<tenant>/<user>'");
        }
        int slash = key.indexOf('/');
        if (slash < 0 || key.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("record key '" + abbreviate(key) + "' is not '<tenant>/<user>'");
        }
        return new UserKey(key.substring(0, slash), key.substring(slash + 1));
    }

    /** The head id of this user's head for {@code task}: {@code "<tenant>/<user>/<task>"}. */
    public String headId(String task) {
        return tenant + "/" + user + "/" + task;
    }

    @Override
    public String toString() {
        return tenant + "/" + user;
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
