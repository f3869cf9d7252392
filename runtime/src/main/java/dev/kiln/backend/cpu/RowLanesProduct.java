package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code c += a b^T} for a shallow depth k (a first layer over 20 features): eight rows of a sit in the eight lanes
 * of a vector, and each output column is k broadcast FMAs into one accumulator. The dot-product tiles of
 * {@link Dense#matmulNT} spend more on reducing their accumulators than on the k products when k is this small (about
 * 3 GMAC/s at k = 20 against 8 here). The price is a transposition of eight rows of a into a per-thread scratch, and
 * of each 8x8 block of results back into the rows of c.
 */
final class RowLanesProduct {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    /** Rows per lane group; the kernel assumes 256-bit vectors of 8 floats. */
    static final int ROWS = 8;
    /** Depths below which this beats the dot-product tiles. */
    static final int MAX_K = 32;

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private RowLanesProduct() {}

    /** Whether this kernel applies: 256-bit vectors, a shallow depth, at least one group of eight rows. */
    static boolean suits(int m, int k) {
        return FloatVector.SPECIES_PREFERRED.length() == ROWS && k < MAX_K && m >= ROWS && !Kernels.SCALAR;
    }

    /** {@code c[i, j] += sum_q a[i, q] b[j, q]} over rows {@code [0, m - m % 8)}; returns how many rows it did. */
    static int addProduct(float[] a, int aOff, int m, int k, float[] b, int bOff, int n, float[] c, int cOff) {
        int tile = k * ROWS;
        float[] scratch = SCRATCH.get();
        if (scratch.length < tile + ROWS * ROWS) SCRATCH.set(scratch = new float[tile + ROWS * ROWS]);
        int rows = m - m % ROWS;
        for (int i0 = 0; i0 < rows; i0 += ROWS) {
            // aT[q, r] = a[i0 + r, q]
            for (int r = 0; r < ROWS; r++) {
                for (int q = 0, src = aOff + (i0 + r) * k; q < k; q++) scratch[q * ROWS + r] = a[src + q];
            }
            int j = 0;
            for (; j + ROWS <= n; j += ROWS) {
                columns8(scratch, k, b, bOff + j * k, scratch, tile);
                for (int r = 0, cr = cOff + i0 * n + j; r < ROWS; r++, cr += n) {
                    for (int t = 0; t < ROWS; t++) c[cr + t] += scratch[tile + t * ROWS + r];
                }
            }
            for (; j < n; j++) {
                FloatVector acc = FloatVector.zero(S);
                for (int q = 0, bq = bOff + j * k; q < k; q++, bq++) {
                    acc = FloatVector.fromArray(S, scratch, q * ROWS).fma(FloatVector.broadcast(S, b[bq]), acc);
                }
                acc.intoArray(scratch, tile);
                for (int r = 0; r < ROWS; r++) c[cOff + (i0 + r) * n + j] += scratch[tile + r];
            }
        }
        return rows;
    }

    /** Columns j..j+7 (rows of b from {@code b0}, k apart) against the lanes of aT: {@code out[o + t*8 + r] = c[r, j+t]}. */
    private static void columns8(float[] aT, int k, float[] b, int b0, float[] out, int o) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (int q = 0, bq = b0; q < k; q++, bq++) {
            FloatVector x = FloatVector.fromArray(S, aT, q * ROWS);
            s0 = FloatVector.broadcast(S, b[bq]).fma(x, s0);
            s1 = FloatVector.broadcast(S, b[bq + k]).fma(x, s1);
            s2 = FloatVector.broadcast(S, b[bq + 2 * k]).fma(x, s2);
            s3 = FloatVector.broadcast(S, b[bq + 3 * k]).fma(x, s3);
            s4 = FloatVector.broadcast(S, b[bq + 4 * k]).fma(x, s4);
            s5 = FloatVector.broadcast(S, b[bq + 5 * k]).fma(x, s5);
            s6 = FloatVector.broadcast(S, b[bq + 6 * k]).fma(x, s6);
            s7 = FloatVector.broadcast(S, b[bq + 7 * k]).fma(x, s7);
        }
        s0.intoArray(out, o); s1.intoArray(out, o + 8); s2.intoArray(out, o + 16); s3.intoArray(out, o + 24);
        s4.intoArray(out, o + 32); s5.intoArray(out, o + 40); s6.intoArray(out, o + 48); s7.intoArray(out, o + 56);
    }
}
