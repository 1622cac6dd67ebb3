package dev.headstream.cli.produce;

import java.util.HashMap;
import java.util.Map;

/**
 * The sample ids one {@code produce} run has sent, per user, each with the clip that sent it. The
 * adapter keeps a user's first sample of an id and rejects later ones {@code DUPLICATE}; a clip
 * whose id this run already sent for its user (the same file twice, a copy of it, or a
 * {@code sample_id} given twice) is therefore skipped before it is sent ({@link
 * SkipReason#DUPLICATE_ID}), with both clips named. Ids sent by earlier runs are the adapter's to
 * find ({@code headstream.rejected}).
 *
 * <p>Holds one entry per clip sent: its key {@code <tenant>/<user>/<id>} (a derived id is 71
 * characters), about 170 bytes each. Not thread-safe: the thread that reads the clips uses it.
 */
final class SampleIds {

    /** {@code <tenant>/<user>/<id>} (tenants and users hold no {@code /}) to the clip that sent it. */
    private final Map<String, ProduceClip> first = new HashMap<>();

    /** The clip that already sent {@code id} for {@code clip}'s user, or null. */
    ProduceClip sentBefore(ProduceClip clip, String id) {
        return first.get(key(clip, id));
    }

    /**
     * Records that {@code clip} sends {@code id}, unless a clip of the same user already did.
     *
     * @return the clip that sent {@code id} before (and {@code clip} is not recorded), or null
     */
    ProduceClip claim(ProduceClip clip, String id) {
        return first.putIfAbsent(key(clip, id), clip);
    }

    /** What the output says of {@code clip}, a duplicate of {@code earlier} under {@code id}. */
    static String duplicate(ProduceClip clip, ProduceClip earlier, String id) {
        String same = clip.sampleId() == null && earlier.sampleId() == null
                ? "is the same audio as " + earlier.where() + ", so its derived sample id " + id + " is the same"
                : "has the sample id " + id + " of " + earlier.where();
        return clip.where() + " " + same + " for " + clip.key()
                + ": the adapter keeps the first and would reject this one DUPLICATE; not sent";
    }

    private static String key(ProduceClip clip, String id) {
        return clip.key() + "/" + id;
    }
}
