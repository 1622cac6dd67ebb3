package dev.headstream.core.embed;

/**
 * IEEE 754 binary16 ("half") conversion for compact storage of embeddings, rounding to nearest
 * with ties to even, as hardware conversions do. Overflow becomes infinity, NaN stays NaN.
 * Stateless; thread-safe.
 */
public final class Float16 {

    private Float16() {}

    /** The half-precision value nearest to {@code f}, as its 16 raw bits. */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            // Subnormal half: shift the 24-bit significand (implicit bit included) into 10 bits.
            int significand = mant | 0x800000;
            int shift = 14 - e;
            int half = significand >> shift;
            int rest = significand & ((1 << shift) - 1);
            int midpoint = 1 << (shift - 1);
            if (rest > midpoint || (rest == midpoint && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
            half++; // a carry into the exponent is the correct rounding, up to infinity
        }
        return (short) (sign | half);
    }

    /** The float equal to the half-precision value with raw bits {@code h} (exact). */
    public static float toFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Rounds every value of {@code src} to half precision. */
    public static short[] encode(float[] src) {
        short[] out = new short[src.length];
        for (int i = 0; i < src.length; i++) {
            out[i] = fromFloat(src[i]);
        }
        return out;
    }

    /** Widens {@code count} halves from {@code src[from]} into {@code dst[to]}. */
    public static void decode(short[] src, int from, float[] dst, int to, int count) {
        for (int i = 0; i < count; i++) {
            dst[to + i] = toFloat(src[from + i]);
        }
    }
}
