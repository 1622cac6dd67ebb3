package dev.headstream.core.monitor;

/**
 * Scratch memory for {@link MmdDriftDetector} tests: the pooled kernel matrix, its row sums, a
 * permutation index and the permutation statistics. Holding it outside the detector keeps the
 * per-user state small; one workspace serves every detector of the same reference size, window
 * and permutation count used by one thread.
 *
 * <p>Not thread-safe: one per worker thread.
 */
public final class MmdWorkspace {

    final int referenceSize;
    final int window;
    final double[] pooled;
    final double[] rowSums;
    final int[] index;
    final double[] permuted;
    double observed;
    double critical;

    /** For a reference of {@code referenceSize}, a detector window and permutation count. */
    public MmdWorkspace(int referenceSize, int window, int permutations) {
        if (referenceSize < 2 || window < 2 || permutations < 1) {
            throw new IllegalArgumentException("need referenceSize >= 2, window >= 2, permutations >= 1");
        }
        int n = referenceSize + window;
        this.referenceSize = referenceSize;
        this.window = window;
        this.pooled = new double[n * n];
        this.rowSums = new double[n];
        this.index = new int[n];
        this.permuted = new double[permutations];
    }
}
