package dev.headstream.core.adapt.task;

import dev.headstream.core.embed.EmbeddingSequence;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A task's near-miss negatives: clips of phrases one phoneme away from its wake phrase, embedded
 * once for the task and shared by its users. Each head learns them as negatives, in their order,
 * {@value #PER_POSITIVE} before each of its training positives until none is left; a head counts
 * how many it has learned ({@code HeadState.nearMissesLearned}, kept in the changelog with this set's
 * digest), and learns them again from the first after a rollback or reset.
 *
 * @param phrase  the wake phrase ("" when there is none)
 * @param strings the espeak-ng phoneme strings spoken
 * @param clips   the embedded clips, in the order heads learn them
 * @param sha256  SHA-256 of the clips (frames and dim as int32 LE, then the values as float32 LE, per clip)
 */
public record NearMissSet(String phrase, List<String> strings, List<EmbeddingSequence> clips, String sha256) {

    /** Near misses a head learns before each training positive while any are left. */
    public static final int PER_POSITIVE = 2;

    private static final NearMissSet NONE = new NearMissSet("", List.of(), List.of(), digest(List.of()));

    public NearMissSet {
        Objects.requireNonNull(phrase, "phrase");
        strings = List.copyOf(strings);
        clips = List.copyOf(clips);
        Objects.requireNonNull(sha256, "sha256");
    }

    /** No near misses. */
    public static NearMissSet none() {
        return NONE;
    }

    /** Near misses of {@code phrase} from their clips, with the clips' digest. */
    public static NearMissSet of(String phrase, List<String> strings, List<EmbeddingSequence> clips) {
        return new NearMissSet(phrase, strings, clips, digest(clips));
    }

    public boolean isEmpty() {
        return clips.isEmpty();
    }

    public int size() {
        return clips.size();
    }

    private static String digest(List<EmbeddingSequence> clips) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (EmbeddingSequence e : clips) {
                ByteBuffer b = ByteBuffer.allocate(8 + 4 * e.values().length).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(e.frames()).putInt(e.dim());
                b.asFloatBuffer().put(e.values());
                md.update(b.array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return isEmpty()
                ? "no near misses"
                : clips.size() + " near misses of '" + phrase + "' (" + strings.size() + " strings, sha256 "
                        + sha256.substring(0, 12) + ")";
    }
}
