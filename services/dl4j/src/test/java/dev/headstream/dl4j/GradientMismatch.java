package dev.headstream.dl4j;

/**
 * How far one vector (ours: a gradient, or the displacement of training) is from a reference
 * (DL4J's), in three numbers that a constant-factor error cannot hide from:
 *
 * <ul>
 *   <li>{@link #normwise}: {@code ||ours - ref|| / ||ref||}. A factor {@code c} on ours gives
 *       exactly {@code |c - 1|} (7 for 8x, 0.5 for 0.5x), whatever the vector.</li>
 *   <li>{@link #elementwise}: {@code max_i |ours_i - ref_i| / max(|ref_i|, FLOOR * max_j |ref_j|)}:
 *       the worst single entry, relative to its own size, except that entries below
 *       {@value #FLOOR} of the largest are measured against that floor (their relative error is
 *       float noise, not a signal). A factor {@code c} gives at least {@code |c - 1|} here too.</li>
 *   <li>{@link #scale}: the least-squares factor {@code <ours, ref> / <ref, ref>}; reported so a
 *       failure says "8x" when it is 8x.</li>
 * </ul>
 *
 * Computed in double precision. Both vectors must be finite and the reference non-zero: a zero
 * reference would make every comparison vacuous, so it is an error here.
 */
record GradientMismatch(double normwise, double elementwise, int worstIndex, double scale) {

    /** Entries of the reference below this fraction of its largest entry are measured against that fraction. */
    static final double FLOOR = 1e-3;

    static GradientMismatch between(float[] ours, float[] reference) {
        if (ours.length != reference.length) {
            throw new IllegalArgumentException("lengths differ: " + ours.length + " vs " + reference.length);
        }
        double maxRef = 0;
        double refSq = 0;
        double dot = 0;
        double diffSq = 0;
        for (int i = 0; i < ours.length; i++) {
            double a = ours[i];
            double b = reference[i];
            if (!Double.isFinite(a) || !Double.isFinite(b)) {
                throw new IllegalArgumentException("non-finite entry " + i + ": " + a + " vs " + b);
            }
            maxRef = Math.max(maxRef, Math.abs(b));
            refSq += b * b;
            dot += a * b;
            diffSq += (a - b) * (a - b);
        }
        if (refSq == 0) {
            throw new IllegalArgumentException("the reference is all zeros: nothing to compare");
        }
        double floor = FLOOR * maxRef;
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < ours.length; i++) {
            double e = Math.abs((double) ours[i] - reference[i]) / Math.max(Math.abs(reference[i]), floor);
            if (e > worst) {
                worst = e;
                worstIndex = i;
            }
        }
        return new GradientMismatch(Math.sqrt(diffSq / refSq), worst, worstIndex, dot / refSq);
    }

    /** {@code ours - start}, the displacement a training run produced. */
    static float[] displacement(float[] after, float[] start) {
        float[] d = new float[after.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = after[i] - start[i];
        }
        return d;
    }

    static float[] scaled(float[] v, float factor) {
        float[] s = v.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] *= factor;
        }
        return s;
    }

    @Override
    public String toString() {
        return String.format(
                "normwise %.3g, elementwise %.3g (entry %d), scale %.6f", normwise, elementwise, worstIndex, scale);
    }
}
