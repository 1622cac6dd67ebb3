package dev.headstream.cli.evaluate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads RIFF/WAVE files: the header ({@link #header}) and 16-bit mono samples from any position
 * ({@link #samples}), without holding the file in memory.
 *
 * <p>The chunk walk follows the RIFF rules: chunks other than {@code fmt } and {@code data}
 * ({@code LIST}, {@code fact}, {@code bext}, ...) are skipped, an odd-sized chunk is followed by one
 * pad byte, and {@code WAVE_FORMAT_EXTENSIBLE} is read through its sub-format GUID. The RIFF size
 * field is not trusted (writers often get it wrong); the {@code data} chunk's size is, except
 * {@code 0xFFFFFFFF}, which streaming writers use for "until the end of the file". A file that ends
 * before a chunk it declares is rejected as truncated.
 *
 * <p>Errors are {@link IllegalArgumentException}s whose message names the file and what is wrong:
 * {@code cannot read <file>: <what>}. Stateless and thread-safe.
 */
public final class WavReader {

    /** Bytes of a {@code WAVE_FORMAT_EXTENSIBLE} {@code fmt } chunk. */
    private static final int EXTENSIBLE_FMT_BYTES = 40;

    private static final int WAVE_FORMAT_EXTENSIBLE = 0xFFFE;
    /** Bytes 2..15 of every standard {@code KSDATAFORMAT_SUBTYPE_*} GUID, as stored (little-endian fields). */
    private static final byte[] GUID_TAIL = {
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71,
    };

    private static final long UNKNOWN_SIZE = 0xFFFF_FFFFL;

    private WavReader() {}

    /**
     * The header of {@code file}, or empty when the file is not a RIFF/WAVE file at all (an mp3, a
     * FLAC: formats for sox).
     *
     * @throws IllegalArgumentException if it is a RIFF/WAVE file that is truncated or malformed
     * @throws UncheckedIOException     if the file cannot be read
     */
    public static Optional<WavHeader> header(Path file) {
        try (SeekableByteChannel ch = Files.newByteChannel(file)) {
            long size = ch.size();
            ByteBuffer riff = read(ch, 0, (int) Math.min(12, size));
            if (riff.remaining() < 4 || !tag(riff, 0).equals("RIFF")) {
                return Optional.empty();
            }
            if (riff.remaining() < 12) {
                throw bad(file, "truncated: the file ends inside the RIFF header (" + size + " bytes)");
            }
            if (!tag(riff, 8).equals("WAVE")) {
                return Optional.empty();
            }
            return Optional.of(walk(file, ch, size));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code count} samples of a native ({@link WavHeader#isNative()}) file from sample {@code from}.
     *
     * @throws IllegalArgumentException if the header is not native or the range is outside the data
     * @throws UncheckedIOException     if the file cannot be read
     */
    public static short[] samples(Path file, WavHeader header, long from, int count) {
        if (!header.isNative()) {
            throw new IllegalArgumentException(
                    "cannot read " + file + " directly: " + header.describe() + " is not 16 kHz mono 16-bit PCM");
        }
        if (from < 0 || count < 0 || from + count > header.frames()) {
            throw new IllegalArgumentException("cannot read " + file + ": samples [" + from + ", " + (from + count)
                    + ") are outside its " + header.frames() + " samples");
        }
        short[] out = new short[count];
        try (SeekableByteChannel ch = Files.newByteChannel(file)) {
            ByteBuffer buf = read(ch, header.dataOffset() + 2 * from, 2 * count);
            if (buf.remaining() != 2 * count) {
                throw bad(file, "truncated: it ends inside the data chunk (it was shortened while being read)");
            }
            buf.asShortBuffer().get(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static WavHeader walk(Path file, SeekableByteChannel ch, long size) throws IOException {
        long pos = 12;
        ByteBuffer fmt = null;
        while (true) {
            if (pos >= size) {
                throw bad(
                        file,
                        "no data chunk: the file ends after " + size + " bytes"
                                + (fmt == null ? " without a fmt chunk either" : ""));
            }
            if (pos + 8 > size) {
                throw bad(file, "truncated: the file ends inside a chunk header at byte " + pos);
            }
            ByteBuffer head = read(ch, pos, 8);
            String id = tag(head, 0);
            long declared = Integer.toUnsignedLong(head.getInt(4));
            long body = pos + 8;
            long available = size - body;
            if (id.equals("data")) {
                if (fmt == null) {
                    throw bad(file, "the data chunk comes before the fmt chunk");
                }
                long bytes = declared;
                if (declared == UNKNOWN_SIZE) {
                    bytes = available;
                } else if (declared > available) {
                    throw bad(
                            file,
                            "truncated: the data chunk declares " + declared + " bytes but only " + available
                                    + " follow");
                }
                WavHeader h = format(file, fmt, body, bytes);
                if (declared == UNKNOWN_SIZE) {
                    h = new WavHeader(
                            h.format(),
                            h.extensible(),
                            h.channels(),
                            h.sampleRate(),
                            h.bitsPerSample(),
                            h.blockAlign(),
                            body,
                            bytes - bytes % h.blockAlign());
                } else if (h.isNative() && bytes % h.blockAlign() != 0) {
                    throw bad(
                            file,
                            "the data chunk holds " + bytes + " bytes, not a whole number of " + h.blockAlign()
                                    + "-byte samples");
                }
                return h;
            }
            if (declared > available) {
                throw bad(
                        file,
                        "truncated: the '" + printable(id) + "' chunk at byte " + pos + " declares " + declared
                                + " bytes but only " + available + " follow");
            }
            if (id.equals("fmt ")) {
                if (fmt != null) {
                    throw bad(file, "it has two fmt chunks");
                }
                if (declared < 16) {
                    throw bad(file, "the fmt chunk has " + declared + " bytes; at least 16 are needed");
                }
                fmt = read(ch, body, (int) Math.min(declared, EXTENSIBLE_FMT_BYTES));
            }
            pos = body + declared + (declared & 1);
        }
    }

    private static WavHeader format(Path file, ByteBuffer fmt, long dataOffset, long dataBytes) {
        int tag = Short.toUnsignedInt(fmt.getShort(0));
        int channels = Short.toUnsignedInt(fmt.getShort(2));
        long rate = Integer.toUnsignedLong(fmt.getInt(4));
        int blockAlign = Short.toUnsignedInt(fmt.getShort(12));
        int bits = Short.toUnsignedInt(fmt.getShort(14));
        boolean extensible = tag == WAVE_FORMAT_EXTENSIBLE;
        int format = tag;
        if (extensible) {
            if (fmt.remaining() < EXTENSIBLE_FMT_BYTES) {
                throw bad(
                        file,
                        "its WAVE_FORMAT_EXTENSIBLE fmt chunk has " + fmt.remaining() + " bytes; "
                                + EXTENSIBLE_FMT_BYTES + " are needed");
            }
            format = Short.toUnsignedInt(fmt.getShort(24));
            for (int i = 0; i < GUID_TAIL.length; i++) {
                if (fmt.get(26 + i) != GUID_TAIL[i]) {
                    format = -1;
                    break;
                }
            }
        }
        if (channels < 1 || rate < 1 || rate > Integer.MAX_VALUE || bits < 1 || blockAlign < 1) {
            throw bad(
                    file,
                    "its fmt chunk is invalid: " + channels + " channels, " + rate + " Hz, " + bits
                            + " bits per sample, " + blockAlign + " bytes per frame");
        }
        return new WavHeader(format, extensible, channels, (int) rate, bits, blockAlign, dataOffset, dataBytes);
    }

    /** Up to {@code length} bytes at {@code position}, little-endian; fewer when the file ends first. */
    private static ByteBuffer read(SeekableByteChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        ch.position(position);
        while (buf.hasRemaining() && ch.read(buf) > 0) {
            // read until full or end of file
        }
        return buf.flip();
    }

    private static String tag(ByteBuffer buf, int at) {
        byte[] b = new byte[4];
        buf.get(at, b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String printable(String id) {
        StringBuilder b = new StringBuilder();
        for (char c : id.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException("cannot read " + file + ": " + what);
    }
}
