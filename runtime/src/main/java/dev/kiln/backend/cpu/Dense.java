package dev.kiln.backend.cpu;

import dev.kiln.backend.cpu.Gemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix products of a dense layer, on row-major float arrays with explicit offsets, so generated
 * code can point them into its flat parameter and activation buffers without copying.
 *
 * <p>Three shapes cover forward and backward of {@code y = x W^T} with PyTorch's {@code [out, in]}
 * weight layout: {@link #matmulNT} (forward: dot products along the contiguous {@code in}),
 * {@link #matmulNN} (input gradient {@code dx = dy W}) and {@link #matmulTN} (weight gradient
 * {@code dW = dy^T x}). The last two are the same broadcast-FMA kernel with different strides for A.
 * Each has a scalar twin: {@link Kernels#SCALAR} forces it, and tests use it as the oracle.
 */
public final class Dense {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Dense() {}

    /** {@code c[m x n] = a[m x k] * b[n x k]^T}: row i of c is row i of a dotted with every row of b. */
    public static void matmulNT(float[] a, int aOff, int m, int k, float[] b, int bOff, int n, float[] c, int cOff) {
        matmulNT(a, aOff, m, k, b, bOff, n, c, cOff, false);
    }

    /**
     * As above, adding to c when {@code accumulate}: a convolution's weight gradient {@code gOut x col^T}
     * sums over the images of a batch.
     */
    public static void matmulNT(float[] a, int aOff, int m, int k, float[] b, int bOff, int n, float[] c, int cOff,
                                boolean accumulate) {
        if (packed(m, n, k)) {
            Gemm.sgemmSerial(false, true, m, n, k, a, aOff, k, b, bOff, k, c, cOff, n, accumulate);
            return;
        }
        if (!accumulate) java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
        if (RowLanesProduct.suits(m, k)) {
            int done = RowLanesProduct.addProduct(a, aOff, m, k, b, bOff, n, c, cOff);
            aOff += done * k;
            cOff += done * n;
            m -= done;
        }
        if (Kernels.SCALAR || k < L) {
            matmulNTScalar(a, aOff, m, k, b, bOff, n, c, cOff, true);
            return;
        }
        int i = 0;
        // Four rows of a against two rows of b: 8 accumulators, 6 loads per 8 FMAs, all in registers.
        for (; i + 4 <= m; i += 4) {
            int j = n - n % 2;
            if (j > 0) nt4x2(a, aOff + i * k, k, b, bOff, j, c, cOff + i * n, n);
            for (; j < n; j++) {
                for (int r = 0; r < 4; r++) c[cOff + (i + r) * n + j] += dot(a, aOff + (i + r) * k, b, bOff + j * k, k);
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j++) c[cOff + i * n + j] += dot(a, aOff + i * k, b, bOff + j * k, k);
        }
    }

    /** Four rows of a against rows {@code [0, jEnd)} of b, two at a time (the pair loop is in here to save a call per pair). */
    private static void nt4x2(float[] a, int a0, int k, float[] b, int bOff, int jEnd, float[] c, int cRow, int ldc) {
        for (int j = 0; j < jEnd; j += 2) {
            int b0 = bOff + j * k, c0 = cRow + j;
            FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S), s10 = FloatVector.zero(S), s11 = FloatVector.zero(S);
            FloatVector s20 = FloatVector.zero(S), s21 = FloatVector.zero(S), s30 = FloatVector.zero(S), s31 = FloatVector.zero(S);
            int bound = S.loopBound(k);
            for (int q = 0; q < bound; q += L) {
                FloatVector w0 = FloatVector.fromArray(S, b, b0 + q);
                FloatVector w1 = FloatVector.fromArray(S, b, b0 + k + q);
                FloatVector x0 = FloatVector.fromArray(S, a, a0 + q);
                s00 = x0.fma(w0, s00);
                s01 = x0.fma(w1, s01);
                FloatVector x1 = FloatVector.fromArray(S, a, a0 + k + q);
                s10 = x1.fma(w0, s10);
                s11 = x1.fma(w1, s11);
                FloatVector x2 = FloatVector.fromArray(S, a, a0 + 2 * k + q);
                s20 = x2.fma(w0, s20);
                s21 = x2.fma(w1, s21);
                FloatVector x3 = FloatVector.fromArray(S, a, a0 + 3 * k + q);
                s30 = x3.fma(w0, s30);
                s31 = x3.fma(w1, s31);
            }
            float r00 = s00.reduceLanes(VectorOperators.ADD), r01 = s01.reduceLanes(VectorOperators.ADD);
            float r10 = s10.reduceLanes(VectorOperators.ADD), r11 = s11.reduceLanes(VectorOperators.ADD);
            float r20 = s20.reduceLanes(VectorOperators.ADD), r21 = s21.reduceLanes(VectorOperators.ADD);
            float r30 = s30.reduceLanes(VectorOperators.ADD), r31 = s31.reduceLanes(VectorOperators.ADD);
            // c was zeroed by the caller unless it accumulates, so adding serves both.
            c[c0] += r00; c[c0 + 1] += r01;
            c[c0 + ldc] += r10; c[c0 + ldc + 1] += r11;
            c[c0 + 2 * ldc] += r20; c[c0 + 2 * ldc + 1] += r21;
            c[c0 + 3 * ldc] += r30; c[c0 + 3 * ldc + 1] += r31;
            if (bound < k) nt4x2Tail(a, a0, k, bound, b, b0, c, c0, ldc);
        }
    }

    /**
     * Adds the last {@code k % L} products of the 4x2 block under a lane mask: k = 20 (the phone-price input)
     * would otherwise do a fifth of its products in scalar code. A method of its own so that {@link #nt4x2}
     * stays small enough for C2 to inline all its vector calls.
     */
    private static void nt4x2Tail(float[] a, int a0, int k, int q, float[] b, int b0, float[] c, int c0, int ldc) {
        VectorMask<Float> mask = S.indexInRange(q, k);
        FloatVector w0 = FloatVector.fromArray(S, b, b0 + q, mask);
        FloatVector w1 = FloatVector.fromArray(S, b, b0 + k + q, mask);
        for (int r = 0; r < 4; r++) {
            FloatVector x = FloatVector.fromArray(S, a, a0 + r * k + q, mask);
            c[c0 + r * ldc] += x.mul(w0).reduceLanes(VectorOperators.ADD);
            c[c0 + r * ldc + 1] += x.mul(w1).reduceLanes(VectorOperators.ADD);
        }
    }

    private static float dot(float[] a, int a0, float[] b, int b0, int k) {
        FloatVector acc = FloatVector.zero(S);
        int bound = S.loopBound(k);
        int q = 0;
        for (; q < bound; q += L) acc = FloatVector.fromArray(S, a, a0 + q).fma(FloatVector.fromArray(S, b, b0 + q), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; q < k; q++) s += a[a0 + q] * b[b0 + q];
        return s;
    }

    /** {@code c[m x n] (+)= a[m x k] * b[k x n]}: the input gradient {@code dx = dy * W}. */
    public static void matmulNN(float[] a, int aOff, int m, int k, float[] b, int bOff, int n, float[] c, int cOff, boolean accumulate) {
        if (packed(m, n, k) && k > BROADCAST_MAX_K) {
            Gemm.sgemmSerial(false, false, m, n, k, a, aOff, k, b, bOff, n, c, cOff, n, accumulate);
            return;
        }
        broadcastGemm(a, aOff, k, 1, m, k, b, bOff, n, c, cOff, accumulate);
    }

    /** {@code c[m x n] (+)= a[k x m]^T * b[k x n]}: the weight gradient {@code dW = dy^T * x}. */
    public static void matmulTN(float[] a, int aOff, int m, int k, float[] b, int bOff, int n, float[] c, int cOff, boolean accumulate) {
        if (packed(m, n, k) && k > BROADCAST_MAX_K) {
            Gemm.sgemmSerial(true, false, m, n, k, a, aOff, m, b, bOff, n, c, cOff, n, accumulate);
            return;
        }
        broadcastGemm(a, aOff, 1, m, m, k, b, bOff, n, c, cOff, accumulate);
    }

    /**
     * Whether a product is big enough for the packed, register-blocked {@link Gemm} kernel (on this thread, so
     * still allocation-free) to beat the unpacked tiles here: packing costs a pass over B, which pays once every
     * row of it is reused by many rows of C (batch 64 training ran about 1.3x faster with the backward products packed).
     */
    private static boolean packed(int m, int n, int k) {
        return !Kernels.SCALAR && m >= PACKED_M && n >= 16 && k >= 32;
    }

    /** Rows of C from which packing pays for {@link #matmulNT}; at 8 (a batch-8 forward) the unpacked tiles were faster. */
    private static final int PACKED_M = 16;

    /**
     * Depth up to which {@link #matmulNN} and {@link #matmulTN} use the broadcast tiles whatever the size: a tile's
     * {@code k x 24} floats of B (24 KiB at 256) then stay in L1 while every block of rows passes over them, so
     * there is nothing for packing to win back (batch 64's input and weight gradients of a 256x128 layer ran
     * 1.2x and 1.5x faster than packed).
     */
    private static final int BROADCAST_MAX_K = 256;

    /** {@code delta[i] = y[i] > 0 ? g[i] : 0} over {@code len} floats: ReLU's backward, eight lanes at a time. */
    public static void reluBackward(float[] y, int yOff, float[] g, int gOff, float[] delta, int dOff, int len) {
        int i = 0;
        if (!Kernels.SCALAR) {
            FloatVector zero = FloatVector.zero(S);
            for (int bound = S.loopBound(len); i < bound; i += L) {
                VectorMask<Float> on = FloatVector.fromArray(S, y, yOff + i).compare(VectorOperators.GT, 0f);
                zero.blend(FloatVector.fromArray(S, g, gOff + i), on).intoArray(delta, dOff + i);
            }
        }
        for (; i < len; i++) delta[dOff + i] = y[yOff + i] > 0f ? g[gOff + i] : 0f;
    }

    /**
     * {@code c[i, :] (+)= sum_q A(i, q) * b[q, :]} with A(i, q) at {@code a[aOff + i*ai + q*aq]}: rows of b
     * are scaled by broadcast scalars of A and summed, so every load of b is a contiguous vector.
     *
     * <p>The tiles are separate small methods on purpose: C2 stops inlining Vector API calls once a method
     * has grown past its inlining budget, and a vector op that is not inlined runs as boxed Java code
     * (profiling the one-method version showed a third of the backward time in that fallback).
     */
    private static void broadcastGemm(float[] a, int aOff, int ai, int aq, int m, int k, float[] b, int bOff, int n,
                                      float[] c, int cOff, boolean accumulate) {
        if (Kernels.SCALAR) {
            broadcastGemmScalar(a, aOff, ai, aq, m, k, b, bOff, n, c, cOff, accumulate);
            return;
        }
        int m4 = m - m % 4, n3 = n - n % (3 * L);
        // Column tiles outside, blocks of rows inside: a tile's k rows of B are read from memory once and from L1
        // by every further block of rows.
        for (int j = 0; j < n3; j += 3 * L) columns4x3(a, aOff, ai, aq, m4, k, b, bOff + j, n, c, cOff + j, accumulate);
        for (int i = 0; i < m4; i += 4) {
            int a0 = aOff + i * ai, c0 = cOff + i * n;
            int j = n3;
            int pairs = j + (n - j) / (2 * L) * (2 * L);
            if (pairs > j) rows4x2(a, a0, ai, aq, k, b, bOff + j, n, pairs - j, c, c0 + j, accumulate);
            j = pairs;
            for (; j + L <= n; j += L) tile4x1(a, a0, ai, aq, k, b, bOff + j, n, c, c0 + j, accumulate);
            if (j < n) tile4xMasked(a, a0, ai, aq, k, b, bOff + j, n, n - j, c, c0 + j, accumulate);
        }
        for (int i = m4; i < m; i++) {
            int j = 0;
            for (; j + L <= n; j += L) tile1x1(a, aOff + i * ai, aq, k, b, bOff + j, n, c, cOff + i * n + j, accumulate);
            if (j < n) scalarBlock(a, aOff, ai, aq, i, i + 1, k, b, bOff, n, j, c, cOff, accumulate);
        }
    }

    /**
     * One column tile of three vectors over rows {@code [0, m4)} in blocks of four: 12 accumulators, 3 loads and 4
     * broadcasts per 12 FMAs, which uses 16 of AVX2's 16 registers. Against a 4x2 tile it ran the batch-8 weight and
     * input gradients of a 256x128 layer about a quarter faster; walking the rows inside (B's tile stays in L1) made
     * them 15-25% faster again, and batch 64's 1.2-1.5x faster than the packed GEMM.
     */
    private static void columns4x3(float[] a, int aOff, int ai, int aq, int m4, int k, float[] b, int b0, int ldb, float[] c,
                                   int cCol, boolean accumulate) {
        for (int i = 0; i < m4; i += 4) {
            int a0 = aOff + i * ai, c0 = cCol + i * ldb;
            FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
            if (accumulate) {
                c00 = FloatVector.fromArray(S, c, c0); c01 = FloatVector.fromArray(S, c, c0 + L); c02 = FloatVector.fromArray(S, c, c0 + 2 * L);
                int r1 = c0 + ldb, r2 = c0 + 2 * ldb, r3 = c0 + 3 * ldb;
                c10 = FloatVector.fromArray(S, c, r1); c11 = FloatVector.fromArray(S, c, r1 + L); c12 = FloatVector.fromArray(S, c, r1 + 2 * L);
                c20 = FloatVector.fromArray(S, c, r2); c21 = FloatVector.fromArray(S, c, r2 + L); c22 = FloatVector.fromArray(S, c, r2 + 2 * L);
                c30 = FloatVector.fromArray(S, c, r3); c31 = FloatVector.fromArray(S, c, r3 + L); c32 = FloatVector.fromArray(S, c, r3 + 2 * L);
            } else {
                c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = FloatVector.zero(S);
            }
            for (int q = 0, bq = b0, aq0 = a0; q < k; q++, bq += ldb, aq0 += aq) {
                FloatVector v0 = FloatVector.fromArray(S, b, bq);
                FloatVector v1 = FloatVector.fromArray(S, b, bq + L);
                FloatVector v2 = FloatVector.fromArray(S, b, bq + 2 * L);
                FloatVector x = FloatVector.broadcast(S, a[aq0]);
                c00 = x.fma(v0, c00); c01 = x.fma(v1, c01); c02 = x.fma(v2, c02);
                x = FloatVector.broadcast(S, a[aq0 + ai]);
                c10 = x.fma(v0, c10); c11 = x.fma(v1, c11); c12 = x.fma(v2, c12);
                x = FloatVector.broadcast(S, a[aq0 + 2 * ai]);
                c20 = x.fma(v0, c20); c21 = x.fma(v1, c21); c22 = x.fma(v2, c22);
                x = FloatVector.broadcast(S, a[aq0 + 3 * ai]);
                c30 = x.fma(v0, c30); c31 = x.fma(v1, c31); c32 = x.fma(v2, c32);
            }
            int r1 = c0 + ldb, r2 = c0 + 2 * ldb, r3 = c0 + 3 * ldb;
            c00.intoArray(c, c0); c01.intoArray(c, c0 + L); c02.intoArray(c, c0 + 2 * L);
            c10.intoArray(c, r1); c11.intoArray(c, r1 + L); c12.intoArray(c, r1 + 2 * L);
            c20.intoArray(c, r2); c21.intoArray(c, r2 + L); c22.intoArray(c, r2 + 2 * L);
            c30.intoArray(c, r3); c31.intoArray(c, r3 + L); c32.intoArray(c, r3 + 2 * L);
        }
    }

    /**
     * Four rows of c, columns {@code [0, jEnd)} in tiles of two vectors: 8 accumulators, 2 loads and 4 broadcasts per
     * 8 FMAs. The column loop is in here, not in the caller, because with k = 8 (a weight gradient at batch 8) a call
     * per tile cost as much as the tile.
     */
    private static void rows4x2(float[] a, int a0, int ai, int aq, int k, float[] b, int bOff, int ldb, int jEnd, float[] c,
                                int cRow, boolean accumulate) {
        for (int j = 0; j < jEnd; j += 2 * L) {
            int b0 = bOff + j, c0 = cRow + j;
            FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
            if (accumulate) {
                c00 = FloatVector.fromArray(S, c, c0); c01 = FloatVector.fromArray(S, c, c0 + L);
                c10 = FloatVector.fromArray(S, c, c0 + ldb); c11 = FloatVector.fromArray(S, c, c0 + ldb + L);
                c20 = FloatVector.fromArray(S, c, c0 + 2 * ldb); c21 = FloatVector.fromArray(S, c, c0 + 2 * ldb + L);
                c30 = FloatVector.fromArray(S, c, c0 + 3 * ldb); c31 = FloatVector.fromArray(S, c, c0 + 3 * ldb + L);
            } else {
                c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = FloatVector.zero(S);
            }
            for (int q = 0, bq = b0, aq0 = a0; q < k; q++, bq += ldb, aq0 += aq) {
                FloatVector v0 = FloatVector.fromArray(S, b, bq);
                FloatVector v1 = FloatVector.fromArray(S, b, bq + L);
                FloatVector x0 = FloatVector.broadcast(S, a[aq0]);
                c00 = x0.fma(v0, c00); c01 = x0.fma(v1, c01);
                FloatVector x1 = FloatVector.broadcast(S, a[aq0 + ai]);
                c10 = x1.fma(v0, c10); c11 = x1.fma(v1, c11);
                FloatVector x2 = FloatVector.broadcast(S, a[aq0 + 2 * ai]);
                c20 = x2.fma(v0, c20); c21 = x2.fma(v1, c21);
                FloatVector x3 = FloatVector.broadcast(S, a[aq0 + 3 * ai]);
                c30 = x3.fma(v0, c30); c31 = x3.fma(v1, c31);
            }
            c00.intoArray(c, c0); c01.intoArray(c, c0 + L);
            c10.intoArray(c, c0 + ldb); c11.intoArray(c, c0 + ldb + L);
            c20.intoArray(c, c0 + 2 * ldb); c21.intoArray(c, c0 + 2 * ldb + L);
            c30.intoArray(c, c0 + 3 * ldb); c31.intoArray(c, c0 + 3 * ldb + L);
        }
    }

    /** Four rows by one vector: the column remainder of {@link #rows4x2}. */
    private static void tile4x1(float[] a, int a0, int ai, int aq, int k, float[] b, int b0, int ldb, float[] c, int c0,
                                boolean accumulate) {
        FloatVector c0v, c1v, c2v, c3v;
        if (accumulate) {
            c0v = FloatVector.fromArray(S, c, c0); c1v = FloatVector.fromArray(S, c, c0 + ldb);
            c2v = FloatVector.fromArray(S, c, c0 + 2 * ldb); c3v = FloatVector.fromArray(S, c, c0 + 3 * ldb);
        } else {
            c0v = c1v = c2v = c3v = FloatVector.zero(S);
        }
        for (int q = 0, bq = b0, aq0 = a0; q < k; q++, bq += ldb, aq0 += aq) {
            FloatVector v = FloatVector.fromArray(S, b, bq);
            c0v = FloatVector.broadcast(S, a[aq0]).fma(v, c0v);
            c1v = FloatVector.broadcast(S, a[aq0 + ai]).fma(v, c1v);
            c2v = FloatVector.broadcast(S, a[aq0 + 2 * ai]).fma(v, c2v);
            c3v = FloatVector.broadcast(S, a[aq0 + 3 * ai]).fma(v, c3v);
        }
        c0v.intoArray(c, c0); c1v.intoArray(c, c0 + ldb); c2v.intoArray(c, c0 + 2 * ldb); c3v.intoArray(c, c0 + 3 * ldb);
    }

    /**
     * Four rows by the last {@code n % L} columns under a lane mask: a 20-wide layer (the phone-price input)
     * would otherwise spend a fifth of its weight gradient in scalar code. The mask is made here, not passed in:
     * a mask crossing a call that C2 does not inline would be boxed, an allocation per call.
     */
    private static void tile4xMasked(float[] a, int a0, int ai, int aq, int k, float[] b, int b0, int ldb, int cols,
                                     float[] c, int c0, boolean accumulate) {
        VectorMask<Float> mask = S.indexInRange(0, cols);
        FloatVector c0v, c1v, c2v, c3v;
        if (accumulate) {
            c0v = FloatVector.fromArray(S, c, c0, mask); c1v = FloatVector.fromArray(S, c, c0 + ldb, mask);
            c2v = FloatVector.fromArray(S, c, c0 + 2 * ldb, mask); c3v = FloatVector.fromArray(S, c, c0 + 3 * ldb, mask);
        } else {
            c0v = c1v = c2v = c3v = FloatVector.zero(S);
        }
        for (int q = 0, bq = b0, aq0 = a0; q < k; q++, bq += ldb, aq0 += aq) {
            FloatVector v = FloatVector.fromArray(S, b, bq, mask);
            c0v = FloatVector.broadcast(S, a[aq0]).fma(v, c0v);
            c1v = FloatVector.broadcast(S, a[aq0 + ai]).fma(v, c1v);
            c2v = FloatVector.broadcast(S, a[aq0 + 2 * ai]).fma(v, c2v);
            c3v = FloatVector.broadcast(S, a[aq0 + 3 * ai]).fma(v, c3v);
        }
        c0v.intoArray(c, c0, mask); c1v.intoArray(c, c0 + ldb, mask);
        c2v.intoArray(c, c0 + 2 * ldb, mask); c3v.intoArray(c, c0 + 3 * ldb, mask);
    }

    /** One row by one vector: the row remainder; two interleaved sums halve the FMA latency chain. */
    private static void tile1x1(float[] a, int a0, int aq, int k, float[] b, int b0, int ldb, float[] c, int c0, boolean accumulate) {
        FloatVector s0 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S), s1 = FloatVector.zero(S);
        int q = 0;
        for (; q + 2 <= k; q += 2) {
            s0 = FloatVector.broadcast(S, a[a0 + q * aq]).fma(FloatVector.fromArray(S, b, b0 + q * ldb), s0);
            s1 = FloatVector.broadcast(S, a[a0 + (q + 1) * aq]).fma(FloatVector.fromArray(S, b, b0 + (q + 1) * ldb), s1);
        }
        if (q < k) s0 = FloatVector.broadcast(S, a[a0 + q * aq]).fma(FloatVector.fromArray(S, b, b0 + q * ldb), s0);
        s0.add(s1).intoArray(c, c0);
    }

    /** Rows {@code i0..i1}, columns {@code j0..n} in plain scalar code: fewer than one vector of columns. */
    private static void scalarBlock(float[] a, int aOff, int ai, int aq, int i0, int i1, int k, float[] b, int bOff, int n,
                                    int j0, float[] c, int cOff, boolean accumulate) {
        for (int i = i0; i < i1; i++) {
            int ar = aOff + i * ai;
            for (int j = j0; j < n; j++) {
                float s = accumulate ? c[cOff + i * n + j] : 0f;
                for (int q = 0; q < k; q++) s += a[ar + q * aq] * b[bOff + q * n + j];
                c[cOff + i * n + j] = s;
            }
        }
    }

    /** The sum of {@code len} floats from {@code off}, eight lanes at a time. */
    public static float sum(float[] a, int off, int len) {
        int q = 0;
        float s = 0f;
        if (!Kernels.SCALAR) {
            FloatVector acc = FloatVector.zero(S);
            for (int bound = S.loopBound(len); q < bound; q += L) acc = acc.add(FloatVector.fromArray(S, a, off + q));
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; q < len; q++) s += a[off + q];
        return s;
    }

    /** {@code dst[dOff + j] += src[sOff + j]} for {@code len} floats, eight lanes at a time. */
    public static void addInto(float[] src, int sOff, float[] dst, int dOff, int len) {
        int j = 0;
        if (!Kernels.SCALAR) {
            for (int bound = S.loopBound(len); j < bound; j += L) {
                FloatVector.fromArray(S, src, sOff + j).add(FloatVector.fromArray(S, dst, dOff + j)).intoArray(dst, dOff + j);
            }
        }
        for (; j < len; j++) dst[dOff + j] += src[sOff + j];
    }

    /** {@code db[j] (+)= sum_i dy[i, j]} over m rows of n columns: the bias gradient. */
    public static void columnSums(float[] dy, int dyOff, int m, int n, float[] db, int dbOff, boolean accumulate) {
        int bound = Kernels.SCALAR ? 0 : S.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector acc = accumulate ? FloatVector.fromArray(S, db, dbOff + j) : FloatVector.zero(S);
            for (int i = 0; i < m; i++) acc = acc.add(FloatVector.fromArray(S, dy, dyOff + i * n + j));
            acc.intoArray(db, dbOff + j);
        }
        for (; j < n; j++) {
            float s = accumulate ? db[dbOff + j] : 0f;
            for (int i = 0; i < m; i++) s += dy[dyOff + i * n + j];
            db[dbOff + j] = s;
        }
    }

    static void matmulNTScalar(float[] a, int aOff, int m, int k, float[] b, int bOff, int n, float[] c, int cOff,
                               boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = accumulate ? c[cOff + i * n + j] : 0f;
                for (int q = 0; q < k; q++) s += a[aOff + i * k + q] * b[bOff + j * k + q];
                c[cOff + i * n + j] = s;
            }
        }
    }

    static void broadcastGemmScalar(float[] a, int aOff, int ai, int aq, int m, int k, float[] b, int bOff, int n,
                                    float[] c, int cOff, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = accumulate ? c[cOff + i * n + j] : 0f;
                for (int q = 0; q < k; q++) s += a[aOff + i * ai + q * aq] * b[bOff + q * n + j];
                c[cOff + i * n + j] = s;
            }
        }
    }
}
