package dev.headstream.core.head;

import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.embed.ModelFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A frozen linear map in front of a class head's trainable layers, {@code y = W x + b}, learned
 * offline from data no user sent (the speaker transform of {@code ./headstream setup}: within-speaker
 * whitening of {@code mel-cepstrum} statistics, learned from speakers outside every household). A
 * class task that names one ({@code headstream.tasks.<t>.input-transform}) starts every head with
 * it as a first Dense layer that never trains; the published head carries its parameters like any
 * other layer's, so a consumer needs nothing else. Immutable.
 *
 * <p>File form (little-endian): the magic {@code HSIT}, int32 version 1, int32 inputs, int32
 * outputs, int16 length and UTF-8 bytes of the pooling it reads, int16 length and UTF-8 bytes of a
 * description, float32 {@code W} as {@code [outputs][inputs]}, float32 {@code b}. Its SHA-256 names
 * it.
 *
 * @param pooling     the pooling whose vectors it maps ({@code inputs} must be that pooling's width)
 * @param inputs      width of {@code x}
 * @param outputs     width of {@code y}
 * @param weights     {@code W}, {@code [outputs][inputs]} row-major, as {@link HeadLayer.Dense} stores it
 * @param bias        {@code b}
 * @param description how it was learned, for people
 * @param sha256      SHA-256 of its file form; empty: computed (a given one must be it)
 */
public record InputTransform(
        ClipPooling pooling,
        int inputs,
        int outputs,
        float[] weights,
        float[] bias,
        String description,
        String sha256) {

    private static final int MAGIC = 0x54495348; // "HSIT" read little-endian
    private static final int VERSION = 1;

    /** Widest input or output a transform may have (a file is then at most about 4.2 MB). */
    public static final int MAX_WIDTH = 1024;

    /** Longest pooling name, in UTF-8 bytes. */
    private static final int MAX_POOLING_BYTES = 255;

    /** Longest description, in UTF-8 bytes. */
    public static final int MAX_DESCRIPTION_BYTES = 4096;

    /** The largest file a transform can have. */
    private static final long MAX_FILE_BYTES =
            16L + 2 + MAX_POOLING_BYTES + 2 + MAX_DESCRIPTION_BYTES + 4L * ((long) MAX_WIDTH * MAX_WIDTH + MAX_WIDTH);

    public InputTransform {
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(sha256, "sha256");
        if (inputs < 1 || outputs < 1 || inputs > MAX_WIDTH || outputs > MAX_WIDTH) {
            throw new IllegalArgumentException(
                    "a transform maps 1 to " + MAX_WIDTH + " values to as many, not " + inputs + " to " + outputs);
        }
        if (weights.length != inputs * outputs || bias.length != outputs) {
            throw new IllegalArgumentException("a transform of " + inputs + " to " + outputs + " has "
                    + (inputs * outputs) + " weights and " + outputs + " biases, not " + weights.length + " and "
                    + bias.length);
        }
        String unfit = pooling.unfitInput(inputs);
        if (unfit != null) {
            throw new IllegalArgumentException(
                    "a transform of " + inputs + " inputs cannot read " + pooling.label() + ": " + unfit);
        }
        weights = weights.clone();
        bias = bias.clone();
        for (float v : weights) {
            requireFinite(v);
        }
        for (float v : bias) {
            requireFinite(v);
        }
        // the name is the file form's SHA-256, always: given, it must be that one
        String computed = ModelFile.sha256(fileForm(pooling, inputs, outputs, weights, bias, description));
        if (!sha256.isEmpty() && !sha256.equals(computed)) {
            throw new IllegalArgumentException("a transform named " + sha256 + " has the SHA-256 " + computed);
        }
        sha256 = computed;
    }

    private static void requireFinite(float v) {
        if (!Float.isFinite(v)) {
            throw new IllegalArgumentException("a transform's parameters must be finite, got " + v);
        }
    }

    /**
     * The transform {@code y = P^T (x - mean)}: {@code projection} is {@code [inputs][outputs]}
     * row-major, {@code W = P^T} and {@code b = -P^T mean} (summed in double, in input order).
     */
    public static InputTransform ofProjection(
            ClipPooling pooling, float[] mean, float[] projection, int outputs, String description) {
        int inputs = mean.length;
        if (projection.length != inputs * outputs) {
            throw new IllegalArgumentException("a projection of " + inputs + " to " + outputs + " has "
                    + inputs * outputs + " values, not " + projection.length);
        }
        float[] w = new float[inputs * outputs];
        float[] b = new float[outputs];
        for (int k = 0; k < outputs; k++) {
            double s = 0;
            for (int i = 0; i < inputs; i++) {
                float p = projection[i * outputs + k];
                w[k * inputs + i] = p;
                s += (double) p * mean[i];
            }
            b[k] = (float) -s;
        }
        return of(pooling, inputs, outputs, w, b, description);
    }

    /** A transform named by the SHA-256 of its file form. */
    public static InputTransform of(
            ClipPooling pooling, int inputs, int outputs, float[] weights, float[] bias, String description) {
        return new InputTransform(pooling, inputs, outputs, weights, bias, description, "");
    }

    /** Its file form (see the class comment). */
    public byte[] bytes() {
        return fileForm(pooling, inputs, outputs, weights, bias, description);
    }

    private static byte[] fileForm(
            ClipPooling pooling, int inputs, int outputs, float[] weights, float[] bias, String description) {
        byte[] p = pooling.label().getBytes(StandardCharsets.UTF_8);
        byte[] d = description.getBytes(StandardCharsets.UTF_8);
        if (d.length > MAX_DESCRIPTION_BYTES) {
            throw new IllegalArgumentException(
                    "a transform's description is at most " + MAX_DESCRIPTION_BYTES + " bytes, got " + d.length);
        }
        ByteBuffer out = ByteBuffer.allocate(16 + 2 + p.length + 2 + d.length + 4 * (weights.length + bias.length))
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).putInt(VERSION).putInt(inputs).putInt(outputs);
        out.putShort((short) p.length).put(p);
        out.putShort((short) d.length).put(d);
        out.asFloatBuffer().put(weights).put(bias);
        return out.array();
    }

    /** Writes its file form to {@code file}, atomically (a temporary file in the same folder, then a move). */
    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, bytes());
            ModelFile.readableByAll(tmp);
            Files.move(
                    tmp,
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a transform's file form.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it (missing,
     *                                  unreadable, not a transform, another version, truncated,
     *                                  trailing bytes, an unknown pooling, a non-finite parameter)
     */
    public static InputTransform read(Path file) {
        byte[] all;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new IllegalArgumentException("input transform " + file + " is " + size + " bytes, too large");
            }
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read input transform " + file + ": " + e, e);
        }
        try {
            return parse(all);
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            String why = e instanceof java.nio.BufferUnderflowException ? "it is truncated" : e.getMessage();
            throw new IllegalArgumentException("input transform " + file + " is not usable: " + why, e);
        }
    }

    /** Parses a transform's file form ({@link #bytes}). */
    public static InputTransform parse(byte[] all) {
        ByteBuffer in = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 16 || in.getInt() != MAGIC) {
            throw new IllegalArgumentException("it is not a Headstream input transform (no HSIT magic)");
        }
        int version = in.getInt();
        if (version != VERSION) {
            throw new IllegalArgumentException("it is of version " + version + "; this build reads " + VERSION);
        }
        int inputs = in.getInt();
        int outputs = in.getInt();
        if (inputs < 1 || outputs < 1 || inputs > MAX_WIDTH || outputs > MAX_WIDTH) {
            throw new IllegalArgumentException("it maps " + inputs + " values to " + outputs);
        }
        ClipPooling pooling = ClipPooling.parse(text(in, MAX_POOLING_BYTES));
        String unfit = pooling.unfitInput(inputs);
        if (unfit != null) {
            throw new IllegalArgumentException(
                    "it maps " + inputs + " values, which cannot be " + pooling.label() + " vectors: " + unfit);
        }
        String description = text(in, MAX_DESCRIPTION_BYTES);
        long floats = (long) inputs * outputs + outputs;
        if (in.remaining() != 4 * floats) {
            throw new IllegalArgumentException("it holds " + in.remaining() + " bytes of parameters; " + inputs + " to "
                    + outputs + " needs " + 4 * floats);
        }
        float[] w = new float[inputs * outputs];
        float[] b = new float[outputs];
        java.nio.FloatBuffer f = in.asFloatBuffer();
        f.get(w).get(b);
        InputTransform t = new InputTransform(pooling, inputs, outputs, w, b, description, "");
        if (!t.sha256().equals(ModelFile.sha256(all))) {
            // its texts do not write back to the same bytes (another case of the pooling's name, text
            // that is not UTF-8): its name would not be its file's SHA-256
            throw new IllegalArgumentException("it is not in the canonical form (its pooling name or description"
                    + " does not write back to the same bytes)");
        }
        return t;
    }

    private static String text(ByteBuffer in, int most) {
        int n = Short.toUnsignedInt(in.getShort());
        if (n > most) {
            throw new IllegalArgumentException("it holds a text of " + n + " bytes; at most " + most + " are read");
        }
        if (n > in.remaining()) {
            throw new IllegalArgumentException("it is truncated");
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** {@code W x + b} for one vector (summed in double, in input order; for tests and tools). */
    public float[] apply(float[] x) {
        if (x.length != inputs) {
            throw new IllegalArgumentException("a transform of " + inputs + " inputs got " + x.length);
        }
        float[] y = new float[outputs];
        for (int k = 0; k < outputs; k++) {
            double s = bias[k];
            for (int i = 0; i < inputs; i++) {
                s += (double) weights[k * inputs + i] * x[i];
            }
            y[k] = (float) s;
        }
        return y;
    }

    @Override
    public float[] weights() {
        return weights.clone();
    }

    @Override
    public float[] bias() {
        return bias.clone();
    }

    /** Transforms are equal when their file forms are: when their SHA-256s are. */
    @Override
    public boolean equals(Object o) {
        return o instanceof InputTransform t && t.sha256.equals(sha256);
    }

    @Override
    public int hashCode() {
        return sha256.hashCode();
    }

    @Override
    public String toString() {
        return "input transform " + inputs + " -> " + outputs + " of " + pooling.label() + " (sha256 " + sha256 + ")";
    }
}
