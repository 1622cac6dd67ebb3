package dev.headstream.core.monitor;

final class Checks {

    private Checks() {}

    static double finite(double x, String what) {
        if (!Double.isFinite(x)) {
            throw new IllegalArgumentException(what + " is not finite: " + x);
        }
        return x;
    }

    static void room(double[] a, int offset, int size) {
        if (offset < 0 || offset + size > a.length) {
            throw new IllegalArgumentException("state segment [" + offset + ", " + (offset + size)
                    + ") does not fit an array of length " + a.length);
        }
    }

    static long count(double v) {
        if (!(v >= 0) || v != Math.rint(v) || v > 0x1p53) {
            throw new IllegalArgumentException("not a count: " + v);
        }
        return (long) v;
    }
}
