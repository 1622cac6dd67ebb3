package dev.headstream.core.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Length limits on everything the adapter copies from a consumed record into an output record
 * (record keys, sample ids, tenants, messages): a hostile record can make a value of any size, and
 * an output record over its topic's {@code max.message.bytes} fails the whole batch's transaction.
 * A value over its limit is cut and marked, never copied whole. Stateless.
 */
public final class Bounded {

    /** Most bytes of a consumed record key copied into an output record's key. */
    public static final int MAX_KEY_BYTES = 256;

    /** Most characters of an id (sample id, tenant, user, head id) copied into an output record. */
    public static final int MAX_ID_CHARS = 256;

    /** Most characters of a human-readable message in an output record. */
    public static final int MAX_MESSAGE_CHARS = 2048;

    /** Ends every cut value; followed by how much was cut. */
    public static final String MARK = "...[cut ";

    private Bounded() {}

    /** {@code s} if it has at most {@code max} characters, else its start and {@link #MARK}, within {@code max}. */
    public static String text(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        String mark = MARK + (s.length() - max) + "+ chars]";
        int keep = Math.max(0, max - mark.length());
        if (keep > 0 && Character.isHighSurrogate(s.charAt(keep - 1))) {
            keep--; // never split a surrogate pair
        }
        return s.substring(0, keep) + mark;
    }

    /** {@link #text(String, int)} at {@link #MAX_ID_CHARS}. */
    public static String id(String s) {
        return text(s, MAX_ID_CHARS);
    }

    /** {@link #text(String, int)} at {@link #MAX_MESSAGE_CHARS}. */
    public static String message(String s) {
        return text(s, MAX_MESSAGE_CHARS);
    }

    /**
     * A consumed record key as an output record key: {@code key} itself (null stays null) if it has
     * at most {@link #MAX_KEY_BYTES} bytes, else its first bytes followed by {@link #MARK} in UTF-8,
     * {@link #MAX_KEY_BYTES} bytes in all.
     */
    public static byte[] key(byte[] key) {
        if (key == null || key.length <= MAX_KEY_BYTES) {
            return key;
        }
        byte[] mark = (MARK + (key.length - MAX_KEY_BYTES) + "+ bytes]").getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(key, MAX_KEY_BYTES);
        System.arraycopy(mark, 0, out, MAX_KEY_BYTES - mark.length, mark.length);
        return out;
    }

    /** Whether {@code s} was cut by this class (ends with a cut marker). */
    public static boolean cut(String s) {
        return s != null && s.contains(MARK) && s.endsWith("]");
    }
}
