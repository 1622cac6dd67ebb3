package dev.headstream.tools.speakers;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/** Independent random streams keyed by a seed and a label, so that one count changing leaves other draws alone. */
final class KeyedRandom {

    private KeyedRandom() {}

    /** A stream for {@code label}: seeded by the first 8 bytes of SHA-256 over the seed and the label. */
    static SplittableRandom of(long seed, String label) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Long.toString(seed).getBytes(StandardCharsets.UTF_8));
            md.update((byte) '/');
            md.update(label.getBytes(StandardCharsets.UTF_8));
            byte[] d = md.digest();
            long s = 0;
            for (int i = 0; i < 8; i++) {
                s = (s << 8) | (d[i] & 0xff);
            }
            return new SplittableRandom(s);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    /** A shuffled copy (Fisher-Yates). */
    static <T> List<T> shuffled(List<T> items, SplittableRandom random) {
        List<T> out = new ArrayList<>(items);
        for (int i = out.size() - 1; i > 0; i--) {
            Collections.swap(out, i, random.nextInt(i + 1));
        }
        return out;
    }
}
