package dev.headstream.client;

import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The rule every reader of {@code headstream.heads} and {@code headstream.metrics} follows: the
 * record key {@code "<tenant>/<user>/<task>"} says which head a record belongs to, and a record
 * whose payload names another head ({@code head_id}, {@code tenant}, {@code user} or {@code task}
 * differing from the key) is skipped, never filed under either. Anyone who can write to the topic
 * under some other key can otherwise make readers file a head under a key it does not own. Keys
 * and ids shown in messages are cut to {@value #SHOWN_CHARS} characters: a record key can be as
 * long as the broker allows. Stateless and thread-safe.
 */
public final class HeadKeys {

    /** How many characters of a key or id a message shows. */
    public static final int SHOWN_CHARS = 80;

    private HeadKeys() {}

    /** The record key as UTF-8 text, or {@code null} for a record without a key. */
    public static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }

    /**
     * Why {@code u} must not be filed under {@code key}, or empty when its head id, tenant, user and
     * task are exactly the key's.
     */
    public static Optional<String> mismatch(String key, HeadUpdate u) {
        return mismatch(key, u.getHeadId(), u.getTenant(), u.getUser(), u.getTask());
    }

    /**
     * Why {@code m} must not be filed under {@code key}, or empty when its head id, tenant, user and
     * task are exactly the key's.
     */
    public static Optional<String> mismatch(String key, AdaptationMetrics m) {
        return mismatch(key, m.getHeadId(), m.getTenant(), m.getUser(), m.getTask());
    }

    /**
     * Why a payload naming head {@code headId} of {@code tenant}/{@code user}/{@code task} must not
     * be filed under {@code key}, or empty when all four agree with the key.
     */
    public static Optional<String> mismatch(String key, String headId, String tenant, String user, String task) {
        if (key == null) {
            return Optional.of("record has no key; expected '<tenant>/<user>/<task>'");
        }
        String[] parts = key.split("/", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            return Optional.of("record key '" + shown(key) + "' is not '<tenant>/<user>/<task>'");
        }
        if (!key.equals(headId) || !parts[0].equals(tenant) || !parts[1].equals(user) || !parts[2].equals(task)) {
            return Optional.of("payload names head '" + shown(headId) + "' (tenant '" + shown(tenant) + "', user '"
                    + shown(user) + "', task '" + shown(task) + "') under key '" + shown(key) + "'");
        }
        return Optional.empty();
    }

    /** {@code s} cut to {@value #SHOWN_CHARS} characters, saying how long it was when cut. */
    public static String shown(String s) {
        if (s == null) {
            return "(none)";
        }
        return s.length() <= SHOWN_CHARS ? s : s.substring(0, SHOWN_CHARS) + "...(" + s.length() + " chars)";
    }
}
