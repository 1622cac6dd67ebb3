package dev.headstream.core.head;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * A pre-trained (source) head that per-user heads fine-tune from: where it came from, its
 * architecture and its full flat parameter array. Immutable: the constructor copies the
 * parameters and {@link #parameters()} returns a fresh copy, so take it once and share that
 * copy read-only between all users (it is the {@code source} argument of {@link MlpHead}).
 *
 * @param id           name of the head, e.g. the model file name without {@code .onnx}
 * @param sha256       lower-case hex SHA-256 of the bytes it was imported from
 * @param architecture layer chain and parameter layout
 * @param parameters   all parameters, laid out as {@link HeadArchitecture} describes
 */
public record SourceHead(String id, String sha256, HeadArchitecture architecture, float[] parameters) {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /**
     * The prefix of the id of a fresh start: a head {@link #initialized} from a seed, which has no
     * pre-trained meaning (a binary task whose source is one publishes no detector until the user's
     * own head is good enough; see {@link #fresh()}).
     */
    public static final String FRESH_PREFIX = "fresh:";

    public SourceHead {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(parameters, "parameters");
        if (id.isBlank()) {
            throw new IllegalArgumentException("source head id must not be blank");
        }
        if (!SHA256_HEX.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits, got '" + sha256 + "'");
        }
        if (parameters.length != architecture.parameterCount()) {
            throw new IllegalArgumentException("source head '" + id + "' has " + parameters.length
                    + " parameters, its architecture needs " + architecture.parameterCount());
        }
        parameters = parameters.clone();
        for (int i = 0; i < parameters.length; i++) {
            if (!Float.isFinite(parameters[i])) {
                throw new IllegalArgumentException("source head '" + id + "' has a non-finite parameter at " + i);
            }
        }
    }

    /** How {@link #initialized} fills a head when there is no pre-trained source. */
    public enum Init {
        /** Every weight and bias 0, LayerNorm gamma 1: a head that starts from "no opinion" (logit 0). */
        ZERO,
        /** Dense weights drawn from N(0, 2 / fan-in) (He), biases 0, LayerNorm gamma 1 and beta 0. */
        RANDOM
    }

    /**
     * A source head for a task without a pre-trained one: {@code architecture} filled by
     * {@code init} from {@code seed} (the same seed gives the same bits). Its {@link #sha256()} is the
     * SHA-256 of the parameters as float32 LE, so provenance names exactly what users start from.
     */
    public static SourceHead initialized(String id, HeadArchitecture architecture, Init init, long seed) {
        float[] p = new float[architecture.parameterCount()];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < architecture.layers().size(); i++) {
            HeadLayer layer = architecture.layers().get(i);
            int at = architecture.parameterOffset(i);
            if (layer instanceof HeadLayer.Dense d && init == Init.RANDOM) {
                double sd = Math.sqrt(2.0 / d.inputDim());
                for (int w = 0; w < d.inputDim() * d.outputDim(); w++) {
                    p[at + w] = (float) (random.nextGaussian() * sd);
                }
            } else if (layer instanceof HeadLayer.LayerNorm n) {
                Arrays.fill(p, at, at + n.dim(), 1f);
            }
        }
        ByteBuffer bytes = ByteBuffer.allocate(p.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(p);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.array());
            return new SourceHead(id, HexFormat.of().formatHex(digest), architecture, p);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Whether this is a fresh start ({@link #FRESH_PREFIX}): a seeded head that detects nothing yet,
     * not a pre-trained one.
     */
    public boolean fresh() {
        return id.startsWith(FRESH_PREFIX);
    }

    /** A fresh copy of all parameters. */
    @Override
    public float[] parameters() {
        return parameters.clone();
    }

    /** The source values of the trainable tail for top-{@code k} training: a user's starting point. */
    public float[] trainableTail(int k) {
        return Arrays.copyOfRange(parameters, architecture.trainableOffset(k), parameters.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourceHead other
                && id.equals(other.id)
                && sha256.equals(other.sha256)
                && architecture.equals(other.architecture)
                && Arrays.equals(parameters, other.parameters);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, sha256, architecture, Arrays.hashCode(parameters));
    }

    @Override
    public String toString() {
        return "SourceHead[id=" + id + ", sha256=" + sha256 + ", architecture=" + architecture + ", parameters="
                + parameters.length + " floats]";
    }
}
