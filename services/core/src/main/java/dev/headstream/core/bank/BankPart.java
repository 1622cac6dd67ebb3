package dev.headstream.core.bank;

import dev.headstream.core.embed.Float16;
import dev.headstream.core.embed.ModelFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One part of a negative bank (training, calibration or evaluation speech): segments of
 * continuous speech embedded as the streaming runtime embeds them, one frame per 80 ms step,
 * stored in half precision and memory-mapped read-only, so every user's training in a process
 * shares one copy.
 *
 * <p>File layout, little-endian: magic {@code HSBANK01}; the SHA-256 of the backbone that embedded
 * the frames as {@code short length} + ASCII; {@code int dim}; {@code int voices};
 * {@code int segments}; each voice as {@code short length} + UTF-8 bytes; each segment as
 * {@code int voice, int frames}; padding to an even offset; then the frames of every segment in
 * order, {@code dim} float16 values each. A window is {@code windowFrames} consecutive frames of
 * one segment; {@link BankWindows} numbers them across segments in order.
 *
 * <p>Immutable and thread-safe once opened; {@link #sha256()} identifies the content.
 */
public final class BankPart {

    static final byte[] MAGIC = "HSBANK01".getBytes(StandardCharsets.US_ASCII);
    /** Seconds of audio one frame steps over. */
    public static final double FRAME_SECONDS = 0.08;

    /**
     * One segment: which voice spoke it and how many frames it has.
     *
     * @param voice  index into {@link #voices()}
     * @param frames embedding frames, at least 1
     */
    public record Segment(int voice, int frames) {}

    private final Path file;
    private final String backbone;
    private final int dim;
    private final List<String> voices;
    private final int[] segmentVoice;
    private final int[] segmentFrames;
    /** First frame of each segment, and one past the last. */
    private final long[] frameStart;

    private final ShortBuffer data;
    private final String sha256;

    private BankPart(
            Path file,
            String backbone,
            int dim,
            List<String> voices,
            int[] segmentVoice,
            int[] segmentFrames,
            ShortBuffer data,
            String sha256) {
        this.file = file;
        this.backbone = backbone;
        this.dim = dim;
        this.voices = List.copyOf(voices);
        this.segmentVoice = segmentVoice;
        this.segmentFrames = segmentFrames;
        this.frameStart = new long[segmentFrames.length + 1];
        for (int s = 0; s < segmentFrames.length; s++) {
            frameStart[s + 1] = frameStart[s] + segmentFrames[s];
        }
        this.data = data;
        this.sha256 = sha256;
    }

    /**
     * Maps {@code file} read-only and checks its layout.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static BankPart open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("negative bank part not found: " + file
                    + " (build it with ./headstream setup or ./headstream bank build)");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw bad(file, "larger than 2 GiB (" + size + " bytes); build smaller parts");
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            map.order(ByteOrder.LITTLE_ENDIAN);
            try {
                return read(file, map);
            } catch (BufferUnderflowException e) {
                throw bad(file, "its header runs past the end of the file (" + size + " bytes)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read negative bank part " + file, e);
        }
    }

    private static BankPart read(Path file, MappedByteBuffer map) {
        long size = map.capacity();
        byte[] magic = new byte[MAGIC.length];
        if (size < MAGIC.length + 14) {
            throw bad(file, "too short (" + size + " bytes)");
        }
        map.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw bad(file, "not a negative bank part (magic " + new String(magic, StandardCharsets.ISO_8859_1) + ")");
        }
        int backboneLength = Short.toUnsignedInt(map.getShort());
        if (backboneLength > 256 || backboneLength > map.remaining()) {
            throw bad(file, "backbone id of " + backboneLength + " bytes");
        }
        byte[] backboneId = new byte[backboneLength];
        map.get(backboneId);
        int dim = map.getInt();
        int voiceCount = map.getInt();
        int segments = map.getInt();
        // every voice takes at least 2 header bytes and every segment 8: counts beyond what the file holds are forged
        if (dim < 1
                || dim > 65_536
                || voiceCount < 0
                || segments < 0
                || (long) voiceCount * 2 > map.remaining()
                || (long) segments * 8 > map.remaining()) {
            throw bad(file, "bad header: dim " + dim + ", voices " + voiceCount + ", segments " + segments);
        }
        List<String> voices = new ArrayList<>(voiceCount);
        for (int v = 0; v < voiceCount; v++) {
            int len = Short.toUnsignedInt(map.getShort());
            if (len > map.remaining()) {
                throw bad(file, "voice name " + v + " runs past the end");
            }
            byte[] name = new byte[len];
            map.get(name);
            voices.add(new String(name, StandardCharsets.UTF_8));
        }
        int[] voice = new int[segments];
        int[] frames = new int[segments];
        long total = 0;
        for (int s = 0; s < segments; s++) {
            voice[s] = map.getInt();
            frames[s] = map.getInt();
            if (voice[s] < 0 || voice[s] >= voiceCount || frames[s] < 1) {
                throw bad(file, "segment " + s + " has voice " + voice[s] + " and " + frames[s] + " frames");
            }
            total += frames[s];
        }
        if ((map.position() & 1) != 0) {
            map.get();
        }
        long data = (size - map.position()) / Short.BYTES;
        if (total > data / dim || total * dim * Short.BYTES != size - map.position()) {
            throw bad(
                    file,
                    "holds " + size + " bytes; its header describes " + total + " frames of " + dim + " values after "
                            + map.position() + " bytes of header");
        }
        ShortBuffer values = map.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        for (int i = 0; i < values.limit(); i++) {
            short h = values.get(i);
            if ((h & 0x7c00) == 0x7c00) {
                throw bad(
                        file,
                        "frame value " + i + " is not finite (float16 bits 0x" + Integer.toHexString(h & 0xffff) + ")");
            }
        }
        return new BankPart(
                file,
                new String(backboneId, StandardCharsets.US_ASCII),
                dim,
                voices,
                voice,
                frames,
                values,
                digest(map.duplicate().position(0)));
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException(
                "negative bank part " + file + " is damaged: " + what + " (delete it and build the bank again)");
    }

    private static String digest(ByteBuffer all) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(all);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /**
     * Writes a part file. The segments' frames are rounded to half precision.
     *
     * @param backbone the SHA-256 of the backbone that embedded the frames
     * @param voices   voice names; each segment's {@link Segment#voice()} indexes them
     * @param segments the segments' frames, {@code frames * dim} floats each, in order
     */
    public static void write(
            Path file, String backbone, int dim, List<String> voices, List<Segment> index, List<float[]> segments) {
        if (index.size() != segments.size()) {
            throw new IllegalArgumentException(index.size() + " segment entries for " + segments.size() + " segments");
        }
        try {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                byte[] backboneId = backbone.getBytes(StandardCharsets.US_ASCII);
                if (backboneId.length > 256) {
                    throw new IllegalArgumentException("backbone id too long: " + backbone);
                }
                int headerBytes = MAGIC.length + 2 + backboneId.length + 12 + 8 * index.size();
                List<byte[]> names = new ArrayList<>();
                for (String v : voices) {
                    byte[] b = v.getBytes(StandardCharsets.UTF_8);
                    if (b.length > 65_535) {
                        throw new IllegalArgumentException("voice name too long: " + v.length() + " characters");
                    }
                    names.add(b);
                    headerBytes += 2 + b.length;
                }
                headerBytes += headerBytes & 1;
                ByteBuffer h = ByteBuffer.allocate(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
                h.put(MAGIC)
                        .putShort((short) backboneId.length)
                        .put(backboneId)
                        .putInt(dim)
                        .putInt(voices.size())
                        .putInt(index.size());
                for (byte[] b : names) {
                    h.putShort((short) b.length).put(b);
                }
                for (int s = 0; s < index.size(); s++) {
                    Segment seg = index.get(s);
                    if (seg.voice() < 0
                            || seg.voice() >= voices.size()
                            || seg.frames() < 1
                            || segments.get(s).length != (long) seg.frames() * dim) {
                        throw new IllegalArgumentException("segment " + s + " (" + seg + ") does not match its "
                                + segments.get(s).length + " floats of dim " + dim);
                    }
                    h.putInt(seg.voice()).putInt(seg.frames());
                }
                h.position(headerBytes).flip();
                while (h.hasRemaining()) {
                    ch.write(h);
                }
                for (float[] frames : segments) {
                    ByteBuffer b =
                            ByteBuffer.allocate(frames.length * Short.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                    for (float f : frames) {
                        b.putShort(Float16.fromFloat(f));
                    }
                    b.flip();
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
            }
            ModelFile.readableByAll(tmp);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write negative bank part " + file, e);
        }
    }

    public Path file() {
        return file;
    }

    public int dim() {
        return dim;
    }

    /** The SHA-256 of the backbone that embedded the frames: heads must be trained on the same one. */
    public String backbone() {
        return backbone;
    }

    /** Lower-case hex SHA-256 of the whole file. */
    public String sha256() {
        return sha256;
    }

    public List<String> voices() {
        return voices;
    }

    public int segments() {
        return segmentFrames.length;
    }

    public Segment segment(int s) {
        return new Segment(segmentVoice[s], segmentFrames[s]);
    }

    public long frames() {
        return frameStart[segmentFrames.length];
    }

    /** Windows of {@code windowFrames} frames in segment {@code s}. */
    public int windows(int s, int windowFrames) {
        return Math.max(0, segmentFrames[s] - windowFrames + 1);
    }

    /** Windows of {@code windowFrames} frames in the whole part. */
    public long windows(int windowFrames) {
        long n = 0;
        for (int s = 0; s < segmentFrames.length; s++) {
            n += windows(s, windowFrames);
        }
        return n;
    }

    /** Hours a detector scores in this part with windows of {@code windowFrames}: one 80 ms step per window. */
    public double hours(int windowFrames) {
        return windows(windowFrames) * FRAME_SECONDS / 3600.0;
    }

    /** Copies {@code count} frames from absolute frame {@code frame} into {@code dst[at..]}, widened to float32. */
    public void copyFrames(long frame, int count, float[] dst, int at) {
        int base = (int) (frame * dim);
        int n = count * dim;
        for (int i = 0; i < n; i++) {
            dst[at + i] = Float16.toFloat(data.get(base + i));
        }
    }

    /** First absolute frame of segment {@code s}. */
    public long segmentStart(int s) {
        return frameStart[s];
    }

    /** Name of the voice that spoke segment {@code s}. */
    public String voiceOf(int s) {
        return voices.get(segmentVoice[s]);
    }

    @Override
    public String toString() {
        return "BankPart[" + file.getFileName() + ", " + segments() + " segments, " + frames() + " frames, "
                + voices.size() + " voices, sha256 " + sha256.substring(0, 12) + "]";
    }
}
