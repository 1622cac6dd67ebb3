package dev.headstream.core.ingest;

import java.util.regex.Pattern;

/**
 * A tenant's user, parsed from the record key {@code "<tenant>/<user>"}. The key, not the
 * payload, decides whose head a sample may change. Error messages quote at most
 * {@value #QUOTED_CHARS} characters of what they reject, so a hostile key never reaches an output
 * record whole.
 */
public record UserKey(String tenant, String user) {

    /** Most characters of a tenant or a user. */
    public static final int MAX_PART_CHARS = 64;

    /**
     * Most bytes of a valid record key: two parts of {@value #MAX_PART_CHARS} ASCII characters and
     * the slash. A longer key is refused by its length alone.
     */
    public static final int MAX_KEY_BYTES = 2 * MAX_PART_CHARS + 1;

    /** Most characters of a rejected key, tenant or user quoted in a message. */
    static final int QUOTED_CHARS = 80;

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_PART_CHARS + "}");

    public UserKey {
        if (!isPart(tenant) || !isPart(user)) {
            throw new IllegalArgumentException("tenant and user must be 1-" + MAX_PART_CHARS
                    + " characters of [A-Za-z0-9._-], got '" + abbreviate(tenant) + "' ("
                    + tenant.length() + " chars) and '" + abbreviate(user) + "' (" + user.length() + " chars)");
        }
    }

    /**
     * Whether {@code part} is a valid tenant or user (also what a task name may be in a head id):
     * 1-{@value #MAX_PART_CHARS} characters of {@code [A-Za-z0-9._-]}.
     */
    public static boolean isPart(String part) {
        return part != null && PART.matcher(part).matches();
    }

    /**
     * Checks the length of a record key before it is decoded or parsed: a key of more than
     * {@link #MAX_KEY_BYTES} bytes cannot be valid.
     *
     * @throws IllegalArgumentException stating the key's length and the limit, not quoting the key
     */
    public static void checkLength(byte[] key) {
        if (key != null && key.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException(tooLong(key.length, "bytes"));
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
        if (key.length() > MAX_KEY_BYTES) {
            throw new IllegalArgumentException(tooLong(key.length(), "characters"));
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

    private static String tooLong(int length, String unit) {
        return "record key has " + length + " " + unit + "; a key '<tenant>/<user>' has at most " + MAX_KEY_BYTES
                + " bytes (the key is not quoted)";
    }

    static String abbreviate(String s) {
        return s.length() <= QUOTED_CHARS ? s : s.substring(0, QUOTED_CHARS - 3) + "...";
    }
}
